//! How records sit in Automerge documents, and reading them back with their conflicts.
//!
//! Every document starts with a *genesis* change that creates its top-level maps. The
//! genesis is made by a fixed actor with a fixed time, so two devices that each start the
//! same monthly document offline produce byte-identical changes with one hash: their
//! `orders` maps are the same object after a merge, and no record hides behind a
//! conflicting map.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use std::collections::HashMap;

use serde::Serialize;

use crate::doc_id::DocId;
use crate::error::{Error, Result};

/// Version of the document layout written by this build.
pub const SCHEMA_VERSION: i64 = 1;

/// Top-level collections. Each is a map from record key to record object.
pub(crate) mod collection {
    pub const ORDERS: &str = "orders";
    pub const MOVEMENTS: &str = "movements";
    pub const TASKS: &str = "tasks";
    pub const ITEMS: &str = "items";
    pub const CUSTOMERS: &str = "customers";
    pub const SUPPLIERS: &str = "suppliers";
    pub const SITES: &str = "sites";
    pub const WAREHOUSES: &str = "warehouses";
    pub const DEVICES: &str = "devices";
    pub const INVITES: &str = "invites";
    pub const SETTINGS: &str = "settings";

    pub const OF_ORG: &[&str] = &[
        ITEMS, CUSTOMERS, SUPPLIERS, SITES, WAREHOUSES, DEVICES, INVITES, SETTINGS,
    ];
    pub const OF_PARTIES: &[&str] = &[CUSTOMERS, SUPPLIERS];
    pub const OF_OPS: &[&str] = &[ORDERS, MOVEMENTS, TASKS];
    pub const OF_LEDGER: &[&str] = &["entries"];
}

/// The fixed actor that writes a document's genesis: derived from the org and document
/// ids, deterministic, not secret.
pub(crate) fn genesis_actor(doc_id: &DocId, org_id: &str) -> ActorId {
    let mut actor_bytes = [0u8; 16];
    let seed = format!("{org_id}/{doc_id}");
    // FNV-1a spread over 16 bytes.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, chunk) in actor_bytes.chunks_mut(8).enumerate() {
        for b in seed.bytes().chain([i as u8]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        chunk.copy_from_slice(&hash.to_be_bytes());
    }
    ActorId::from(actor_bytes)
}

fn collections_of(doc_id: &DocId) -> &'static [&'static str] {
    match doc_id {
        DocId::Org => collection::OF_ORG,
        DocId::Parties => collection::OF_PARTIES,
        DocId::Ops { .. } => collection::OF_OPS,
        DocId::Ledger { .. } => collection::OF_LEDGER,
    }
}

/// Builds the genesis of a document: schema version, kind, org and the empty collections.
pub(crate) fn genesis(doc_id: &DocId, org_id: &str) -> Result<Automerge> {
    let mut doc = Automerge::new().with_actor(genesis_actor(doc_id, org_id));
    let collections = collections_of(doc_id);
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| CommitOptions::default().with_time(0),
        |tx| {
            tx.put(automerge::ROOT, "schema", SCHEMA_VERSION)?;
            tx.put(automerge::ROOT, "doc", doc_id.to_string())?;
            tx.put(automerge::ROOT, "org", org_id)?;
            for name in collections {
                tx.put_object(automerge::ROOT, *name, ObjType::Map)?;
            }
            Ok(())
        },
    )
    .map_err(|f| Error::Document(f.error))?;
    Ok(doc)
}

