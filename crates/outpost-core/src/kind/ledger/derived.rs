//! Automatic postings: journal entries derived from operations (an invoice, a payment)
//! on every device that projects them, never written to a ledger document.
//!
//! An automatic posting's id is its source record's (`invoice:<id>`), so the same event
//! posts one entry however many devices see it and in whatever order: there is nothing to
//! deduplicate. It is re-derived whenever its source is projected again, and corrected
//! only by correcting the source (a credit note), never by a reversal.

use rusqlite::Connection;

use super::model::{Entry, Line, lines_problem};
use super::{insert_entry, remove_entry};
use crate::code::SiteCode;
use crate::doc_id::DocId;
use crate::error::Result;
use crate::id::{DeviceId, EntryId};

/// An entry derived from one record of another kind.
pub(crate) struct Posting<'a> {
    /// The source's document.
    pub doc: &'a DocId,
    /// The entry's number: its source's.
    pub number: &'a str,
    /// The record it links to (an invoice's own number, a shipment's order).
    pub link: &'a str,
    /// The site whose books it is in.
    pub site: &'a SiteCode,
    /// Accounting date `YYYY-MM-DD`.
    pub date: &'a str,
    /// What it is for.
    pub memo: String,
    /// The party.
    pub counterparty: String,
    /// When the source was written (ms).
    pub created_at_ms: i64,
    /// Who wrote the source.
    pub created_by: &'a DeviceId,
    /// Its lines.
    pub lines: Vec<Line>,
}

/// The id of the entry posted for record `source_id` of kind `source`.
pub(crate) fn derived_id(source: &str, source_id: &str) -> String {
    format!("{source}:{source_id}")
}

/// Replaces the automatic posting of one source record: `None` (the record is gone or
/// posts nothing) takes it out. Lines that do not balance post nothing: a source the
/// merge rules let in always balances, so this only guards the projection.
pub(crate) fn post_derived(
    db: &Connection,
    source: &'static str,
    source_id: &str,
    posting: Option<Posting<'_>>,
) -> Result<()> {
    let id = derived_id(source, source_id);
    remove_entry(db, &id)?;
    let Some(p) = posting else {
        return Ok(());
    };
    // Postings name preset accounts only.
    if lines_problem(&p.lines, crate::kind::chart::preset_known).is_some() {
        return Ok(());
    }
    let entry = Entry {
        id: EntryId::from_stored(id),
        number: p.number.to_string(),
        site: p.site.clone(),
        date: p.date.to_string(),
        memo: p.memo,
        counterparty: p.counterparty,
        link: p.link.to_string(),
        reverses: None,
        created_at_ms: p.created_at_ms,
        created_by: p.created_by.clone(),
        lines: p.lines,
    };
    insert_entry(db, &entry, p.doc, Some(source))
}

/// The kind of record entry `id` was derived from, if it is an automatic posting.
pub(crate) fn source_of(db: &Connection, id: &EntryId) -> Result<Option<String>> {
    Ok(rusqlite::OptionalExtension::optional(
        db.prepare_cached("SELECT source FROM journal_entries WHERE id = ?1")?
            .query_row([id.as_str()], |r| r.get::<_, Option<String>>(0)),
    )?
    .flatten())
}
