//! The journal: each site's entries in its `ledger/<site>/<yyyy-mm>` documents, read and
//! written by finance, managers and admins only (auditors read). An entry is written whole
//! once and never changed; its lines balance on accounts of the chart ([`chart`]); a
//! mistake is corrected by a reversing entry. Balances are sums of lines, never stored.

pub mod chart;
mod close;
mod costing;
mod derived;
mod model;
mod query;
mod rules;
mod sales;
mod statements;
mod totals;
mod valuation;
mod write;

use std::collections::BTreeMap;

use automerge::{Automerge, ObjId};
use rusqlite::{Connection, params};

use super::{Collection, Names};
use crate::doc_id::{DocId, DocKind};
use crate::error::Result;
use crate::exception::{ExceptionRow, push_rows};
use crate::id::EntryId;
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::schema::{RawConflict, View};

pub use chart::{Account, AccountClass, Side};
pub use close::CloseRow;
pub(crate) use close::check_open;
pub(crate) use derived::{Posting, post_derived};
use model::Entry;
pub(crate) use model::{Line, MAX_LINE_AMOUNT};
pub use query::{BalanceFilter, BalanceRow, EntryFilter, EntryLineRow, EntryRow, TrialBalance};
pub use sales::{MonthlySales, SalesBy, SalesFilter, SalesRow};
pub use statements::{BalanceSheet, IncomeStatement, PeriodFilter, StatementLine};
pub use valuation::ValuationRow;
pub use write::{EntryForm, EntryLineForm, NewEntry, NewEntryLine};
pub(crate) use write::{date_or_today, parse_date};

/// The collection of journal entries.
pub(crate) const ENTRIES: &str = "entries";

fn entry_ref(id: &EntryId) -> RecordRef {
    RecordRef::new(ENTRIES, id.as_str())
}

/// The journal's tables, the closes' and the stock costs' ([`costing`]: each
/// movement's value and the site's position in its item after it).
const TABLES: &str = "CREATE TABLE IF NOT EXISTS journal_entries (
             id TEXT PRIMARY KEY, number TEXT NOT NULL, doc TEXT NOT NULL, site TEXT NOT NULL,
             date TEXT NOT NULL, memo TEXT NOT NULL, counterparty TEXT NOT NULL,
             link TEXT NOT NULL, reverses TEXT, created_at INTEGER NOT NULL,
             created_by TEXT NOT NULL, source TEXT, late_from TEXT) STRICT;
         CREATE INDEX IF NOT EXISTS journal_entries_by_number ON journal_entries(number);
         CREATE INDEX IF NOT EXISTS journal_entries_by_site ON journal_entries(site, date);
         CREATE INDEX IF NOT EXISTS journal_entries_by_reversed ON journal_entries(reverses);
         CREATE TABLE IF NOT EXISTS journal_lines (
             entry_id TEXT NOT NULL, line_no INTEGER NOT NULL, account TEXT NOT NULL,
             debit INTEGER NOT NULL, credit INTEGER NOT NULL, PRIMARY KEY (entry_id, line_no)
         ) STRICT, WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS journal_lines_by_account ON journal_lines(account);
         CREATE INDEX IF NOT EXISTS journal_entries_by_date ON journal_entries(date);
         CREATE TABLE IF NOT EXISTS ledger_totals (
             site TEXT NOT NULL, month TEXT NOT NULL, account TEXT NOT NULL,
             debit INTEGER NOT NULL, credit INTEGER NOT NULL, PRIMARY KEY (site, month, account)
         ) STRICT, WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS period_closes (
             id TEXT PRIMARY KEY, doc TEXT NOT NULL, site TEXT NOT NULL, month TEXT NOT NULL,
             closed_at INTEGER NOT NULL, closed_by TEXT NOT NULL) STRICT;
         CREATE INDEX IF NOT EXISTS period_closes_by_month ON period_closes(site, month);
         CREATE TABLE IF NOT EXISTS period_close_entries (
             close_id TEXT NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (close_id, entry)
         ) STRICT, WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS period_close_balances (
             close_id TEXT NOT NULL, account TEXT NOT NULL, debit INTEGER NOT NULL,
             credit INTEGER NOT NULL, PRIMARY KEY (close_id, account)
         ) STRICT, WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS movement_costs (
             movement TEXT PRIMARY KEY, item TEXT NOT NULL, site TEXT NOT NULL,
             eff INTEGER NOT NULL, rank INTEGER NOT NULL, qty INTEGER NOT NULL,
             value INTEGER NOT NULL, qty_after INTEGER NOT NULL, value_after INTEGER NOT NULL,
             unit_value INTEGER NOT NULL, unit_qty INTEGER NOT NULL, posted TEXT NOT NULL
         ) STRICT;
         CREATE INDEX IF NOT EXISTS movement_costs_by_walk
             ON movement_costs(item, site, eff, rank, movement);";

