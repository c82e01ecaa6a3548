//! Billing: invoices (发票) and credit notes (红字发票) for shipped or received orders, and
//! the receipts and payments that settle them, in the `billing` document of their site
//! and month: written by finance, read by the site's clerks too (its invoices and what a
//! customer owes) without the ledger. Each is written whole once (an invoice's tax authority number may be typed
//! later) and posts its journal entry by itself ([`postings`]).

mod model;
mod postings;
mod query;
mod rules;
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
use crate::schema::{RawConflict, View};

pub use model::{Direction, MAX_RATE_BP, VatKind, tax_on};
pub(crate) use model::{MAX_AMOUNT, MONEY_ACCOUNTS};
pub use query::{
    AgeingFilter, AgeingRow, AllocationRow, InvoiceFilter, InvoiceRow, PaymentFilter, PaymentRow,
};
pub use write::{InvoiceForm, NewAllocation, NewCreditNote, NewInvoice, NewPayment, PaymentForm};
pub(crate) use write::{biller, parse_rate};

/// The collection of invoices and credit notes.
pub(crate) const INVOICES: &str = "invoices";
/// The collection of receipts and payments.
pub(crate) const PAYMENTS: &str = "payments";

/// The billing kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[
            Collection {
                name: INVOICES,
                record: "invoice",
                docs: &[DocKind::Billing],
            },
            Collection {
                name: PAYMENTS,
                record: "payment",
                docs: &[DocKind::Billing],
            },
        ]
    }

    fn tables(&self) -> &'static str {
        "CREATE TABLE IF NOT EXISTS invoices (
             id TEXT PRIMARY KEY, number TEXT NOT NULL, doc TEXT NOT NULL, site TEXT NOT NULL,
             kind TEXT NOT NULL, party TEXT NOT NULL, date TEXT NOT NULL, due TEXT NOT NULL,
             vat TEXT NOT NULL, rate_bp INTEGER NOT NULL, net INTEGER NOT NULL,
             tax INTEGER NOT NULL, gross INTEGER NOT NULL, corrects TEXT,
             tax_no TEXT NOT NULL, memo TEXT NOT NULL, created_at INTEGER NOT NULL,
             created_by TEXT NOT NULL) STRICT;
         CREATE INDEX IF NOT EXISTS invoices_by_number ON invoices(number);
         CREATE INDEX IF NOT EXISTS invoices_by_party ON invoices(party, date);
         CREATE INDEX IF NOT EXISTS invoices_by_corrects ON invoices(corrects);
         CREATE TABLE IF NOT EXISTS invoice_orders (
             invoice_id TEXT NOT NULL, order_id TEXT NOT NULL,
             PRIMARY KEY (invoice_id, order_id)) STRICT, WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS invoice_orders_by_order ON invoice_orders(order_id);
         CREATE TABLE IF NOT EXISTS payments (
             id TEXT PRIMARY KEY, number TEXT NOT NULL, doc TEXT NOT NULL, site TEXT NOT NULL,
             direction TEXT NOT NULL, party TEXT NOT NULL, date TEXT NOT NULL,
             amount INTEGER NOT NULL, account TEXT NOT NULL, reference TEXT NOT NULL,
             memo TEXT NOT NULL, created_at INTEGER NOT NULL, created_by TEXT NOT NULL) STRICT;
         CREATE INDEX IF NOT EXISTS payments_by_number ON payments(number);
         CREATE INDEX IF NOT EXISTS payments_by_party ON payments(party, date);
         CREATE TABLE IF NOT EXISTS payment_allocations (
             payment_id TEXT NOT NULL, pos INTEGER NOT NULL, invoice_id TEXT NOT NULL,
             amount INTEGER NOT NULL, PRIMARY KEY (payment_id, pos)) STRICT, WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS payment_allocations_by_invoice
             ON payment_allocations(invoice_id);"
    }

    fn table_names(&self) -> &'static [&'static str] {
        &[
            "invoices",
            "invoice_orders",
            "payments",
            "payment_allocations",
        ]
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
        let key = rec.key.as_str();
        if rec.collection == INVOICES {
            db.prepare_cached("DELETE FROM invoices WHERE id = ?1")?
                .execute([key])?;
            db.prepare_cached("DELETE FROM invoice_orders WHERE invoice_id = ?1")?
                .execute([key])?;
            let inv = obj.and_then(|obj| model::read_invoice(view, key, obj, c));
            if let Some(i) = &inv {
                db.prepare_cached(
                    "INSERT INTO invoices VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                                                  ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                )?
                .execute(params![
                    key,
                    i.number,
                    doc_id.to_string(),
                    i.site.as_str(),
                    i.kind.as_str(),
                    i.party.as_str(),
                    i.date,
                    i.due,
                    i.vat.as_str(),
                    i.rate_bp,
                    i.net,
                    i.tax,
                    i.gross,
                    i.corrects.as_ref().map(|c| c.as_str()),
                    i.tax_no,
                    i.memo,
                    i.created_at_ms,
                    i.created_by.as_str(),
                ])?;
                let mut stmt =
                    db.prepare_cached("INSERT OR IGNORE INTO invoice_orders VALUES (?1, ?2)")?;
                for order in &i.orders {
                    stmt.execute([key, order.as_str()])?;
                }
            }
            postings::invoice(db, key, doc_id, inv.as_ref())
        } else {
            db.prepare_cached("DELETE FROM payments WHERE id = ?1")?
                .execute([key])?;
            db.prepare_cached("DELETE FROM payment_allocations WHERE payment_id = ?1")?
                .execute([key])?;
            let pay = obj.and_then(|obj| model::read_payment(view, key, obj, c));
            if let Some(p) = &pay {
                db.prepare_cached(
                    "INSERT INTO payments VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                                                  ?12, ?13)",
                )?
                .execute(params![
                    key,
                    p.number,
                    doc_id.to_string(),
                    p.site.as_str(),
                    p.direction.as_str(),
                    p.party.as_str(),
                    p.date,
                    p.amount,
                    p.account,
                    p.reference,
                    p.memo,
                    p.created_at_ms,
                    p.created_by.as_str(),
                ])?;
                let mut stmt =
                    db.prepare_cached("INSERT INTO payment_allocations VALUES (?1, ?2, ?3, ?4)")?;
                for (pos, a) in p.allocations.iter().enumerate() {
                    stmt.execute(params![key, pos as i64, a.invoice.as_str(), a.amount])?;
                }
            }
            postings::payment(db, key, doc_id, pay.as_ref())
        }
    }

    fn locate(&self, db: &Connection, key: &str) -> Result<Option<(RecordRef, DocId)>> {
        for (table, coll) in [("invoices", INVOICES), ("payments", PAYMENTS)] {
            let found: Option<(String, String)> = rusqlite::OptionalExtension::optional(
                db.prepare_cached(&format!(
                    "SELECT id, doc FROM {table} WHERE number = ?1 COLLATE NOCASE OR id = ?1"
                ))?
                .query_row([key.trim()], |r| Ok((r.get(0)?, r.get(1)?))),
            )?;
            if let Some((id, doc)) = found {
                return Ok(Some((RecordRef::new(coll, id), DocId::parse(&doc)?)));
            }
        }
        Ok(None)
    }

    fn label(&self, db: &Connection, rec: &RecordRef) -> Result<Option<String>> {
        let table = if rec.collection == INVOICES {
            "invoices"
        } else {
            "payments"
        };
        Ok(rusqlite::OptionalExtension::optional(
            db.prepare_cached(&format!("SELECT number FROM {table} WHERE id = ?1"))?
                .query_row([&rec.key], |r| r.get(0)),
        )?)
    }

    fn fields(
        &self,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: ObjId,
        names: &Names,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        if rec.collection == INVOICES {
            if let Some(i) = model::read_invoice(view, &rec.key, obj, &mut Vec::new()) {
                out.insert("party".into(), name(i.party.as_str()));
                out.insert("date".into(), i.date);
                out.insert("due".into(), i.due);
                out.insert("vat".into(), i.vat.to_string());
                out.insert("rate".into(), format!("{}%", rate_text(i.rate_bp)));
                out.insert("net".into(), crate::Money(i.net).to_string());
                out.insert("tax".into(), crate::Money(i.tax).to_string());
                out.insert("gross".into(), crate::Money(i.gross).to_string());
                out.insert("tax number".into(), i.tax_no);
                out.insert("memo".into(), i.memo);
            }
        } else if let Some(p) = model::read_payment(view, &rec.key, obj, &mut Vec::new()) {
            out.insert("party".into(), name(p.party.as_str()));
            out.insert("date".into(), p.date);
            out.insert("amount".into(), crate::Money(p.amount).to_string());
            out.insert("account".into(), p.account);
            out.insert("reference".into(), p.reference);
            out.insert("memo".into(), p.memo);
        }
        out
    }

    fn exceptions(
        &self,
        db: &Connection,
        _stock_site: Option<&crate::code::SiteCode>,
        out: &mut Vec<ExceptionRow>,
    ) -> Result<()> {
        // Receipts recorded apart (two offices, or a double entry) that together apply
        // more to an invoice than it asks: money to return or to keep on account.
        push_rows(
            db,
            "invoice_overpaid",
            "SELECT i.number, i.gross + coalesce((SELECT sum(c.gross) FROM invoices c
                                                 WHERE c.corrects = i.id), 0),
                    sum(a.amount), i.site
             FROM invoices i JOIN payment_allocations a ON a.invoice_id = i.id
             GROUP BY i.id
             HAVING sum(a.amount) > i.gross + coalesce((SELECT sum(c.gross) FROM invoices c
                                                        WHERE c.corrects = i.id), 0)
             ORDER BY i.number",
            [],
            out,
        )?;
        // One order billed on two invoices made apart: one of them is to be credited.
        push_rows(
            db,
            "order_invoiced_twice",
            "SELECT o.number, 1, count(*), o.site FROM invoice_orders io
             JOIN invoices i ON i.id = io.invoice_id AND i.corrects IS NULL
             JOIN orders o ON o.id = io.order_id
             WHERE NOT EXISTS (SELECT 1 FROM invoices c WHERE c.corrects = i.id
                               AND c.gross = -i.gross)
             GROUP BY io.order_id HAVING count(*) > 1 ORDER BY o.number",
            [],
            out,
        )
    }
}

/// A rate in basis points as a percentage people read (`13`, `1.5`).
pub fn rate_text(rate_bp: i64) -> String {
    if rate_bp % 100 == 0 {
        (rate_bp / 100).to_string()
    } else {
        format!("{}.{:02}", rate_bp / 100, rate_bp % 100)
            .trim_end_matches('0')
            .to_string()
    }
}

/// Invoices and payments: [`crate::Book::billing`].
pub struct Billing<'a> {
    pub(crate) repo: &'a mut Repo,
}
