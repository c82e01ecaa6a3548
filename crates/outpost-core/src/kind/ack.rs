//! Acknowledgements: a person's note that an exception is known and accepted as it stands
//! (a late entry checked, a transfer being traced). An acknowledged exception leaves the
//! open list while its figures stay the same; when they move it is open again.
//!
//! An acknowledgement lives where the exception's readers read: a finance exception in
//! its site's ledger document (clerks never see it), any other in its site's operations
//! document. Each is written whole once by its author and never changed, so two people
//! acknowledging one exception apart simply both stand.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::Serialize;

use super::Collection;
use crate::code::SiteCode;
use crate::doc_id::{DocId, DocKind, Month};
use crate::error::{Error, Result};
use crate::exception::ExceptionRow;
use crate::id::AckId;
use crate::record::RecordRef;
use crate::repo::{Repo, Written};
use crate::rules::{
    Broken, Context, RecordChange, Scalar, Write, broken, names_author, of_doc_site,
};
use crate::schema::{RawConflict, RecordReader, View, collection_obj};
use crate::text::{MAX_TEXT, required};

/// The collection of acknowledgements.
pub(crate) const ACKS: &str = "acks";

/// Exception kinds kept in the ledger (only those who read it see them).
const LEDGER_KINDS: &[&str] = &[
    "posted_after_close",
    "entry_reversed_twice",
    "intersite_unbalanced",
];

/// Exception kinds whose figure is time passing (days on the way): their acknowledgement
/// holds while the expected figure does, whatever the days.
const TIMED_KINDS: &[&str] = &["transfer_not_received"];

/// Fields written when an acknowledgement is made.
const FIELDS: &[&str] = &[
    "kind",
    "subject",
    "expected",
    "actual",
    "site",
    "note",
    "created_at",
    "created_by",
];

/// Longest exception kind or subject, in characters.
const MAX_SUBJECT: usize = 200;

/// Who acknowledged an exception, when, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Acknowledgement {
    /// Its id.
    pub id: AckId,
    /// The person's note.
    pub note: String,
    /// The device that acknowledged it (its code, or its id's start if unknown).
    pub by: String,
    /// When (ms).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at_ms: i64,
}

/// The acknowledgement kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[Collection {
            name: ACKS,
            record: "acknowledgement",
            docs: &[DocKind::Notes, DocKind::Ledger],
        }]
    }

    fn tables(&self) -> &'static str {
        "CREATE TABLE IF NOT EXISTS acks (
             id TEXT PRIMARY KEY, doc TEXT NOT NULL, site TEXT NOT NULL, kind TEXT NOT NULL,
             subject TEXT NOT NULL, expected INTEGER, actual INTEGER, note TEXT NOT NULL,
             created_at INTEGER NOT NULL, created_by TEXT NOT NULL) STRICT;
         CREATE INDEX IF NOT EXISTS acks_by_subject ON acks(kind, subject);"
    }

    fn table_names(&self) -> &'static [&'static str] {
        &["acks"]
    }

    fn check_record(&self, cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
        check(cx, change)
    }

    fn project(
        &self,
        db: &Connection,
        doc_id: &DocId,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: Option<ObjId>,
        c: &mut Vec<RawConflict>,
    ) -> Result<()> {
        db.prepare_cached("DELETE FROM acks WHERE id = ?1")?
            .execute([&rec.key])?;
        let Some(obj) = obj else { return Ok(()) };
        let r = RecordReader::new(view, obj, c);
        let (Some(kind), Some(subject), Some(site), Some(at), Some(by)) = (
            r.fact_text("kind"),
            r.fact_text("subject"),
            r.fact_text("site"),
            r.fact_int("created_at"),
            r.fact_text("created_by"),
        ) else {
            return Ok(());
        };
        db.prepare_cached("INSERT INTO acks VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?
            .execute(params![
                rec.key,
                doc_id.to_string(),
                site,
                kind,
                subject,
                r.fact_int("expected"),
                r.fact_int("actual"),
                r.fact_text("note").unwrap_or_default(),
                at,
                by,
            ])?;
        Ok(())
    }
}

