//! Posting journal entries and reversing them.

use automerge::ObjType;
use automerge::transaction::{Transactable, Transaction};
use jiff::Timestamp;
use serde::Deserialize;

use super::model::{Entry, Line, lines_problem, read_entry};
use super::{ENTRIES, Ledger, entry_ref};
use crate::code::SiteCode;
use crate::doc_id::{DocId, Month};
use crate::error::{Error, Result, Rule};
use crate::id::{DeviceId, EntryId};
use crate::money::Money;
use crate::record::RecordRef;
use crate::repo::Written;
use crate::schema::{View, collection_obj};
use crate::text::{MAX_NAME, MAX_TEXT, optional};

/// A journal entry to post.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct NewEntry {
    /// The site whose books it goes into (this device's site if none).
    pub site: Option<String>,
    /// Accounting date `YYYY-MM-DD` (today if none).
    pub date: Option<String>,
    /// What it is for.
    pub memo: String,
    /// The customer, supplier or other party.
    pub counterparty: String,
    /// A linked record (an order or invoice number).
    pub link: String,
    /// Its lines: each debits or credits one account.
    pub lines: Vec<NewEntryLine>,
}

/// One line of an entry to post.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct NewEntryLine {
    /// The account's code (`1002`).
    pub account: String,
    /// Debit (zero on a credit line).
    pub debit: Money,
    /// Credit (zero on a debit line).
    pub credit: Money,
}

/// A new entry, checked and numbered, ready to write.
pub(crate) struct EntryDraft<'a> {
    pub id: &'a EntryId,
    pub number: &'a str,
    pub site: &'a SiteCode,
    pub date: &'a str,
    pub by: &'a DeviceId,
    pub memo: &'a str,
    pub counterparty: &'a str,
    pub link: &'a str,
    pub reverses: Option<&'a EntryId>,
    pub lines: &'a [Line],
}

/// Writes a new entry whole: the only place entries are made.
pub(crate) fn put_entry(
    tx: &mut Transaction<'_>,
    d: &EntryDraft<'_>,
    at: Timestamp,
) -> Result<RecordRef> {
    let entries = collection_obj(tx, ENTRIES)?;
    let obj = tx.put_object(&entries, d.id.as_str(), ObjType::Map)?;
    tx.put(&obj, "number", d.number)?;
    tx.put(&obj, "site", d.site.as_str())?;
    tx.put(&obj, "date", d.date)?;
    tx.put(&obj, "created_at", at.as_millisecond())?;
    tx.put(&obj, "created_by", d.by.as_str())?;
    tx.put(&obj, "memo", d.memo)?;
    tx.put(&obj, "counterparty", d.counterparty)?;
    tx.put(&obj, "link", d.link)?;
    tx.put(&obj, "reverses", d.reverses.map_or("", EntryId::as_str))?;
    let lines = tx.put_object(&obj, "lines", ObjType::List)?;
    for (i, line) in d.lines.iter().enumerate() {
        let l = tx.insert_object(&lines, i, ObjType::Map)?;
        tx.put(&l, "account", line.account.as_str())?;
        tx.put(&l, "debit", line.debit)?;
        tx.put(&l, "credit", line.credit)?;
    }
    Ok(entry_ref(d.id))
}

/// Parses an accounting date `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<jiff::civil::Date> {
    text.trim().parse::<jiff::civil::Date>().map_err(|_| {
        Error::invalid(
            "date",
            text,
            Rule::Format {
                example: "2026-12-31",
            },
        )
    })
}

/// The date typed, or the day of `at` (UTC) when none was.
pub(crate) fn date_or_today(typed: Option<&str>, at: Timestamp) -> Result<jiff::civil::Date> {
    match typed.map(str::trim) {
        Some(text) if !text.is_empty() => parse_date(text),
        _ => Ok(at.to_zoned(jiff::tz::TimeZone::UTC).date()),
    }
}

/// The ledger document an entry of `site` dated `date` belongs in.
pub(crate) fn ledger_doc(site: &SiteCode, date: jiff::civil::Date) -> DocId {
    DocId::Ledger {
        site: site.clone(),
        month: Month::of_date(date),
    }
}

