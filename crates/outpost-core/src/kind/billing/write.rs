//! Issuing invoices and credit notes, typing an invoice's tax number, recording receipts
//! and payments. Each record is written whole by one change in the `billing` document of its
//! site and month; the orders it bills or settles then get their `invoiced` / `paid`
//! event (a separate change in the order's own document: if that one is lost to a crash,
//! the invoice still stands and the next step completes it).

use automerge::ObjType;
use automerge::transaction::{Transactable, Transaction};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use super::model::{Direction, MAX_REFS, VatKind, invoice_problem, payment_problem, tax_on};
use super::query::{invoice_head, outstanding};
use super::{Billing, INVOICES, PAYMENTS};
use crate::access::{self, Device};
use crate::code::SiteCode;
use crate::doc_id::{DocId, Month};
use crate::error::{Error, Result, Rule};
use crate::id::{InvoiceId, OrderId, PaymentId};
use crate::kind::ledger::{date_or_today, parse_date};
use crate::kind::order::{self, Action, OrderKind, Status};
use crate::kind::party::{self, PartyKind};
use crate::money::Money;
use crate::record::RecordRef;
use crate::repo::Written;
use crate::schema::{View, collection_obj};
use crate::text::{MAX_NAME, MAX_TEXT, optional};

/// Days to pay when an invoice names no due date.
pub const DEFAULT_TERMS_DAYS: i64 = 30;
/// The VAT rate when none is given: 13%, the general rate on goods.
pub const DEFAULT_RATE_BP: i64 = 1_300;

/// An invoice to issue (sales) or book (purchase).
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct NewInvoice {
    /// The orders it bills, by number or id: shipped (sales) or received (purchase), of
    /// one party and site. None for a service billed by `net`.
    pub orders: Vec<String>,
    /// The customer or supplier when no order is named.
    pub party: Option<String>,
    /// Sales or purchase when no order is named (sales if none).
    pub kind: Option<OrderKind>,
    /// The site when no order is named (this device's if none).
    pub site: Option<String>,
    /// Amount before tax when no order is named.
    pub net: Option<Money>,
    /// Invoice date `YYYY-MM-DD` (today if none).
    pub date: Option<String>,
    /// Due date (30 days after the invoice date if none).
    pub due: Option<String>,
    /// 专票 or 普票 (普票 if none).
    pub vat: Option<VatKind>,
    /// VAT rate as a percentage, `13`, `9`, `6`, `1.5` (13 if none).
    pub rate: Option<String>,
    /// The tax authority's invoice number, if already known.
    pub tax_no: String,
    /// Remark.
    pub memo: String,
}

/// A credit note (红字发票) to correct an invoice.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct NewCreditNote {
    /// The invoice corrected, by number or id.
    pub invoice: String,
    /// Amount before tax to take back (all that is left of the invoice if none).
    pub net: Option<Money>,
    /// Date `YYYY-MM-DD` (today if none).
    pub date: Option<String>,
    /// The tax authority's number of the red invoice.
    pub tax_no: String,
    /// Why.
    pub memo: String,
}

/// Part of a payment to apply to an invoice.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct NewAllocation {
    /// The invoice, by number or id.
    pub invoice: String,
    /// How much (what the invoice still owes, up to what is left of the payment, if
    /// none).
    pub amount: Option<Money>,
}

/// A receipt from a customer or a payment to a supplier.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct NewPayment {
    /// The customer or supplier (the first invoice's if none).
    pub party: Option<String>,
    /// In or out (as the first invoice settles, or received, if none).
    pub direction: Option<Direction>,
    /// The site (the first invoice's, or this device's, if none).
    pub site: Option<String>,
    /// Date `YYYY-MM-DD` (today if none).
    pub date: Option<String>,
    /// Amount (the sum of the allocations if none).
    pub amount: Option<Money>,
    /// 1002 bank (default) or 1001 cash.
    pub account: Option<String>,
    /// The bank's reference.
    pub reference: String,
    /// Remark.
    pub memo: String,
    /// The invoices it settles; the rest stays on account.
    pub allocations: Vec<NewAllocation>,
}

