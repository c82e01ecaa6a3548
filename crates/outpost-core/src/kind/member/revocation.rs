//! Revocation by causality, as it sits in `org` and in its projections.
//!
//! A revocation records, per document, the sequence number of the revoked device's last
//! change that the revoking admin held: the device's changes up to there count, its later
//! ones (whatever time they claim) are held for an admin to accept or discard. Each
//! revocation is its own record under the device (`revocations/<id>`), so two admins
//! revoking offline both hold: per document the lower number counts, and a document only
//! one of them listed counts from nothing. An admin's decision on a held change is a
//! value under the device (`held/<hash>`: `accept` or `discard`); two admins deciding
//! differently is a conflict for a person, like any other.

use std::collections::BTreeMap;

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType, ReadDoc};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::doc_id::DocId;
use crate::error::Result;
use crate::id::DeviceId;
use crate::schema::{RawConflict, RecordReader, View};

/// The map of a device's revocations.
pub(super) const REVOCATIONS: &str = "revocations";
/// The map of admins' decisions on a device's held changes.
pub(super) const HELD: &str = "held";

/// What an admin decided about a held change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Apply it, as if it had come before the revocation.
    Accept,
    /// Never apply it.
    Discard,
}

/// Creates a new device's (empty) maps of revocations and decisions with the device, so
/// that two admins writing the first of either never make rival maps.
pub(super) fn put_maps(tx: &mut Transaction<'_>, device: &ObjId) -> Result<()> {
    tx.put_object(device, REVOCATIONS, ObjType::Map)?;
    tx.put_object(device, HELD, ObjType::Map)?;
    Ok(())
}

/// Records a revocation of the device `device` (its record object) by `by`: `through`
/// is, per document, the sequence number of its last change the admin holds.
pub(super) fn put_revocation(
    tx: &mut Transaction<'_>,
    device: &ObjId,
    id: &str,
    by: &DeviceId,
    at: Timestamp,
    through: &BTreeMap<String, i64>,
) -> Result<()> {
    let revocations = match tx.get(device, REVOCATIONS)? {
        Some((automerge::Value::Object(ObjType::Map), obj)) => obj,
        _ => tx.put_object(device, REVOCATIONS, ObjType::Map)?,
    };
    let record = tx.put_object(&revocations, id, ObjType::Map)?;
    tx.put(&record, "by", by.as_str())?;
    tx.put(&record, "at", at.as_millisecond())?;
    let docs = tx.put_object(&record, "through", ObjType::Map)?;
    for (doc, seq) in through {
        tx.put(&docs, doc.as_str(), *seq)?;
    }
    Ok(())
}

/// Records an admin's decision on the held change `hash` of the device `device`.
pub(super) fn put_decision(
    tx: &mut Transaction<'_>,
    device: &ObjId,
    hash: &str,
    decision: Decision,
) -> Result<()> {
    let held = match tx.get(device, HELD)? {
        Some((automerge::Value::Object(ObjType::Map), obj)) => obj,
        _ => tx.put_object(device, HELD, ObjType::Map)?,
    };
    let value = match decision {
        Decision::Accept => "accept",
        Decision::Discard => "discard",
    };
    tx.put(&held, hash, value)?;
    Ok(())
}

