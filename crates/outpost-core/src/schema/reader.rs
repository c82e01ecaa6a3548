//! [`RecordReader`]: reading one record with its conflicts, and who wrote a value.

use std::collections::HashMap;

use automerge::{Automerge, ChangeHash, ObjId, ReadDoc, ScalarValue, Value};
use serde::Serialize;

use super::View;

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

    /// The map object under `key`, if it is one (read in the record's one pass).
    pub fn child_map(&self, key: &str) -> Option<ObjId> {
        match self.entries.get(key)? {
            (Value::Object(automerge::ObjType::Map), id, _) => Some(id.clone()),
            _ => None,
        }
    }

    /// The list object under `key`, if it is one.
    pub fn child_list(&self, key: &str) -> Option<ObjId> {
        match self.entries.get(key)? {
            (Value::Object(automerge::ObjType::List), id, _) => Some(id.clone()),
            _ => None,
        }
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
