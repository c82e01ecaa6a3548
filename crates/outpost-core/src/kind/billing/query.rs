//! Reading invoices, payments and what each party owes (ageing) from the projections.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::Billing;
use super::model::{Direction, VatKind};
use crate::error::{Error, Result};
use crate::id::{InvoiceId, PaymentId};
use crate::kind::order::OrderKind;
use crate::money::Money;

/// What a write needs to know of an invoice.
pub(super) struct InvoiceHead {
    pub id: InvoiceId,
    pub number: String,
    pub doc: String,
    pub site: String,
    pub kind: OrderKind,
    pub party: String,
    pub vat: VatKind,
    pub rate_bp: i64,
    pub net: i64,
    pub corrects: Option<String>,
    /// Sum of the nets of its credit notes (≤ 0).
    pub credited_net: i64,
}

/// An invoice by number or id.
pub(super) fn invoice_head(db: &Connection, key: &str) -> Result<InvoiceHead> {
    let found = db
        .prepare_cached(
            "SELECT i.id, i.number, i.doc, i.site, i.kind, i.party, i.vat, i.rate_bp, i.net,
                    i.corrects,
                    coalesce((SELECT sum(c.net) FROM invoices c WHERE c.corrects = i.id), 0)
             FROM invoices i WHERE i.number = ?1 COLLATE NOCASE OR i.id = ?1 LIMIT 1",
        )?
        .query_row([key.trim()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, i64>(10)?,
            ))
        })
        .optional()?;
    let (id, number, doc, site, kind, party, vat, rate_bp, net, corrects, credited_net) =
        found.ok_or_else(|| Error::not_found("invoice", key))?;
    Ok(InvoiceHead {
        id: InvoiceId::from_stored(id),
        number,
        doc,
        site,
        kind: OrderKind::parse(&kind)?,
        party,
        vat: VatKind::parse(&vat)?,
        rate_bp,
        net,
        corrects,
        credited_net,
    })
}

/// What invoice `id` still owes: its gross, less its credit notes and what payments
/// applied to it.
pub(super) fn outstanding(db: &Connection, id: &InvoiceId) -> Result<i64> {
    Ok(db
        .prepare_cached(&format!("SELECT {OWED} FROM invoices i WHERE i.id = ?1"))?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// SQL of what invoice `i` owes (credit notes and payments of any date).
const OWED: &str = "i.gross
    + coalesce((SELECT sum(c.gross) FROM invoices c WHERE c.corrects = i.id), 0)
    - coalesce((SELECT sum(a.amount) FROM payment_allocations a WHERE a.invoice_id = i.id), 0)";

/// Which invoices to list.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct InvoiceFilter {
    /// Only this site's.
    pub site: Option<String>,
    /// Only sales or only purchase invoices.
    pub kind: Option<OrderKind>,
    /// Only this party's (name or id).
    pub party: Option<String>,
    /// Only those still owing something.
    pub open: bool,
}

/// One invoice or credit note, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvoiceRow {
    /// Id.
    pub id: InvoiceId,
    /// Human number.
    pub number: String,
    /// Site.
    pub site: String,
    /// Sales or purchase.
    pub kind: OrderKind,
    /// The party's name.
    pub party: String,
    /// Invoice date.
    pub date: String,
    /// Due date.
    pub due: String,
    /// 专票 or 普票.
    pub vat: VatKind,
    /// VAT rate in basis points.
    pub rate_bp: i64,
    /// Before tax.
    pub net: Money,
    /// VAT.
    pub tax: Money,
    /// net + tax.
    pub gross: Money,
    /// Its credit notes' gross (zero or below).
    pub credited: Money,
    /// Applied by receipts or payments.
    pub paid: Money,
    /// Still owed: gross + credited − paid (zero for a credit note).
    pub outstanding: Money,
    /// The number of the invoice a credit note corrects.
    pub corrects: Option<String>,
    /// The tax authority's number.
    pub tax_no: String,
    /// Remark.
    pub memo: String,
    /// The numbers of the orders it bills.
    pub orders: Vec<String>,
    /// Who issued it (device code).
    pub created_by: String,
}

