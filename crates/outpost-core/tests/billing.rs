//! Invoices and payments: issued for shipped orders by members who may bill, each posting
//! its own balanced journal entry (once, whoever sees it), settling orders, aged by days
//! past due, corrected by credit notes; seen by the site's clerks, not by other sites'.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use outpost_core::*;

fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::parse(code).unwrap()
}

/// A shipped sales order of `qty` TEA (35.00 each) to Acme at SH; its number.
fn shipped_order(a: &mut Book, qty: i64, clock: &mut Clock) -> String {
    a.stock()
        .record(
            StockMove::Receive {
                item: "TEA".into(),
                warehouse: wh("SH1"),
                qty,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    let (number, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", qty)]), clock.tick())
        .unwrap();
    for action in [Action::Submit, Action::Approve, Action::Ship] {
        a.orders().act(&number, action, "", clock.tick()).unwrap();
    }
    number
}

fn lines_of(entry: &EntryRow) -> Vec<(String, i64, i64)> {
    entry
        .lines
        .iter()
        .map(|l| (l.account.clone(), l.debit.0, l.credit.0))
        .collect()
}

fn balance_of(tb: &TrialBalance, code: &str) -> i64 {
    tb.rows
        .iter()
        .find(|r| r.account.code == code)
        .map_or(0, |r| r.balance.0)
}

#[test]
fn an_invoice_posts_itself_is_paid_in_parts_and_settles_its_order() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let order = shipped_order(&mut a, 4, &mut clock);

    let (inv, _) = a.billing().invoice_order(&order, "", clock.tick()).unwrap();
    let row = a.billing().invoice_row(&inv).unwrap();
    assert_eq!((row.net.0, row.tax.0, row.gross.0), (14_000, 1_820, 15_820));
    assert_eq!(row.outstanding.0, 15_820);
    assert_eq!(row.orders, vec![order.clone()]);
    assert_eq!(row.party, "Acme 客户");
    assert_eq!(a.orders().get(&order).unwrap().row.status, Status::Invoiced);

    // The invoice posts its own entry: receivable, revenue, output VAT.
    let posted = a.ledger().get(&inv).unwrap();
    assert_eq!(posted.source.as_deref(), Some("invoice"));
    assert_eq!(posted.counterparty, "Acme 客户");
    assert_eq!(
        lines_of(&posted),
        vec![
            ("1122".into(), 15_820, 0),
            ("6001".into(), 0, 14_000),
            ("2221".into(), 0, 1_820)
        ]
    );
    // It is corrected at its source, never reversed; a second invoice of the same order
    // is refused. Neither writes anything.
    let before = a.dump().unwrap();
    let err = a.ledger().reverse(&inv, None, clock.tick()).unwrap_err();
    assert!(matches!(err, Error::AutomaticPosting { .. }), "{err}");
    let err = a
        .billing()
        .invoice_order(&order, "", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidTransition { .. }), "{err}");
    // More than the invoice owes is refused too.
    let err = a
        .billing()
        .pay(
            NewPayment {
                allocations: vec![NewAllocation {
                    invoice: inv.clone(),
                    amount: Some(Money(20_000)),
                }],
                ..NewPayment::default()
            },
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::OverAllocated { .. }), "{err}");
    // A clerk may not bill.
    let err = b
        .billing()
        .invoice(
            NewInvoice {
                party: Some("Acme 客户".into()),
                net: Some(Money(100)),
                ..NewInvoice::default()
            },
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotBilling { .. }), "{err}");
    assert_eq!(before, a.dump().unwrap());

    // A part payment leaves the order invoiced; ageing puts the rest past due.
    let (receipt, _) = a
        .billing()
        .pay(
            NewPayment {
                amount: Some(Money(5_000)),
                allocations: vec![NewAllocation {
                    invoice: inv.clone(),
                    amount: None,
                }],
                reference: "CMB 20260921-1".into(),
                ..NewPayment::default()
            },
            clock.tick(),
        )
        .unwrap();
    assert_eq!(a.billing().invoice_row(&inv).unwrap().outstanding.0, 10_820);
    assert_eq!(a.orders().get(&order).unwrap().row.status, Status::Invoiced);
    let due: jiff::civil::Date = row.due.parse().unwrap();
    let late = due + jiff::Span::new().days(45);
    let ageing = a
        .billing()
        .ageing(
            &AgeingFilter {
                as_of: Some(late.to_string()),
                ..AgeingFilter::default()
            },
            clock.tick(),
        )
        .unwrap();
    assert_eq!(ageing.len(), 1, "{ageing:?}");
    assert_eq!(ageing[0].party, "Acme 客户");
    assert_eq!(
        (
            ageing[0].current.0,
            ageing[0].days_31_60.0,
            ageing[0].total.0
        ),
        (0, 10_820, 10_820)
    );
    let posted = a.ledger().get(&receipt).unwrap();
    assert_eq!(
        lines_of(&posted),
        vec![("1002".into(), 5_000, 0), ("1122".into(), 0, 5_000)]
    );

    // `order pay` settles the rest: the order is paid and nothing is owed.
    a.billing().settle_order(&order, "", clock.tick()).unwrap();
    assert_eq!(a.billing().invoice_row(&inv).unwrap().outstanding.0, 0);
    assert_eq!(a.orders().get(&order).unwrap().row.status, Status::Paid);
    let tb = a.ledger().trial_balance(&BalanceFilter::default()).unwrap();
    assert_eq!(tb.debit, tb.credit);
    assert_eq!(balance_of(&tb, "1122"), 0);
    assert_eq!(balance_of(&tb, "1002"), 15_820);
    assert_eq!(balance_of(&tb, "6001"), 14_000);
    // The statements: what was earned is the profit, and the balance sheet balances.
    let sheet = a.ledger().balance_sheet(&BalanceFilter::default()).unwrap();
    assert!(sheet.balances(), "{sheet:?}");
    assert_eq!(
        (sheet.total_assets, sheet.total_liabilities, sheet.profit),
        (Money(15_820), Money(1_820), Money(14_000))
    );
    let month = PeriodFilter {
        from: Some(format!("{}-01", &row.date[..7])),
        through: Some(row.date.clone()),
        ..PeriodFilter::default()
    };
    let income = a.ledger().income_statement(&month).unwrap();
    assert_eq!(
        (income.total_income, income.profit),
        (Money(14_000), Money(14_000))
    );
    let later = PeriodFilter {
        from: Some((due + jiff::Span::new().days(1)).to_string()),
        ..PeriodFilter::default()
    };
    let nothing = a.ledger().income_statement(&later).unwrap();
    assert!(nothing.income.is_empty() && nothing.profit == Money::ZERO);

    // The tax authority's number typed later; history shows every step.
    a.billing()
        .set_tax_number(&inv, "04400201", clock.tick())
        .unwrap();
    assert_eq!(a.billing().invoice_row(&inv).unwrap().tax_no, "04400201");
    let history: Vec<String> = a
        .history(&inv)
        .unwrap()
        .into_iter()
        .map(|h| h.action)
        .collect();
    assert_eq!(history, vec!["invoice.new", "invoice.tax_no"]);
}

