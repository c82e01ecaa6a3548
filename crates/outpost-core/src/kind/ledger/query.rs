//! Reading the journal and its balances from the projections.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::Ledger;
use super::chart::{self, Side};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::EntryId;
use crate::money::Money;

/// Which entries to list.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct EntryFilter {
    /// Only this site's.
    pub site: Option<String>,
    /// Only entries dated in this month (`2026-11`).
    pub month: Option<String>,
    /// Only entries with a line on this account.
    pub account: Option<String>,
}

/// One line of an entry, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryLineRow {
    /// The account's code.
    pub account: String,
    /// Debit.
    pub debit: Money,
    /// Credit.
    pub credit: Money,
}

/// One journal entry, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryRow {
    /// Id.
    pub id: EntryId,
    /// Human number.
    pub number: String,
    /// Site.
    pub site: String,
    /// Accounting date.
    pub date: String,
    /// What it is for.
    pub memo: String,
    /// The party.
    pub counterparty: String,
    /// Linked record.
    pub link: String,
    /// The number of the entry it reverses.
    pub reverses: Option<String>,
    /// The numbers of the entries that reverse it (two: reversed twice while apart).
    pub reversed_by: Vec<String>,
    /// Total of its debits (= its credits).
    pub total: Money,
    /// The kind of record it was posted from automatically (`invoice`, `payment`);
    /// `None` for an entry a person posted.
    pub source: Option<String>,
    /// Its own date when it arrived after its month was closed (`date` is then the first
    /// day of the open month it counts in).
    pub late_from: Option<String>,
    /// Who wrote it (device code).
    pub created_by: String,
    /// When (ms).
    pub created_at_ms: i64,
    /// Its lines.
    pub lines: Vec<EntryLineRow>,
}

/// Which balances to sum.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct BalanceFilter {
    /// One site's books; every site's together if none.
    pub site: Option<String>,
    /// Entries dated up to this day (`YYYY-MM-DD`), every entry if none.
    pub through: Option<String>,
}

/// One account's totals in a trial balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BalanceRow {
    /// The account.
    pub account: chart::Account,
    /// Sum of its debits.
    pub debit: Money,
    /// Sum of its credits.
    pub credit: Money,
    /// Its balance on its normal side (negative when it fell on the other side).
    pub balance: Money,
}

/// A trial balance: every account with entries, and the totals, which are equal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrialBalance {
    /// Accounts in code order.
    pub rows: Vec<BalanceRow>,
    /// Sum of every debit.
    pub debit: Money,
    /// Sum of every credit.
    pub credit: Money,
    /// Of every site together: the debits (= credits) taken out as what the sites owe
    /// each other (1221/2241 between two sites that agree on it); zero for one site.
    pub eliminated: Money,
}

/// The lines on 1221/2241 between two sites that agree on what they owe each other
/// (each site's entries naming the other as counterparty, through a day): summed per
/// account, taken out of the consolidated trial balance. Two sites that disagree keep
/// theirs in (and are the exception `intersite_unbalanced`).
const INTERSITE: &str = "
WITH lines AS (
    SELECT e.site AS site, e.counterparty AS other, l.account AS account,
           l.debit AS debit, l.credit AS credit
    FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
    WHERE l.account IN ('1221', '2241') AND e.counterparty != e.site
      AND e.counterparty IN (SELECT code FROM sites) AND (?1 IS NULL OR e.date <= ?1)),
pairs AS (
    SELECT min(site, other) AS a, max(site, other) AS b FROM lines
    GROUP BY 1, 2 HAVING sum(debit - credit) = 0)
SELECT l.account, sum(l.debit), sum(l.credit)
FROM lines l JOIN pairs p ON p.a = min(l.site, l.other) AND p.b = max(l.site, l.other)
GROUP BY l.account";

