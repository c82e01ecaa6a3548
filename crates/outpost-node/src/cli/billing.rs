//! `outpost invoice …`, `outpost pay …` and `outpost report ageing`: invoices, credit
//! notes, receipts and payments, and what each party owes.

use outpost_core::{
    AgeingFilter, BankFilter, Direction, InvoiceFilter, Money, NewAllocation, NewCreditNote,
    NewInvoice, NewPayment, OrderKind, PaymentFilter, StatementColumns, StatementImport, VatKind,
    rate_text,
};
use outpost_node::i18n::Msg;
use outpost_node::{Node, Result};
use serde_json::json;

use super::args::*;
use super::out::Out;
use super::table::Table;

fn money(text: Option<String>) -> Result<Option<Money>> {
    Ok(text.as_deref().map(Money::parse).transpose()?)
}

fn kind(purchase: bool) -> OrderKind {
    if purchase {
        OrderKind::Purchase
    } else {
        OrderKind::Sales
    }
}

pub(super) fn invoice(node: &Node, cmd: InvoiceCmd, out: &Out) -> Result<()> {
    match cmd {
        InvoiceCmd::New {
            orders,
            party,
            purchase,
            site,
            net,
            date,
            due,
            special,
            rate,
            tax_no,
            memo,
        } => {
            let (number, id) = node.invoice(NewInvoice {
                orders,
                party,
                kind: Some(kind(purchase)),
                site,
                net: money(net)?,
                date,
                due,
                vat: Some(if special {
                    VatKind::Special
                } else {
                    VatKind::Ordinary
                }),
                rate,
                tax_no,
                memo,
            })?;
            let row = node.invoice_row(&number)?;
            out.say(
                Msg::InvoiceIssued,
                &[
                    ("number", &number),
                    ("gross", &row.gross),
                    ("due", &row.due),
                ],
            );
            out.json(&json!({"number": number, "id": id, "gross": row.gross}));
        }
        InvoiceCmd::Credit {
            invoice,
            net,
            date,
            tax_no,
            memo,
        } => {
            let (number, id) = node.credit_note(NewCreditNote {
                invoice: invoice.clone(),
                net: money(net)?,
                date,
                tax_no,
                memo,
            })?;
            out.say(
                Msg::CreditIssued,
                &[("number", &number), ("invoice", &invoice)],
            );
            out.json(&json!({"number": number, "id": id, "corrects": invoice}));
        }
        InvoiceCmd::TaxNo { invoice, tax_no } => {
            node.set_tax_number(&invoice, &tax_no)?;
            out.say(Msg::TaxNumberSet, &[("invoice", &invoice)]);
            out.json(&json!({"invoice": invoice, "tax_no": tax_no}));
        }
        InvoiceCmd::List {
            site,
            purchase,
            party,
            open,
        } => {
            let rows = node.invoices(&InvoiceFilter {
                site,
                kind: Some(kind(purchase)),
                party,
                open,
            })?;
            let mut t = Table::new(out.headers(&[
                Msg::ColNumber,
                Msg::ColDate,
                Msg::ColParty,
                Msg::ColNet,
                Msg::ColTax,
                Msg::ColGross,
                Msg::ColOutstanding,
                Msg::ColDueDate,
            ]))
            .right(&[3, 4, 5, 6]);
            for r in &rows {
                t.row(vec![
                    r.number.clone(),
                    r.date.clone(),
                    r.party.clone(),
                    r.net.to_string(),
                    r.tax.to_string(),
                    r.gross.to_string(),
                    r.outstanding.to_string(),
                    r.due.clone(),
                ]);
            }
            out.table(&rows, t, rows.is_empty());
        }
        InvoiceCmd::Show { invoice } => {
            let r = node.invoice_row(&invoice)?;
            let mut t = Table::new(out.headers(&[Msg::ColName, Msg::ColAmount]));
            let lines: Vec<(Msg, String)> = vec![
                (Msg::ColParty, r.party.clone()),
                (Msg::ColDate, r.date.clone()),
                (Msg::ColDueDate, r.due.clone()),
                (
                    Msg::ColKind,
                    format!("{} {}%", out.word(r.vat.as_str()), rate_text(r.rate_bp)),
                ),
                (Msg::ColNet, r.net.to_string()),
                (Msg::ColTax, r.tax.to_string()),
                (Msg::ColGross, r.gross.to_string()),
                (Msg::ColOutstanding, r.outstanding.to_string()),
                (Msg::ColOrder, r.orders.join(", ")),
            ];
            for (label, value) in lines {
                t.row(vec![label.text(out.lang).to_string(), value]);
            }
            out.table(&r, t, false);
        }
    }
    Ok(())
}

/// Receipts and payments as a table.
fn payments_table(out: &Out, rows: &[outpost_core::PaymentRow]) {
    let mut t = Table::new(out.headers(&[
        Msg::ColNumber,
        Msg::ColDate,
        Msg::ColKind,
        Msg::ColParty,
        Msg::ColAmount,
        Msg::ColOnAccount,
        Msg::ColReference,
    ]))
    .right(&[4, 5]);
    for r in rows {
        t.row(vec![
            r.number.clone(),
            r.date.clone(),
            out.word(r.direction.as_str()),
            r.party.clone(),
            r.amount.to_string(),
            r.unapplied.to_string(),
            r.reference.clone(),
        ]);
    }
    out.table(&rows, t, rows.is_empty());
}

