//! Invoices, credit notes and payments as read from their documents, and the sums they
//! keep (net + tax = gross; tax = net × rate, rounded half away from zero).

use automerge::ReadDoc;

use crate::code::SiteCode;
use crate::id::{DeviceId, InvoiceId, OrderId, PartyId, PaymentId};
use crate::kind::order::OrderKind;
use crate::schema::{RawConflict, RecordReader, View};
use crate::text::text_enum;

text_enum!(
    /// The kind of VAT invoice (发票).
    VatKind, "VAT invoice kind" {
        /// 增值税专用发票: the buyer deducts its tax.
        Special = "special",
        /// 增值税普通发票.
        Ordinary = "ordinary",
    }
);

text_enum!(
    /// Money coming in from a customer or going out to a supplier.
    Direction, "direction" {
        /// A receipt (收款) from a customer.
        Received = "received",
        /// A payment (付款) to a supplier.
        Paid = "paid",
    }
);

impl Direction {
    /// The direction that settles invoices of `kind`.
    pub fn settling(kind: OrderKind) -> Direction {
        match kind {
            OrderKind::Sales => Direction::Received,
            OrderKind::Purchase => Direction::Paid,
        }
    }
}

/// Highest VAT rate accepted, in basis points (100%).
pub const MAX_RATE_BP: i64 = 10_000;
/// Largest invoice or payment amount, in fen (as a journal line's).
pub const MAX_AMOUNT: i64 = crate::kind::ledger::MAX_LINE_AMOUNT;
/// Most orders one invoice covers, and most invoices one payment settles.
pub const MAX_REFS: usize = 200;

/// The tax on `net` at `rate_bp` basis points, rounded half away from zero to the fen.
pub fn tax_on(net: i64, rate_bp: i64) -> i64 {
    let raw = i128::from(net) * i128::from(rate_bp);
    let half = if raw < 0 { -5_000 } else { 5_000 };
    i64::try_from((raw + half) / 10_000).unwrap_or(i64::MAX)
}

/// An invoice or, when it `corrects` another, a credit note (红字发票) with amounts below
/// zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    /// Random id.
    pub id: InvoiceId,
    /// Human number, e.g. `SH-A3-I000012` (credit notes `…-R000003`).
    pub number: String,
    /// The site that issued or booked it.
    pub site: SiteCode,
    /// Sales (issued to a customer) or purchase (received from a supplier).
    pub kind: OrderKind,
    /// The customer or supplier.
    pub party: PartyId,
    /// The orders it bills (none for a service billed by amount).
    pub orders: Vec<OrderId>,
    /// Invoice date `YYYY-MM-DD` (in its document's month).
    pub date: String,
    /// Due date `YYYY-MM-DD`.
    pub due: String,
    /// 专票 or 普票.
    pub vat: VatKind,
    /// VAT rate in basis points (1300 = 13%).
    pub rate_bp: i64,
    /// Amount before tax, fen.
    pub net: i64,
    /// VAT, fen.
    pub tax: i64,
    /// net + tax, fen.
    pub gross: i64,
    /// The invoice a credit note corrects.
    pub corrects: Option<InvoiceId>,
    /// The tax authority's invoice number (发票号码), once typed.
    pub tax_no: String,
    /// Remark.
    pub memo: String,
    /// When it was written (ms).
    pub created_at_ms: i64,
    /// The device that wrote it.
    pub created_by: DeviceId,
}

/// Part of a payment applied to one invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    /// The invoice.
    pub invoice: InvoiceId,
    /// The amount applied, fen.
    pub amount: i64,
}

/// A receipt from a customer or a payment to a supplier; what it does not apply to an
/// invoice stays on account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// Random id.
    pub id: PaymentId,
    /// Human number, e.g. `SH-A3-P000004`.
    pub number: String,
    /// The site whose bank or cash it moved.
    pub site: SiteCode,
    /// In or out.
    pub direction: Direction,
    /// The customer or supplier.
    pub party: PartyId,
    /// Date `YYYY-MM-DD` (in its document's month).
    pub date: String,
    /// Amount, fen (> 0).
    pub amount: i64,
    /// The account the money moved through (1002 bank, 1001 cash).
    pub account: String,
    /// The bank's reference.
    pub reference: String,
    /// Remark.
    pub memo: String,
    /// What it settles.
    pub allocations: Vec<Allocation>,
    /// When it was written (ms).
    pub created_at_ms: i64,
    /// The device that wrote it.
    pub created_by: DeviceId,
}

/// Accounts money may move through.
pub const MONEY_ACCOUNTS: &[&str] = &["1001", "1002"];

