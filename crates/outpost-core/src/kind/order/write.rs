//! Changing orders: creating one, editing a draft, and the lifecycle steps.
//!
//! Every edit of a draft goes through one function, [`Orders::apply`]: the order as it
//! should be ([`Desired`]) is compared with the order the person started from and with the
//! order as stored, and only the fields that differ from both are written, in one
//! Automerge change. An untouched field is never written, so it can never become a
//! conflict with another office's edit of it; a line the person never saw (added
//! elsewhere meanwhile) is never removed.

use automerge::ObjId;
use automerge::transaction::{Transactable, Transaction};
use jiff::Timestamp;

use super::Orders;
use super::layout::{
    CheckedLine, OrderDraft, order_in, order_ref, put_event, put_fulfilment, put_line, put_order,
};
use super::model::{Action, Order, OrderKind, Status, StatusEvent};
use super::query::head;
use crate::access::{self, Device};
use crate::code::{SiteCode, WarehouseCode};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::form::check_amounts;
use crate::id::{LineId, OrderId};
use crate::kind::party::{self, PartyKind};
use crate::kind::stock::MovementKind;
use crate::kind::{item, site};
use crate::money::Money;
use crate::repo::Written;
use crate::schema::View;
use crate::text::{MAX_TEXT, optional};

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

/// An order's editable part as it should be after a save, every value checked.
#[derive(Clone, Debug)]
pub(super) struct Desired {
    pub party: Option<String>,
    pub warehouse: WarehouseCode,
    pub note: String,
    pub lines: Vec<DesiredLine>,
}

/// A line as it should be: an existing line (by id) or a new one.
#[derive(Clone, Debug)]
pub(super) struct DesiredLine {
    pub id: Option<LineId>,
    pub line: CheckedLine,
}

impl Desired {
    /// The order as it is (the start of an edit).
    fn of(order: &Order) -> Desired {
        Desired {
            party: order.party.as_ref().map(|p| p.to_string()),
            warehouse: order.warehouse.clone(),
            note: order.note.clone(),
            lines: order
                .lines
                .iter()
                .map(|l| DesiredLine {
                    id: Some(l.id.clone()),
                    line: CheckedLine {
                        item: l.item.clone(),
                        qty: l.qty,
                        price: l.price,
                        discount: l.discount,
                    },
                })
                .collect(),
        }
    }
}

