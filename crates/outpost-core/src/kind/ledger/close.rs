//! Closing a site's month: a close record (in the site's `billing` document of that month,
//! so it can speak for both that month's billing and ledger documents) lists the journal
//! entries the closing device held for the month, manual and automatic, and its stock
//! movements, and keeps the trial balance at close.
//!
//! An entry dated in a closed month that no close of it lists arrived late (made offline,
//! or a billing record that came afterwards): it counts on the first day of the next
//! month without a close, remembering its own date; a later close of that month lists it
//! there. Every replica decides the same from the records alone.

use automerge::ObjType;
use automerge::transaction::Transactable;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Ledger;
use crate::access;
use crate::code::SiteCode;
use crate::doc_id::{DocId, Month};
use crate::error::{Error, Result};
use crate::id::EntryId;
use crate::money::Money;
use crate::record::RecordRef;
use crate::repo::Written;
use crate::schema::collection_obj;

/// The collection of month closes (in `billing` documents).
pub(crate) const CLOSES: &str = "closes";

/// The close tables (made with the journal's, `kind/ledger.rs`).
pub(super) const TABLE_NAMES: &[&str] = &[
    "period_closes",
    "period_close_entries",
    "period_close_balances",
];

/// A month's close, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloseRow {
    /// Site.
    pub site: String,
    /// Month `YYYY-MM`.
    pub month: String,
    /// Who closed it (device code).
    pub closed_by: String,
    /// When (ms).
    pub closed_at_ms: i64,
    /// Entries it holds.
    pub entries: i64,
    /// Debits of the trial balance kept at close (= its credits).
    pub debit: Money,
}

/// A close as read from its document.
pub(super) struct Close {
    site: String,
    month: String,
    closed_at: i64,
    closed_by: String,
    /// The journal entries it holds.
    entries: Vec<String>,
    /// The trial balance at close: account, debit, credit.
    balances: Vec<(String, i64, i64)>,
}

/// The month after `m`.
fn next(m: Month) -> Month {
    if m.month == 12 {
        Month {
            year: m.year + 1,
            month: 1,
        }
    } else {
        Month {
            year: m.year,
            month: m.month + 1,
        }
    }
}