/// Checks what a change from elsewhere does to one acknowledgement: made whole once, for
/// its document's site, by its author, with a note.
fn check(cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
    if !change.made {
        return Err(broken("it changes an acknowledgement"));
    }
    for op in &change.ops {
        let key = op.key.as_deref().unwrap_or_default();
        if !op.path.is_empty() || !FIELDS.contains(&key) || matches!(op.write, Write::Make) {
            return Err(broken(format!("an acknowledgement with a field {key}")));
        }
    }
    let fields = change.fields();
    of_doc_site(cx, &fields, "an acknowledgement")?;
    names_author(cx, &fields, "created_by", "an acknowledgement")?;
    let text = |k: &str| fields.get(k).and_then(|v| v.text()).unwrap_or_default();
    for key in ["kind", "subject"] {
        let value = text(key);
        if value.is_empty() || value.chars().count() > MAX_SUBJECT {
            return Err(broken(format!("an acknowledgement without a {key}")));
        }
    }
    if text("note").trim().is_empty() {
        return Err(broken("an acknowledgement without a note"));
    }
    for key in ["expected", "actual", "created_at"] {
        if matches!(fields.get(key), Some(Scalar::Text(_) | Scalar::Other)) {
            return Err(broken(format!(
                "an acknowledgement whose {key} is no number"
            )));
        }
    }
    Ok(())
}

/// The document an acknowledgement of `row` goes to, written at `at` by a member of
/// `own` site (used when the exception names no site: a duplicate SKU).
fn doc_for(row: &ExceptionRow, own: &SiteCode, at: Timestamp) -> Result<DocId> {
    let site = match &row.site {
        Some(site) => SiteCode::parse(site)?,
        None => own.clone(),
    };
    Ok(if LEDGER_KINDS.contains(&row.kind) {
        DocId::Ledger {
            site,
            month: Month::of(at),
        }
    } else {
        DocId::Notes {
            site,
            month: Month::of(at),
        }
    })
}

/// Writes an acknowledgement of `row` with `note`.
pub(crate) fn acknowledge(
    repo: &mut Repo,
    row: &ExceptionRow,
    note: &str,
    at: Timestamp,
) -> Result<()> {
    let note = required("note", note, MAX_TEXT)?;
    let me = repo.me()?;
    let doc_id = doc_for(row, &me.site, at)?;
    let site = doc_id.site().cloned().unwrap_or_else(|| me.site.clone());
    let id = AckId::generate(at);
    repo.write(&doc_id, at, |tx| {
        let acks = collection_obj(tx, ACKS)
            .map_err(|_| Error::corrupt(&doc_id, "made before acknowledgements"))?;
        let obj = tx.put_object(&acks, id.as_str(), automerge::ObjType::Map)?;
        tx.put(&obj, "kind", row.kind)?;
        tx.put(&obj, "subject", row.subject.as_str())?;
        if let Some(expected) = row.expected {
            tx.put(&obj, "expected", expected)?;
        }
        if let Some(actual) = row.actual {
            tx.put(&obj, "actual", actual)?;
        }
        tx.put(&obj, "site", site.as_str())?;
        tx.put(&obj, "note", note.as_str())?;
        tx.put(&obj, "created_at", at.as_millisecond())?;
        tx.put(&obj, "created_by", me.id.as_str())?;
        Ok(Written::new(
            (),
            "exception.acknowledge",
            vec![RecordRef::new(ACKS, id.as_str())],
        ))
    })
}

/// Attaches to each of `rows` the latest acknowledgement that still holds for it (same
/// kind and subject, same figures unless the figure is time).
pub(crate) fn attach(db: &Connection, rows: &mut [ExceptionRow]) -> Result<()> {
    let mut stmt = db.prepare_cached(
        "SELECT a.expected, a.actual, a.note, a.created_at,
                coalesce(d.code, substr(a.created_by, 1, 8)), a.id
         FROM acks a LEFT JOIN devices d ON d.id = a.created_by
         WHERE a.kind = ?1 AND a.subject = ?2
         ORDER BY a.created_at DESC, a.id",
    )?;
    for row in rows {
        let timed = TIMED_KINDS.contains(&row.kind);
        let found = stmt
            .query_map(params![row.kind, row.subject], |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    Acknowledgement {
                        id: AckId::from_stored(r.get(5)?),
                        note: r.get(2)?,
                        at_ms: r.get(3)?,
                        by: r.get(4)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        row.acknowledged = found
            .into_iter()
            .find(|(expected, actual, _)| {
                *expected == row.expected && (timed || *actual == row.actual)
            })
            .map(|(_, _, ack)| ack);
    }
    Ok(())
}