/// Which payments to list.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct PaymentFilter {
    /// Only this site's.
    pub site: Option<String>,
    /// Only receipts or only payments.
    pub direction: Option<Direction>,
    /// Only this party's (name or id).
    pub party: Option<String>,
}

/// Part of a payment applied to an invoice, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AllocationRow {
    /// The invoice's number.
    pub invoice: String,
    /// Applied.
    pub amount: Money,
}

/// One receipt or payment, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentRow {
    /// Id.
    pub id: PaymentId,
    /// Human number.
    pub number: String,
    /// Site.
    pub site: String,
    /// In or out.
    pub direction: Direction,
    /// The party's name.
    pub party: String,
    /// Date.
    pub date: String,
    /// Amount.
    pub amount: Money,
    /// What it did not apply to an invoice (on account).
    pub unapplied: Money,
    /// 1002 or 1001.
    pub account: String,
    /// The bank's reference.
    pub reference: String,
    /// Remark.
    pub memo: String,
    /// What it settles.
    pub allocations: Vec<AllocationRow>,
    /// Who recorded it (device code).
    pub created_by: String,
}

/// Whose balances to age.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct AgeingFilter {
    /// One site's; every site's if none.
    pub site: Option<String>,
    /// Receivables (sales, the default) or payables (purchase).
    pub kind: Option<OrderKind>,
    /// The day to age at, `YYYY-MM-DD` (today if none): invoices, credit notes and
    /// payments dated after it are left out.
    pub as_of: Option<String>,
}

/// What one party owes (or is owed), by days past due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgeingRow {
    /// The party's name.
    pub party: String,
    /// Not yet due.
    pub current: Money,
    /// 1–30 days past due.
    pub days_1_30: Money,
    /// 31–60 days.
    pub days_31_60: Money,
    /// 61–90 days.
    pub days_61_90: Money,
    /// More than 90 days.
    pub over_90: Money,
    /// Money received or paid on account, not applied to an invoice.
    pub on_account: Money,
    /// Open invoices less money on account.
    pub total: Money,
}

impl AgeingRow {
    /// Its figures in column order: not due, 1–30, 31–60, 61–90, over 90 days, on
    /// account, total.
    pub fn figures(&self) -> [Money; 7] {
        [
            self.current,
            self.days_1_30,
            self.days_31_60,
            self.days_61_90,
            self.over_90,
            self.on_account,
            self.total,
        ]
    }
}

/// The site typed, upper-cased; `None` for every site.
fn site_of(site: &Option<String>) -> Option<String> {
    site.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_uppercase)
}