/// Whether `site`'s `month` has a close.
pub(crate) fn is_closed(db: &Connection, site: &SiteCode, month: Month) -> Result<bool> {
    Ok(db
        .prepare_cached("SELECT 1 FROM period_closes WHERE site = ?1 AND month = ?2 LIMIT 1")?
        .query_row(params![site.as_str(), month.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Refuses a write dated in a closed month of `site`.
pub(crate) fn check_open(db: &Connection, site: &SiteCode, date: jiff::civil::Date) -> Result<()> {
    let month = Month::of_date(date);
    if is_closed(db, site, month)? {
        return Err(Error::PeriodClosed {
            site: site.to_string(),
            month: month.to_string(),
        });
    }
    Ok(())
}

/// The date entry `id` of `site` dated `date` counts on, and its own date when it came
/// late into a closed month.
pub(super) fn effective_date(
    db: &Connection,
    site: &str,
    id: &str,
    date: &str,
) -> Result<(String, Option<String>)> {
    let Some(mut month) = date.get(..7).and_then(|m| Month::parse(m).ok()) else {
        return Ok((date.to_string(), None));
    };
    let mut closes = db.prepare_cached(
        "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM period_close_entries e
                                                WHERE e.close_id = c.id AND e.entry = ?3)), 0)
         FROM period_closes c WHERE c.site = ?1 AND c.month = ?2",
    )?;
    let mut moved = false;
    // Bounded: a month is closed only once it has begun, so the walk ends by today.
    for _ in 0..1200 {
        let (count, listed): (i64, i64) = closes
            .query_row(params![site, month.to_string(), id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        if count == 0 || listed > 0 {
            break;
        }
        month = next(month);
        moved = true;
    }
    Ok(if moved {
        (format!("{month}-01"), Some(date.to_string()))
    } else {
        (date.to_string(), None)
    })
}

/// Re-dates every entry of `site` by the closes now known (after a close arrived).
pub(super) fn reperiod(db: &Connection, site: &str) -> Result<()> {
    let entries: Vec<(String, String, Option<String>)> = db
        .prepare_cached("SELECT id, date, late_from FROM journal_entries WHERE site = ?1")?
        .query_map([site], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, date, late_from) in entries {
        let own = late_from.clone().unwrap_or_else(|| date.clone());
        let (now, late) = effective_date(db, site, &id, &own)?;
        if now == date && late == late_from {
            continue;
        }
        super::totals::remove_entry(db, &id)?;
        db.prepare_cached("UPDATE journal_entries SET date = ?2, late_from = ?3 WHERE id = ?1")?
            .execute(params![id, now, late])?;
        super::totals::add_projected(db, &id)?;
    }
    Ok(())
}

/// Replaces the projection of close `id` (`None`: gone), then re-dates the site's entries.
pub(super) fn project(
    db: &Connection,
    doc_id: &DocId,
    id: &str,
    close: Option<Close>,
) -> Result<()> {
    let site_before: Option<String> = db
        .prepare_cached("SELECT site FROM period_closes WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    for table in TABLE_NAMES {
        let key = if *table == "period_closes" {
            "id"
        } else {
            "close_id"
        };
        db.execute(&format!("DELETE FROM {table} WHERE {key} = ?1"), [id])?;
    }
    let mut sites: Vec<String> = site_before.into_iter().collect();
    if let Some(Close {
        site,
        month,
        closed_at,
        closed_by,
        entries,
        balances,
    }) = close
    {
        db.prepare_cached("INSERT INTO period_closes VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
            .execute(params![
                id,
                doc_id.to_string(),
                site,
                month,
                closed_at,
                closed_by
            ])?;
        let mut put =
            db.prepare_cached("INSERT OR IGNORE INTO period_close_entries VALUES (?1, ?2)")?;
        for e in &entries {
            put.execute([id, e.as_str()])?;
        }
        let mut put = db.prepare_cached(
            "INSERT OR IGNORE INTO period_close_balances VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (account, debit, credit) in &balances {
            put.execute(params![id, account, debit, credit])?;
        }
        sites.push(site);
    }
    sites.dedup();
    for site in sites {
        reperiod(db, &site)?;
    }
    Ok(())
}

/// Reads a close record from its document.
pub(super) fn read(
    v: crate::schema::View<'_, automerge::Automerge>,
    obj: automerge::ObjId,
) -> Option<Close> {
    let entries = v
        .child_list(&obj, "entries")
        .map(|list| v.list_texts(&list))
        .unwrap_or_default();
    let balances = v
        .child_list(&obj, "balances")
        .map(|list| {
            v.list_maps(&list)
                .iter()
                .filter_map(|b| {
                    Some((
                        v.str(b, "account")?,
                        v.int(b, "debit")?,
                        v.int(b, "credit")?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Close {
        site: v.str(&obj, "site")?,
        month: v.str(&obj, "month")?,
        closed_at: v.int(&obj, "closed_at")?,
        closed_by: v.str(&obj, "closed_by")?,
        entries,
        balances,
    })
}

impl Ledger<'_> {
    /// Closes `site`'s `month` (`YYYY-MM`, begun already): no entry, invoice or payment
    /// may be dated in it any more; what arrives late counts in the next open month.
    pub fn close_month(&mut self, site: &str, month: &str, at: Timestamp) -> Result<()> {
        let me = self.repo.me()?;
        let site = match site.trim() {
            "" => me.site.clone(),
            code => SiteCode::parse(code)?,
        };
        crate::kind::site::exists(self.repo.db(), &site)?;
        let month = Month::parse(month.trim())?;
        let ledger = DocId::Ledger {
            site: site.clone(),
            month,
        };
        if !access::may_write(&me, &ledger) {
            return Err(Error::NotPermitted {
                doc: ledger.to_string(),
                role: me.role.as_str().to_string(),
            });
        }
        if month > Month::of(at) {
            return Err(Error::invalid(
                "month",
                month,
                crate::error::Rule::Format {
                    example: "a month that has begun",
                },
            ));
        }
        if is_closed(self.repo.db(), &site, month)? {
            return Err(Error::PeriodClosed {
                site: site.to_string(),
                month: month.to_string(),
            });
        }
        // The month's stock movements too (as `movement:<id>`, their postings' ids): one
        // that arrives later is costed in the next open month, so this month's costs stay.
        let entries: Vec<String> = self
            .repo
            .db()
            .prepare_cached(
                "SELECT id FROM journal_entries WHERE site = ?1 AND substr(date, 1, 7) = ?2
                 UNION
                 SELECT 'movement:' || m.id FROM movements m
                 JOIN warehouses w ON w.code = m.warehouse
                 WHERE w.site = ?1 AND strftime('%Y-%m', m.at / 1000, 'unixepoch') = ?2
                 ORDER BY 1",
            )?
            .query_map(params![site.as_str(), month.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let last_day = jiff::civil::date(month.year, month.month, 1)
            .last_of_month()
            .to_string();
        let tb = self.trial_balance(&super::BalanceFilter {
            site: Some(site.to_string()),
            through: Some(last_day),
        })?;
        let id = EntryId::generate(at);
        let doc = DocId::Billing {
            site: site.clone(),
            month,
        };
        self.repo.write(&doc, at, |tx| {
            let coll = collection_obj(tx, CLOSES)?;
            let obj = tx.put_object(&coll, id.as_str(), ObjType::Map)?;
            tx.put(&obj, "site", site.as_str())?;
            tx.put(&obj, "month", month.to_string())?;
            tx.put(&obj, "closed_at", at.as_millisecond())?;
            tx.put(&obj, "closed_by", me.id.as_str())?;
            let list = tx.put_object(&obj, "entries", ObjType::List)?;
            for (i, e) in entries.iter().enumerate() {
                tx.insert(&list, i, e.as_str())?;
            }
            let list = tx.put_object(&obj, "balances", ObjType::List)?;
            for (i, r) in tb.rows.iter().enumerate() {
                let b = tx.insert_object(&list, i, ObjType::Map)?;
                tx.put(&b, "account", r.account.code.as_str())?;
                tx.put(&b, "debit", r.debit.0)?;
                tx.put(&b, "credit", r.credit.0)?;
            }
            Ok(Written::new(
                (),
                "ledger.close",
                vec![RecordRef::new(CLOSES, id.as_str())],
            ))
        })
    }

    /// Every month closed, newest first.
    pub fn closes(&self) -> Result<Vec<CloseRow>> {
        Ok(self
            .repo
            .db()
            .prepare_cached(
                "SELECT c.site, c.month,
                        coalesce((SELECT code FROM devices d WHERE d.id = c.closed_by),
                                 substr(c.closed_by, 1, 8)),
                        c.closed_at,
                        (SELECT count(*) FROM period_close_entries e WHERE e.close_id = c.id
                           AND (e.entry NOT LIKE 'movement:%'
                                OR e.entry IN (SELECT id FROM journal_entries))),
                        coalesce((SELECT sum(debit) FROM period_close_balances b
                                  WHERE b.close_id = c.id), 0)
                 FROM period_closes c ORDER BY c.month DESC, c.site",
            )?
            .query_map([], |r| {
                Ok(CloseRow {
                    site: r.get(0)?,
                    month: r.get(1)?,
                    closed_by: r.get(2)?,
                    closed_at_ms: r.get(3)?,
                    entries: r.get(4)?,
                    debit: Money(r.get(5)?),
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }
}