/// A VAT rate typed for a new invoice: one of the chart's rates in use.
fn offered_rate(db: &rusqlite::Connection, text: &str) -> Result<i64> {
    let rate_bp = parse_rate(text)?;
    match crate::kind::chart::rates(db)?
        .into_iter()
        .find(|r| r.rate_bp == rate_bp)
    {
        Some(rate) if rate.active => Ok(rate_bp),
        Some(_) => Err(Error::invalid("VAT rate", text, Rule::Retired)),
        None => Err(Error::not_found("VAT rate", text.trim())),
    }
}

/// Parses a VAT rate typed as a percentage (`13`, `13%`, `1.5`) into basis points.
pub fn parse_rate(text: &str) -> Result<i64> {
    let t = text.trim().trim_end_matches('%').trim();
    let bad = || Error::invalid("VAT rate", text, Rule::Format { example: "13%" });
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !(whole.chars().chain(frac.chars())).all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let bp = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)?;
    if bp > super::MAX_RATE_BP {
        return Err(Error::invalid("VAT rate", text, Rule::range(0, 100)));
    }
    Ok(bp)
}

/// One order as billing reads it from the projections.
struct OrderHead {
    id: OrderId,
    number: String,
    kind: OrderKind,
    site: String,
    party: Option<String>,
    status: Status,
    total: i64,
}

fn order_head(db: &rusqlite::Connection, key: &str) -> Result<OrderHead> {
    db.prepare_cached(
        "SELECT id, number, kind, site, party, status, total FROM orders
         WHERE number = ?1 COLLATE NOCASE OR id = ?1 LIMIT 1",
    )?
    .query_row([key.trim()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })
    .optional()?
    .map(|(id, number, kind, site, party, status, total)| {
        Ok(OrderHead {
            id: OrderId::from_stored(id),
            number,
            kind: OrderKind::parse(&kind)?,
            site,
            party: party.filter(|p| !p.is_empty()),
            status: Status::parse(&status)?,
            total,
        })
    })
    .unwrap_or_else(|| Err(Error::not_found("order", key)))
}

/// The invoice (not a credit note, not wholly credited) that bills `order`, if any.
fn invoice_of_order(db: &rusqlite::Connection, order: &OrderId) -> Result<Option<String>> {
    Ok(db
        .prepare_cached(
            "SELECT i.number FROM invoice_orders io JOIN invoices i ON i.id = io.invoice_id
             WHERE io.order_id = ?1 AND i.corrects IS NULL
               AND i.net + coalesce((SELECT sum(c.net) FROM invoices c WHERE c.corrects = i.id), 0) > 0
             ORDER BY i.date, i.number LIMIT 1",
        )?
        .query_row([order.as_str()], |r| r.get(0))
        .optional()?)
}

/// The `billing` document a record of `site` dated `date` goes in.
fn billing_doc(site: &SiteCode, date: jiff::civil::Date) -> DocId {
    DocId::Billing {
        site: site.clone(),
        month: Month::of_date(date),
    }
}

/// An invoice checked and numbered, ready to write.
struct InvoiceDraft<'a> {
    id: &'a InvoiceId,
    number: &'a str,
    site: &'a SiteCode,
    kind: OrderKind,
    party: &'a str,
    orders: &'a [OrderId],
    date: &'a str,
    due: &'a str,
    vat: VatKind,
    rate_bp: i64,
    net: i64,
    corrects: Option<&'a InvoiceId>,
    tax_no: &'a str,
    memo: &'a str,
}

