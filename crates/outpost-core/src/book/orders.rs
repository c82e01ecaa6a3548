//! Orders: create, edit while draft, and move through the lifecycle.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType};
use jiff::Timestamp;

use super::stock::{Planned, put_movement};
use super::{Book, Written};
use crate::code::WarehouseCode;
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::id::{ItemId, LineId, OrderId};
use crate::money::Money;
use crate::order::{Action, Order, OrderKind, read_order};
use crate::org::PartyKind;
use crate::record::RecordRef;
use crate::schema::{View, collection, collection_obj};
use crate::stock::MovementKind;
use crate::text::{MAX_TEXT, optional};

/// Largest quantity on one line.
pub const MAX_QTY: i64 = 1_000_000_000;
/// Largest unit price, in fen (¥10 billion).
pub const MAX_PRICE: i64 = 1_000_000_000_000;

/// A line to add: the item by SKU or id; the price defaults to the item's list price.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLine {
    /// SKU or item id.
    pub item: String,
    /// Quantity, > 0.
    pub qty: i64,
    /// Unit price; the list price if `None`.
    pub price: Option<Money>,
    /// Discount on the line, 0 ≤ discount ≤ qty × price.
    pub discount: Money,
}

/// A new order.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// Sales or purchase.
    pub kind: OrderKind,
    /// Customer (sales) or supplier (purchase), by name or id.
    pub party: Option<String>,
    /// Warehouse; the site's first if `None`.
    pub warehouse: Option<WarehouseCode>,
    /// Remark.
    pub note: String,
    /// Lines; may be empty while draft.
    pub lines: Vec<NewLine>,
}

/// Changes to a draft order's header; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderEdit {
    /// New customer or supplier.
    pub party: Option<String>,
    /// New warehouse.
    pub warehouse: Option<WarehouseCode>,
    /// New remark.
    pub note: Option<String>,
}

/// A change to a draft order's lines. Lines are named by their 1-based number.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LineEdit {
    /// Add a line.
    Add(NewLine),
    /// Change fields of a line.
    Set {
        /// 1-based line number.
        line: usize,
        /// Another item (SKU, name or id); the line keeps its number. Without a price,
        /// the new item's catalogue price applies.
        item: Option<String>,
        /// New quantity.
        qty: Option<i64>,
        /// New unit price.
        price: Option<Money>,
        /// New discount.
        discount: Option<Money>,
    },
    /// Remove a line.
    Remove {
        /// 1-based line number.
        line: usize,
    },
}

/// A line checked against the catalogue, ready to write.
pub(super) struct CheckedLine {
    pub item: ItemId,
    pub qty: i64,
    pub price: Money,
    pub discount: Money,
}

/// A new order, checked and numbered, ready to write.
pub(super) struct OrderDraft<'a> {
    pub id: &'a OrderId,
    pub number: &'a str,
    pub kind: OrderKind,
    pub site: &'a crate::code::SiteCode,
    pub by: &'a crate::id::DeviceId,
    pub party: Option<&'a str>,
    pub warehouse: &'a WarehouseCode,
    pub note: &'a str,
    pub lines: &'a [CheckedLine],
}

/// Writes a new draft order; returns its object.
pub(super) fn put_order(
    tx: &mut Transaction<'_>,
    d: &OrderDraft<'_>,
    at: Timestamp,
) -> Result<ObjId> {
    let orders = collection_obj(tx, collection::ORDERS)?;
    let obj = tx.put_object(&orders, d.id.as_str(), ObjType::Map)?;
    tx.put(&obj, "number", d.number)?;
    tx.put(&obj, "kind", d.kind.as_str())?;
    tx.put(&obj, "site", d.site.as_str())?;
    tx.put(&obj, "created_at", at.as_millisecond())?;
    tx.put(&obj, "created_by", d.by.as_str())?;
    tx.put(&obj, "party", d.party.unwrap_or(""))?;
    tx.put(&obj, "warehouse", d.warehouse.as_str())?;
    tx.put(&obj, "note", d.note)?;
    let lines_obj = tx.put_object(&obj, "lines", ObjType::Map)?;
    tx.put_object(&obj, "events", ObjType::List)?;
    for (pos, line) in d.lines.iter().enumerate() {
        put_line(tx, &lines_obj, line, pos as i64, at)?;
    }
    Ok(obj)
}

