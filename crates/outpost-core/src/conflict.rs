//! Conflicts as people see them: a field two offices changed at once, with every value,
//! who wrote it and when. The projection keeps them in the `conflicts` table as records
//! are read; the book lists and resolves them (`book::conflicts`).

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::access::{self, Device};
use crate::doc_id::DocId;
use crate::error::Result;

/// One value of a conflicted field as stored, with who wrote it and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Choice {
    /// The value as JSON (text, integer, boolean or null).
    pub value: serde_json::Value,
    /// The device that wrote it (hex id).
    pub device: String,
    /// When it was written (ms), as the author recorded it.
    pub at_ms: i64,
}

/// A value of a conflict, with its author's device code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChoiceRow {
    /// The value.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub value: serde_json::Value,
    /// Author device code (or id if unknown).
    pub device: String,
    /// When (ms).
    pub at_ms: i64,
}

/// A field with concurrent values awaiting a person's choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictRow {
    /// Record kind (order, task, item...).
    pub kind: String,
    /// Record key (id or code).
    pub record: String,
    /// How people name the record (number, SKU, name).
    pub label: String,
    /// Field path.
    pub field: String,
    /// Every value; the first is the one shown until resolved.
    pub choices: Vec<ChoiceRow>,
    /// Whether this device may settle it (it may write the record's document).
    pub resolvable: bool,
    /// The document holding the record.
    pub doc: String,
}

/// The open conflicts matching `cond` (over `c`, the conflicts table), each labelled by
/// `label(kind, record)` and marked resolvable if `me` may write its document, ordered by
/// label and field.
pub(crate) fn rows(
    db: &Connection,
    me: Option<&Device>,
    cond: &str,
    args: &[&dyn rusqlite::ToSql],
    label: impl Fn(&str, &str) -> Result<Option<String>>,
) -> Result<Vec<ConflictRow>> {
    let sql =
        format!("SELECT c.kind, c.record, c.field, c.choices, c.doc FROM conflicts c WHERE {cond}");
    let mut stmt = db.prepare_cached(&sql)?;
    let raw: Vec<(String, String, String, String, String)> = stmt
        .query_map(args, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(raw.len());
    for (kind, record, field, choices, doc) in raw {
        let choices: Vec<Choice> = serde_json::from_str(&choices).unwrap_or_default();
        out.push(ConflictRow {
            label: label(&kind, &record)?.unwrap_or_else(|| record.clone()),
            kind,
            record,
            field,
            choices: choices
                .into_iter()
                .map(|c| ChoiceRow {
                    device: crate::kind::member::label(db, &c.device),
                    value: c.value,
                    at_ms: c.at_ms,
                })
                .collect(),
            resolvable: me
                .is_some_and(|m| DocId::parse(&doc).is_ok_and(|d| access::may_write(m, &d))),
            doc,
        });
    }
    out.sort_by(|a, b| (&a.label, &a.field).cmp(&(&b.label, &b.field)));
    Ok(out)
}
