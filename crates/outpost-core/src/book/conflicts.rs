//! Resolving conflicts: a person picks one of the concurrent values.

use automerge::ObjId;
use automerge::transaction::Transactable;
use jiff::Timestamp;
use rusqlite::params;
use serde::Serialize;

use crate::projection::Choice;

use super::{Book, Written};
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::record::{RecordRef, collection_of};
use crate::schema::{View, collection_obj, scalar_of};

/// A value of a conflict, with its author's device code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChoiceRow {
    /// The value.
    pub value: serde_json::Value,
    /// Author device code (or id if unknown).
    pub device: String,
    /// When (ms).
    pub at_ms: i64,
}

/// A field with concurrent values awaiting a person's choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
}

impl Book {
    /// Every open conflict.
    pub fn conflicts(&self) -> Result<Vec<ConflictRow>> {
        self.conflicts_where("1", params![])
    }

    pub(crate) fn conflicts_where(
        &self,
        cond: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<ConflictRow>> {
        let sql = format!(
            "SELECT c.kind, c.record, coalesce(o.number, t.number, i.sku, p.name, d.code, c.record),
                    c.field, c.choices
             FROM conflicts c
             LEFT JOIN orders o ON c.kind = 'order' AND o.id = c.record
             LEFT JOIN tasks t ON c.kind = 'task' AND t.id = c.record
             LEFT JOIN items i ON c.kind = 'item' AND i.id = c.record
             LEFT JOIN parties p ON c.kind IN ('customer', 'supplier') AND p.id = c.record
             LEFT JOIN devices d ON c.kind = 'device' AND d.id = c.record
             WHERE {cond} ORDER BY 3, c.field"
        );
        let mut stmt = self.db.prepare_cached(&sql)?;
        let raw: Vec<(String, String, String, String, String)> = stmt
            .query_map(args, |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(raw
            .into_iter()
            .map(|(kind, record, label, field, choices)| {
                let choices: Vec<Choice> = serde_json::from_str(&choices).unwrap_or_default();
                ConflictRow {
                    kind,
                    record,
                    label,
                    field,
                    choices: choices
                        .into_iter()
                        .map(|c| ChoiceRow {
                            device: self.device_label(&c.device),
                            value: c.value,
                            at_ms: c.at_ms,
                        })
                        .collect(),
                }
            })
            .collect())
    }

    /// Resolves the conflict on `field` of `record` (its number, SKU, name or id) by
    /// writing choice `choice` (1-based, as listed) over every concurrent value.
    pub fn resolve_conflict(
        &mut self,
        record: &str,
        field: &str,
        choice: usize,
        at: Timestamp,
    ) -> Result<()> {
        let record = record.trim();
        let field = field.trim();
        let matching: Vec<_> = self
            .conflicts()?
            .into_iter()
            .filter(|c| {
                (c.label.eq_ignore_ascii_case(record) || c.record == record) && c.field == field
            })
            .collect();
        let conflict = matching
            .into_iter()
            .next()
            .ok_or_else(|| Error::NoSuchConflict {
                record: record.to_string(),
                field: field.to_string(),
            })?;
        let count = conflict.choices.len();
        let chosen = choice
            .checked_sub(1)
            .and_then(|i| conflict.choices.get(i))
            .ok_or(Error::NoSuchChoice { choice, count })?
            .value
            .clone();
        let doc: String = self.db.query_row(
            "SELECT doc FROM conflicts WHERE kind = ?1 AND record = ?2 AND field = ?3",
            params![conflict.kind, conflict.record, conflict.field],
            |r| r.get(0),
        )?;
        let doc_id = DocId::parse(&doc)?;
        if let Some(site) = doc_id.site() {
            self.check_site(site)?;
        }
        let coll = collection_of(&conflict.kind)
            .ok_or_else(|| Error::not_found("record kind", conflict.kind.as_str()))?;
        let key = conflict.record.clone();
        let path: Vec<String> = conflict.field.split('/').map(str::to_string).collect();
        self.write(&doc_id, at, |tx| {
            let parent = collection_obj(tx, coll)?;
            let view = View::now(&*tx);
            let mut obj: ObjId = view
                .child_map(&parent, &key)
                .ok_or_else(|| Error::not_found(crate::record::kind_of(coll), key.as_str()))?;
            let (last, inner) = path
                .split_last()
                .ok_or_else(|| Error::invalid("field", "", Rule::Empty))?;
            for segment in inner {
                obj = view
                    .child_map(&obj, segment)
                    .ok_or_else(|| Error::not_found("field", segment.as_str()))?;
            }
            tx.put(&obj, last.as_str(), scalar_of(&chosen))?;
            Ok(Written::new(
                (),
                "conflict.resolve",
                vec![RecordRef::new(coll, key.as_str())],
            ))
        })
    }
}
