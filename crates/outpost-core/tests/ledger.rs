//! The journal across offices: entries balance or are refused, reach finance and never a
//! clerk, sum to one trial balance per site and consolidated on every device, and are
//! corrected by reversals (two reversals made apart are an exception).

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

fn entry(site: &str, memo: &str, lines: Vec<NewEntryLine>) -> NewEntry {
    NewEntry {
        site: Some(site.into()),
        memo: memo.into(),
        lines,
        ..NewEntry::default()
    }
}

fn balance_of(tb: &TrialBalance, code: &str) -> i64 {
    tb.rows
        .iter()
        .find(|r| r.account.code == code)
        .map_or(0, |r| r.balance.0)
}

#[test]
fn journal_entries_balance_reach_finance_only_and_sum_alike_everywhere() {
    let TwoOffices {
        dir,
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let mut f = admit_finance(&mut a, dir.path(), &mut clock);

    // HQ's admin posts a cash sale at SH; what does not balance, names no account of the
    // chart or a site that does not exist is refused and writes nothing.
    let (sale, _) = a
        .ledger()
        .post(
            entry(
                "SH",
                "cash sale",
                vec![
                    line("1001", 11_300, 0),
                    line("6001", 0, 10_000),
                    line("2221", 0, 1_300),
                ],
            ),
            clock.tick(),
        )
        .unwrap();
    let before = a.dump().unwrap();
    let err = a
        .ledger()
        .post(
            entry("SH", "", vec![line("1001", 100, 0), line("6001", 0, 99)]),
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Unbalanced { .. }), "{err}");
    let err = a
        .ledger()
        .post(
            entry("SH", "", vec![line("1001", 100, 0), line("9999", 0, 100)]),
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let err = a
        .ledger()
        .post(
            entry("GZ", "", vec![line("1001", 100, 0), line("6001", 0, 100)]),
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(before, a.dump().unwrap());

    // A clerk may not post; BJ's finance posts a sale on credit at BJ.
    let err = b
        .ledger()
        .post(
            entry("BJ", "", vec![line("1122", 100, 0), line("6001", 0, 100)]),
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotPermitted { .. }), "{err}");
    let (credit_sale, _) = f
        .ledger()
        .post(
            entry(
                "BJ",
                "on account",
                vec![line("1122", 5_000, 0), line("6001", 0, 5_000)],
            ),
            clock.tick(),
        )
        .unwrap();

    for _ in 0..2 {
        sync(&mut a, &mut f, &mut clock);
        sync(&mut a, &mut b, &mut clock);
    }
    // Finance and HQ hold both entries; the clerk none (it never receives a ledger
    // document, and may not read the journal).
    let numbers = |book: &mut Book| {
        let mut n: Vec<String> = book
            .ledger()
            .list(&EntryFilter::default())
            .unwrap()
            .into_iter()
            .map(|e| e.number)
            .collect();
        n.sort();
        n
    };
    let mut both = vec![sale.clone(), credit_sale.clone()];
    both.sort();
    assert_eq!(numbers(&mut a), both);
    assert_eq!(numbers(&mut f), both);
    let err = b.ledger().list(&EntryFilter::default()).unwrap_err();
    assert!(matches!(err, Error::NotPermitted { .. }), "{err}");
    assert!(b.dump().unwrap().contains("[journal_entries] 0\n"));

    // One trial balance per site and consolidated, the same on both devices; debits equal
    // credits.
    for site in [Some("SH"), Some("BJ"), None] {
        let filter = BalanceFilter {
            site: site.map(String::from),
            through: None,
        };
        let tb = a.ledger().trial_balance(&filter).unwrap();
        assert_eq!(tb, f.ledger().trial_balance(&filter).unwrap());
        assert_eq!(tb.debit, tb.credit);
    }
    // Up to a day: nothing before the first entry; everything up to its day (the month's
    // entries read one by one, earlier months from the kept totals).
    let day = a.ledger().get(&sale).unwrap().date;
    let before = BalanceFilter {
        site: None,
        through: Some("2000-01-31".into()),
    };
    assert!(a.ledger().trial_balance(&before).unwrap().rows.is_empty());
    let upto = BalanceFilter {
        site: None,
        through: Some(day),
    };
    assert_eq!(
        a.ledger().trial_balance(&upto).unwrap(),
        a.ledger().trial_balance(&BalanceFilter::default()).unwrap()
    );
    let all = a.ledger().trial_balance(&BalanceFilter::default()).unwrap();
    assert_eq!(balance_of(&all, "6001"), 15_000);
    assert_eq!(balance_of(&all, "1122"), 5_000);
    assert_eq!(all.debit, Money(16_300));

    // A reversal corrects an entry once; two made apart (HQ and BJ's finance, offline)
    // both stand and are an exception on both devices.
    a.ledger().reverse(&sale, None, clock.tick()).unwrap();
    let err = a.ledger().reverse(&sale, None, clock.tick()).unwrap_err();
    assert!(matches!(err, Error::AlreadyReversed { .. }), "{err}");
    a.ledger()
        .reverse(&credit_sale, None, clock.tick())
        .unwrap();
    f.ledger()
        .reverse(&credit_sale, None, clock.tick())
        .unwrap();
    sync(&mut a, &mut f, &mut clock);
    for book in [&mut a, &mut f] {
        let shown = book.ledger().get(&credit_sale).unwrap();
        assert_eq!(shown.reversed_by.len(), 2);
        let twice: Vec<_> = book
            .exceptions()
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "entry_reversed_twice")
            .collect();
        assert_eq!(twice.len(), 1);
        assert_eq!(twice[0].subject, credit_sale);
        let tb = book
            .ledger()
            .trial_balance(&BalanceFilter::default())
            .unwrap();
        assert_eq!(balance_of(&tb, "1001"), 0);
        assert_eq!(balance_of(&tb, "6001"), -5_000);
    }

    // Projections follow the documents: a rebuild changes nothing.
    let dump = f.dump().unwrap();
    f.rebuild().unwrap();
    assert_eq!(dump, f.dump().unwrap());
}
