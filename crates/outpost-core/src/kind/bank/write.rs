//! Importing a statement and matching its lines.
//!
//! A line's id is made from what the bank says about it (site, account, date, amount,
//! reference, party, description, and its place among identical rows), so importing the
//! same file again, here or on another device, adds nothing new.

use std::collections::{BTreeMap, HashMap};

use automerge::ObjType;
use automerge::transaction::Transactable;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::statement::{self, StatementColumns, StatementLine};
use super::{BANK_LINES, Bank};
use crate::access;
use crate::code::SiteCode;
use crate::doc_id::{DocId, Month};
use crate::error::{Error, Result};
use crate::kind::billing::{Direction, NewAllocation, NewPayment};
use crate::money::Money;
use crate::record::RecordRef;
use crate::repo::Written;
use crate::schema::{View, collection_obj};
use crate::text::{MAX_NAME, MAX_TEXT};

/// How to read a statement and where it belongs.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct StatementImport {
    /// The site whose bank account it is (this device's if empty).
    pub site: String,
    /// The account in the chart: 1002 bank (if empty).
    pub account: String,
    /// A name for this import (the file's name).
    pub name: String,
    /// Which columns hold what.
    pub columns: StatementColumns,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportedStatement {
    /// Lines new to the book.
    pub imported: usize,
    /// Lines the book held already (the same file imported before).
    pub already: usize,
}

