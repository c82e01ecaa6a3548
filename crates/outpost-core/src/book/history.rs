//! The history of a record: every change with its author device, time and what changed.
//!
//! Which changes touched a record comes from the change log; what each changed is read
//! from the document itself, comparing the record just before and just after the change.

use std::collections::BTreeMap;

use automerge::{Automerge, ChangeHash};
use serde::Serialize;

use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::kind::{self, KINDS, Names};
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::schema::{View, record_obj};

/// One field's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// The history of the record people call `key` (a number, SKU, name or id), oldest first.
pub(super) fn of(repo: &mut Repo, key: &str) -> Result<Vec<HistoryEntry>> {
    let (rec, doc_id) = locate(repo, key)?;
    let rows: Vec<(String, String, i64, String)> = {
        let mut stmt = repo.db().prepare_cached(
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
    let mut names: Names = kind::item::names(repo.db())?;
    names.extend(kind::party::names(repo.db())?);
    let labels: Vec<String> = rows
        .iter()
        .map(|(_, dev, _, _)| kind::member::label(repo.db(), dev))
        .collect();
    let doc = repo.doc(&doc_id)?;
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

/// The record `key` names and the document that holds it: the first kind that knows the
/// key, in the documents its collection lives in (customers of old books are in `org`).
fn locate(repo: &mut Repo, key: &str) -> Result<(RecordRef, DocId)> {
    for k in KINDS {
        let Some((rec, doc_id)) = k.locate(repo.db(), key)? else {
            continue;
        };
        if record_obj(repo.doc(&doc_id)?, &rec.collection, &rec.key).is_none()
            && record_obj(repo.doc(&DocId::Org)?, &rec.collection, &rec.key).is_some()
        {
            return Ok((rec, DocId::Org));
        }
        return Ok((rec, doc_id));
    }
    Err(Error::not_found("record", key))
}

/// A record flattened to `field → shown value` as it was at `heads`, by its kind.
fn fields_of(
    doc: &Automerge,
    heads: &[ChangeHash],
    rec: &RecordRef,
    names: &Names,
) -> BTreeMap<String, String> {
    let view = View::at(doc, heads);
    let obj = view
        .child_map(&automerge::ROOT, &rec.collection)
        .and_then(|coll| view.child_map(&coll, &rec.key));
    let (Some(obj), Some((kind, _))) = (obj, kind::owner(&rec.collection)) else {
        return BTreeMap::new();
    };
    let mut out = kind.fields(view, rec, obj, names);
    out.retain(|_, v| !v.is_empty());
    out
}