impl Billing<'_> {
    /// Invoices and credit notes, newest first.
    pub fn invoices(&self, filter: &InvoiceFilter) -> Result<Vec<InvoiceRow>> {
        let db = self.repo.db();
        let mut stmt = db.prepare_cached(&format!(
            "SELECT i.id, i.number, i.site, i.kind, coalesce(p.name, i.party), i.date, i.due,
                    i.vat, i.rate_bp, i.net, i.tax, i.gross,
                    coalesce((SELECT sum(c.gross) FROM invoices c WHERE c.corrects = i.id), 0),
                    coalesce((SELECT sum(a.amount) FROM payment_allocations a
                              WHERE a.invoice_id = i.id), 0),
                    CASE WHEN i.corrects IS NULL THEN {OWED} ELSE 0 END,
                    (SELECT o.number FROM invoices o WHERE o.id = i.corrects),
                    i.tax_no, i.memo,
                    coalesce((SELECT code FROM devices d WHERE d.id = i.created_by),
                             substr(i.created_by, 1, 8))
             FROM invoices i LEFT JOIN parties p ON p.id = i.party
             WHERE (?1 IS NULL OR i.site = ?1) AND (?2 IS NULL OR i.kind = ?2)
               AND (?3 IS NULL OR i.party = ?3 OR p.name = ?3 COLLATE NOCASE)
             ORDER BY i.date DESC, i.number DESC"
        ))?;
        let mut rows: Vec<InvoiceRow> = stmt
            .query_map(
                params![
                    site_of(&filter.site),
                    filter.kind.map(OrderKind::as_str),
                    filter.party.as_deref().map(str::trim)
                ],
                |r| {
                    Ok(InvoiceRow {
                        id: InvoiceId::from_stored(r.get(0)?),
                        number: r.get(1)?,
                        site: r.get(2)?,
                        kind: OrderKind::parse(&r.get::<_, String>(3)?).unwrap_or(OrderKind::Sales),
                        party: r.get(4)?,
                        date: r.get(5)?,
                        due: r.get(6)?,
                        vat: VatKind::parse(&r.get::<_, String>(7)?).unwrap_or(VatKind::Ordinary),
                        rate_bp: r.get(8)?,
                        net: Money(r.get(9)?),
                        tax: Money(r.get(10)?),
                        gross: Money(r.get(11)?),
                        credited: Money(r.get(12)?),
                        paid: Money(r.get(13)?),
                        outstanding: Money(r.get(14)?),
                        corrects: r.get(15)?,
                        tax_no: r.get(16)?,
                        memo: r.get(17)?,
                        orders: Vec::new(),
                        created_by: r.get(18)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        if filter.open {
            rows.retain(|r| r.outstanding.0 != 0);
        }
        let mut orders = db.prepare_cached(
            "SELECT coalesce(o.number, io.order_id) FROM invoice_orders io
             LEFT JOIN orders o ON o.id = io.order_id WHERE io.invoice_id = ?1 ORDER BY 1",
        )?;
        for row in &mut rows {
            row.orders = orders
                .query_map([row.id.as_str()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(rows)
    }

    /// One invoice or credit note by number or id.
    pub fn invoice_row(&self, key: &str) -> Result<InvoiceRow> {
        let head = invoice_head(self.repo.db(), key)?;
        self.invoices(&InvoiceFilter {
            site: Some(head.site),
            ..InvoiceFilter::default()
        })?
        .into_iter()
        .find(|r| r.id == head.id)
        .ok_or_else(|| Error::not_found("invoice", key))
    }

    /// Receipts and payments, newest first.
    pub fn payments(&self, filter: &PaymentFilter) -> Result<Vec<PaymentRow>> {
        let db = self.repo.db();
        let mut stmt = db.prepare_cached(
            "SELECT y.id, y.number, y.site, y.direction, coalesce(p.name, y.party), y.date,
                    y.amount,
                    y.amount - coalesce((SELECT sum(a.amount) FROM payment_allocations a
                                         WHERE a.payment_id = y.id), 0),
                    y.account, y.reference, y.memo,
                    coalesce((SELECT code FROM devices d WHERE d.id = y.created_by),
                             substr(y.created_by, 1, 8))
             FROM payments y LEFT JOIN parties p ON p.id = y.party
             WHERE (?1 IS NULL OR y.site = ?1) AND (?2 IS NULL OR y.direction = ?2)
               AND (?3 IS NULL OR y.party = ?3 OR p.name = ?3 COLLATE NOCASE)
             ORDER BY y.date DESC, y.number DESC",
        )?;
        let mut rows: Vec<PaymentRow> = stmt
            .query_map(
                params![
                    site_of(&filter.site),
                    filter.direction.map(Direction::as_str),
                    filter.party.as_deref().map(str::trim)
                ],
                |r| {
                    Ok(PaymentRow {
                        id: PaymentId::from_stored(r.get(0)?),
                        number: r.get(1)?,
                        site: r.get(2)?,
                        direction: Direction::parse(&r.get::<_, String>(3)?)
                            .unwrap_or(Direction::Received),
                        party: r.get(4)?,
                        date: r.get(5)?,
                        amount: Money(r.get(6)?),
                        unapplied: Money(r.get(7)?),
                        account: r.get(8)?,
                        reference: r.get(9)?,
                        memo: r.get(10)?,
                        allocations: Vec::new(),
                        created_by: r.get(11)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        let mut allocations = db.prepare_cached(
            "SELECT coalesce(i.number, a.invoice_id), a.amount FROM payment_allocations a
             LEFT JOIN invoices i ON i.id = a.invoice_id WHERE a.payment_id = ?1 ORDER BY a.pos",
        )?;
        for row in &mut rows {
            row.allocations = allocations
                .query_map([row.id.as_str()], |r| {
                    Ok(AllocationRow {
                        invoice: r.get(0)?,
                        amount: Money(r.get(1)?),
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(rows)
    }

    /// What each party owes (receivables) or is owed (payables) at a day, by days past
    /// due, largest total first.
    pub fn ageing(&self, filter: &AgeingFilter, at: jiff::Timestamp) -> Result<Vec<AgeingRow>> {
        let as_of = crate::kind::ledger::date_or_today(filter.as_of.as_deref(), at)?.to_string();
        let kind = filter.kind.unwrap_or(OrderKind::Sales);
        let direction = Direction::settling(kind);
        let site = site_of(&filter.site);
        let db = self.repo.db();
        // Each open invoice's balance at the day, bucketed by days past its due date.
        let mut stmt = db.prepare_cached(
            "WITH open AS (
                 SELECT i.party, julianday(?1) - julianday(i.due) AS late,
                        i.gross
                        + coalesce((SELECT sum(c.gross) FROM invoices c
                                    WHERE c.corrects = i.id AND c.date <= ?1), 0)
                        - coalesce((SELECT sum(a.amount) FROM payment_allocations a
                                    JOIN payments y ON y.id = a.payment_id
                                    WHERE a.invoice_id = i.id AND y.date <= ?1), 0) AS owed
                 FROM invoices i
                 WHERE i.corrects IS NULL AND i.kind = ?2 AND i.date <= ?1
                   AND (?3 IS NULL OR i.site = ?3))
             SELECT party,
                    sum(CASE WHEN late <= 0 THEN owed ELSE 0 END),
                    sum(CASE WHEN late > 0 AND late <= 30 THEN owed ELSE 0 END),
                    sum(CASE WHEN late > 30 AND late <= 60 THEN owed ELSE 0 END),
                    sum(CASE WHEN late > 60 AND late <= 90 THEN owed ELSE 0 END),
                    sum(CASE WHEN late > 90 THEN owed ELSE 0 END)
             FROM open WHERE owed != 0 GROUP BY party",
        )?;
        let mut by_party: std::collections::BTreeMap<String, [i64; 6]> = Default::default();
        for row in stmt.query_map(params![as_of, kind.as_str(), site], |r| {
            Ok((
                r.get::<_, String>(0)?,
                [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, 0],
            ))
        })? {
            let (party, sums) = row?;
            by_party.insert(party, sums);
        }
        // Money on account: what receipts (or payments) up to the day did not apply.
        let mut stmt = db.prepare_cached(
            "SELECT y.party, sum(y.amount - coalesce((SELECT sum(a.amount)
                                                     FROM payment_allocations a
                                                     WHERE a.payment_id = y.id), 0))
             FROM payments y
             WHERE y.direction = ?2 AND y.date <= ?1 AND (?3 IS NULL OR y.site = ?3)
             GROUP BY y.party",
        )?;
        for row in stmt.query_map(params![as_of, direction.as_str(), site], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (party, unapplied) = row?;
            if unapplied != 0 {
                by_party.entry(party).or_default()[5] = unapplied;
            }
        }
        let names = crate::kind::party::names(db)?;
        let mut rows: Vec<AgeingRow> = by_party
            .into_iter()
            .map(|(party, s)| AgeingRow {
                party: names.get(&party).cloned().unwrap_or(party),
                current: Money(s[0]),
                days_1_30: Money(s[1]),
                days_31_60: Money(s[2]),
                days_61_90: Money(s[3]),
                over_90: Money(s[4]),
                on_account: Money(s[5]),
                total: Money(s[..5].iter().sum::<i64>() - s[5]),
            })
            .collect();
        rows.sort_by(|a, b| b.total.0.cmp(&a.total.0).then(a.party.cmp(&b.party)));
        Ok(rows)
    }
}