/// The id of a statement line: `BL-` and 12 hex digits of a hash of what the bank says.
fn line_id(site: &SiteCode, account: &str, l: &StatementLine, occurrence: usize) -> String {
    let mut h = Sha256::new();
    for part in [
        site.as_str(),
        account,
        &l.date.to_string(),
        &l.amount.0.to_string(),
        &l.reference,
        &l.counterparty,
        &l.memo,
        &occurrence.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("BL-{hex}")
}

/// Text cut to `max` characters (a bank's description may be long).
fn cut(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

impl Bank<'_> {
    fn finance(&self) -> Result<access::Device> {
        crate::kind::billing::biller(self.repo)
    }

    /// Imports a statement file's bytes: every line, or (when any row is bad) none.
    pub fn import(
        &mut self,
        bytes: &[u8],
        how: &StatementImport,
        at: Timestamp,
    ) -> Result<ImportedStatement> {
        let me = self.finance()?;
        let site = match how.site.trim() {
            "" => me.site.clone(),
            code => SiteCode::parse(code)?,
        };
        crate::kind::site::exists(self.repo.db(), &site)?;
        let account = match how.account.trim() {
            "" => "1002".to_string(),
            a if crate::kind::billing::MONEY_ACCOUNTS.contains(&a) => a.to_string(),
            a => return Err(Error::not_found("account", a)),
        };
        let lines = statement::parse(&statement::decode(bytes)?, &how.columns)?;
        // Each line's id, counting identical rows apart; grouped by month's document.
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut by_doc: BTreeMap<DocId, Vec<(String, &StatementLine)>> = BTreeMap::new();
        let mut already = 0;
        for l in &lines {
            let base = line_id(&site, &account, l, 0);
            let n = seen.entry(base).or_default();
            let id = line_id(&site, &account, l, *n);
            *n += 1;
            let held: bool = self
                .repo
                .db()
                .prepare_cached("SELECT count(*) > 0 FROM bank_lines WHERE id = ?1")?
                .query_row([&id], |r| r.get(0))?;
            if held {
                already += 1;
                continue;
            }
            let doc = DocId::Billing {
                site: site.clone(),
                month: Month::of_date(l.date),
            };
            by_doc.entry(doc).or_default().push((id, l));
        }
        let batch = cut(&how.name, MAX_NAME);
        let imported = by_doc.values().map(Vec::len).sum();
        for (doc, lines) in by_doc {
            self.repo.write(&doc, at, |tx| {
                let coll = collection_obj(tx, BANK_LINES)?;
                let mut touched = Vec::new();
                for (id, l) in &lines {
                    let obj = tx.put_object(&coll, id.as_str(), ObjType::Map)?;
                    tx.put(&obj, "site", site.as_str())?;
                    tx.put(&obj, "account", account.as_str())?;
                    tx.put(&obj, "date", l.date.to_string())?;
                    tx.put(&obj, "amount", l.amount.0)?;
                    tx.put(&obj, "counterparty", cut(&l.counterparty, MAX_NAME))?;
                    tx.put(&obj, "reference", cut(&l.reference, MAX_NAME))?;
                    tx.put(&obj, "memo", cut(&l.memo, MAX_TEXT))?;
                    tx.put(&obj, "batch", batch.as_str())?;
                    tx.put(&obj, "imported_at", at.as_millisecond())?;
                    tx.put(&obj, "imported_by", me.id.as_str())?;
                    tx.put(&obj, "payment", "")?;
                    touched.push(RecordRef::new(BANK_LINES, id.as_str()));
                }
                Ok(Written::new((), "bank.import", touched))
            })?;
        }
        Ok(ImportedStatement { imported, already })
    }

    /// A line as a match needs it: its document, amount, date, site, account and match.
    fn line(&self, key: &str) -> Result<(String, DocId, i64, String, String, String, String)> {
        let found = rusqlite::OptionalExtension::optional(
            self.repo
                .db()
                .prepare_cached(
                    "SELECT id, doc, amount, date, site, account, payment FROM bank_lines
                     WHERE id = ?1 COLLATE NOCASE",
                )?
                .query_row([key.trim()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                }),
        )?;
        let (id, doc, amount, date, site, account, payment) =
            found.ok_or_else(|| Error::not_found("bank line", key))?;
        if !payment.is_empty() {
            let number = self
                .repo
                .db()
                .query_row(
                    "SELECT number FROM payments WHERE id = ?1",
                    [&payment],
                    |r| r.get(0),
                )
                .unwrap_or(payment);
            return Err(Error::AlreadyMatched {
                line: id,
                payment: number,
            });
        }
        Ok((
            id,
            DocId::parse(&doc)?,
            amount,
            date,
            site,
            account,
            payment,
        ))
    }

    fn set_match(&mut self, line: &str, doc: &DocId, payment: &str, at: Timestamp) -> Result<()> {
        self.repo.write(doc, at, |tx| {
            let coll = collection_obj(tx, BANK_LINES)?;
            let obj = View::now(&*tx)
                .child_map(&coll, line)
                .ok_or_else(|| Error::not_found("bank line", line))?;
            tx.put(&obj, "payment", payment)?;
            Ok(Written::new(
                (),
                "bank.match",
                vec![RecordRef::new(BANK_LINES, line)],
            ))
        })
    }

    /// Confirms that bank line `line` is receipt or payment `payment` (number or id): same
    /// amount and direction, same site and account, not matched to another line.
    pub fn match_payment(&mut self, line: &str, payment: &str, at: Timestamp) -> Result<()> {
        self.finance()?;
        let (id, doc, amount, _, site, account, _) = self.line(line)?;
        let found = rusqlite::OptionalExtension::optional(
            self.repo
                .db()
                .prepare_cached(
                    "SELECT id, number, direction, amount, site, account,
                            (SELECT b.id FROM bank_lines b WHERE b.payment = p.id LIMIT 1)
                     FROM payments p WHERE number = ?1 COLLATE NOCASE OR id = ?1",
                )?
                .query_row([payment.trim()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                }),
        )?;
        let (pid, number, direction, paid, psite, paccount, other) =
            found.ok_or_else(|| Error::not_found("payment", payment))?;
        let signed = if direction == Direction::Paid.as_str() {
            -paid
        } else {
            paid
        };
        if let Some(other) = other {
            return Err(Error::AlreadyMatched {
                line: other,
                payment: number,
            });
        }
        if signed != amount || psite != site || paccount != account {
            return Err(Error::NotInvoiceable {
                order: number,
                reason: format!(
                    "the bank line is {} at {site} {account}; the payment is {} at {psite} {paccount}",
                    Money(amount),
                    Money(signed)
                ),
            });
        }
        self.set_match(&id, &doc, &pid, at)
    }

    /// Records the receipt (money in) or payment (money out) that bank line `line` is,
    /// applied to `invoice` (on account if empty), and matches the line to it; the
    /// payment's number.
    pub fn receive(&mut self, line: &str, invoice: &str, at: Timestamp) -> Result<String> {
        self.finance()?;
        let (id, doc, amount, date, site, account, _) = self.line(line)?;
        let (counterparty, reference, memo): (String, String, String) = self.repo.db().query_row(
            "SELECT counterparty, reference, memo FROM bank_lines WHERE id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let direction = if amount > 0 {
            Direction::Received
        } else {
            Direction::Paid
        };
        let invoice = invoice.trim();
        let new = NewPayment {
            party: invoice.is_empty().then(|| counterparty.clone()),
            direction: Some(direction),
            site: Some(site),
            date: Some(date),
            amount: Some(Money(amount.abs())),
            account: Some(account),
            reference: reference.clone(),
            memo: if memo.is_empty() { counterparty } else { memo },
            allocations: if invoice.is_empty() {
                Vec::new()
            } else {
                vec![NewAllocation {
                    invoice: invoice.to_string(),
                    amount: None,
                }]
            },
        };
        let (number, pid) = crate::kind::billing::Billing { repo: self.repo }.pay(new, at)?;
        self.set_match(&id, &doc, pid.as_str(), at)?;
        Ok(number)
    }
}
