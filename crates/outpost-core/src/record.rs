//! References to records inside documents, and finding the records a merge touched.

use automerge::{Patch, PatchAction, Prop};
use serde::{Deserialize, Serialize};

/// A record: its collection in the document and its key there.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordRef {
    /// Collection name (`orders`, `movements`, `tasks`, `items`, ...).
    pub collection: String,
    /// Key in that collection (a random id, or a code for sites and warehouses).
    pub key: String,
}

impl RecordRef {
    pub(crate) fn new(collection: &str, key: impl Into<String>) -> Self {
        RecordRef {
            collection: collection.to_string(),
            key: key.into(),
        }
    }

    /// The record kind as shown to people (`order`, `task`, `item`, ...).
    pub fn kind(&self) -> &'static str {
        kind_of(&self.collection)
    }

    /// `kind:key`, the form stored in change notes.
    pub fn label(&self) -> String {
        format!("{}:{}", self.kind(), self.key)
    }
}

/// Parses the `kind:key` form of [`RecordRef::label`].
pub(crate) fn from_label(label: &str) -> Option<RecordRef> {
    let (kind, key) = label.split_once(':')?;
    Some(RecordRef::new(crate::kind::collection_of(kind)?, key))
}

/// The singular kind name of a collection (`orders` → `order`; `record` if unknown).
pub fn kind_of(collection: &str) -> &'static str {
    crate::kind::owner(collection).map_or("record", |(_, c)| c.record)
}

/// The records that a list of patches changed.
pub(crate) fn touched_by(patches: &[Patch]) -> Vec<RecordRef> {
    let mut out: Vec<RecordRef> = patches.iter().filter_map(touched_by_patch).collect();
    out.sort();
    out.dedup();
    out
}

fn touched_by_patch(patch: &Patch) -> Option<RecordRef> {
    let map_key = |p: &Prop| match p {
        Prop::Map(k) => Some(k.to_string()),
        Prop::Seq(_) => None,
    };
    match patch.path.as_slice() {
        [] => None,
        [(_, coll)] => {
            let key = match &patch.action {
                PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => key.clone(),
                _ => return None,
            };
            Some(RecordRef::new(&map_key(coll)?, key))
        }
        [(_, coll), (_, key), ..] => Some(RecordRef::new(&map_key(coll)?, map_key(key)?)),
    }
}
