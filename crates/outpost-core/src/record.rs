//! References to records inside documents, and finding the records changes touched.

use automerge::Prop;
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

/// The singular kind name of a collection (`orders` → `order`; `record` if unknown).
pub fn kind_of(collection: &str) -> &'static str {
    crate::kind::owner(collection).map_or("record", |(_, c)| c.record)
}

/// The records each change touched, by change (a batch's thousands: a fast hasher).
pub(crate) type RecordsByChange = foldhash::HashMap<automerge::ChangeHash, Vec<RecordRef>>;

/// What a change's operations touched, before the document says where those objects
/// sit: per operation, the object (as Automerge names it) and the map key, if any.
pub(crate) type RawTouches = Vec<(String, Option<String>)>;

/// Reads the objects and keys `change`'s operations touched, each named by the object
/// outside the change it hangs from: an operation on an object the change itself made
/// counts as one on the key that object was made under. Needs no document (so it can run
/// beside the merge), and leaves the document few objects to look up.
pub(crate) fn raw_touches(change: &automerge::Change) -> RawTouches {
    use automerge::legacy::{Key, ObjectId, OpId};
    let expanded = change.decode();
    let mut made: std::collections::HashMap<String, (String, Option<String>)> =
        std::collections::HashMap::new();
    let mut out: RawTouches = Vec::with_capacity(expanded.operations.len());
    for (i, op) in expanded.operations.into_iter().enumerate() {
        if op.obj == ObjectId::Root {
            continue;
        }
        let obj = op.obj.to_string();
        let key = match op.key {
            Key::Map(key) => Some(key.to_string()),
            Key::Seq(_) => None,
        };
        let target = match made.get(&obj) {
            Some(outer) => outer.clone(),
            None => (obj, key),
        };
        if let automerge::legacy::OpType::Make(_) = op.action {
            let id = OpId(
                expanded.start_op.get() + i as u64,
                expanded.actor_id.clone(),
            );
            made.insert(id.to_string(), target.clone());
        }
        out.push(target);
    }
    out.sort();
    out.dedup();
    out
}

/// Where an object sits: a top-level collection (its records are its keys), inside a
/// record, or elsewhere (the root).
#[derive(Clone)]
enum Place {
    Collection(String),
    Record(RecordRef),
    Elsewhere,
}

/// Finds the records changes touched from their operations: what a change did, not what
/// its note says (a note is the author's word; a modified program may leave it out or
/// name other records). Objects are looked up once per batch.
pub(crate) struct Touched<'a> {
    doc: &'a automerge::Automerge,
    places: std::collections::HashMap<String, Place>,
}

impl<'a> Touched<'a> {
    /// A finder over `doc`, which holds the changes asked about.
    pub fn new(doc: &'a automerge::Automerge) -> Self {
        Touched {
            doc,
            places: std::collections::HashMap::new(),
        }
    }

    /// The records that operations on `raw` touched, sorted.
    pub fn records(&mut self, raw: &RawTouches) -> Vec<RecordRef> {
        let mut out = Vec::new();
        for (obj, key) in raw {
            match self.place(obj) {
                Place::Record(record) => out.push(record),
                Place::Collection(collection) => {
                    if let Some(key) = key {
                        out.push(RecordRef::new(&collection, key.clone()));
                    }
                }
                Place::Elsewhere => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn place(&mut self, obj: &str) -> Place {
        if let Some(place) = self.places.get(obj) {
            return place.clone();
        }
        let map_key = |p: &Prop| match p {
            Prop::Map(k) => Some(k.to_string()),
            Prop::Seq(_) => None,
        };
        use automerge::ReadDoc;
        let path = self
            .doc
            .import_obj(obj)
            .ok()
            .and_then(|id| self.doc.parents(&id).ok())
            .map(|parents| parents.path())
            .unwrap_or_default();
        let place = match path.as_slice() {
            [(_, coll)] => map_key(coll).map_or(Place::Elsewhere, Place::Collection),
            [(_, coll), (_, key), ..] => match (map_key(coll), map_key(key)) {
                (Some(coll), Some(key)) => Place::Record(RecordRef::new(&coll, key)),
                _ => Place::Elsewhere,
            },
            [] => Place::Elsewhere,
        };
        self.places.insert(obj.to_string(), place.clone());
        place
    }
}
