//! The chart an organisation keeps: sub-accounts and VAT rates added by the head office's
//! finance, named by entries and invoices on every device, retired without being lost;
//! what is malformed, a duplicate or out of a member's reach writes nothing.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use outpost_core::*;

fn line(account: &str, debit: i64, credit: i64) -> NewEntryLine {
    NewEntryLine {
        account: account.into(),
        debit: Money(debit),
        credit: Money(credit),
    }
}

fn entry(site: &str, lines: Vec<NewEntryLine>) -> NewEntry {
    NewEntry {
        site: Some(site.into()),
        lines,
        ..NewEntry::default()
    }
}

#[test]
fn added_accounts_and_rates_are_used_everywhere_and_retired_without_loss() {
    let TwoOffices {
        dir,
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let mut f = admit_finance(&mut a, dir.path(), &mut clock);
    let mut bj_finance = admit_branch_finance(&mut a, dir.path(), &mut clock);
    sync(&mut a, &mut f, &mut clock);
    sync(&mut a, &mut bj_finance, &mut clock);

    // Head-office finance adds two bank accounts under 1002 and a 1.5% rate.
    let icbc = f
        .chart()
        .add_account("100201", "工商银行 ICBC", clock.tick())
        .unwrap();
    assert_eq!(icbc.parent.as_deref(), Some("1002"));
    assert_eq!(icbc.class, AccountClass::Asset);
    f.chart()
        .add_account("100202", "建设银行 CCB", clock.tick())
        .unwrap();
    f.chart().add_rate("1.5%", clock.tick()).unwrap();

    // What is malformed, taken, or beyond a member writes nothing.
    let before = f.dump().unwrap();
    for (code, name) in [
        ("1002", "x"),
        ("100201", "again"),
        ("999901", "x"),
        ("10020", "x"),
        ("100203", " "),
    ] {
        let err = f.chart().add_account(code, name, clock.tick()).unwrap_err();
        assert!(
            matches!(err, Error::Duplicate { .. } | Error::InvalidValue { .. }),
            "{code}: {err}"
        );
    }
    for rate in ["13", "1.5", "101", "abc"] {
        assert!(f.chart().add_rate(rate, clock.tick()).is_err(), "{rate}");
    }
    assert_eq!(before, f.dump().unwrap());
    for book in [&mut bj_finance, &mut b] {
        let err = book
            .chart()
            .add_account("100203", "Bank of China", clock.tick())
            .unwrap_err();
        assert!(matches!(err, Error::NotPermitted { .. }), "{err}");
    }

    // An entry on the new account, an invoice at the new rate; every device has them.
    f.ledger()
        .post(
            entry(
                "SH",
                vec![line("100201", 50_000, 0), line("4001", 0, 50_000)],
            ),
            clock.tick(),
        )
        .unwrap();
    let (invoice, _) = f
        .billing()
        .invoice(
            NewInvoice {
                site: Some("SH".into()),
                party: Some("Acme 客户".into()),
                net: Some(Money(10_000)),
                rate: Some("1.5".into()),
                ..NewInvoice::default()
            },
            clock.tick(),
        )
        .unwrap();
    let err = f
        .billing()
        .invoice(
            NewInvoice {
                site: Some("SH".into()),
                party: Some("Acme 客户".into()),
                net: Some(Money(10_000)),
                rate: Some("7".into()),
                ..NewInvoice::default()
            },
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    for _ in 0..2 {
        sync(&mut a, &mut f, &mut clock);
        sync(&mut a, &mut bj_finance, &mut clock);
    }
    for book in [&mut a, &mut f, &mut bj_finance] {
        let tb = book
            .ledger()
            .trial_balance(&BalanceFilter::default())
            .unwrap();
        let row = tb.rows.iter().find(|r| r.account.code == "100201").unwrap();
        assert_eq!(row.balance, Money(50_000));
        assert_eq!(row.account.name_zh, "工商银行 ICBC");
        assert_eq!(tb.debit, tb.credit);
        let sheet = book
            .ledger()
            .balance_sheet(&BalanceFilter::default())
            .unwrap();
        assert!(sheet.assets.iter().any(|l| l.account.code == "100201"));
        assert!(sheet.balances());
        let rates = book.chart().rates().unwrap();
        assert!(
            rates
                .iter()
                .any(|r| r.rate_bp == 150 && !r.preset && r.active)
        );
        let found = book.billing().invoice_row(&invoice).unwrap();
        assert_eq!(found.tax, Money(150));
    }
    // BJ's finance uses it at BJ too (the chart is the organisation's).
    bj_finance
        .ledger()
        .post(
            entry("BJ", vec![line("100202", 700, 0), line("6001", 0, 700)]),
            clock.tick(),
        )
        .unwrap();

    // Retired: no longer offered or accepted for new entries; what was written stays.
    f.chart()
        .set_account_active("100201", false, clock.tick())
        .unwrap();
    f.chart()
        .set_rate_active("1.5", false, clock.tick())
        .unwrap();
    let err = f
        .ledger()
        .post(
            entry("SH", vec![line("100201", 1, 0), line("4001", 0, 1)]),
            clock.tick(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidValue {
                rule: Rule::Retired,
                ..
            }
        ),
        "{err}"
    );
    let shown = f.chart().accounts().unwrap();
    assert!(shown.iter().any(|a| a.code == "100201" && !a.active));
    let tb = f.ledger().trial_balance(&BalanceFilter::default()).unwrap();
    assert!(tb.rows.iter().any(|r| r.account.code == "100201"));
    f.chart()
        .rename_account("100202", "中国建设银行", clock.tick())
        .unwrap();
    let err = f
        .chart()
        .rename_account("1002", "mine", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");

    // Projections follow the documents.
    let dump = f.dump().unwrap();
    f.rebuild().unwrap();
    assert_eq!(dump, f.dump().unwrap());
}