impl Ledger<'_> {
    /// Posts a balanced entry; returns its number and id. An entry that does not balance,
    /// names an account the chart lacks or a site that does not exist is refused and
    /// nothing is written.
    pub fn post(&mut self, new: NewEntry, at: Timestamp) -> Result<(String, EntryId)> {
        let me = self.repo.me()?;
        let site = match new.site.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => SiteCode::parse(code)?,
            _ => me.site.clone(),
        };
        crate::kind::site::exists(self.repo.db(), &site)?;
        let date = date_or_today(new.date.as_deref(), at)?;
        let lines: Vec<Line> = new
            .lines
            .iter()
            .map(|l| Line {
                account: l.account.trim().to_string(),
                debit: l.debit.0,
                credit: l.credit.0,
            })
            .collect();
        if let Some(problem) = lines_problem(&lines, crate::kind::chart::known_in(self.repo.db())) {
            return Err(problem.error());
        }
        for line in &lines {
            if crate::kind::chart::account(self.repo.db(), &line.account)?
                .is_some_and(|a| !a.active)
            {
                return Err(Error::invalid("account", &line.account, Rule::Retired));
            }
        }
        let memo = optional("memo", &new.memo, MAX_TEXT)?;
        let counterparty = optional("counterparty", &new.counterparty, MAX_NAME)?;
        let link = optional("link", &new.link, MAX_NAME)?;
        self.insert(&site, date, &memo, &counterparty, &link, None, &lines, at)
    }

    /// Reverses an entry (by number or id) with one whose lines are its lines on the other
    /// side, dated `date` (today if none): the way a posted entry is corrected. An entry
    /// is reversed once.
    pub fn reverse(
        &mut self,
        key: &str,
        date: Option<&str>,
        at: Timestamp,
    ) -> Result<(String, EntryId)> {
        let (id, doc_id) = super::query::locate(self.repo.db(), key)?;
        if let Some(source) = super::derived::source_of(self.repo.db(), &id)? {
            let number = self.repo.db().query_row(
                "SELECT number FROM journal_entries WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )?;
            return Err(Error::AutomaticPosting {
                number,
                origin: source,
            });
        }
        let original = self.stored(&doc_id, &id)?;
        if let Some(by) = super::query::reversed_by(self.repo.db(), &id)? {
            return Err(Error::AlreadyReversed {
                number: original.number,
                by,
            });
        }
        let date = date_or_today(date, at)?;
        let lines: Vec<Line> = original
            .lines
            .iter()
            .map(|l| Line {
                account: l.account.clone(),
                debit: l.credit,
                credit: l.debit,
            })
            .collect();
        let memo = format!("reversal of {}", original.number);
        self.insert(
            &original.site,
            date,
            &memo,
            &original.counterparty,
            &original.number,
            Some(&id),
            &lines,
            at,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn insert(
        &mut self,
        site: &SiteCode,
        date: jiff::civil::Date,
        memo: &str,
        counterparty: &str,
        link: &str,
        reverses: Option<&EntryId>,
        lines: &[Line],
        at: Timestamp,
    ) -> Result<(String, EntryId)> {
        let me = self.repo.me()?;
        super::close::check_open(self.repo.db(), site, date)?;
        let prefix = format!("{}-{}-J", site, me.code);
        let existing = self.repo.last_number("journal_entries", &prefix)?;
        let seq = self.repo.next_seq(&format!("journal.{site}"), existing)?;
        let number = format!("{prefix}{seq:06}");
        let id = EntryId::generate(at);
        let doc_id = ledger_doc(site, date);
        let date = date.to_string();
        self.repo.write(&doc_id, at, |tx| {
            put_entry(
                tx,
                &EntryDraft {
                    id: &id,
                    number: &number,
                    site,
                    date: &date,
                    by: &me.id,
                    memo,
                    counterparty,
                    link,
                    reverses,
                    lines,
                },
                at,
            )?;
            let action = if reverses.is_some() {
                "entry.reverse"
            } else {
                "entry.post"
            };
            let mut w = Written::new((), action, vec![entry_ref(&id)]);
            w.meta
                .push((format!("seq.journal.{site}"), seq.to_string()));
            Ok(w)
        })?;
        Ok((number, id))
    }

    fn stored(&mut self, doc_id: &DocId, id: &EntryId) -> Result<Entry> {
        self.repo
            .record_at(doc_id, ENTRIES, id.as_str(), None, |v: View<'_, _>, obj| {
                read_entry(v, id.as_str(), obj, &mut Vec::new())
            })?
            .ok_or_else(|| Error::not_found("journal entry", id.as_str()))
    }
}

/// The journal entry form as typed: amounts as text. Blank lines are skipped.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct EntryForm {
    /// Site code (this device's site if empty).
    pub site: String,
    /// Accounting date `YYYY-MM-DD` (today if empty).
    pub date: String,
    /// What it is for.
    pub memo: String,
    /// The party.
    pub counterparty: String,
    /// A linked record.
    pub link: String,
    /// Its lines as typed.
    pub lines: Vec<EntryLineForm>,
}

/// One line of the entry form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct EntryLineForm {
    /// The account's code.
    pub account: String,
    /// Debit, e.g. `113.00` (empty on a credit line).
    pub debit: String,
    /// Credit (empty on a debit line).
    pub credit: String,
}

impl EntryForm {
    /// The entry the form describes; a wrong amount names its line (1-based, as shown).
    pub fn parse(&self) -> Result<NewEntry> {
        let amount = |text: &str| {
            if text.trim().is_empty() {
                Ok(Money::ZERO)
            } else {
                Money::parse(text)
            }
        };
        let mut lines = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            if [&l.account, &l.debit, &l.credit]
                .iter()
                .all(|t| t.trim().is_empty())
            {
                continue;
            }
            let line = (|| {
                Ok(NewEntryLine {
                    account: l.account.trim().to_string(),
                    debit: amount(&l.debit)?,
                    credit: amount(&l.credit)?,
                })
            })()
            .map_err(|e: Error| Error::Line {
                line: i + 1,
                source: Box::new(e),
            })?;
            lines.push(line);
        }
        let some = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
        Ok(NewEntry {
            site: some(&self.site),
            date: some(&self.date),
            memo: self.memo.clone(),
            counterparty: self.counterparty.clone(),
            link: self.link.clone(),
            lines,
        })
    }
}

impl Ledger<'_> {
    /// Posts the entry the form describes; its number and id.
    pub fn save(&mut self, form: &EntryForm, at: Timestamp) -> Result<(String, EntryId)> {
        let entry = form.parse()?;
        self.post(entry, at)
    }
}
