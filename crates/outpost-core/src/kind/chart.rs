//! What an organisation adds to the preset chart of accounts and VAT rates, in the
//! `chart` document (one for every site, read by every member).
//!
//! **Accounts** it adds are sub-accounts (明细科目) of a preset account: the preset code
//! and two digits (`100201` 工商银行 under 1002 银行存款), in the preset's class and on
//! its side, shown under it in the statements. **VAT rates** it adds join the preset
//! ones (13%, 9%, 6%, 5%, 3%, 1%, 0%). Neither is ever removed: an account or rate
//! retired is made inactive (offered no longer, still valid in what was written), so
//! "does the chart know it" only ever turns from no to yes, and a device that judges an
//! entry or invoice naming something its chart does not know yet *holds* the change
//! until the chart document brings it (as an unknown warehouse waits for `org`).

mod rules;
mod write;

use automerge::{Automerge, ObjId};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Collection;
use super::ledger::chart::{self as preset, Account};
use crate::doc_id::{DocId, DocKind};
use crate::error::Result;
use crate::record::RecordRef;
use crate::schema::{RawConflict, RecordReader, View};

pub use write::Chart;

/// The collection of added accounts.
pub(crate) const ACCOUNTS: &str = "accounts";
/// The collection of added VAT rates.
pub(crate) const VAT_RATES: &str = "vat_rates";

/// The VAT rates every organisation has, in basis points.
pub const PRESET_RATES: &[i64] = &[1300, 900, 600, 500, 300, 100, 0];

/// One VAT rate an invoice may be issued at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VatRate {
    /// Basis points (1300 = 13%).
    pub rate_bp: i64,
    /// As people type it (`13`, `1.5`).
    pub percent: String,
    /// Whether it is one of the preset rates.
    pub preset: bool,
    /// Whether it is offered for new invoices.
    pub active: bool,
}

/// Whether the chart knows something a change names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Known {
    /// It does.
    Yes,
    /// Not yet: it could be added (a well-formed sub-account or rate), so a change naming
    /// it waits for the chart document.
    NotYet,
    /// It cannot be: no chart holds such a code.
    Never,
}

/// The chart kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[
            Collection {
                name: ACCOUNTS,
                record: "account",
                docs: &[DocKind::Chart],
            },
            Collection {
                name: VAT_RATES,
                record: "VAT rate",
                docs: &[DocKind::Chart],
            },
        ]
    }

    fn tables(&self) -> &'static str {
        "CREATE TABLE IF NOT EXISTS chart_accounts (
             code TEXT PRIMARY KEY, name TEXT NOT NULL, active INTEGER NOT NULL,
             created_at INTEGER NOT NULL, created_by TEXT NOT NULL) STRICT;
         CREATE TABLE IF NOT EXISTS chart_rates (
             rate_bp INTEGER PRIMARY KEY, active INTEGER NOT NULL,
             created_at INTEGER NOT NULL, created_by TEXT NOT NULL) STRICT;"
    }

    fn table_names(&self) -> &'static [&'static str] {
        &["chart_accounts", "chart_rates"]
    }

    fn check_record(
        &self,
        cx: &crate::rules::Context<'_>,
        change: &crate::rules::RecordChange,
    ) -> std::result::Result<(), crate::rules::Broken> {
        rules::check(cx, change)
    }

    fn project(
        &self,
        db: &Connection,
        _doc_id: &DocId,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: Option<ObjId>,
        c: &mut Vec<RawConflict>,
    ) -> Result<()> {
        if rec.collection == ACCOUNTS {
            db.prepare_cached("DELETE FROM chart_accounts WHERE code = ?1")?
                .execute([&rec.key])?;
            let Some(obj) = obj else { return Ok(()) };
            let mut r = RecordReader::new(view, obj, c);
            let (Some(at), Some(by)) = (r.fact_int("created_at"), r.fact_text("created_by")) else {
                return Ok(());
            };
            if sub_account_of(&rec.key).is_none() {
                return Ok(());
            }
            let name = r.text("name").unwrap_or_default();
            let active = r.flag("active");
            db.prepare_cached("INSERT INTO chart_accounts VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![rec.key, name, active, at, by])?;
        } else {
            let Ok(rate_bp) = rec.key.parse::<i64>() else {
                return Ok(());
            };
            db.prepare_cached("DELETE FROM chart_rates WHERE rate_bp = ?1")?
                .execute([rate_bp])?;
            let Some(obj) = obj else { return Ok(()) };
            let mut r = RecordReader::new(view, obj, c);
            let (Some(at), Some(by)) = (r.fact_int("created_at"), r.fact_text("created_by")) else {
                return Ok(());
            };
            let active = r.flag("active");
            db.prepare_cached("INSERT INTO chart_rates VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![rate_bp, active, at, by])?;
        }
        Ok(())
    }
}

/// The preset account a sub-account code belongs to: six digits, the first four a
/// preset account's code.
pub(crate) fn sub_account_of(code: &str) -> Option<&'static preset::Preset> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    preset::find(&code[..4])
}