/// The id and document of an entry given its number or id.
pub(crate) fn locate(db: &Connection, key: &str) -> Result<(EntryId, DocId)> {
    let key = key.trim();
    let found: Option<(String, String)> = db
        .query_row(
            "SELECT id, doc FROM journal_entries WHERE number = ?1 COLLATE NOCASE OR id = ?1 LIMIT 1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (id, doc) = found.ok_or_else(|| Error::not_found("journal entry", key))?;
    Ok((EntryId::from_stored(id), DocId::parse(&doc)?))
}

/// The number of an entry reversing `id`, if any.
pub(crate) fn reversed_by(db: &Connection, id: &EntryId) -> Result<Option<String>> {
    Ok(db
        .prepare_cached(
            "SELECT number FROM journal_entries WHERE reverses = ?1 ORDER BY number LIMIT 1",
        )?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()?)
}

impl Ledger<'_> {
    /// This device's member if it may read the journal: a clerk's device derives the
    /// postings of the invoices it holds, but never shows them.
    pub(super) fn reader(&self) -> Result<()> {
        let me = self.repo.me()?;
        if crate::access::reads_ledgers(&me) {
            Ok(())
        } else {
            Err(Error::NotPermitted {
                doc: "ledger".into(),
                role: me.role.as_str().to_string(),
            })
        }
    }

    /// The chart of accounts: the preset accounts and the sub-accounts the organisation
    /// added, by code.
    pub fn chart(&self) -> Result<Vec<chart::Account>> {
        crate::kind::chart::accounts(self.repo.db())
    }

    /// Entries, newest date first.
    pub fn list(&self, filter: &EntryFilter) -> Result<Vec<EntryRow>> {
        self.reader()?;
        let db = self.repo.db();
        let month = filter.month.as_deref().map(str::trim);
        if let Some(m) = month {
            crate::doc_id::Month::parse(m)?;
        }
        let mut stmt = db.prepare_cached(
            "SELECT e.id, e.number, e.site, e.date, e.memo,
                    coalesce((SELECT p.name FROM parties p WHERE p.id = e.counterparty),
                             e.counterparty),
                    e.link,
                    (SELECT r.number FROM journal_entries r WHERE r.id = e.reverses),
                    coalesce((SELECT code FROM devices d WHERE d.id = e.created_by), substr(e.created_by, 1, 8)),
                    e.created_at,
                    (SELECT sum(debit) FROM journal_lines l WHERE l.entry_id = e.id),
                    e.source, e.late_from
             FROM journal_entries e
             WHERE (?1 IS NULL OR e.site = ?1) AND (?2 IS NULL OR substr(e.date, 1, 7) = ?2)
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM journal_lines l
                                         WHERE l.entry_id = e.id AND l.account = ?3))
             ORDER BY e.date DESC, e.number DESC",
        )?;
        let mut rows: Vec<EntryRow> = stmt
            .query_map(
                params![
                    filter.site.as_deref().map(str::trim).map(str::to_uppercase),
                    month,
                    filter.account.as_deref().map(str::trim)
                ],
                |r| {
                    Ok(EntryRow {
                        id: EntryId::from_stored(r.get(0)?),
                        number: r.get(1)?,
                        site: r.get(2)?,
                        date: r.get(3)?,
                        memo: r.get(4)?,
                        counterparty: r.get(5)?,
                        link: r.get(6)?,
                        reverses: r.get(7)?,
                        reversed_by: Vec::new(),
                        created_by: r.get(8)?,
                        created_at_ms: r.get(9)?,
                        total: Money(r.get::<_, Option<i64>>(10)?.unwrap_or(0)),
                        source: r.get(11)?,
                        late_from: r.get(12)?,
                        lines: Vec::new(),
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        let mut lines = db.prepare_cached(
            "SELECT account, debit, credit FROM journal_lines WHERE entry_id = ?1 ORDER BY line_no",
        )?;
        let mut reversals = db.prepare_cached(
            "SELECT number FROM journal_entries WHERE reverses = ?1 ORDER BY number",
        )?;
        for row in &mut rows {
            row.lines = lines
                .query_map([row.id.as_str()], |r| {
                    Ok(EntryLineRow {
                        account: r.get(0)?,
                        debit: Money(r.get(1)?),
                        credit: Money(r.get(2)?),
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            row.reversed_by = reversals
                .query_map([row.id.as_str()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(rows)
    }

    /// One entry by number or id.
    pub fn get(&self, key: &str) -> Result<EntryRow> {
        let (id, _) = locate(self.repo.db(), key)?;
        self.list(&EntryFilter::default())?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| Error::not_found("journal entry", key))
    }

    /// The trial balance of one site, or of every site together.
    pub fn trial_balance(&self, filter: &BalanceFilter) -> Result<TrialBalance> {
        self.reader()?;
        if let Some(day) = filter.through.as_deref() {
            super::write::parse_date(day)?;
        }
        // Whole months from the kept totals; the month of `through` up to that day from
        // its entries.
        let through = filter.through.as_deref().map(str::trim);
        let cut = through.and_then(|d| d.get(..7)).unwrap_or("9999-12");
        let mut stmt = self.repo.db().prepare_cached(
            "SELECT account, sum(debit), sum(credit) FROM (
                 SELECT account, debit, credit FROM ledger_totals
                 WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR month < ?3)
                 UNION ALL
                 SELECT l.account, l.debit, l.credit
                 FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
                 WHERE ?2 IS NOT NULL AND (?1 IS NULL OR e.site = ?1)
                   AND e.date >= ?3 || '-01' AND e.date <= ?2)
             GROUP BY account HAVING sum(debit) != 0 OR sum(credit) != 0 ORDER BY account",
        )?;
        let site = filter
            .site
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_uppercase);
        let mut sums: Vec<(String, i64, i64)> = stmt
            .query_map(params![site, through, cut], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut eliminated = 0;
        if site.is_none() {
            let out: Vec<(String, i64, i64)> = self
                .repo
                .db()
                .prepare_cached(INTERSITE)?
                .query_map([through], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (code, debit, credit) in out {
                eliminated += debit;
                if let Some(row) = sums.iter_mut().find(|r| r.0 == code) {
                    row.1 -= debit;
                    row.2 -= credit;
                }
            }
            sums.retain(|r| r.1 != 0 || r.2 != 0);
        }
        let mut tb = TrialBalance {
            rows: Vec::new(),
            debit: Money::ZERO,
            credit: Money::ZERO,
            eliminated: Money(eliminated),
        };
        let accounts: std::collections::HashMap<String, chart::Account> = self
            .chart()?
            .into_iter()
            .map(|a| (a.code.clone(), a))
            .collect();
        for (code, debit, credit) in sums {
            // Entries name only accounts of the chart (checked on every path in).
            let Some(account) = accounts.get(&code).cloned() else {
                continue;
            };
            let balance = match account.normal {
                Side::Debit => debit - credit,
                Side::Credit => credit - debit,
            };
            tb.debit.0 += debit;
            tb.credit.0 += credit;
            tb.rows.push(BalanceRow {
                account,
                debit: Money(debit),
                credit: Money(credit),
                balance: Money(balance),
            });
        }
        Ok(tb)
    }
}
