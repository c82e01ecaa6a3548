//! Totals per site, month and account, kept as entries are projected, so a trial balance
//! reads at most sites × months × accounts rows instead of every line of the journal.
//! Entries never change; a re-projection (the same entry read again) takes its lines out
//! and puts them back, and a rebuild starts from an empty table: the totals are always
//! the sums of the lines.

use rusqlite::{Connection, params};

use super::model::Entry;
use crate::error::Result;

/// Takes the lines of entry `id`, as projected now, out of the totals.
pub(super) fn remove_entry(db: &Connection, id: &str) -> Result<()> {
    let lines: Vec<(String, String, String, i64, i64)> = db
        .prepare_cached(
            "SELECT e.site, substr(e.date, 1, 7), l.account, l.debit, l.credit
             FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
             WHERE l.entry_id = ?1",
        )?
        .query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut take = db.prepare_cached(
        "UPDATE ledger_totals SET debit = debit - ?4, credit = credit - ?5
         WHERE site = ?1 AND month = ?2 AND account = ?3",
    )?;
    let mut drop_empty = db.prepare_cached(
        "DELETE FROM ledger_totals
         WHERE site = ?1 AND month = ?2 AND account = ?3 AND debit = 0 AND credit = 0",
    )?;
    for (site, month, account, debit, credit) in &lines {
        take.execute(params![site, month, account, debit, credit])?;
        drop_empty.execute(params![site, month, account])?;
    }
    Ok(())
}

/// Adds the lines of `entry` to the totals.
pub(super) fn add_entry(db: &Connection, entry: &Entry) -> Result<()> {
    let month = entry.date.get(..7).unwrap_or_default();
    let mut add = db.prepare_cached(
        "INSERT INTO ledger_totals VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (site, month, account)
         DO UPDATE SET debit = debit + excluded.debit, credit = credit + excluded.credit",
    )?;
    for l in &entry.lines {
        add.execute(params![
            entry.site.as_str(),
            month,
            l.account,
            l.debit,
            l.credit
        ])?;
    }
    Ok(())
}

/// Adds the lines of entry `id`, as projected now, to the totals (after it was re-dated).
pub(super) fn add_projected(db: &Connection, id: &str) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO ledger_totals (site, month, account, debit, credit)
         SELECT e.site, substr(e.date, 1, 7), l.account, l.debit, l.credit
         FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
         WHERE l.entry_id = ?1
         ON CONFLICT (site, month, account)
         DO UPDATE SET debit = debit + excluded.debit, credit = credit + excluded.credit",
    )?
    .execute([id])?;
    Ok(())
}