/// Appends a status event to an order.
pub(super) fn put_event(
    tx: &mut Transaction<'_>,
    order: &ObjId,
    status: crate::order::Status,
    by: &crate::id::DeviceId,
    note: &str,
    total: Option<Money>,
    at: Timestamp,
) -> Result<()> {
    let events = View::now(&*tx)
        .child_list(order, "events")
        .ok_or_else(|| Error::corrupt("order", "order has no events list"))?;
    let len = View::now(&*tx).length(&events);
    let ev = tx.insert_object(&events, len, ObjType::Map)?;
    tx.put(&ev, "status", status.as_str())?;
    tx.put(&ev, "at", at.as_millisecond())?;
    tx.put(&ev, "by", by.as_str())?;
    if !note.is_empty() {
        tx.put(&ev, "note", note)?;
    }
    if let Some(total) = total {
        tx.put(&ev, "total", total.0)?;
    }
    Ok(())
}

/// Writes the stock movements that fulfil an order (negative `sign` for a shipment).
pub(super) fn put_fulfilment(
    tx: &mut Transaction<'_>,
    order: &Order,
    kind: MovementKind,
    sign: i64,
    by: &crate::id::DeviceId,
    at: Timestamp,
) -> Result<Vec<RecordRef>> {
    order
        .qty_by_item()
        .into_iter()
        .map(|(item, qty)| {
            let planned = Planned {
                order: Some(order.id.clone()),
                ..Planned::simple(kind, item, order.warehouse.clone(), sign * qty)
            };
            put_movement(tx, &planned, by, "", at)
        })
        .collect()
}

fn check_amounts(qty: i64, price: Money, discount: Money) -> Result<()> {
    if !(1..=MAX_QTY).contains(&qty) {
        return Err(Error::invalid("quantity", qty, Rule::range(1, MAX_QTY)));
    }
    if !(0..=MAX_PRICE).contains(&price.0) {
        return Err(Error::invalid(
            "price",
            price,
            Rule::range(Money::ZERO, Money(MAX_PRICE)),
        ));
    }
    let gross = qty.saturating_mul(price.0);
    if discount.0 < 0 || discount.0 > gross {
        return Err(Error::invalid(
            "discount",
            discount,
            Rule::range(Money::ZERO, Money(gross)),
        ));
    }
    Ok(())
}

fn put_line(
    tx: &mut Transaction<'_>,
    lines: &ObjId,
    line: &CheckedLine,
    pos: i64,
    at: Timestamp,
) -> Result<LineId> {
    let id = LineId::generate(at);
    let obj = tx.put_object(lines, id.as_str(), ObjType::Map)?;
    tx.put(&obj, "added_at", at.as_millisecond())?;
    tx.put(&obj, "pos", pos)?;
    tx.put(&obj, "item", line.item.as_str())?;
    tx.put(&obj, "qty", line.qty)?;
    tx.put(&obj, "price", line.price.0)?;
    tx.put(&obj, "discount", line.discount.0)?;
    Ok(id)
}

/// The order object and its current state, read inside a transaction.
fn order_in(tx: &Transaction<'_>, id: &OrderId) -> Result<(ObjId, Order)> {
    let orders = collection_obj(tx, collection::ORDERS)?;
    let view = View::now(tx);
    let obj = view
        .child_map(&orders, id.as_str())
        .ok_or_else(|| Error::not_found("order", id.as_str()))?;
    let order = read_order(view, id.as_str(), obj.clone(), &mut Vec::new())
        .ok_or_else(|| Error::corrupt("order", format!("order {id} is unreadable")))?;
    Ok((obj, order))
}

