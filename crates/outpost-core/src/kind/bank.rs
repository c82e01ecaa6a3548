//! Bank reconciliation: the lines of a site's bank statements, imported from the bank's
//! CSV into the site's `billing` documents (finance reads and writes them), each matched
//! by a person to the receipt or payment it is, or turned into one against an invoice.
//! The book suggests matches (amount, date, party); it never matches by itself.

mod query;
mod rules;
pub mod statement;
mod write;

use std::collections::BTreeMap;

use automerge::{Automerge, ObjId};
use rusqlite::{Connection, params};

use super::{Collection, Names};
use crate::doc_id::{DocId, DocKind};
use crate::error::Result;
use crate::exception::{ExceptionRow, push_rows};
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::schema::{RawConflict, RecordReader, View};

pub use query::{BankFilter, BankLineRow, Suggestion};
pub use statement::StatementColumns;
pub use write::{ImportedStatement, StatementImport};

/// The collection of bank statement lines.
pub(crate) const BANK_LINES: &str = "bank_lines";

/// One bank line as read from its document.
struct BankLine {
    site: String,
    account: String,
    date: String,
    amount: i64,
    counterparty: String,
    reference: String,
    memo: String,
    batch: String,
    imported_by: String,
    payment: String,
}

fn read_line(v: View<'_, Automerge>, obj: ObjId, c: &mut Vec<RawConflict>) -> Option<BankLine> {
    let mut r = RecordReader::new(v, obj, c);
    Some(BankLine {
        site: r.fact_text("site")?,
        account: r.fact_text("account")?,
        date: r.fact_text("date")?,
        amount: r.fact_int("amount")?,
        counterparty: r.fact_text("counterparty").unwrap_or_default(),
        reference: r.fact_text("reference").unwrap_or_default(),
        memo: r.fact_text("memo").unwrap_or_default(),
        batch: r.fact_text("batch").unwrap_or_default(),
        imported_by: r.fact_text("imported_by")?,
        // Two people matching one line apart is a conflict a person settles.
        payment: r.text("payment").unwrap_or_default(),
    })
}

/// The bank kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[Collection {
            name: BANK_LINES,
            record: "bank line",
            docs: &[DocKind::Billing],
        }]
    }

    fn tables(&self) -> &'static str {
        "CREATE TABLE IF NOT EXISTS bank_lines (
             id TEXT PRIMARY KEY, doc TEXT NOT NULL, site TEXT NOT NULL, account TEXT NOT NULL,
             date TEXT NOT NULL, amount INTEGER NOT NULL, counterparty TEXT NOT NULL,
             reference TEXT NOT NULL, memo TEXT NOT NULL, batch TEXT NOT NULL,
             imported_by TEXT NOT NULL, payment TEXT NOT NULL) STRICT;
         CREATE INDEX IF NOT EXISTS bank_lines_by_site ON bank_lines(site, date);
         CREATE INDEX IF NOT EXISTS bank_lines_by_payment ON bank_lines(payment);"
    }

    fn table_names(&self) -> &'static [&'static str] {
        &["bank_lines"]
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
        doc_id: &DocId,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: Option<ObjId>,
        c: &mut Vec<RawConflict>,
    ) -> Result<()> {
        db.prepare_cached("DELETE FROM bank_lines WHERE id = ?1")?
            .execute([&rec.key])?;
        if let Some(l) = obj.and_then(|obj| read_line(view, obj, c)) {
            db.prepare_cached(
                "INSERT INTO bank_lines VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                rec.key,
                doc_id.to_string(),
                l.site,
                l.account,
                l.date,
                l.amount,
                l.counterparty,
                l.reference,
                l.memo,
                l.batch,
                l.imported_by,
                l.payment,
            ])?;
        }
        Ok(())
    }

    fn locate(&self, db: &Connection, key: &str) -> Result<Option<(RecordRef, DocId)>> {
        let found: Option<(String, String)> = rusqlite::OptionalExtension::optional(
            db.prepare_cached("SELECT id, doc FROM bank_lines WHERE id = ?1 COLLATE NOCASE")?
                .query_row([key.trim()], |r| Ok((r.get(0)?, r.get(1)?))),
        )?;
        found
            .map(|(id, doc)| Ok((RecordRef::new(BANK_LINES, id), DocId::parse(&doc)?)))
            .transpose()
    }

    fn fields(
        &self,
        view: View<'_, Automerge>,
        _rec: &RecordRef,
        obj: ObjId,
        _names: &Names,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(l) = read_line(view, obj, &mut Vec::new()) {
            out.insert("date".into(), l.date);
            out.insert("amount".into(), crate::Money(l.amount).to_string());
            out.insert("counterparty".into(), l.counterparty);
            out.insert("reference".into(), l.reference);
            out.insert("payment".into(), l.payment);
        }
        out
    }

    fn exceptions(
        &self,
        db: &Connection,
        _stock_site: Option<&crate::code::SiteCode>,
        out: &mut Vec<ExceptionRow>,
    ) -> Result<()> {
        // One receipt matched to two bank lines (two people matching apart): one of the
        // lines is something else.
        push_rows(
            db,
            "payment_matched_twice",
            "SELECT coalesce(p.number, b.payment), 1, count(*), min(b.site) FROM bank_lines b
             LEFT JOIN payments p ON p.id = b.payment
             WHERE b.payment != '' GROUP BY b.payment HAVING count(*) > 1 ORDER BY 1",
            [],
            out,
        )
    }
}

/// Bank statements and their reconciliation: [`crate::Book::bank`].
pub struct Bank<'a> {
    pub(crate) repo: &'a mut Repo,
}