/// The journal kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[
            Collection {
                name: ENTRIES,
                record: "entry",
                docs: &[DocKind::Ledger],
            },
            Collection {
                name: close::CLOSES,
                record: "close",
                docs: &[DocKind::Billing],
            },
        ]
    }

    fn tables(&self) -> &'static str {
        TABLES
    }

    fn table_names(&self) -> &'static [&'static str] {
        &[
            "journal_entries",
            "journal_lines",
            "ledger_totals",
            "period_closes",
            "period_close_entries",
            "period_close_balances",
            "movement_costs",
        ]
    }

    fn after_project(&self, db: &Connection, records: &[RecordRef]) -> Result<()> {
        costing::recost_after(db, records)
    }

    fn check_record(
        &self,
        cx: &crate::rules::Context<'_>,
        change: &crate::rules::RecordChange,
    ) -> std::result::Result<(), crate::rules::Broken> {
        if change.rec.collection == close::CLOSES {
            rules::check_close(cx, change)
        } else {
            rules::check(cx, change)
        }
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
        if rec.collection == close::CLOSES {
            return close::project(db, doc_id, &rec.key, obj.and_then(|o| close::read(view, o)));
        }
        remove_entry(db, &rec.key)?;
        match obj.and_then(|obj| model::read_entry(view, &rec.key, obj, c)) {
            Some(e) => insert_entry(db, &e, doc_id, None),
            None => Ok(()),
        }
    }

    fn locate(&self, db: &Connection, key: &str) -> Result<Option<(RecordRef, DocId)>> {
        // An automatic posting's history is its source's (it shares its number).
        Ok(match query::locate(db, key) {
            Ok((id, doc)) if derived::source_of(db, &id)?.is_none() => Some((entry_ref(&id), doc)),
            _ => None,
        })
    }

    fn label(&self, db: &Connection, rec: &RecordRef) -> Result<Option<String>> {
        Ok(rusqlite::OptionalExtension::optional(
            db.prepare_cached("SELECT number FROM journal_entries WHERE id = ?1")?
                .query_row([&rec.key], |r| r.get(0)),
        )?)
    }

    fn fields(
        &self,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: ObjId,
        _names: &Names,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(e) = model::read_entry(view, &rec.key, obj, &mut Vec::new()) {
            out.insert("date".into(), e.date);
            out.insert("memo".into(), e.memo);
            out.insert("counterparty".into(), e.counterparty);
            out.insert("link".into(), e.link);
            for (i, l) in e.lines.iter().enumerate() {
                let side = if l.debit > 0 { "debit" } else { "credit" };
                let amount = crate::Money(l.debit.max(l.credit));
                out.insert(
                    format!("line {}", i + 1),
                    format!("{} {side} {amount}", l.account),
                );
            }
        }
        out
    }

    fn exceptions(
        &self,
        db: &Connection,
        _stock_site: Option<&crate::code::SiteCode>,
        out: &mut Vec<ExceptionRow>,
    ) -> Result<()> {
        // Entries that arrived after their month was closed, counted in a later month.
        push_rows(
            db,
            "posted_after_close",
            "SELECT number, NULL, NULL, site FROM journal_entries WHERE late_from IS NOT NULL
             ORDER BY number",
            [],
            out,
        )?;
        // Two finance devices apart may each reverse one entry: it then counts back twice.
        push_rows(
            db,
            "entry_reversed_twice",
            "SELECT o.number, 1, count(*), o.site FROM journal_entries r
             JOIN journal_entries o ON o.id = r.reverses
             GROUP BY r.reverses HAVING count(*) > 1 ORDER BY o.number",
            [],
            out,
        )?;
        // What one site says another owes it (1221, less what it owes that site on 2241)
        // must be what the other says it owes: transfers post both ends alike, so a
        // difference is an entry posted on one side only. Subject `SH/BJ`; expected is
        // SH's figure as BJ's books have it, actual SH's own.
        push_rows(
            db,
            "intersite_unbalanced",
            "WITH owed AS (
                 SELECT e.site AS site, e.counterparty AS other,
                        sum(l.debit - l.credit) AS net
                 FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
                 WHERE l.account IN ('1221', '2241')
                   AND e.counterparty IN (SELECT code FROM sites)
                 GROUP BY e.site, e.counterparty)
             SELECT x.site || '/' || x.other, -coalesce(y.net, 0), x.net, x.site
             FROM owed x LEFT JOIN owed y ON y.site = x.other AND y.other = x.site
             WHERE x.net + coalesce(y.net, 0) != 0 AND (x.site < x.other OR y.site IS NULL)
             ORDER BY 1",
            [],
            out,
        )
    }
}

/// Takes entry `id` out of the projections (and its lines out of the totals).
fn remove_entry(db: &Connection, id: &str) -> Result<()> {
    totals::remove_entry(db, id)?;
    db.prepare_cached("DELETE FROM journal_entries WHERE id = ?1")?
        .execute([id])?;
    db.prepare_cached("DELETE FROM journal_lines WHERE entry_id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Puts entry `e` of `doc_id` into the projections; `source` names the kind of record an
/// automatic posting was derived from.
fn insert_entry(db: &Connection, e: &Entry, doc_id: &DocId, source: Option<&str>) -> Result<()> {
    // An entry dated in a closed month that its close does not list counts later.
    let (date, late_from) = close::effective_date(db, e.site.as_str(), e.id.as_str(), &e.date)?;
    let e = &Entry { date, ..e.clone() };
    db.prepare_cached(
        "INSERT INTO journal_entries VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        e.id.as_str(),
        e.number,
        doc_id.to_string(),
        e.site.as_str(),
        e.date,
        e.memo,
        e.counterparty,
        e.link,
        e.reverses.as_ref().map(EntryId::as_str),
        e.created_at_ms,
        e.created_by.as_str(),
        source,
        late_from,
    ])?;
    let mut stmt = db.prepare_cached("INSERT INTO journal_lines VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for (i, l) in e.lines.iter().enumerate() {
        stmt.execute(params![
            e.id.as_str(),
            i as i64,
            l.account,
            l.debit,
            l.credit
        ])?;
    }
    totals::add_entry(db, e)
}

/// The journal: [`crate::Book::ledger`].
pub struct Ledger<'a> {
    pub(crate) repo: &'a mut Repo,
}
