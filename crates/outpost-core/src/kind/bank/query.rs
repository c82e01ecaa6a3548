//! Reading bank lines with the matches the book suggests, and the receipts and payments
//! no bank line accounts for.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::Bank;
use crate::error::Result;
use crate::kind::billing::PaymentRow;
use crate::money::Money;

/// Days apart a suggested payment's date may be from the bank's.
pub const MATCH_WINDOW_DAYS: i64 = 7;

/// Which bank lines to list.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct BankFilter {
    /// Only this site's.
    pub site: Option<String>,
    /// Only lines not matched yet.
    pub unmatched: bool,
}

/// A record a bank line may be: an existing receipt or payment, or an open invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Suggestion {
    /// `payment` (confirm the match) or `invoice` (record the receipt against it).
    pub kind: String,
    /// Its number.
    pub number: String,
    /// Its party.
    pub party: String,
    /// Its date.
    pub date: String,
    /// How well it fits, 0–100: amount equal, dates close, names alike.
    pub score: i64,
}

/// One bank statement line, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BankLineRow {
    /// Id (`BL-…`).
    pub id: String,
    /// Site.
    pub site: String,
    /// 1002 or 1001.
    pub account: String,
    /// Booking date.
    pub date: String,
    /// Money in (above zero) or out.
    pub amount: Money,
    /// The other party as the bank names it.
    pub counterparty: String,
    /// The bank's reference.
    pub reference: String,
    /// The bank's description.
    pub memo: String,
    /// The number of the receipt or payment it is, once matched.
    pub payment: Option<String>,
    /// Best fits first (only for lines not matched).
    pub suggestions: Vec<Suggestion>,
}

/// Whether two names look like the same party (one holds the other, ignoring case).
fn alike(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_lowercase(), b.trim().to_lowercase());
    !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
}

impl Bank<'_> {
    /// Bank lines, newest first, each unmatched one with its suggested matches.
    pub fn lines(&self, filter: &BankFilter) -> Result<Vec<BankLineRow>> {
        let db = self.repo.db();
        let site = filter
            .site
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_uppercase);
        let mut stmt = db.prepare_cached(
            "SELECT b.id, b.site, b.account, b.date, b.amount, b.counterparty, b.reference,
                    b.memo, CASE WHEN b.payment = '' THEN NULL
                                 ELSE coalesce(p.number, b.payment) END
             FROM bank_lines b LEFT JOIN payments p ON p.id = b.payment
             WHERE (?1 IS NULL OR b.site = ?1) AND (?2 = 0 OR b.payment = '')
             ORDER BY b.date DESC, b.id",
        )?;
        let mut rows: Vec<BankLineRow> = stmt
            .query_map(params![site, filter.unmatched], |r| {
                Ok(BankLineRow {
                    id: r.get(0)?,
                    site: r.get(1)?,
                    account: r.get(2)?,
                    date: r.get(3)?,
                    amount: Money(r.get(4)?),
                    counterparty: r.get(5)?,
                    reference: r.get(6)?,
                    memo: r.get(7)?,
                    payment: r.get(8)?,
                    suggestions: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        for row in rows.iter_mut().filter(|r| r.payment.is_none()) {
            row.suggestions = self.suggest(row)?;
        }
        Ok(rows)
    }

    /// Receipts and payments of the same amount, direction, site and account within a
    /// week that no line is matched to; open invoices owing exactly the amount.
    fn suggest(&self, line: &BankLineRow) -> Result<Vec<Suggestion>> {
        let db = self.repo.db();
        let direction = if line.amount.0 > 0 {
            "received"
        } else {
            "paid"
        };
        let kind = if line.amount.0 > 0 {
            "sales"
        } else {
            "purchase"
        };
        let amount = line.amount.0.abs();
        let mut out = Vec::new();
        let mut payments = db.prepare_cached(
            "SELECT y.number, coalesce(p.name, y.party), y.date,
                    abs(julianday(y.date) - julianday(?5))
             FROM payments y LEFT JOIN parties p ON p.id = y.party
             WHERE y.site = ?1 AND y.account = ?2 AND y.direction = ?3 AND y.amount = ?4
               AND abs(julianday(y.date) - julianday(?5)) <= ?6
               AND NOT EXISTS (SELECT 1 FROM bank_lines b WHERE b.payment = y.id)",
        )?;
        for found in payments.query_map(
            params![
                line.site,
                line.account,
                direction,
                amount,
                line.date,
                MATCH_WINDOW_DAYS
            ],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, f64>(3)?,
                ))
            },
        )? {
            let (number, party, date, days) = found?;
            // Whole days apart: julianday differences of dates are whole numbers.
            let days = days.round() as i64;
            let score = 70 - 5 * days
                + if alike(&party, &line.counterparty) {
                    30
                } else {
                    0
                };
            out.push(Suggestion {
                kind: "payment".into(),
                number,
                party,
                date,
                score: score.clamp(0, 100),
            });
        }
        let mut invoices = db.prepare_cached(
            "SELECT i.number, coalesce(p.name, i.party), i.date FROM invoices i
             LEFT JOIN parties p ON p.id = i.party
             WHERE i.site = ?1 AND i.kind = ?2 AND i.corrects IS NULL AND i.date <= ?4
               AND i.gross
                   + coalesce((SELECT sum(c.gross) FROM invoices c WHERE c.corrects = i.id), 0)
                   - coalesce((SELECT sum(a.amount) FROM payment_allocations a
                               WHERE a.invoice_id = i.id), 0) = ?3",
        )?;
        for found in invoices.query_map(params![line.site, kind, amount, line.date], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (number, party, date) = found?;
            let score = 50
                + if alike(&party, &line.counterparty) {
                    40
                } else {
                    0
                };
            out.push(Suggestion {
                kind: "invoice".into(),
                number,
                party,
                date,
                score,
            });
        }
        out.sort_by(|a, b| b.score.cmp(&a.score).then(a.number.cmp(&b.number)));
        out.truncate(5);
        Ok(out)
    }

    /// Receipts and payments that no bank line is matched to: the book's side of what
    /// the bank has not shown (or nobody matched yet).
    pub fn unmatched_payments(&mut self, site: Option<&str>) -> Result<Vec<PaymentRow>> {
        let matched: std::collections::HashSet<String> = self
            .repo
            .db()
            .prepare_cached("SELECT payment FROM bank_lines WHERE payment != ''")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let filter = crate::kind::billing::PaymentFilter {
            site: site.map(str::to_string),
            ..Default::default()
        };
        let all = crate::kind::billing::Billing { repo: self.repo }.payments(&filter)?;
        Ok(all
            .into_iter()
            .filter(|p| !matched.contains(p.id.as_str()))
            .collect())
    }
}