pub(super) fn read_invoice<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Invoice> {
    let r = RecordReader::new(v, obj.clone(), c);
    let orders = v
        .child_list(&obj, "orders")
        .map(|list| {
            v.list_texts(&list)
                .into_iter()
                .map(OrderId::from_stored)
                .collect()
        })
        .unwrap_or_default();
    Some(Invoice {
        id: InvoiceId::from_stored(id.to_string()),
        number: r.fact_text("number")?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        kind: OrderKind::parse(&r.fact_text("kind")?).ok()?,
        party: PartyId::from_stored(r.fact_text("party")?),
        orders,
        date: r.fact_text("date")?,
        due: r.fact_text("due")?,
        vat: VatKind::parse(&r.fact_text("vat")?).ok()?,
        rate_bp: r.fact_int("rate_bp")?,
        net: r.fact_int("net")?,
        tax: r.fact_int("tax")?,
        gross: r.fact_int("gross")?,
        corrects: r
            .fact_text("corrects")
            .filter(|s| !s.is_empty())
            .map(InvoiceId::from_stored),
        tax_no: r.fact_text("tax_no").unwrap_or_default(),
        memo: r.fact_text("memo").unwrap_or_default(),
        created_at_ms: r.fact_int("created_at")?,
        created_by: DeviceId::parse(&r.fact_text("created_by")?).ok()?,
    })
}

pub(super) fn read_payment<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Payment> {
    let r = RecordReader::new(v, obj.clone(), c);
    let allocations = v
        .child_list(&obj, "allocations")
        .map(|list| {
            v.list_maps(&list)
                .iter()
                .filter_map(|a| {
                    Some(Allocation {
                        invoice: InvoiceId::from_stored(v.str(a, "invoice")?),
                        amount: v.int(a, "amount")?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Payment {
        id: PaymentId::from_stored(id.to_string()),
        number: r.fact_text("number")?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        direction: Direction::parse(&r.fact_text("direction")?).ok()?,
        party: PartyId::from_stored(r.fact_text("party")?),
        date: r.fact_text("date")?,
        amount: r.fact_int("amount")?,
        account: r.fact_text("account")?,
        reference: r.fact_text("reference").unwrap_or_default(),
        memo: r.fact_text("memo").unwrap_or_default(),
        allocations,
        created_at_ms: r.fact_int("created_at")?,
        created_by: DeviceId::parse(&r.fact_text("created_by")?).ok()?,
    })
}

/// What is wrong with an invoice's figures, if anything: the one check of the local
/// write and the merge rules.
pub(crate) fn invoice_problem(
    net: i64,
    tax: i64,
    gross: i64,
    rate_bp: i64,
    credit: bool,
) -> Option<String> {
    if !(0..=MAX_RATE_BP).contains(&rate_bp) {
        return Some(format!("a VAT rate of {rate_bp} basis points"));
    }
    if net.abs() > MAX_AMOUNT || net == 0 {
        return Some("an invoice amount of zero or beyond the limit".into());
    }
    if credit != (net < 0) {
        return Some(if credit {
            "a credit note that adds to what is owed".into()
        } else {
            "an invoice below zero that corrects no invoice".into()
        });
    }
    if tax != tax_on(net, rate_bp) || gross != net + tax {
        return Some(format!(
            "figures that do not add up (net {net}, tax {tax}, gross {gross} at {rate_bp} bp)"
        ));
    }
    None
}

/// What is wrong with a payment's figures, if anything.
pub(crate) fn payment_problem(amount: i64, account: &str, allocations: &[i64]) -> Option<String> {
    if !(1..=MAX_AMOUNT).contains(&amount) {
        return Some("a payment of zero, below zero or beyond the limit".into());
    }
    if !MONEY_ACCOUNTS.contains(&account) {
        return Some(format!("money moved through account {account}"));
    }
    if allocations.len() > MAX_REFS || allocations.iter().any(|a| *a <= 0 || *a > MAX_AMOUNT) {
        return Some("an allocation of zero, below zero or beyond the limit".into());
    }
    if allocations.iter().sum::<i64>() > amount {
        return Some("allocations above the payment's amount".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_rounds_half_away_from_zero() {
        assert_eq!(tax_on(10_000, 1_300), 1_300);
        assert_eq!(tax_on(15, 1_300), 2); // 1.95 fen
        assert_eq!(tax_on(5, 1_000), 1); // 0.5 fen
        assert_eq!(tax_on(-5, 1_000), -1);
        assert_eq!(tax_on(-15, 1_300), -2);
        assert_eq!(tax_on(1, 0), 0);
    }

    #[test]
    fn figures_must_add_up() {
        assert_eq!(invoice_problem(10_000, 1_300, 11_300, 1_300, false), None);
        assert_eq!(invoice_problem(-100, -13, -113, 1_300, true), None);
        assert!(invoice_problem(10_000, 1_300, 11_400, 1_300, false).is_some());
        assert!(invoice_problem(10_000, 1_200, 11_200, 1_300, false).is_some());
        assert!(invoice_problem(-100, -13, -113, 1_300, false).is_some());
        assert!(invoice_problem(100, 13, 113, 1_300, true).is_some());
        assert!(invoice_problem(0, 0, 0, 1_300, false).is_some());
        assert!(invoice_problem(100, 0, 100, 10_001, false).is_some());
        assert_eq!(payment_problem(500, "1002", &[200, 300]), None);
        assert!(payment_problem(500, "1002", &[200, 301]).is_some());
        assert!(payment_problem(500, "6001", &[]).is_some());
        assert!(payment_problem(0, "1002", &[]).is_some());
        assert!(payment_problem(500, "1001", &[0]).is_some());
    }
}