fn put_invoice(
    tx: &mut Transaction<'_>,
    d: &InvoiceDraft<'_>,
    by: &Device,
    at: Timestamp,
) -> Result<RecordRef> {
    let tax = tax_on(d.net, d.rate_bp);
    let coll = collection_obj(tx, INVOICES)?;
    let obj = tx.put_object(&coll, d.id.as_str(), ObjType::Map)?;
    tx.put(&obj, "number", d.number)?;
    tx.put(&obj, "site", d.site.as_str())?;
    tx.put(&obj, "kind", d.kind.as_str())?;
    tx.put(&obj, "party", d.party)?;
    let orders = tx.put_object(&obj, "orders", ObjType::List)?;
    for (i, o) in d.orders.iter().enumerate() {
        tx.insert(&orders, i, o.as_str())?;
    }
    tx.put(&obj, "date", d.date)?;
    tx.put(&obj, "due", d.due)?;
    tx.put(&obj, "vat", d.vat.as_str())?;
    tx.put(&obj, "rate_bp", d.rate_bp)?;
    tx.put(&obj, "net", d.net)?;
    tx.put(&obj, "tax", tax)?;
    tx.put(&obj, "gross", d.net + tax)?;
    tx.put(&obj, "corrects", d.corrects.map_or("", InvoiceId::as_str))?;
    tx.put(&obj, "tax_no", d.tax_no)?;
    tx.put(&obj, "memo", d.memo)?;
    tx.put(&obj, "created_at", at.as_millisecond())?;
    tx.put(&obj, "created_by", by.id.as_str())?;
    Ok(RecordRef::new(INVOICES, d.id.as_str()))
}

/// This device's member if it may issue invoices, record payments and reconcile.
pub(crate) fn biller(repo: &crate::repo::Repo) -> Result<Device> {
    let me = repo.me()?;
    if access::may_bill_somewhere(&me) {
        Ok(me)
    } else {
        Err(Error::NotBilling {
            role: me.role.as_str().to_string(),
        })
    }
}