fn order_ref(id: &OrderId) -> RecordRef {
    RecordRef::new(collection::ORDERS, id.as_str())
}

impl Book {
    fn check_line(&self, line: &NewLine) -> Result<CheckedLine> {
        let item = self.resolve_item(&line.item)?;
        let price = line.price.unwrap_or(item.price);
        check_amounts(line.qty, price, line.discount)?;
        Ok(CheckedLine {
            item: item.id,
            qty: line.qty,
            price,
            discount: line.discount,
        })
    }

    /// Whether `warehouse` holds every item of an order in the ordered quantity.
    fn check_stock_for(&self, order: &OrderId, warehouse: &WarehouseCode) -> Result<()> {
        let mut stmt = self.db.prepare_cached(
            "SELECT coalesce(i.sku, l.item), sum(l.qty), coalesce(s.qty, 0)
             FROM order_lines l
             LEFT JOIN items i ON i.id = l.item
             LEFT JOIN stock_levels s ON s.item = l.item AND s.warehouse = ?2
             WHERE l.order_id = ?1 GROUP BY l.item ORDER BY 1",
        )?;
        let needs: Vec<(String, i64, i64)> = stmt
            .query_map([order.as_str(), warehouse.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        match needs
            .into_iter()
            .find(|(_, requested, available)| available < requested)
        {
            Some((sku, requested, available)) => Err(Error::InsufficientStock {
                sku,
                warehouse: warehouse.to_string(),
                available,
                requested,
            }),
            None => Ok(()),
        }
    }

    fn party_for(&self, kind: OrderKind, key: &str) -> Result<String> {
        let party_kind = match kind {
            OrderKind::Sales => PartyKind::Customer,
            OrderKind::Purchase => PartyKind::Supplier,
        };
        Ok(self.resolve_party(party_kind, key)?.id.to_string())
    }

    /// Creates a draft order at this device's site and returns its human number and id.
    pub fn create_order(&mut self, new: NewOrder, at: Timestamp) -> Result<(String, OrderId)> {
        let me = self.me()?;
        let site = me.site.clone();
        let warehouse = match &new.warehouse {
            Some(w) => {
                // An order draws on a warehouse of its own site.
                let wh_site = self.warehouse_site(w)?;
                if wh_site != site {
                    return Err(Error::WrongSite {
                        own: site.to_string(),
                        other: wh_site.to_string(),
                    });
                }
                w.clone()
            }
            None => self
                .warehouses()?
                .into_iter()
                .find(|w| w.site == site)
                .map(|w| w.code)
                .ok_or_else(|| Error::not_found("warehouse of site", site.as_str()))?,
        };
        let party = new
            .party
            .as_deref()
            .map(|p| self.party_for(new.kind, p))
            .transpose()?;
        let note = optional("note", &new.note, MAX_TEXT)?;
        let lines = new
            .lines
            .iter()
            .map(|l| self.check_line(l))
            .collect::<Result<Vec<_>>>()?;
        let prefix = format!("{}-{}-", site, me.code);
        let existing = self.last_number("orders", &prefix)?;
        let seq = self.next_seq("order", existing)?;
        let number = format!("{prefix}{seq:06}");
        let id = OrderId::generate(at);
        let doc_id = DocId::ops(&site, at);
        let (me_id, num, oid) = (me.id.clone(), number.clone(), id.clone());
        self.write(&doc_id, at, |tx| {
            put_order(
                tx,
                &OrderDraft {
                    id: &oid,
                    number: &num,
                    kind: new.kind,
                    site: &site,
                    by: &me_id,
                    party: party.as_deref(),
                    warehouse: &warehouse,
                    note: &note,
                    lines: &lines,
                },
                at,
            )?;
            let mut w = Written::new((), "order.new", vec![order_ref(&oid)]);
            w.meta.push(("seq.order".into(), seq.to_string()));
            Ok(w)
        })?;
        Ok((number, id))
    }

    /// Edits a draft order's customer/supplier, warehouse or remark.
    pub fn edit_order(&mut self, key: &str, edit: OrderEdit, at: Timestamp) -> Result<()> {
        let (current, doc_id) = self.order_head(key)?;
        let id = current.id.clone();
        self.check_site(&crate::code::SiteCode::from_stored(current.site.clone()))?;
        let party = edit
            .party
            .as_deref()
            .map(|p| self.party_for(current.kind, p))
            .transpose()?;
        if let Some(w) = &edit.warehouse {
            let site = self.warehouse_site(w)?;
            if site.as_str() != current.site {
                return Err(Error::WrongSite {
                    own: current.site.clone(),
                    other: site.to_string(),
                });
            }
        }
        let note = edit
            .note
            .as_deref()
            .map(|n| optional("note", n, MAX_TEXT))
            .transpose()?;
        self.write(&doc_id, at, |tx| {
            let (obj, order) = order_in(tx, &id)?;
            if !order.status().is_draft() {
                return Err(Error::OrderFrozen(order.number));
            }
            if let Some(p) = &party {
                tx.put(&obj, "party", p.as_str())?;
            }
            if let Some(w) = &edit.warehouse {
                tx.put(&obj, "warehouse", w.as_str())?;
            }
            if let Some(n) = &note {
                tx.put(&obj, "note", n.as_str())?;
            }
            Ok(Written::new((), "order.edit", vec![order_ref(&id)]))
        })
    }

    /// Adds, changes or removes a line of a draft order.
    pub fn edit_lines(&mut self, key: &str, edit: LineEdit, at: Timestamp) -> Result<()> {
        let (current, doc_id) = self.order_head(key)?;
        let id = current.id.clone();
        self.check_site(&crate::code::SiteCode::from_stored(current.site.clone()))?;
        let added = match &edit {
            LineEdit::Add(line) => Some(self.check_line(line)?),
            _ => None,
        };
        let new_item = match &edit {
            LineEdit::Set {
                item: Some(item), ..
            } => Some(self.resolve_item(item)?),
            _ => None,
        };
        self.write(&doc_id, at, |tx| {
            let (obj, order) = order_in(tx, &id)?;
            if !order.status().is_draft() {
                return Err(Error::OrderFrozen(order.number));
            }
            let lines_obj = View::now(&*tx)
                .child_map(&obj, "lines")
                .ok_or_else(|| Error::corrupt("order", "order has no lines map"))?;
            let nth = |n: usize| {
                n.checked_sub(1)
                    .and_then(|i| order.lines.get(i))
                    .ok_or_else(|| Error::not_found("line", n.to_string()))
            };
            match (&edit, added) {
                (LineEdit::Add(_), Some(line)) => {
                    // Positions count removed lines too, so a line's number never repeats.
                    let pos = View::now(&*tx).map_children(&lines_obj).len() as i64;
                    put_line(tx, &lines_obj, &line, pos, at)?;
                }
                (
                    LineEdit::Set {
                        line,
                        qty,
                        price,
                        discount,
                        ..
                    },
                    _,
                ) => {
                    let l = nth(*line)?;
                    let item = new_item.as_ref().filter(|i| i.id != l.item);
                    let price = price.or(item.map(|i| i.price));
                    let (q, p, d) = (
                        qty.unwrap_or(l.qty),
                        price.unwrap_or(l.price),
                        discount.unwrap_or(l.discount),
                    );
                    check_amounts(q, p, d)?;
                    let line_obj = View::now(&*tx)
                        .child_map(&lines_obj, l.id.as_str())
                        .ok_or_else(|| Error::not_found("line", line.to_string()))?;
                    if let Some(i) = item {
                        tx.put(&line_obj, "item", i.id.as_str())?;
                    }
                    if qty.is_some() {
                        tx.put(&line_obj, "qty", q)?;
                    }
                    if price.is_some() {
                        tx.put(&line_obj, "price", p.0)?;
                    }
                    if discount.is_some() {
                        tx.put(&line_obj, "discount", d.0)?;
                    }
                }
                (LineEdit::Remove { line }, _) => {
                    let l = nth(*line)?;
                    // A tombstone, not a delete: an edit made concurrently elsewhere stays
                    // in the document (and its history) instead of vanishing with the key.
                    let line_obj = View::now(&*tx)
                        .child_map(&lines_obj, l.id.as_str())
                        .ok_or_else(|| Error::not_found("line", line.to_string()))?;
                    tx.put(&line_obj, "removed", true)?;
                }
                (LineEdit::Add(_), None) => return Err(Error::invalid("line", "", Rule::Empty)),
            }
            Ok(Written::new((), "order.line", vec![order_ref(&id)]))
        })
    }

    /// Takes a lifecycle step. Shipping a sales order issues its stock and receiving a
    /// purchase order receives it, in the same change. Returns the new status.
    pub fn act_on_order(
        &mut self,
        key: &str,
        action: Action,
        note: &str,
        at: Timestamp,
    ) -> Result<crate::order::Status> {
        let (current, doc_id) = self.order_head(key)?;
        let id = current.id.clone();
        let me = self.check_site(&crate::code::SiteCode::from_stored(current.site.clone()))?;
        let note = optional("note", note, MAX_TEXT)?;
        // The transition is checked again inside the transaction, against the document.
        if !action.allowed(current.kind, current.status) {
            return Err(Error::InvalidTransition {
                number: current.number.clone(),
                status: current.status.to_string(),
                action: action.past().to_string(),
            });
        }
        // Stock is checked against this device's levels; an oversell can still arise from a
        // partition, and then shows as an exception after the merge.
        if action == Action::Ship {
            self.check_stock_for(&id, &WarehouseCode::from_stored(current.warehouse.clone()))?;
        }
        let me_id = me.id.clone();
        self.write(&doc_id, at, |tx| {
            let (obj, order) = order_in(tx, &id)?;
            let status = order.status();
            if !action.allowed(order.kind, status) {
                return Err(Error::InvalidTransition {
                    number: order.number.clone(),
                    status: status.to_string(),
                    action: action.past().to_string(),
                });
            }
            if action == Action::Submit && order.lines.is_empty() {
                return Err(Error::EmptyOrder(order.number.clone()));
            }
            let total = (action == Action::Submit).then(|| order.total());
            put_event(tx, &obj, action.target(), &me_id, &note, total, at)?;
            let mut touched = vec![order_ref(&id)];
            match action {
                Action::Ship => touched.extend(put_fulfilment(
                    tx,
                    &order,
                    MovementKind::Issue,
                    -1,
                    &me_id,
                    at,
                )?),
                Action::Receive => touched.extend(put_fulfilment(
                    tx,
                    &order,
                    MovementKind::Receipt,
                    1,
                    &me_id,
                    at,
                )?),
                _ => {}
            }
            let after = fold_after(&order, action);
            Ok(Written::new(after, action_name(action), touched))
        })
    }
}

fn fold_after(order: &Order, action: Action) -> crate::order::Status {
    let mut events = order.events.clone();
    events.push(crate::order::StatusEvent {
        status: action.target(),
        at_ms: 0,
        device: order.created_by.clone(),
        note: String::new(),
        total: None,
    });
    crate::order::fold_status(order.kind, &events)
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Submit => "order.submit",
        Action::Approve => "order.approve",
        Action::Ship => "order.ship",
        Action::Receive => "order.receive",
        Action::Invoice => "order.invoice",
        Action::Pay => "order.pay",
        Action::Cancel => "order.cancel",
    }
}