#[test]
fn credit_notes_take_back_what_an_invoice_billed_and_money_waits_on_account() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    // A service billed by amount at 6%.
    let (inv, _) = a
        .billing()
        .invoice(
            NewInvoice {
                party: Some("Acme 客户".into()),
                net: Some(Money(100_000)),
                rate: Some("6".into()),
                vat: Some(VatKind::Special),
                ..NewInvoice::default()
            },
            clock.tick(),
        )
        .unwrap();
    let row = a.billing().invoice_row(&inv).unwrap();
    assert_eq!((row.tax.0, row.gross.0), (6_000, 106_000));
    let (credit, _) = a
        .billing()
        .credit(
            NewCreditNote {
                invoice: inv.clone(),
                net: Some(Money(40_000)),
                memo: "returned".into(),
                ..NewCreditNote::default()
            },
            clock.tick(),
        )
        .unwrap();
    let row = a.billing().invoice_row(&inv).unwrap();
    assert_eq!((row.credited.0, row.outstanding.0), (-42_400, 63_600));
    let note = a.billing().invoice_row(&credit).unwrap();
    assert_eq!(note.corrects.as_deref(), Some(inv.as_str()));
    assert_eq!(
        lines_of(&a.ledger().get(&credit).unwrap()),
        vec![
            ("1122".into(), 0, 42_400),
            ("6001".into(), 40_000, 0),
            ("2221".into(), 2_400, 0)
        ]
    );
    // No more can be taken back than is left.
    let err = a
        .billing()
        .credit(
            NewCreditNote {
                invoice: inv.clone(),
                net: Some(Money(60_001)),
                ..NewCreditNote::default()
            },
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::OverAllocated { .. }), "{err}");

    // Money received with no invoice named waits on account, and lowers what is owed.
    a.billing()
        .pay(
            NewPayment {
                party: Some("Acme 客户".into()),
                amount: Some(Money(3_600)),
                ..NewPayment::default()
            },
            clock.tick(),
        )
        .unwrap();
    let ageing = a
        .billing()
        .ageing(&AgeingFilter::default(), clock.tick())
        .unwrap();
    assert_eq!(
        (
            ageing[0].current.0,
            ageing[0].on_account.0,
            ageing[0].total.0
        ),
        (63_600, 3_600, 60_000)
    );
    let tb = a.ledger().trial_balance(&BalanceFilter::default()).unwrap();
    assert_eq!(balance_of(&tb, "1122"), 60_000);
    assert_eq!(tb.debit, tb.credit);
}

