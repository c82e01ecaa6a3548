//! The history of a record: every change with its author device, time and what changed.
//!
//! Which changes touched a record comes from the change log; what each changed is read
//! from the document itself, comparing the record just before and just after the change.

use std::collections::BTreeMap;

use automerge::{Automerge, ChangeHash};
use serde::Serialize;

use super::Book;
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::org::PartyKind;
use crate::record::RecordRef;
use crate::schema::{View, collection};

/// One field's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field, e.g. `note`, `status`, `line 2 qty`.
    pub field: String,
    /// Value before ("" if none).
    pub old: String,
    /// Value after ("" if removed).
    pub new: String,
}

/// One change of a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// When, as the author recorded it (ms).
    pub at_ms: i64,
    /// Author device code (or id prefix if unknown).
    pub device: String,
    /// Author device id.
    pub device_id: String,
    /// What was done (`order.new`, `order.ship`, ...).
    pub action: String,
    /// The change hash.
    pub change: String,
    /// Fields that changed.
    pub fields: Vec<FieldChange>,
}

impl Book {
    /// The history of an order, task, item, customer or supplier, oldest first.
    pub fn history(&mut self, key: &str) -> Result<Vec<HistoryEntry>> {
        let (rec, mut doc_id) = self.locate_any(key)?;
        if self.holds(&DocId::Parties, &rec)? {
            doc_id = DocId::Parties;
        }
        let rows: Vec<(String, String, i64, String)> = {
            let mut stmt = self.db.prepare_cached(
                "SELECT c.hash, c.device, c.at, c.action FROM change_records r
                 JOIN changes c ON c.hash = r.hash
                 WHERE r.record = ?1 ORDER BY c.at, c.hash",
            )?;
            stmt.query_map([rec.label()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        // Ids shown as people know them: SKUs for items, names for parties.
        let mut names: BTreeMap<String, String> = self
            .items()?
            .into_iter()
            .map(|i| (i.id.to_string(), i.sku))
            .collect();
        for kind in [PartyKind::Customer, PartyKind::Supplier] {
            names.extend(
                self.parties(kind)?
                    .into_iter()
                    .map(|p| (p.id.to_string(), p.name)),
            );
        }
        let labels: Vec<String> = rows
            .iter()
            .map(|(_, dev, _, _)| self.device_label(dev))
            .collect();
        let doc = self.doc(&doc_id)?;
        let mut out = Vec::new();
        for ((hash, device_id, at_ms, action), device) in rows.into_iter().zip(labels) {
            let Ok(h) = hash.parse::<ChangeHash>() else {
                continue;
            };
            let deps = doc
                .get_change_meta_by_hash(&h)
                .map(|m| m.deps)
                .unwrap_or_default();
            let before = fields_of(doc, &deps, &rec, &names);
            let after = fields_of(doc, &[h], &rec, &names);
            let mut fields = Vec::new();
            for key in before
                .keys()
                .chain(after.keys())
                .collect::<std::collections::BTreeSet<_>>()
            {
                let old = before.get(key).cloned().unwrap_or_default();
                let new = after.get(key).cloned().unwrap_or_default();
                if old != new {
                    fields.push(FieldChange {
                        field: key.clone(),
                        old,
                        new,
                    });
                }
            }
            out.push(HistoryEntry {
                at_ms,
                device,
                device_id,
                action,
                change: hash,
                fields,
            });
        }
        Ok(out)
    }

    fn locate_any(&self, key: &str) -> Result<(RecordRef, DocId)> {
        if let Ok((id, doc)) = self.locate_order(key) {
            return Ok((RecordRef::new(collection::ORDERS, id.as_str()), doc));
        }
        if let Ok((id, doc)) = self.locate_task(key) {
            return Ok((RecordRef::new(collection::TASKS, id.as_str()), doc));
        }
        if let Ok(item) = self.resolve_item(key) {
            return Ok((
                RecordRef::new(collection::ITEMS, item.id.as_str()),
                DocId::Org,
            ));
        }
        for (kind, coll) in [
            (PartyKind::Customer, collection::CUSTOMERS),
            (PartyKind::Supplier, collection::SUPPLIERS),
        ] {
            if let Ok(p) = self.resolve_party(kind, key) {
                return Ok((RecordRef::new(coll, p.id.as_str()), DocId::Org));
            }
        }
        Err(Error::not_found("record", key))
    }
}

/// A record flattened to `field → shown value` as it was at `heads`.
fn fields_of(
    doc: &Automerge,
    heads: &[ChangeHash],
    rec: &RecordRef,
    names: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let view = View::at(doc, heads);
    let Some(coll) = view.child_map(&automerge::ROOT, &rec.collection) else {
        return out;
    };
    let Some(obj) = view.child_map(&coll, &rec.key) else {
        return out;
    };
    let conflicts = &mut Vec::new();
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    match rec.collection.as_str() {
        collection::ORDERS => {
            if let Some(o) = crate::order::read_order(view, &rec.key, obj, conflicts) {
                out.insert("status".into(), o.status().to_string());
                out.insert(
                    "party".into(),
                    o.party.map(|p| name(p.as_str())).unwrap_or_default(),
                );
                out.insert("warehouse".into(), o.warehouse.to_string());
                out.insert("note".into(), o.note.clone());
                for l in &o.lines {
                    let n = l.pos + 1;
                    out.insert(format!("line {n} item"), name(l.item.as_str()));
                    out.insert(format!("line {n} qty"), l.qty.to_string());
                    out.insert(format!("line {n} price"), l.price.to_string());
                    out.insert(format!("line {n} discount"), l.discount.to_string());
                }
            }
        }
        collection::TASKS => {
            if let Some(t) = crate::task::read_task(view, &rec.key, obj, conflicts) {
                out.insert("title".into(), t.title);
                out.insert("description".into(), t.description);
                out.insert("owner".into(), t.owner);
                out.insert("due".into(), t.due.unwrap_or_default());
                out.insert("priority".into(), t.priority.to_string());
                out.insert("status".into(), t.status.to_string());
                out.insert("link".into(), t.link);
                out.insert(
                    "comments".into(),
                    t.comments
                        .iter()
                        .map(|c| c.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" | "),
                );
            }
        }
        collection::ITEMS => {
            if let Some(i) = crate::org::read_item(view, &rec.key, obj, conflicts) {
                out.insert("sku".into(), i.sku);
                out.insert("name".into(), i.name);
                out.insert("unit".into(), i.unit);
                out.insert("price".into(), i.price.to_string());
                out.insert("low_stock".into(), i.low_stock.to_string());
            }
        }
        collection::CUSTOMERS | collection::SUPPLIERS => {
            if let Some(p) =
                crate::org::read_party(view, PartyKind::Customer, &rec.key, obj, conflicts)
            {
                out.insert("name".into(), p.name);
                out.insert("phone".into(), p.phone);
                out.insert("address".into(), p.address);
            }
        }
        _ => {}
    }
    out.retain(|_, v| !v.is_empty());
    out
}