/// `NUMBER` or `NUMBER:AMOUNT`.
fn allocation(text: &str) -> Result<NewAllocation> {
    let (invoice, amount) = match text.rsplit_once(':') {
        Some((n, a)) => (n, Some(Money::parse(a)?)),
        None => (text, None),
    };
    Ok(NewAllocation {
        invoice: invoice.trim().to_string(),
        amount,
    })
}

pub(super) fn pay(node: &Node, cmd: PayCmd, out: &Out) -> Result<()> {
    match cmd {
        PayCmd::Record {
            invoices,
            party,
            out: paid,
            amount,
            account,
            date,
            site,
            reference,
            memo,
        } => {
            let allocations = invoices
                .iter()
                .map(|a| allocation(a))
                .collect::<Result<Vec<_>>>()?;
            let (number, id) = node.pay(NewPayment {
                party,
                direction: (paid || allocations.is_empty()).then_some(if paid {
                    Direction::Paid
                } else {
                    Direction::Received
                }),
                site,
                date,
                amount: money(amount)?,
                account,
                reference,
                memo,
                allocations,
            })?;
            let row = node
                .payments(&PaymentFilter::default())?
                .into_iter()
                .find(|p| p.id == id);
            let amount = row.map(|r| r.amount).unwrap_or(Money::ZERO);
            out.say(
                Msg::PaymentRecorded,
                &[("number", &number), ("amount", &amount)],
            );
            out.json(&json!({"number": number, "id": id, "amount": amount}));
        }
        PayCmd::List { site, party } => {
            let rows = node.payments(&PaymentFilter {
                site,
                party,
                direction: None,
            })?;
            payments_table(out, &rows);
        }
    }
    Ok(())
}

/// `outpost report ageing`.
pub(super) fn ageing(
    node: &Node,
    payables: bool,
    site: Option<String>,
    as_of: Option<String>,
    out: &Out,
) -> Result<()> {
    let rows = node.ageing(&AgeingFilter {
        site,
        kind: Some(kind(payables)),
        as_of,
    })?;
    let mut t =
        Table::new(out.headers(&outpost_node::i18n::AGEING_COLUMNS)).right(&[1, 2, 3, 4, 5, 6, 7]);
    for r in &rows {
        let mut cells = vec![r.party.clone()];
        cells.extend(r.figures().iter().map(Money::to_string));
        t.row(cells);
    }
    out.table(&rows, t, rows.is_empty());
    Ok(())
}

/// `outpost reconcile …`.
pub(super) fn reconcile(node: &Node, cmd: ReconcileCmd, out: &Out) -> Result<()> {
    match cmd {
        ReconcileCmd::Import {
            file,
            site,
            account,
            date,
            amount,
            credit,
            debit,
            counterparty,
            reference,
            memo,
        } => {
            let how = StatementImport {
                site: site.unwrap_or_default(),
                account: account.unwrap_or_default(),
                name: file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                columns: StatementColumns {
                    date,
                    amount,
                    credit,
                    debit,
                    counterparty,
                    reference,
                    memo,
                },
            };
            let done = node.import_statement(&file, how)?;
            out.say(
                Msg::StatementImported,
                &[("imported", &done.imported), ("already", &done.already)],
            );
            out.json(&json!(done));
        }
        ReconcileCmd::List { unmatched, site } => {
            let rows = node.bank_lines(&BankFilter { site, unmatched })?;
            let mut t = Table::new(out.headers(&[
                Msg::ColNumber,
                Msg::ColDate,
                Msg::ColAmount,
                Msg::ColParty,
                Msg::ColReference,
                Msg::ColMatched,
                Msg::ColSuggested,
            ]))
            .right(&[2]);
            for r in &rows {
                let suggested: Vec<String> = r
                    .suggestions
                    .iter()
                    .map(|s| format!("{} ({})", s.number, s.score))
                    .collect();
                t.row(vec![
                    r.id.clone(),
                    r.date.clone(),
                    r.amount.to_string(),
                    r.counterparty.clone(),
                    r.reference.clone(),
                    r.payment.clone().unwrap_or_default(),
                    suggested.join(", "),
                ]);
            }
            out.table(&rows, t, rows.is_empty());
        }
        ReconcileCmd::Unmatched { site } => {
            let rows = node.unmatched_payments(site.as_deref())?;
            payments_table(out, &rows);
        }
        ReconcileCmd::Match { line, payment } => {
            node.match_bank_line(&line, &payment)?;
            out.say(Msg::LineMatched, &[("line", &line), ("payment", &payment)]);
            out.json(&json!({"line": line, "payment": payment}));
        }
        ReconcileCmd::Receive { line, invoice } => {
            let payment = node.receive_bank_line(&line, invoice.as_deref().unwrap_or(""))?;
            out.say(Msg::LineMatched, &[("line", &line), ("payment", &payment)]);
            out.json(&json!({"line": line, "payment": payment}));
        }
    }
    Ok(())
}