/// Projects a device's revocations and decisions (its record object `obj`, or none if
/// the record is gone).
pub(super) fn project<R: ReadDoc>(
    db: &Connection,
    view: View<'_, R>,
    device: &str,
    obj: Option<&ObjId>,
    conflicts: &mut Vec<RawConflict>,
) -> Result<()> {
    db.prepare_cached("DELETE FROM revoked_through WHERE device = ?1")?
        .execute([device])?;
    db.prepare_cached("DELETE FROM held_decisions WHERE device = ?1")?
        .execute([device])?;
    let Some(obj) = obj else { return Ok(()) };
    let mut insert =
        db.prepare_cached("INSERT INTO revoked_through(device, doc, seq) VALUES (?1, ?2, ?3)")?;
    for (doc, seq) in cutoffs(view, obj) {
        insert.execute(params![device, doc, seq])?;
    }
    if let Some(held) = view.child_map(obj, HELD) {
        let keys: Vec<String> = match view.heads {
            Some(h) => view.doc.keys_at(&held, h).collect(),
            None => view.doc.keys(&held).collect(),
        };
        let mut reader = RecordReader::new(view, held, conflicts);
        let mut insert = db.prepare_cached(
            "INSERT INTO held_decisions(hash, device, accept) VALUES (?1, ?2, ?3)",
        )?;
        for hash in keys {
            let accept = match reader.text(&hash).as_deref() {
                Some("accept") => true,
                Some("discard") => false,
                _ => continue,
            };
            insert.execute(params![hash, device, accept])?;
        }
    }
    Ok(())
}

/// When the device was first revoked (ms), if it was.
pub(super) fn earliest<R: ReadDoc>(view: View<'_, R>, device: &ObjId) -> Option<i64> {
    let revocations = view.child_map(device, REVOCATIONS)?;
    view.map_children(&revocations)
        .iter()
        .filter_map(|(_, record)| view.int(record, "at"))
        .min()
}

/// Per document, the last sequence number of the device's changes that counts: the lowest
/// over its revocations, and only where every revocation lists the document.
fn cutoffs<R: ReadDoc>(view: View<'_, R>, device: &ObjId) -> BTreeMap<String, i64> {
    let Some(revocations) = view.child_map(device, REVOCATIONS) else {
        return BTreeMap::new();
    };
    let mut lists: Vec<BTreeMap<String, i64>> = Vec::new();
    for (_, record) in view.map_children(&revocations) {
        let mut through = BTreeMap::new();
        if let Some(docs) = view.child_map(&record, "through") {
            let keys: Vec<String> = match view.heads {
                Some(h) => view.doc.keys_at(&docs, h).collect(),
                None => view.doc.keys(&docs).collect(),
            };
            for doc in keys {
                if let Some(seq) = view.int(&docs, &doc) {
                    through.insert(doc, seq);
                }
            }
        }
        lists.push(through);
    }
    let Some((first, rest)) = lists.split_first() else {
        return BTreeMap::new();
    };
    first
        .iter()
        .filter_map(|(doc, seq)| {
            rest.iter()
                .map(|other| other.get(doc).copied())
                .try_fold(*seq, |low, other| other.map(|s| low.min(s)))
                .map(|low| (doc.clone(), low))
        })
        .collect()
}

/// The last sequence number of `device`'s changes to `doc` that counts, if the device is
/// revoked (0: none of them).
pub(crate) fn counts_through(db: &Connection, device: &DeviceId, doc: &DocId) -> Result<i64> {
    Ok(db
        .prepare_cached("SELECT seq FROM revoked_through WHERE device = ?1 AND doc = ?2")?
        .query_row(params![device.as_str(), doc.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// An admin's decision on the held change `hash`, if any.
pub(crate) fn decision(db: &Connection, hash: &str) -> Result<Option<Decision>> {
    Ok(db
        .prepare_cached("SELECT accept FROM held_decisions WHERE hash = ?1")?
        .query_row([hash], |r| r.get::<_, bool>(0))
        .optional()?
        .map(|accept| {
            if accept {
                Decision::Accept
            } else {
                Decision::Discard
            }
        }))
}

/// Per document, the sequence number of `device`'s last change this book holds (what a
/// revocation written here records). Reads the whole change log: revoking is rare, and an
/// index by device made every merge's change log a quarter slower to write.
pub(super) fn held_through(db: &Connection, device: &DeviceId) -> Result<BTreeMap<String, i64>> {
    let mut stmt =
        db.prepare_cached("SELECT doc, max(seq) FROM changes WHERE device = ?1 GROUP BY doc")?;
    let rows = stmt
        .query_map([device.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