/// Lines whose fields changed (item, quantity, price, discount): what [`Orders::apply`]
/// compares, per line.
fn line_fields(l: &CheckedLine) -> [(&'static str, automerge::ScalarValue); 4] {
    [
        ("item", l.item.as_str().into()),
        ("qty", l.qty.into()),
        ("price", l.price.0.into()),
        ("discount", l.discount.0.into()),
    ]
}

impl Orders<'_> {
    /// This device's member if it may record operations for `site`.
    pub(super) fn acting_for(&self, site: &SiteCode) -> Result<Device> {
        let me = self.repo.me()?;
        if access::may_act_for(&me, site) {
            Ok(me)
        } else {
            Err(Error::WrongSite {
                own: me.site.to_string(),
                other: site.to_string(),
            })
        }
    }

    /// A line checked against the catalogue: the item by SKU, name or id; no price means
    /// the item's list price.
    pub(super) fn check_line(
        &self,
        item: &str,
        qty: i64,
        price: Option<Money>,
        discount: Money,
    ) -> Result<CheckedLine> {
        let item = item::resolve(self.repo.db(), item)?;
        let price = price.unwrap_or(item.price);
        check_amounts(qty, price, discount)?;
        Ok(CheckedLine {
            item: item.id,
            qty,
            price,
            discount,
        })
    }

    /// The id of the customer (sales) or supplier (purchase) named `key`.
    pub(super) fn party_for(&self, kind: OrderKind, key: &str) -> Result<String> {
        let party_kind = match kind {
            OrderKind::Sales => PartyKind::Customer,
            OrderKind::Purchase => PartyKind::Supplier,
        };
        Ok(party::resolve(self.repo.db(), party_kind, key)?
            .id
            .to_string())
    }

    /// `warehouse` if it belongs to `site`, else the site's first warehouse when `None`.
    pub(super) fn warehouse_for(
        &self,
        site: &SiteCode,
        warehouse: Option<&WarehouseCode>,
    ) -> Result<WarehouseCode> {
        match warehouse {
            Some(w) => {
                // An order draws on a warehouse of its own site.
                let wh_site = site::warehouse_site(self.repo.db(), w)?;
                if &wh_site != site {
                    return Err(Error::WrongSite {
                        own: site.to_string(),
                        other: wh_site.to_string(),
                    });
                }
                Ok(w.clone())
            }
            None => site::first_warehouse(self.repo.db(), site),
        }
    }

    /// Creates a draft order at this device's site and returns its human number and id.
    pub fn create(&mut self, new: NewOrder, at: Timestamp) -> Result<(String, OrderId)> {
        let me = self.repo.me()?;
        let warehouse = self.warehouse_for(&me.site, new.warehouse.as_ref())?;
        let party = new
            .party
            .as_deref()
            .map(|p| self.party_for(new.kind, p))
            .transpose()?;
        let lines = new
            .lines
            .iter()
            .map(|l| self.check_line(&l.item, l.qty, l.price, l.discount))
            .collect::<Result<Vec<_>>>()?;
        let desired = Desired {
            party,
            warehouse,
            note: optional("note", &new.note, MAX_TEXT)?,
            lines: lines
                .into_iter()
                .map(|line| DesiredLine { id: None, line })
                .collect(),
        };
        self.insert(new.kind, desired, false, at)
    }

    /// Writes a new order (submitted at once if `submit`): its number comes from this
    /// device's series.
    pub(super) fn insert(
        &mut self,
        kind: OrderKind,
        d: Desired,
        submit: bool,
        at: Timestamp,
    ) -> Result<(String, OrderId)> {
        let me = self.repo.me()?;
        let site = me.site.clone();
        let prefix = format!("{}-{}-", site, me.code);
        let existing = self.repo.last_number("orders", &prefix)?;
        let seq = self.repo.next_seq("order", existing)?;
        let number = format!("{prefix}{seq:06}");
        let id = OrderId::generate(at);
        let doc_id = DocId::ops(&site, at);
        let lines: Vec<CheckedLine> = d.lines.into_iter().map(|l| l.line).collect();
        self.repo.write(&doc_id, at, |tx| {
            let obj = put_order(
                tx,
                &OrderDraft {
                    id: &id,
                    number: &number,
                    kind,
                    site: &site,
                    by: &me.id,
                    party: d.party.as_deref(),
                    warehouse: &d.warehouse,
                    note: &d.note,
                    lines: &lines,
                },
                at,
            )?;
            if submit {
                submit_in(tx, &obj, &id, &me, at)?;
            }
            let mut w = Written::new((), "order.new", vec![order_ref(&id)]);
            w.meta.push(("seq.order".into(), seq.to_string()));
            Ok(w)
        })?;
        Ok((number, id))
    }

    /// Edits a draft order's customer/supplier, warehouse or remark.
    pub fn edit(&mut self, key: &str, edit: OrderEdit, at: Timestamp) -> Result<()> {
        let (current, doc_id) = self.draft(key)?;
        let mut desired = Desired::of(&current);
        if let Some(p) = &edit.party {
            desired.party = Some(self.party_for(current.kind, p)?);
        }
        if let Some(w) = &edit.warehouse {
            desired.warehouse = self.warehouse_for(&current.site, Some(w))?;
        }
        if let Some(n) = &edit.note {
            desired.note = optional("note", n, MAX_TEXT)?;
        }
        self.apply(
            &doc_id,
            &current,
            &current,
            &desired,
            false,
            "order.edit",
            at,
        )
    }

    /// Adds, changes or removes a line of a draft order.
    pub fn edit_lines(&mut self, key: &str, edit: LineEdit, at: Timestamp) -> Result<()> {
        let (current, doc_id) = self.draft(key)?;
        let mut desired = Desired::of(&current);
        let nth = |n: usize| {
            n.checked_sub(1)
                .filter(|i| *i < desired.lines.len())
                .ok_or_else(|| Error::not_found("line", n.to_string()))
        };
        match edit {
            LineEdit::Add(l) => {
                let line = self.check_line(&l.item, l.qty, l.price, l.discount)?;
                desired.lines.push(DesiredLine { id: None, line });
            }
            LineEdit::Set {
                line,
                item,
                qty,
                price,
                discount,
            } => {
                let i = nth(line)?;
                let was = &desired.lines[i].line;
                let new_item = item
                    .as_deref()
                    .map(|k| item::resolve(self.repo.db(), k))
                    .transpose()?;
                let item_changed = new_item.as_ref().filter(|it| it.id != was.item);
                let price = price
                    .or(item_changed.map(|it| it.price))
                    .unwrap_or(was.price);
                let (q, d) = (qty.unwrap_or(was.qty), discount.unwrap_or(was.discount));
                check_amounts(q, price, d)?;
                desired.lines[i].line = CheckedLine {
                    item: item_changed.map_or(was.item.clone(), |it| it.id.clone()),
                    qty: q,
                    price,
                    discount: d,
                };
            }
            LineEdit::Remove { line } => {
                let i = nth(line)?;
                desired.lines.remove(i);
            }
        }
        self.apply(
            &doc_id,
            &current,
            &current,
            &desired,
            false,
            "order.line",
            at,
        )
    }

    /// The order `key` if it is a draft this device may edit, with its document.
    pub(super) fn draft(&mut self, key: &str) -> Result<(Order, DocId)> {
        let (row, doc_id) = head(self.repo.db(), key)?;
        self.acting_for(&SiteCode::from_stored(row.site.clone()))?;
        if !row.status.is_draft() {
            return Err(Error::OrderFrozen(row.number));
        }
        let order = self.stored(&doc_id, &row.id, None)?;
        Ok((order, doc_id))
    }

    /// The order as stored now, or at `version` when that state is known here.
    pub(super) fn stored(
        &mut self,
        doc_id: &DocId,
        id: &OrderId,
        version: Option<&str>,
    ) -> Result<Order> {
        let heads = version
            .map(crate::schema::parse_version)
            .unwrap_or_default();
        let doc = self.repo.doc(doc_id)?;
        let known = !heads.is_empty()
            && heads
                .iter()
                .all(|h| doc.get_change_meta_by_hash(h).is_some());
        let view = if known {
            View::at(doc, &heads)
        } else {
            View::now(doc)
        };
        view.child_map(&automerge::ROOT, super::ORDERS)
            .and_then(|c| view.child_map(&c, id.as_str()))
            .and_then(|obj| super::model::read_order(view, id.as_str(), obj, &mut Vec::new()))
            .ok_or_else(|| Error::not_found("order", id.as_str()))
    }

    /// Turns the stored order into `desired` in one change: writes each field that differs
    /// from both `base` (what the person started from) and the order as stored now, marks
    /// the lines the person removed, adds the new ones, and submits it if `submit`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply(
        &mut self,
        doc_id: &DocId,
        base: &Order,
        current: &Order,
        desired: &Desired,
        submit: bool,
        action: &'static str,
        at: Timestamp,
    ) -> Result<()> {
        let me = self.repo.me()?;
        let id = current.id.clone();
        self.repo.write(doc_id, at, |tx| {
            let (obj, now) = order_in(tx, &id)?;
            if !now.status().is_draft() {
                return Err(Error::OrderFrozen(now.number));
            }
            let base_party = base.party.as_ref().map(|p| p.to_string());
            let now_party = now.party.as_ref().map(|p| p.to_string());
            if desired.party != base_party && desired.party != now_party {
                tx.put(&obj, "party", desired.party.as_deref().unwrap_or(""))?;
            }
            if desired.warehouse != base.warehouse && desired.warehouse != now.warehouse {
                tx.put(&obj, "warehouse", desired.warehouse.as_str())?;
            }
            if desired.note != base.note && desired.note != now.note {
                tx.put(&obj, "note", desired.note.as_str())?;
            }
            let lines_obj = View::now(&*tx)
                .child_map(&obj, "lines")
                .ok_or_else(|| Error::corrupt("order", "order has no lines map"))?;
            apply_lines(tx, &lines_obj, base, &now, &desired.lines, at)?;
            if submit {
                submit_in(tx, &obj, &id, &me, at)?;
            }
            Ok(Written::new((), action, vec![order_ref(&id)]))
        })
    }

    /// Takes a lifecycle step. Shipping a sales order issues its stock and receiving a
    /// purchase order receives it, in the same change. Returns the new status.
    pub fn act(&mut self, key: &str, action: Action, note: &str, at: Timestamp) -> Result<Status> {
        let (current, doc_id) = head(self.repo.db(), key)?;
        let id = current.id.clone();
        let me = self.acting_for(&SiteCode::from_stored(current.site.clone()))?;
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
        self.repo.write(&doc_id, at, |tx| {
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
            put_event(tx, &obj, action.target(), &me.id, &note, total, at)?;
            let mut touched = vec![order_ref(&id)];
            match action {
                Action::Ship => touched.extend(put_fulfilment(
                    tx,
                    &order,
                    MovementKind::Issue,
                    -1,
                    &me.id,
                    at,
                )?),
                Action::Receive => touched.extend(put_fulfilment(
                    tx,
                    &order,
                    MovementKind::Receipt,
                    1,
                    &me.id,
                    at,
                )?),
                _ => {}
            }
            Ok(Written::new(
                fold_after(&order, action),
                action_name(action),
                touched,
            ))
        })
    }

    /// Whether `warehouse` holds every item of an order in the ordered quantity.
    fn check_stock_for(&self, order: &OrderId, warehouse: &WarehouseCode) -> Result<()> {
        let mut stmt = self.repo.db().prepare_cached(
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
}

/// Writes the line changes of a save: edited fields of kept lines, tombstones for the
/// lines the person removed, and the new lines.
fn apply_lines(
    tx: &mut Transaction<'_>,
    lines_obj: &ObjId,
    base: &Order,
    now: &Order,
    desired: &[DesiredLine],
    at: Timestamp,
) -> Result<()> {
    let mut kept: Vec<&LineId> = Vec::new();
    let mut added = Vec::new();
    for d in desired {
        let Some(id) =
            d.id.as_ref()
                .filter(|id| now.lines.iter().any(|l| &l.id == *id))
        else {
            added.push(&d.line);
            continue;
        };
        kept.push(id);
        let line_obj = View::now(&*tx)
            .child_map(lines_obj, id.as_str())
            .ok_or_else(|| Error::not_found("line", id.as_str()))?;
        let stored = now.lines.iter().find(|l| &l.id == id);
        let started = base.lines.iter().find(|l| &l.id == id).or(stored);
        let as_checked = |l: &super::model::Line| CheckedLine {
            item: l.item.clone(),
            qty: l.qty,
            price: l.price,
            discount: l.discount,
        };
        let was = started.map(as_checked);
        let is = stored.map(as_checked);
        for (i, (field, value)) in line_fields(&d.line).into_iter().enumerate() {
            let differs =
                |l: &Option<CheckedLine>| l.as_ref().is_none_or(|l| line_fields(l)[i].1 != value);
            if differs(&was) && differs(&is) {
                tx.put(&line_obj, field, value)?;
            }
        }
    }
    // Lines the person saw and dropped. A tombstone, not a delete: an edit made
    // concurrently elsewhere stays in the document (and its history).
    for line in &base.lines {
        if kept.contains(&&line.id) || !now.lines.iter().any(|l| l.id == line.id) {
            continue;
        }
        if let Some(line_obj) = View::now(&*tx).child_map(lines_obj, line.id.as_str()) {
            tx.put(&line_obj, "removed", true)?;
        }
    }
    // Positions count removed lines too, so a line's number never repeats.
    let first = View::now(&*tx).map_children(lines_obj).len() as i64;
    for (pos, line) in (first..).zip(added) {
        put_line(tx, lines_obj, line, pos, at)?;
    }
    Ok(())
}

/// Appends a submit event to the order being written, with its total as it now stands.
fn submit_in(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    id: &OrderId,
    me: &Device,
    at: Timestamp,
) -> Result<()> {
    let (_, order) = order_in(tx, id)?;
    let status = order.status();
    if !Action::Submit.allowed(order.kind, status) {
        return Err(Error::InvalidTransition {
            number: order.number.clone(),
            status: status.to_string(),
            action: Action::Submit.past().to_string(),
        });
    }
    if order.lines.is_empty() {
        return Err(Error::EmptyOrder(order.number.clone()));
    }
    put_event(
        tx,
        obj,
        Status::Submitted,
        &me.id,
        "",
        Some(order.total()),
        at,
    )
}

fn fold_after(order: &Order, action: Action) -> Status {
    let mut events = order.events.clone();
    events.push(StatusEvent {
        status: action.target(),
        at_ms: 0,
        device: order.created_by.clone(),
        note: String::new(),
        total: None,
    });
    super::model::fold_status(order.kind, &events)
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