/// The account with `code`: a preset one, or one the organisation added.
pub(crate) fn account(db: &Connection, code: &str) -> Result<Option<Account>> {
    if let Some(p) = preset::find(code) {
        return Ok(Some(p.account()));
    }
    let Some(parent) = sub_account_of(code) else {
        return Ok(None);
    };
    let found: Option<(String, bool)> = db
        .prepare_cached("SELECT name, active FROM chart_accounts WHERE code = ?1")?
        .query_row([code], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.map(|(name, active)| parent.sub_account(code, &name, active)))
}

/// Every account: the preset chart and what the organisation added, by code.
pub(crate) fn accounts(db: &Connection) -> Result<Vec<Account>> {
    let mut out: Vec<Account> = preset::PRESET.iter().map(preset::Preset::account).collect();
    let mut stmt =
        db.prepare_cached("SELECT code, name, active FROM chart_accounts ORDER BY code")?;
    let added = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (code, name, active) in added {
        if let Some(parent) = sub_account_of(&code) {
            out.push(parent.sub_account(&code, &name, active));
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// Whether the preset chart has account `code` (what automatic postings name).
pub(crate) fn preset_known(code: &str) -> Known {
    if preset::find(code).is_some() {
        Known::Yes
    } else {
        Known::Never
    }
}

/// Whether a book with projections `db` knows account `code`; a failed read counts as
/// "not yet" (a change waits rather than being refused by a passing fault).
pub(crate) fn known_in(db: &Connection) -> impl Fn(&str) -> Known + '_ {
    move |code| account_known(db, code).unwrap_or(Known::NotYet)
}

/// Whether the chart knows account `code` (for judging a change that names it).
pub(crate) fn account_known(db: &Connection, code: &str) -> Result<Known> {
    Ok(if account(db, code)?.is_some() {
        Known::Yes
    } else if sub_account_of(code).is_some() {
        Known::NotYet
    } else {
        Known::Never
    })
}

/// Every VAT rate: the preset ones and those the organisation added, highest first.
pub(crate) fn rates(db: &Connection) -> Result<Vec<VatRate>> {
    let mut out: Vec<VatRate> = PRESET_RATES
        .iter()
        .map(|&rate_bp| VatRate {
            rate_bp,
            percent: super::billing::rate_text(rate_bp),
            preset: true,
            active: true,
        })
        .collect();
    let mut stmt = db.prepare_cached("SELECT rate_bp, active FROM chart_rates")?;
    let added = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (rate_bp, active) in added {
        if !PRESET_RATES.contains(&rate_bp) {
            out.push(VatRate {
                rate_bp,
                percent: super::billing::rate_text(rate_bp),
                preset: false,
                active,
            });
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.rate_bp));
    Ok(out)
}

/// Whether the chart knows VAT rate `rate_bp` (any rate within 0–100% may be added).
pub(crate) fn rate_known(db: &Connection, rate_bp: i64) -> Result<Known> {
    if PRESET_RATES.contains(&rate_bp) {
        return Ok(Known::Yes);
    }
    let found: Option<i64> = db
        .prepare_cached("SELECT rate_bp FROM chart_rates WHERE rate_bp = ?1")?
        .query_row([rate_bp], |r| r.get(0))
        .optional()?;
    Ok(if found.is_some() {
        Known::Yes
    } else if (0..=super::billing::MAX_RATE_BP).contains(&rate_bp) {
        Known::NotYet
    } else {
        Known::Never
    })
}
