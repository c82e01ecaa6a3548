//! Bank reconciliation: a statement in GBK imported once (again adds nothing), a bad file
//! refused whole with every bad row named, lines matched by a person to the receipts the
//! book suggests or turned into receipts against invoices; unmatched on both sides.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use outpost_core::*;

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

#[test]
fn a_statement_is_imported_once_and_each_line_matched_by_a_person() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let today = clock.tick().to_zoned(jiff::tz::TimeZone::UTC).date();
    let (invoice, _) = a
        .billing()
        .invoice(
            NewInvoice {
                party: Some("Acme 客户".into()),
                net: Some(Money(100_000)),
                ..NewInvoice::default()
            },
            clock.tick(),
        )
        .unwrap();
    let (on_account, _) = a
        .billing()
        .pay(
            NewPayment {
                party: Some("Acme 客户".into()),
                amount: Some(Money(50_000)),
                ..NewPayment::default()
            },
            clock.tick(),
        )
        .unwrap();
    let statement = format!(
        "交易日期,交易流水号,收入金额,支出金额,对方户名,摘要\n\
         {today},CMB001,\"1,130.00\",,Acme 客户,货款\n\
         {today},CMB002,500.00,,ACME,预付款\n\
         {today},CMB003,,20.00,,手续费\n"
    );
    let how = StatementImport {
        name: "cmb-december.csv".into(),
        ..StatementImport::default()
    };
    let first = a
        .bank()
        .import(&gbk(&statement), &how, clock.tick())
        .unwrap();
    assert_eq!((first.imported, first.already), (3, 0));
    let again = a
        .bank()
        .import(&gbk(&statement), &how, clock.tick())
        .unwrap();
    assert_eq!((again.imported, again.already), (0, 3));

    // A file with bad rows is refused whole, every bad row named; a clerk imports nothing.
    let before = a.dump().unwrap();
    let bad = format!("交易日期,金额\n{today},10.00\n{today},十元\n2026-02-30,1.00\n");
    let Err(Error::Statement(problems)) = a.bank().import(bad.as_bytes(), &how, clock.tick())
    else {
        panic!("a bad statement is refused");
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("row 3"), "{problems:?}");
    let err = b
        .bank()
        .import(&gbk(&statement), &how, clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NotBilling { .. }), "{err}");
    assert_eq!(before, a.dump().unwrap());

    // The book suggests: the invoice owing 1,130.00; the receipt of 500.00.
    let lines = a.bank().lines(&BankFilter::default()).unwrap();
    let by_ref = |reference: &str| {
        lines
            .iter()
            .find(|l| l.reference == reference)
            .unwrap()
            .clone()
    };
    let (sale, prepaid, fee) = (by_ref("CMB001"), by_ref("CMB002"), by_ref("CMB003"));
    assert_eq!(sale.amount, Money(113_000));
    assert_eq!(fee.amount, Money(-2_000));
    assert_eq!(
        (
            sale.suggestions[0].kind.as_str(),
            sale.suggestions[0].number.as_str()
        ),
        ("invoice", invoice.as_str())
    );
    assert_eq!(
        (
            prepaid.suggestions[0].kind.as_str(),
            prepaid.suggestions[0].number.as_str()
        ),
        ("payment", on_account.as_str())
    );
    assert!(fee.suggestions.is_empty(), "{:?}", fee.suggestions);

    // A person confirms: the sale line becomes the receipt of the invoice, the prepaid
    // line is the receipt on account.
    let receipt = a.bank().receive(&sale.id, &invoice, clock.tick()).unwrap();
    assert_eq!(
        a.billing().invoice_row(&invoice).unwrap().outstanding,
        Money::ZERO
    );
    let wrong = a
        .bank()
        .match_payment(&fee.id, &on_account, clock.tick())
        .unwrap_err();
    assert!(matches!(wrong, Error::NotInvoiceable { .. }), "{wrong}");
    a.bank()
        .match_payment(&prepaid.id, &on_account, clock.tick())
        .unwrap();
    let again = a
        .bank()
        .match_payment(&prepaid.id, &on_account, clock.tick())
        .unwrap_err();
    assert!(matches!(again, Error::AlreadyMatched { .. }), "{again}");

    // Unmatched on both sides: the bank's fee; no receipt of the book's.
    let open = a
        .bank()
        .lines(&BankFilter {
            unmatched: true,
            ..BankFilter::default()
        })
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].reference, "CMB003");
    assert!(a.bank().unmatched_payments(None).unwrap().is_empty());
    let matched: Vec<Option<String>> = a
        .bank()
        .lines(&BankFilter::default())
        .unwrap()
        .into_iter()
        .map(|l| l.payment)
        .collect();
    assert!(matched.contains(&Some(receipt.clone())), "{matched:?}");
    assert!(matched.contains(&Some(on_account.clone())), "{matched:?}");
    // The receipt carries the bank's reference; the bank balance in the books is what
    // came in.
    let tb = a.ledger().trial_balance(&BalanceFilter::default()).unwrap();
    let bank = tb.rows.iter().find(|r| r.account.code == "1002").unwrap();
    assert_eq!(bank.balance, Money(163_000));
}
