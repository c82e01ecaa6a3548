//! The journal entries an invoice or a payment posts by itself (see docs/finance.md,
//! "Automatic postings"): derived on every device that projects the record, the same on
//! each, with the record's id as the entry's, so nothing posts twice.
//!
//! - a sales invoice: 1122 应收账款 debit gross; 6001 主营业务收入 credit net; 2221 应交税费
//!   credit tax;
//! - a purchase invoice for received orders: 2221 debit tax, 2202 应付账款 credit tax (the
//!   goods were booked at receipt, 1405 库存商品 against 2202 at the order's price: see
//!   `kind/ledger/costing.rs`);
//! - a purchase invoice by amount: 1405 debit net; 2221 debit tax; 2202 credit gross;
//! - a credit note: the full lines of a purchase or sales invoice on the other side, for
//!   its amounts (goods' value, tax and what is owed all come down);
//! - a receipt: 1002 (or 1001) debit; 1122 credit (what is not applied stays there as
//!   a credit balance, money received on account);
//! - a payment: 2202 debit; 1002 (or 1001) credit.

use rusqlite::Connection;

use super::model::{Direction, Invoice, Payment};
use crate::doc_id::DocId;
use crate::error::Result;
use crate::kind::ledger::{Line, Posting, post_derived};
use crate::kind::order::OrderKind;

/// Receivables.
const RECEIVABLE: &str = "1122";
/// Sales revenue.
const REVENUE: &str = "6001";
/// VAT (output and input alike in this chart).
const VAT: &str = "2221";
/// Goods in stock.
const STOCK: &str = "1405";
/// Payables.
const PAYABLE: &str = "2202";

/// A line of `amount` on `account`: a debit when `debit` and the amount is positive; a
/// negative amount (a credit note's) goes on the other side. Zero posts no line.
fn line(account: &str, amount: i64, debit: bool) -> Option<Line> {
    let debit = debit == (amount >= 0);
    let amount = amount.abs();
    (amount != 0).then(|| Line {
        account: account.to_string(),
        debit: if debit { amount } else { 0 },
        credit: if debit { 0 } else { amount },
    })
}

/// Re-derives the posting of invoice `inv` (`None`: it is gone).
pub(super) fn invoice(db: &Connection, id: &str, doc: &DocId, inv: Option<&Invoice>) -> Result<()> {
    let posting = inv.map(|inv| {
        let lines = match inv.kind {
            OrderKind::Sales => [
                line(RECEIVABLE, inv.gross, true),
                line(REVENUE, inv.net, false),
                line(VAT, inv.tax, false),
            ],
            // Goods received were booked at receipt; the invoice adds its input VAT.
            OrderKind::Purchase if !inv.orders.is_empty() && inv.corrects.is_none() => [
                line(VAT, inv.tax, true),
                line(PAYABLE, inv.tax, false),
                None,
            ],
            OrderKind::Purchase => [
                line(STOCK, inv.net, true),
                line(VAT, inv.tax, true),
                line(PAYABLE, inv.gross, false),
            ],
        };
        Posting {
            doc,
            number: &inv.number,
            link: &inv.number,
            site: &inv.site,
            date: &inv.date,
            memo: inv.memo.clone(),
            // The party's id: its name is looked up when shown, so a rename, or the
            // party arriving after the invoice, changes no posting.
            counterparty: inv.party.to_string(),
            created_at_ms: inv.created_at_ms,
            created_by: &inv.created_by,
            lines: lines.into_iter().flatten().collect(),
        }
    });
    post_derived(db, "invoice", id, posting)
}

/// Re-derives the posting of payment `pay` (`None`: it is gone).
pub(super) fn payment(db: &Connection, id: &str, doc: &DocId, pay: Option<&Payment>) -> Result<()> {
    let posting = pay.map(|p| {
        let lines = match p.direction {
            Direction::Received => [
                line(&p.account, p.amount, true),
                line(RECEIVABLE, p.amount, false),
            ],
            Direction::Paid => [
                line(PAYABLE, p.amount, true),
                line(&p.account, p.amount, false),
            ],
        };
        Posting {
            doc,
            number: &p.number,
            link: &p.number,
            site: &p.site,
            date: &p.date,
            memo: p.memo.clone(),
            counterparty: p.party.to_string(),
            created_at_ms: p.created_at_ms,
            created_by: &p.created_by,
            lines: lines.into_iter().flatten().collect(),
        }
    });
    post_derived(db, "payment", id, posting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_amounts_change_sides() {
        let debit = line("1122", 113, true).unwrap();
        assert_eq!((debit.debit, debit.credit), (113, 0));
        let credit_note = line("1122", -113, true).unwrap();
        assert_eq!((credit_note.debit, credit_note.credit), (0, 113));
        assert!(line("2221", 0, false).is_none());
    }
}