impl Billing<'_> {
    /// This device's member if it may bill.
    fn biller(&self) -> Result<Device> {
        biller(self.repo)
    }

    /// The next number of `letter` (I invoice, R credit note, P payment) at `site`.
    fn number(&self, site: &SiteCode, letter: char, me: &Device) -> Result<(String, i64)> {
        let prefix = format!("{site}-{}-{letter}", me.code);
        let table = if letter == 'P' {
            "payments"
        } else {
            "invoices"
        };
        let existing = self.repo.last_number(table, &prefix)?;
        let seq = self
            .repo
            .next_seq(&format!("billing.{letter}.{site}"), existing)?;
        Ok((format!("{prefix}{seq:06}"), seq))
    }

    /// Issues a sales invoice or books a purchase invoice; its number and id. The orders
    /// it bills are then marked invoiced.
    pub fn invoice(&mut self, new: NewInvoice, at: Timestamp) -> Result<(String, InvoiceId)> {
        let me = self.biller()?;
        let db = self.repo.db();
        if new.orders.len() > MAX_REFS {
            return Err(Error::invalid(
                "orders",
                new.orders.len(),
                Rule::range(1, MAX_REFS),
            ));
        }
        let mut heads = Vec::new();
        for key in &new.orders {
            let head = order_head(db, key)?;
            if heads.iter().any(|h: &OrderHead| h.id == head.id) {
                continue;
            }
            heads.push(head);
        }
        let (kind, site, party, net) = match heads.first() {
            Some(first) => {
                for h in &heads {
                    let refuse = |reason: &str| {
                        Err(Error::NotInvoiceable {
                            order: h.number.clone(),
                            reason: reason.to_string(),
                        })
                    };
                    if !Action::Invoice.allowed(h.kind, h.status) {
                        return Err(Error::InvalidTransition {
                            number: h.number.clone(),
                            status: h.status.to_string(),
                            action: Action::Invoice.past().to_string(),
                        });
                    }
                    if h.kind != first.kind || h.site != first.site || h.party != first.party {
                        return refuse("its party, site or kind differs from the other orders'");
                    }
                    if h.party.is_none() {
                        return refuse("it names no customer or supplier");
                    }
                    if let Some(number) = invoice_of_order(db, &h.id)? {
                        return refuse(&format!("invoice {number} bills it already"));
                    }
                }
                if new.net.is_some() {
                    return Err(Error::invalid(
                        "net",
                        "given with orders",
                        Rule::Format {
                            example: "the orders' total, or an amount without orders",
                        },
                    ));
                }
                (
                    first.kind,
                    SiteCode::parse(&first.site)?,
                    first.party.clone().unwrap_or_default(),
                    heads.iter().map(|h| h.total).sum::<i64>(),
                )
            }
            None => {
                let kind = new.kind.unwrap_or(OrderKind::Sales);
                let party_kind = match kind {
                    OrderKind::Sales => PartyKind::Customer,
                    OrderKind::Purchase => PartyKind::Supplier,
                };
                let party = party::resolve(
                    db,
                    party_kind,
                    new.party
                        .as_deref()
                        .ok_or_else(|| Error::not_found(party_kind.as_str(), ""))?,
                )?;
                let site = match new.site.as_deref().map(str::trim) {
                    Some(code) if !code.is_empty() => SiteCode::parse(code)?,
                    _ => me.site.clone(),
                };
                let net = new.net.ok_or_else(|| {
                    Error::invalid("net", "", Rule::Format { example: "1000.00" })
                })?;
                (kind, site, party.id.to_string(), net.0)
            }
        };
        crate::kind::site::exists(db, &site)?;
        let date = date_or_today(new.date.as_deref(), at)?;
        let due = match new.due.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => parse_date(d)?,
            _ => date
                .checked_add(jiff::Span::new().days(DEFAULT_TERMS_DAYS))
                .map_err(|_| {
                    Error::invalid(
                        "date",
                        date,
                        Rule::Format {
                            example: "2026-12-31",
                        },
                    )
                })?,
        };
        if due < date {
            return Err(Error::invalid(
                "due date",
                due,
                Rule::Format {
                    example: "on or after the invoice date",
                },
            ));
        }
        let rate_bp = match new.rate.as_deref() {
            Some(r) if !r.trim().is_empty() => offered_rate(self.repo.db(), r)?,
            _ => DEFAULT_RATE_BP,
        };
        let tax = tax_on(net, rate_bp);
        if let Some(problem) = invoice_problem(net, tax, net + tax, rate_bp, false) {
            return Err(Error::BadFigures(problem));
        }
        crate::kind::ledger::check_open(db, &site, date)?;
        let tax_no = optional("tax number", &new.tax_no, MAX_NAME)?;
        let memo = optional("memo", &new.memo, MAX_TEXT)?;
        let orders: Vec<OrderId> = heads.iter().map(|h| h.id.clone()).collect();
        let (number, seq) = self.number(&site, 'I', &me)?;
        let id = InvoiceId::generate(at);
        let (date_text, due_text) = (date.to_string(), due.to_string());
        self.repo.write(&billing_doc(&site, date), at, |tx| {
            let rec = put_invoice(
                tx,
                &InvoiceDraft {
                    id: &id,
                    number: &number,
                    site: &site,
                    kind,
                    party: &party,
                    orders: &orders,
                    date: &date_text,
                    due: &due_text,
                    vat: new.vat.unwrap_or(VatKind::Ordinary),
                    rate_bp,
                    net,
                    corrects: None,
                    tax_no: &tax_no,
                    memo: &memo,
                },
                &me,
                at,
            )?;
            let mut w = Written::new((), "invoice.new", vec![rec]);
            w.meta
                .push((format!("seq.billing.I.{site}"), seq.to_string()));
            Ok(w)
        })?;
        for order in &orders {
            order::record_billing_status(self.repo, order, Action::Invoice, &number, at)?;
        }
        Ok((number, id))
    }

    /// Issues a credit note taking back `net` (all that is left if none) of an invoice.
    pub fn credit(&mut self, new: NewCreditNote, at: Timestamp) -> Result<(String, InvoiceId)> {
        let me = self.biller()?;
        let original = invoice_head(self.repo.db(), &new.invoice)?;
        if original.corrects.is_some() {
            return Err(Error::NotInvoiceable {
                order: original.number,
                reason: "it is a credit note itself".into(),
            });
        }
        let left = original.net + original.credited_net;
        let take = new.net.map_or(left, |m| m.0);
        if take <= 0 || take > left {
            return Err(Error::OverAllocated {
                what: format!("credit note on {}", original.number),
                allocated: Money(take),
                available: Money(left),
            });
        }
        let site = SiteCode::parse(&original.site)?;
        let date = date_or_today(new.date.as_deref(), at)?;
        crate::kind::ledger::check_open(self.repo.db(), &site, date)?;
        let tax_no = optional("tax number", &new.tax_no, MAX_NAME)?;
        let memo = optional("memo", &new.memo, MAX_TEXT)?;
        let (number, seq) = self.number(&site, 'R', &me)?;
        let id = InvoiceId::generate(at);
        let date_text = date.to_string();
        self.repo.write(&billing_doc(&site, date), at, |tx| {
            let rec = put_invoice(
                tx,
                &InvoiceDraft {
                    id: &id,
                    number: &number,
                    site: &site,
                    kind: original.kind,
                    party: &original.party,
                    orders: &[],
                    date: &date_text,
                    due: &date_text,
                    vat: original.vat,
                    rate_bp: original.rate_bp,
                    net: -take,
                    corrects: Some(&original.id),
                    tax_no: &tax_no,
                    memo: &memo,
                },
                &me,
                at,
            )?;
            let mut w = Written::new((), "invoice.credit", vec![rec]);
            w.meta
                .push((format!("seq.billing.R.{site}"), seq.to_string()));
            Ok(w)
        })?;
        Ok((number, id))
    }

    /// Records the tax authority's number (发票号码) of an invoice issued before it was
    /// known.
    pub fn set_tax_number(&mut self, invoice: &str, tax_no: &str, at: Timestamp) -> Result<()> {
        self.biller()?;
        let head = invoice_head(self.repo.db(), invoice)?;
        let tax_no = optional("tax number", tax_no, MAX_NAME)?;
        let doc = DocId::parse(&head.doc)?;
        self.repo.write(&doc, at, |tx| {
            let coll = collection_obj(tx, INVOICES)?;
            let obj = View::now(&*tx)
                .child_map(&coll, head.id.as_str())
                .ok_or_else(|| Error::not_found("invoice", head.id.as_str()))?;
            tx.put(&obj, "tax_no", tax_no.as_str())?;
            Ok(Written::new(
                (),
                "invoice.tax_no",
                vec![RecordRef::new(INVOICES, head.id.as_str())],
            ))
        })
    }

    /// Records a receipt or payment; its number and id. Invoices it settles in full have
    /// their orders marked paid.
    pub fn pay(&mut self, new: NewPayment, at: Timestamp) -> Result<(String, PaymentId)> {
        let me = self.biller()?;
        let db = self.repo.db();
        if new.allocations.len() > MAX_REFS {
            return Err(Error::invalid(
                "allocations",
                new.allocations.len(),
                Rule::range(0, MAX_REFS),
            ));
        }
        let mut heads = Vec::new();
        for a in &new.allocations {
            heads.push(invoice_head(db, &a.invoice)?);
        }
        let direction = new
            .direction
            .or_else(|| heads.first().map(|h| Direction::settling(h.kind)))
            .unwrap_or(Direction::Received);
        let party_kind = match direction {
            Direction::Received => PartyKind::Customer,
            Direction::Paid => PartyKind::Supplier,
        };
        let party = match (new.party.as_deref(), heads.first()) {
            (Some(key), _) => party::resolve(db, party_kind, key)?.id.to_string(),
            (None, Some(h)) => h.party.clone(),
            (None, None) => return Err(Error::not_found(party_kind.as_str(), "")),
        };
        let site = match (new.site.as_deref().map(str::trim), heads.first()) {
            (Some(code), _) if !code.is_empty() => SiteCode::parse(code)?,
            (_, Some(h)) => SiteCode::parse(&h.site)?,
            _ => me.site.clone(),
        };
        crate::kind::site::exists(db, &site)?;
        // Each allocation up to what its invoice still owes and what is left to apply.
        let mut left = new.amount.map_or(i64::MAX, |m| m.0);
        let mut allocations: Vec<(InvoiceId, i64, String, bool)> = Vec::new();
        for (a, h) in new.allocations.iter().zip(&heads) {
            if h.party != party || Direction::settling(h.kind) != direction || h.corrects.is_some()
            {
                return Err(Error::NotInvoiceable {
                    order: h.number.clone(),
                    reason: "it is not an invoice of this party to settle this way".into(),
                });
            }
            let already: i64 = allocations
                .iter()
                .filter(|(id, ..)| *id == h.id)
                .map(|(_, amount, ..)| amount)
                .sum();
            let owed = outstanding(db, &h.id)? - already;
            let amount = a.amount.map_or(owed.min(left), |m| m.0);
            if amount <= 0 || amount > owed {
                return Err(Error::OverAllocated {
                    what: h.number.clone(),
                    allocated: Money(amount),
                    available: Money(owed.max(0)),
                });
            }
            if amount > left {
                return Err(Error::OverAllocated {
                    what: "the payment".into(),
                    allocated: Money(amount),
                    available: Money(left),
                });
            }
            left -= amount;
            allocations.push((h.id.clone(), amount, h.number.clone(), amount == owed));
        }
        let amount = new
            .amount
            .map_or_else(|| allocations.iter().map(|a| a.1).sum(), |m| m.0);
        let account = new
            .account
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .unwrap_or("1002")
            .to_string();
        let amounts: Vec<i64> = allocations.iter().map(|a| a.1).collect();
        if let Some(problem) = payment_problem(amount, &account, &amounts) {
            return Err(Error::BadFigures(problem));
        }
        let date = date_or_today(new.date.as_deref(), at)?;
        crate::kind::ledger::check_open(self.repo.db(), &site, date)?;
        let reference = optional("reference", &new.reference, MAX_NAME)?;
        let memo = optional("memo", &new.memo, MAX_TEXT)?;
        let (number, seq) = self.number(&site, 'P', &me)?;
        let id = PaymentId::generate(at);
        let date_text = date.to_string();
        self.repo.write(&billing_doc(&site, date), at, |tx| {
            let coll = collection_obj(tx, PAYMENTS)?;
            let obj = tx.put_object(&coll, id.as_str(), ObjType::Map)?;
            tx.put(&obj, "number", number.as_str())?;
            tx.put(&obj, "site", site.as_str())?;
            tx.put(&obj, "direction", direction.as_str())?;
            tx.put(&obj, "party", party.as_str())?;
            tx.put(&obj, "date", date_text.as_str())?;
            tx.put(&obj, "amount", amount)?;
            tx.put(&obj, "account", account.as_str())?;
            tx.put(&obj, "reference", reference.as_str())?;
            tx.put(&obj, "memo", memo.as_str())?;
            tx.put(&obj, "created_at", at.as_millisecond())?;
            tx.put(&obj, "created_by", me.id.as_str())?;
            let list = tx.put_object(&obj, "allocations", ObjType::List)?;
            for (i, (invoice, amount, ..)) in allocations.iter().enumerate() {
                let a = tx.insert_object(&list, i, ObjType::Map)?;
                tx.put(&a, "invoice", invoice.as_str())?;
                tx.put(&a, "amount", *amount)?;
            }
            let mut w = Written::new(
                (),
                "payment.new",
                vec![RecordRef::new(PAYMENTS, id.as_str())],
            );
            w.meta
                .push((format!("seq.billing.P.{site}"), seq.to_string()));
            Ok(w)
        })?;
        for (invoice, _, _, settled) in &allocations {
            if !settled {
                continue;
            }
            let orders: Vec<OrderId> = self
                .repo
                .db()
                .prepare_cached("SELECT order_id FROM invoice_orders WHERE invoice_id = ?1")?
                .query_map(params![invoice.as_str()], |r| {
                    r.get(0).map(OrderId::from_stored)
                })?
                .collect::<rusqlite::Result<_>>()?;
            for order in &orders {
                order::record_billing_status(self.repo, order, Action::Pay, &number, at)?;
            }
        }
        Ok((number, id))
    }

    /// `order invoice`: an invoice for one order with the usual terms.
    pub fn invoice_order(
        &mut self,
        order: &str,
        memo: &str,
        at: Timestamp,
    ) -> Result<(String, InvoiceId)> {
        self.invoice(
            NewInvoice {
                orders: vec![order.to_string()],
                memo: memo.to_string(),
                ..NewInvoice::default()
            },
            at,
        )
    }

    /// `order pay`: a receipt or payment of what the order's invoice still owes.
    pub fn settle_order(
        &mut self,
        order: &str,
        memo: &str,
        at: Timestamp,
    ) -> Result<(String, PaymentId)> {
        let head = order_head(self.repo.db(), order)?;
        if !Action::Pay.allowed(head.kind, head.status) {
            return Err(Error::InvalidTransition {
                number: head.number,
                status: head.status.to_string(),
                action: Action::Pay.past().to_string(),
            });
        }
        let invoice =
            invoice_of_order(self.repo.db(), &head.id)?.ok_or_else(|| Error::NotInvoiceable {
                order: head.number.clone(),
                reason: "no invoice bills it yet".into(),
            })?;
        self.pay(
            NewPayment {
                memo: memo.to_string(),
                allocations: vec![NewAllocation {
                    invoice,
                    amount: None,
                }],
                ..NewPayment::default()
            },
            at,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_percentages() {
        assert_eq!(parse_rate("13").unwrap(), 1_300);
        assert_eq!(parse_rate("13%").unwrap(), 1_300);
        assert_eq!(parse_rate(" 1.5 ").unwrap(), 150);
        assert_eq!(parse_rate("0").unwrap(), 0);
        assert_eq!(parse_rate("6.25").unwrap(), 625);
        for bad in ["", "x", "1.234", "-3", "101", "13..0", ".5"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}

/// The window's invoice form as typed: amounts and rates as text.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct InvoiceForm {
    /// Order numbers, separated by commas or spaces (empty for an amount).
    pub orders: String,
    /// `sales` or `purchase` when no order is named.
    pub kind: String,
    /// The customer or supplier when no order is named.
    pub party: String,
    /// The site when no order is named.
    pub site: String,
    /// Amount before tax when no order is named.
    pub net: String,
    /// Invoice date (today if empty).
    pub date: String,
    /// Due date (30 days on if empty).
    pub due: String,
    /// 专票 rather than 普票.
    pub special: bool,
    /// VAT rate in percent (13 if empty).
    pub rate: String,
    /// The tax authority's number.
    pub tax_no: String,
    /// Remark.
    pub memo: String,
}

/// The window's receipt or payment form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct PaymentForm {
    /// The invoice it settles (empty: on account).
    pub invoice: String,
    /// The party when no invoice is named.
    pub party: String,
    /// `received` or `paid` when no invoice is named.
    pub direction: String,
    /// Amount (what the invoice owes if empty).
    pub amount: String,
    /// `1002` bank (default) or `1001` cash.
    pub account: String,
    /// Date (today if empty).
    pub date: String,
    /// The bank's reference.
    pub reference: String,
    /// Remark.
    pub memo: String,
}

/// Trimmed text, `None` when empty.
fn typed(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

impl InvoiceForm {
    /// The invoice the form describes.
    pub fn parse(&self) -> Result<NewInvoice> {
        Ok(NewInvoice {
            orders: self
                .orders
                .split([',', ' ', '，', '\n'])
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect(),
            party: typed(&self.party),
            kind: typed(&self.kind)
                .map(|k| OrderKind::parse(&k))
                .transpose()?,
            site: typed(&self.site),
            net: typed(&self.net).map(|n| Money::parse(&n)).transpose()?,
            date: typed(&self.date),
            due: typed(&self.due),
            vat: Some(if self.special {
                VatKind::Special
            } else {
                VatKind::Ordinary
            }),
            rate: typed(&self.rate),
            tax_no: self.tax_no.clone(),
            memo: self.memo.clone(),
        })
    }
}

impl PaymentForm {
    /// The payment the form describes.
    pub fn parse(&self) -> Result<NewPayment> {
        Ok(NewPayment {
            party: typed(&self.party),
            direction: typed(&self.direction)
                .map(|d| Direction::parse(&d))
                .transpose()?,
            site: None,
            date: typed(&self.date),
            amount: typed(&self.amount).map(|a| Money::parse(&a)).transpose()?,
            account: typed(&self.account),
            reference: self.reference.clone(),
            memo: self.memo.clone(),
            allocations: typed(&self.invoice)
                .map(|invoice| NewAllocation {
                    invoice,
                    amount: None,
                })
                .into_iter()
                .collect(),
        })
    }
}