/// Checks that a loaded document is one this build can read, of the expected org.
pub(crate) fn check_document(doc: &Automerge, doc_id: &DocId, org_id: &str) -> Result<()> {
    let version = scalar_i64(doc, &automerge::ROOT, "schema");
    match version {
        Some(v) if v > SCHEMA_VERSION => {
            return Err(Error::SchemaTooNew {
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        Some(_) => {}
        None => return Err(Error::corrupt(doc_id, "no schema version")),
    }
    match scalar_str(doc, &automerge::ROOT, "org") {
        Some(org) if org == org_id => {}
        Some(org) => {
            return Err(Error::OrgMismatch {
                expected: org_id.to_string(),
                found: org,
            });
        }
        None => return Err(Error::corrupt(doc_id, "no organisation id")),
    }
    // The skeleton is the genesis actor's alone: a change that adds a rival collection
    // object would hide every record behind it, so such a document is refused.
    let genesis = genesis_actor(doc_id, org_id);
    for name in collections_of(doc_id)
        .iter()
        .chain(&["schema", "doc", "org"])
    {
        let values = doc.get_all(automerge::ROOT, *name)?;
        let by_genesis = |id: &ObjId| matches!(id, ObjId::Id(_, actor, _) if *actor == genesis);
        if values.len() != 1 || !by_genesis(&values[0].1) {
            return Err(Error::corrupt(
                doc_id,
                format!("a change rewrites its top-level {name:?}"),
            ));
        }
    }
    Ok(())
}

/// The object of a top-level collection.
pub(crate) fn collection_obj<R: ReadDoc>(doc: &R, name: &str) -> Result<ObjId> {
    match doc.get(automerge::ROOT, name)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(Error::corrupt(
            "document",
            format!("collection {name} is missing"),
        )),
    }
}

/// Reads a document now, or as it was at some heads: record readers work on either, so
/// history can compare a record before and after one change.
pub(crate) struct View<'a, R: ReadDoc> {
    pub doc: &'a R,
    pub heads: Option<&'a [ChangeHash]>,
}

impl<R: ReadDoc> Clone for View<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: ReadDoc> Copy for View<'_, R> {}

impl<'a, R: ReadDoc> View<'a, R> {
    /// The document as it is.
    pub fn now(doc: &'a R) -> Self {
        View { doc, heads: None }
    }

    /// The document as it was at `heads`.
    pub fn at(doc: &'a R, heads: &'a [ChangeHash]) -> Self {
        View {
            doc,
            heads: Some(heads),
        }
    }

    pub fn get(&self, obj: &ObjId, prop: impl Into<automerge::Prop>) -> Option<(Value<'a>, ObjId)> {
        let got = match self.heads {
            Some(h) => self.doc.get_at(obj, prop, h),
            None => self.doc.get(obj, prop),
        };
        got.ok().flatten()
    }

    pub fn get_all(&self, obj: &ObjId, prop: &str) -> Vec<(Value<'a>, ObjId)> {
        let got = match self.heads {
            Some(h) => self.doc.get_all_at(obj, prop, h),
            None => self.doc.get_all(obj, prop),
        };
        got.unwrap_or_default()
    }

    pub fn length(&self, obj: &ObjId) -> usize {
        match self.heads {
            Some(h) => self.doc.length_at(obj, h),
            None => self.doc.length(obj),
        }
    }

    /// Every (key, map object) of a map, skipping scalars.
    pub fn map_children(&self, obj: &ObjId) -> Vec<(String, ObjId)> {
        let keys: Vec<String> = match self.heads {
            Some(h) => self.doc.keys_at(obj, h).collect(),
            None => self.doc.keys(obj).collect(),
        };
        keys.into_iter()
            .filter_map(|k| match self.get(obj, k.as_str()) {
                Some((Value::Object(ObjType::Map), id)) => Some((k, id)),
                _ => None,
            })
            .collect()
    }

    /// Every key of a map with its shown value, its op and whether it holds concurrent
    /// values: one pass over the object instead of a seek per key.
    pub fn entries(&self, obj: &ObjId) -> HashMap<String, (Value<'static>, ObjId, bool)> {
        let range = match self.heads {
            Some(h) => self.doc.map_range_at(obj, .., h),
            None => self.doc.map_range(obj, ..),
        };
        range
            .map(|item| {
                let id = item.id();
                (
                    item.key.to_string(),
                    (item.value.into_value(), id, item.conflict),
                )
            })
            .collect()
    }

    /// The map object under `key` of `obj`, if present.
    pub fn child_map(&self, obj: &ObjId, key: &str) -> Option<ObjId> {
        match self.get(obj, key) {
            Some((Value::Object(ObjType::Map), id)) => Some(id),
            _ => None,
        }
    }

    /// The list object under `key` of `obj`, if present.
    pub fn child_list(&self, obj: &ObjId, key: &str) -> Option<ObjId> {
        match self.get(obj, key) {
            Some((Value::Object(ObjType::List), id)) => Some(id),
            _ => None,
        }
    }

    /// The map objects of a list, in list order.
    pub fn list_maps(&self, list: &ObjId) -> Vec<ObjId> {
        (0..self.length(list))
            .filter_map(|i| match self.get(list, i) {
                Some((Value::Object(ObjType::Map), id)) => Some(id),
                _ => None,
            })
            .collect()
    }

    pub fn str(&self, obj: &ObjId, key: &str) -> Option<String> {
        match self.get(obj, key)? {
            (Value::Scalar(s), _) => match s.as_ref() {
                ScalarValue::Str(t) => Some(t.to_string()),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn int(&self, obj: &ObjId, key: &str) -> Option<i64> {
        match self.get(obj, key)? {
            (Value::Scalar(s), _) => match s.as_ref() {
                ScalarValue::Int(i) => Some(*i),
                ScalarValue::Uint(u) => i64::try_from(*u).ok(),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The map object under `key` of `obj` in the current document, if present.
pub(crate) fn child_map<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<ObjId> {
    View::now(doc).child_map(obj, key)
}

pub(crate) fn scalar_str<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<String> {
    View::now(doc).str(obj, key)
}

pub(crate) fn scalar_i64<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<i64> {
    View::now(doc).int(obj, key)
}

/// One of several values held concurrently by a register, before attribution.
#[derive(Clone, Debug)]
pub(crate) struct RawValue {
    pub value: serde_json::Value,
    pub op: ObjId,
}

/// A register with more than one concurrent value, found while reading a record.
#[derive(Clone, Debug)]
pub(crate) struct RawConflict {
    /// Field path inside the record, e.g. `note` or `lines/<line id>/qty`.
    pub field: String,
    /// Every value, the shown (winning) one first.
    pub values: Vec<RawValue>,
}

/// Reads one record object, treating every field as a last-writer-wins register and
/// noting any concurrent values as conflicts.
pub(crate) struct RecordReader<'a, R: ReadDoc> {
    view: View<'a, R>,
    entries: HashMap<String, (Value<'static>, ObjId, bool)>,
    obj: ObjId,
    prefix: String,
    conflicts: &'a mut Vec<RawConflict>,
}

impl<'a, R: ReadDoc> RecordReader<'a, R> {
    pub fn new(view: View<'a, R>, obj: ObjId, conflicts: &'a mut Vec<RawConflict>) -> Self {
        RecordReader {
            view,
            entries: view.entries(&obj),
            obj,
            prefix: String::new(),
            conflicts,
        }
    }

    /// Reads a nested record (e.g. an order line), conflicts prefixed with `path/`.
    pub fn nested<T>(
        &mut self,
        obj: ObjId,
        path: &str,
        f: impl FnOnce(&mut RecordReader<'_, R>) -> T,
    ) -> T {
        let mut inner = RecordReader {
            view: self.view,
            entries: self.view.entries(&obj),
            obj,
            prefix: format!("{}{path}/", self.prefix),
            conflicts: self.conflicts,
        };
        f(&mut inner)
    }

    fn register(&mut self, key: &str) -> Option<ScalarValue> {
        let (_, _, conflict) = self.entries.get(key)?;
        // Only a field holding concurrent values needs the second look-up. For a map key,
        // Automerge's `get` is the last of `get_all`.
        let all = if *conflict {
            self.view.get_all(&self.obj, key)
        } else {
            Vec::new()
        };
        let winner = self
            .entries
            .get(key)
            .map(|(v, id, _)| (v.clone(), id.clone()));
        if all.len() > 1 {
            let mut values: Vec<RawValue> = all
                .iter()
                .map(|(v, op)| RawValue {
                    value: json_of(v),
                    op: op.clone(),
                })
                .collect();
            // The shown value first; the rest in a fixed order so every replica lists alike.
            if let Some((_, win_op)) = &winner {
                values.sort_by_key(|v| (v.op != *win_op, v.op.to_string()));
            }
            // Concurrent writes of the same value agree: nothing for a person to decide.
            let mut seen = Vec::new();
            values.retain(|v| {
                let fresh = !seen.contains(&v.value);
                seen.push(v.value.clone());
                fresh
            });
            if values.len() > 1 {
                self.conflicts.push(RawConflict {
                    field: format!("{}{key}", self.prefix),
                    values,
                });
            }
        }
        match winner {
            Some((Value::Scalar(s), _)) => Some(s.into_owned()),
            _ => None,
        }
    }

    /// A text register; `None` if absent, null or not text.
    pub fn text(&mut self, key: &str) -> Option<String> {
        match self.register(key)? {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        }
    }

    /// An integer register.
    pub fn int(&mut self, key: &str) -> Option<i64> {
        match self.register(key)? {
            ScalarValue::Int(i) => Some(i),
            ScalarValue::Uint(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    /// A boolean register.
    pub fn flag(&mut self, key: &str) -> bool {
        matches!(self.register(key), Some(ScalarValue::Boolean(true)))
    }

    /// A fact written once at creation (no conflict possible).
    pub fn fact_text(&self, key: &str) -> Option<String> {
        match self.entries.get(key)? {
            (Value::Scalar(s), _, _) => match s.as_ref() {
                ScalarValue::Str(t) => Some(t.to_string()),
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer fact written once at creation.
    pub fn fact_int(&self, key: &str) -> Option<i64> {
        match self.entries.get(key)? {
            (Value::Scalar(s), _, _) => match s.as_ref() {
                ScalarValue::Int(i) => Some(*i),
                ScalarValue::Uint(u) => i64::try_from(*u).ok(),
                _ => None,
            },
            _ => None,
        }
    }
}

fn json_of(value: &Value<'_>) -> serde_json::Value {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(t) => serde_json::Value::String(t.to_string()),
            ScalarValue::Int(i) => serde_json::Value::from(*i),
            ScalarValue::Uint(u) => serde_json::Value::from(*u),
            ScalarValue::Boolean(b) => serde_json::Value::Bool(*b),
            ScalarValue::Null => serde_json::Value::Null,
            other => serde_json::Value::String(other.to_string()),
        },
        Value::Object(t) => serde_json::Value::String(format!("<{t}>")),
    }
}

/// Converts a chosen JSON value back into a scalar to write.
pub(crate) fn scalar_of(value: &serde_json::Value) -> ScalarValue {
    match value {
        serde_json::Value::String(s) => ScalarValue::Str(s.as_str().into()),
        serde_json::Value::Bool(b) => ScalarValue::Boolean(*b),
        serde_json::Value::Number(n) => n.as_i64().map_or(ScalarValue::Null, ScalarValue::Int),
        _ => ScalarValue::Null,
    }
}

/// Who wrote a change, and when: the device and the change's time (ms since the epoch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attribution {
    /// Device id (hex of the Automerge actor).
    pub device: String,
    /// Milliseconds since the Unix epoch, as recorded by the author.
    pub at_ms: i64,
}

/// Finds the device and time of the change that holds operation `op`.
pub(crate) fn attribute(doc: &Automerge, op: &ObjId) -> Option<Attribution> {
    let hash: ChangeHash = doc.hash_for_opid(op)?;
    let meta = doc.get_change_meta_by_hash(&hash)?;
    Some(Attribution {
        device: meta.actor.to_hex_string(),
        at_ms: meta.timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::SiteCode;
    use crate::doc_id::Month;

    #[test]
    fn genesis_is_identical_on_every_device() {
        let id = DocId::Ops {
            site: SiteCode::parse("SH").unwrap(),
            month: Month::parse("2026-11").unwrap(),
        };
        let a = genesis(&id, "org-1").unwrap();
        let b = genesis(&id, "org-1").unwrap();
        assert_eq!(a.get_heads(), b.get_heads());
        let c = genesis(&id, "org-2").unwrap();
        assert_ne!(a.get_heads(), c.get_heads());
        check_document(&a, &id, "org-1").unwrap();
        assert!(matches!(
            check_document(&a, &id, "org-2"),
            Err(Error::OrgMismatch { .. })
        ));
    }
}