#[test]
fn billing_reaches_finance_and_the_site_and_posts_once_everywhere() {
    let TwoOffices {
        dir,
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let mut f = admit_finance(&mut a, dir.path(), &mut clock);
    let mut sh_clerk = join_sh(
        &mut a,
        &dir.path().join("c.sqlite3"),
        Role::Clerk,
        &mut clock,
    );
    let order = shipped_order(&mut a, 2, &mut clock);
    sync(&mut a, &mut f, &mut clock);

    // Finance at the BJ branch may not bill SH's order; the head office's may.
    let mut bj_finance = admit_branch_finance(&mut a, dir.path(), &mut clock);
    sync(&mut a, &mut bj_finance, &mut clock);
    let err = bj_finance
        .billing()
        .invoice_order(&order, "", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::OtherSiteBooks { .. }), "{err}");
    assert!(
        bj_finance
            .billing()
            .invoices(&InvoiceFilter::default())
            .unwrap()
            .is_empty()
    );

    // Finance at the head office invoices SH's order and records its payment; the admin's
    // device sees the same.
    let (inv, _) = f.billing().invoice_order(&order, "", clock.tick()).unwrap();
    f.billing().settle_order(&order, "", clock.tick()).unwrap();
    for _ in 0..2 {
        sync(&mut a, &mut f, &mut clock);
        sync(&mut a, &mut sh_clerk, &mut clock);
        sync(&mut a, &mut b, &mut clock);
    }
    assert_eq!(a.orders().get(&order).unwrap().row.status, Status::Paid);
    let journal = |book: &mut Book| book.ledger().list(&EntryFilter::default()).unwrap();
    assert_eq!(journal(&mut a), journal(&mut f));
    assert_eq!(
        journal(&mut a).len(),
        2,
        "one entry per invoice and payment"
    );
    assert_eq!(
        a.ledger().trial_balance(&BalanceFilter::default()).unwrap(),
        f.ledger().trial_balance(&BalanceFilter::default()).unwrap()
    );
    // SH's clerk sees the invoice, never the journal; BJ's clerk holds neither.
    let clerk_invoices = sh_clerk
        .billing()
        .invoices(&InvoiceFilter::default())
        .unwrap();
    assert_eq!(clerk_invoices.len(), 1);
    assert_eq!(clerk_invoices[0].number, inv);
    assert_eq!(clerk_invoices[0].outstanding.0, 0);
    let err = sh_clerk.ledger().list(&EntryFilter::default()).unwrap_err();
    assert!(matches!(err, Error::NotPermitted { .. }), "{err}");
    assert!(
        b.billing()
            .invoices(&InvoiceFilter::default())
            .unwrap()
            .is_empty()
    );

    // Rebuilt from the documents, the projections (postings included) are the same.
    let dump = a.dump().unwrap();
    a.rebuild().unwrap();
    assert_eq!(dump, a.dump().unwrap());
}
