//! [`View`]: reading a document now or as it was at some heads.

use std::collections::HashMap;

use automerge::{ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value};

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

    /// Every (key, map object) of a map, skipping scalars: one pass over the map.
    pub fn map_children(&self, obj: &ObjId) -> Vec<(String, ObjId)> {
        let range = match self.heads {
            Some(h) => self.doc.map_range_at(obj, .., h),
            None => self.doc.map_range(obj, ..),
        };
        range
            .filter(|item| matches!(item.value, automerge::ValueRef::Object(ObjType::Map)))
            .map(|item| (item.key.to_string(), item.id()))
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

    /// The map objects of a list, in list order: one pass over the list.
    pub fn list_maps(&self, list: &ObjId) -> Vec<ObjId> {
        let range = match self.heads {
            Some(h) => self.doc.list_range_at(list, .., h),
            None => self.doc.list_range(list, ..),
        };
        range
            .filter(|item| matches!(item.value, automerge::ValueRef::Object(ObjType::Map)))
            .map(|item| item.id())
            .collect()
    }

    /// The texts of a list of strings (an invoice's orders), in list order; other values
    /// are skipped.
    pub fn list_texts(&self, list: &ObjId) -> Vec<String> {
        let range = match self.heads {
            Some(h) => self.doc.list_range_at(list, .., h),
            None => self.doc.list_range(list, ..),
        };
        range
            .filter_map(|item| match item.value {
                automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(t)) => {
                    Some(t.to_string())
                }
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
