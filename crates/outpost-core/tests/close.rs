//! Closing a month: what was in the books at close stays as it was (its trial balance is
//! kept), nothing more is dated in it here, and what a device made offline into it
//! arrives later and counts in the next open month with its own date, the same way on
//! every device.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use outpost_core::*;

fn entry(date: &str, fen: i64) -> NewEntry {
    NewEntry {
        site: Some("SH".into()),
        date: Some(date.into()),
        memo: format!("cash sale {date}"),
        lines: vec![
            NewEntryLine {
                account: "1001".into(),
                debit: Money(fen),
                credit: Money::ZERO,
            },
            NewEntryLine {
                account: "6001".into(),
                debit: Money::ZERO,
                credit: Money(fen),
            },
        ],
        ..NewEntry::default()
    }
}

#[test]
fn a_late_entry_counts_in_the_next_open_month_everywhere() {
    let TwoOffices {
        dir,
        mut a,
        mut clock,
        ..
    } = two_offices();
    let mut f = admit_finance(&mut a, dir.path(), &mut clock);
    // The clock stands in late September 2026.
    let (on_time, _) = a
        .ledger()
        .post(entry("2026-09-05", 10_000), clock.tick())
        .unwrap();
    sync(&mut a, &mut f, &mut clock);

    // Finance, offline, posts into September and invoices in it.
    let (late, _) = f
        .ledger()
        .post(entry("2026-09-10", 2_500), clock.tick())
        .unwrap();
    let (invoice, _) = f
        .billing()
        .invoice(
            NewInvoice {
                site: Some("SH".into()),
                party: Some("Acme 客户".into()),
                net: Some(Money(1_000)),
                date: Some("2026-09-12".into()),
                ..NewInvoice::default()
            },
            clock.tick(),
        )
        .unwrap();

    // HQ closes September; nothing more is dated in it here.
    a.ledger()
        .close_month("SH", "2026-09", clock.tick())
        .unwrap();
    let before = a.dump().unwrap();
    let err = a
        .ledger()
        .post(entry("2026-09-20", 1), clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::PeriodClosed { .. }), "{err}");
    let err = a
        .billing()
        .invoice(
            NewInvoice {
                party: Some("Acme 客户".into()),
                net: Some(Money(1)),
                date: Some("2026-09-21".into()),
                ..NewInvoice::default()
            },
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::PeriodClosed { .. }), "{err}");
    let err = a
        .ledger()
        .close_month("SH", "2026-09", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::PeriodClosed { .. }), "{err}");
    let err = a
        .ledger()
        .close_month("SH", "2027-01", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err}");
    assert_eq!(before, a.dump().unwrap());
    let closes = a.ledger().closes().unwrap();
    assert_eq!(closes.len(), 1);
    assert_eq!((closes[0].entries, closes[0].debit), (1, Money(10_000)));

    // The two meet: the late entry and the invoice's posting count on 1 October, with
    // their own dates, on both devices; September's trial balance is what was closed.
    for _ in 0..2 {
        sync(&mut a, &mut f, &mut clock);
    }
    let september = BalanceFilter {
        site: Some("SH".into()),
        through: Some("2026-09-30".into()),
    };
    for book in [&mut a, &mut f] {
        let late_entry = book.ledger().get(&late).unwrap();
        assert_eq!(late_entry.date, "2026-10-01");
        assert_eq!(late_entry.late_from.as_deref(), Some("2026-09-10"));
        let posting = book.ledger().get(&invoice).unwrap();
        assert_eq!(
            (posting.date.as_str(), posting.late_from.as_deref()),
            ("2026-10-01", Some("2026-09-12"))
        );
        let kept = book.ledger().get(&on_time).unwrap();
        assert_eq!((kept.date.as_str(), kept.late_from), ("2026-09-05", None));
        let tb = book.ledger().trial_balance(&september).unwrap();
        assert_eq!((tb.debit, tb.credit), (Money(10_000), Money(10_000)));
        let late_ones: Vec<String> = book
            .exceptions()
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "posted_after_close")
            .map(|e| e.subject)
            .collect();
        let mut expected = vec![late.clone(), invoice.clone()];
        expected.sort();
        assert_eq!(late_ones, expected);
        let err = book
            .ledger()
            .post(entry("2026-09-30", 1), clock.tick())
            .unwrap_err();
        assert!(matches!(err, Error::PeriodClosed { .. }), "{err}");
    }
    assert_eq!(
        a.ledger().list(&EntryFilter::default()).unwrap(),
        f.ledger().list(&EntryFilter::default()).unwrap()
    );
    // A rebuild from the documents decides the same.
    let dump = a.dump().unwrap();
    a.rebuild().unwrap();
    assert_eq!(dump, a.dump().unwrap());
}
