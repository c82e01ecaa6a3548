//! Changing orders: creating one and the lifecycle steps (editing a draft is `edit.rs`).

use automerge::ObjId;
use automerge::transaction::Transaction;
use jiff::Timestamp;

use super::Orders;
use super::edit::{Desired, DesiredLine};
use super::layout::{
    CheckedLine, OrderDraft, order_in, order_ref, put_event, put_fulfilment, put_order,
};
use super::model::{Action, Order, OrderKind, Status, StatusEvent};
use super::query::head;
use crate::access::{self, Device};
use crate::code::{SiteCode, WarehouseCode};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::form::check_amounts;
use crate::id::OrderId;
use crate::kind::party::{self, PartyKind};
use crate::kind::stock::MovementKind;
use crate::kind::{item, site};
use crate::money::Money;
use crate::repo::Written;
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
                .map(|line| DesiredLine {
                    id: None,
                    line,
                    named: [false; 4],
                })
                .collect(),
            named: [false; 3],
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

    /// Takes a lifecycle step. Shipping a sales order issues its stock and receiving a
    /// purchase order receives it, in the same change. Returns the new status.
    pub fn act(&mut self, key: &str, action: Action, note: &str, at: Timestamp) -> Result<Status> {
        let (current, doc_id) = head(self.repo.db(), key)?;
        let id = current.id.clone();
        let site = SiteCode::from_stored(current.site.clone());
        let me = self.acting_for(&site)?;
        // Approving is not a warehouse's step; invoiced or paid is the books' word.
        if !crate::access::may_take_step(&me, &site, action.target()) {
            let role = me.role.as_str().to_string();
            return Err(if matches!(action, Action::Invoice | Action::Pay) {
                Error::NotBilling { role }
            } else {
                Error::StepNotAllowed {
                    role,
                    action: action.past().to_string(),
                }
            });
        }
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

/// Appends a submit event to the order being written, with its total as it now stands.
pub(super) fn submit_in(
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
