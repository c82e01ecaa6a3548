//! Editing a draft: every edit of a draft order (the form's save, the CLI's header and line
//! edits) goes through one function, [`Orders::apply`]. The order as it should be
//! ([`Desired`]) is compared with the order the person started from and with the order as
//! stored: a field the person typed (it differs from where they started) or named (a CLI
//! edit) is written when it differs from the stored value or is in conflict (typing the
//! value shown settles the conflict, as for parties and tasks), all in one Automerge
//! change. An untouched field is never written, so it can never become a conflict with
//! another office's edit of it, and a line the person never saw (added elsewhere
//! meanwhile) is never removed.

use automerge::ObjId;
use automerge::transaction::{Transactable, Transaction};
use jiff::Timestamp;

use super::Orders;
use super::layout::{CheckedLine, order_in, order_ref, put_line};
use super::model::Order;
use super::query::head;
use super::write::{LineEdit, OrderEdit, submit_in};
use crate::code::{SiteCode, WarehouseCode};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::form::check_amounts;
use crate::id::{LineId, OrderId};
use crate::kind::item;
use crate::repo::Written;
use crate::schema::{View, is_conflicted};
use crate::text::{MAX_TEXT, optional};

/// An order's editable part as it should be after a save, every value checked.
#[derive(Clone, Debug)]
pub(super) struct Desired {
    pub party: Option<String>,
    pub warehouse: WarehouseCode,
    pub note: String,
    pub lines: Vec<DesiredLine>,
    /// Header fields the person named (party, warehouse, note): written even when equal
    /// to the value shown, if that field is in conflict.
    pub named: [bool; 3],
}

/// A line as it should be: an existing line (by id) or a new one.
#[derive(Clone, Debug)]
pub(super) struct DesiredLine {
    pub id: Option<LineId>,
    pub line: CheckedLine,
    /// Fields the person named, in [`line_fields`] order (item, qty, price, discount).
    pub named: [bool; 4],
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
                    named: [false; 4],
                })
                .collect(),
            named: [false; 3],
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
        desired.named = [
            edit.party.is_some(),
            edit.warehouse.is_some(),
            edit.note.is_some(),
        ];
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
                desired.lines.push(DesiredLine {
                    id: None,
                    line,
                    named: [true; 4],
                });
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
                let named = [
                    item.is_some(),
                    qty.is_some(),
                    price.is_some() || item_changed.is_some(),
                    discount.is_some(),
                ];
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
                desired.lines[i].named = named;
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
        self.repo
            .record_at(doc_id, super::ORDERS, id.as_str(), version, |view, obj| {
                super::model::read_order(view, id.as_str(), obj, &mut Vec::new())
            })?
            .ok_or_else(|| Error::not_found("order", id.as_str()))
    }

    /// Turns the stored order into `desired` in one change: writes each field the person
    /// typed (it differs from `base`, what they started from) or named, when it differs
    /// from the order as stored now or is in conflict there, marks
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
            let [party, warehouse, note] = desired.named;
            let party = (
                party || desired.party != base_party,
                desired.party != now_party,
            );
            let warehouse = (
                warehouse || desired.warehouse != base.warehouse,
                desired.warehouse != now.warehouse,
            );
            let note = (note || desired.note != base.note, desired.note != now.note);
            for (field, (typed, differs), value) in [
                ("party", party, desired.party.as_deref().unwrap_or("")),
                ("warehouse", warehouse, desired.warehouse.as_str()),
                ("note", note, desired.note.as_str()),
            ] {
                if typed && (differs || is_conflicted(&*tx, &obj, field)) {
                    tx.put(&obj, field, value)?;
                }
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
            let typed = d.named[i] || differs(&was);
            if typed && (differs(&is) || is_conflicted(&*tx, &line_obj, field)) {
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
