//! Exceptions acknowledged with a note: the acknowledgement travels to every device that
//! sees the exception, takes it off the open list while its figures stay the same, and
//! lets it back on when they move; a finance exception's note stays in the ledger, out of
//! a clerk's reach; what is not a note, or not an open exception, writes nothing.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use outpost_core::*;

fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::parse(code).unwrap()
}

fn of_kind(rows: Vec<ExceptionRow>, kind: &str) -> Vec<ExceptionRow> {
    rows.into_iter().filter(|e| e.kind == kind).collect()
}

#[test]
fn an_acknowledged_exception_leaves_the_list_everywhere_until_its_figures_move() {
    let TwoOffices {
        dir,
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let mut c = admit(
        &mut a,
        &dir.path().join("c.sqlite3"),
        "BJ",
        Role::Warehouse,
        "Sun",
        DeviceKey::generate().unwrap(),
        &mut clock,
    );
    a.stock()
        .record(
            StockMove::Receive {
                item: "TEA".into(),
                warehouse: wh("SH1"),
                qty: 10,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    let sent = a
        .stock()
        .record(
            StockMove::Transfer {
                item: "TEA".into(),
                from: wh("SH1"),
                to: wh("BJ1"),
                qty: 3,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap()
        .unwrap();
    sync(&mut a, &mut b, &mut clock);
    sync(&mut a, &mut c, &mut clock);
    let receive = |book: &mut Book, qty: i64, clock: &mut Clock| {
        book.stock()
            .record(
                StockMove::ReceiveTransfer {
                    transfer: sent.id.to_string(),
                    qty: Some(qty),
                    note: String::new(),
                },
                clock.tick(),
            )
            .unwrap();
    };
    // BJ's clerk receives 2 of 3; BJ's warehouse, offline, records 2 more of the same.
    receive(&mut b, 2, &mut clock);
    receive(&mut c, 2, &mut clock);
    let short = of_kind(b.exceptions().unwrap(), "transfer_mismatch");
    assert_eq!(short.len(), 1);
    assert_eq!(short[0].site.as_deref(), Some("BJ"));
    let subject = short[0].subject.clone();

    // Bad input writes nothing: no note, an exception that is not open, an auditor.
    let before = b.dump().unwrap();
    let err = b
        .acknowledge("transfer_mismatch", &subject, "  ", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err}");
    let err = b
        .acknowledge("negative_stock", &subject, "why", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(before, b.dump().unwrap());

    // The clerk acknowledges it: off its list, on the acknowledged one, with who and why.
    b.acknowledge(
        "transfer_mismatch",
        &subject,
        "one box broken on the way; claim filed with the carrier",
        clock.tick(),
    )
    .unwrap();
    assert!(of_kind(b.exceptions().unwrap(), "transfer_mismatch").is_empty());
    let acked = b.acknowledged_exceptions().unwrap();
    assert_eq!(acked.len(), 1);
    let ack = acked[0].acknowledged.clone().unwrap();
    assert!(ack.note.starts_with("one box broken"));
    assert_eq!(acked[0].actual, Some(2));
    // Once is enough: it is no longer open.
    let err = b
        .acknowledge("transfer_mismatch", &subject, "again", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");

    // HQ reads BJ's operations: the acknowledgement holds there too.
    sync(&mut a, &mut b, &mut clock);
    assert!(of_kind(a.exceptions().unwrap(), "transfer_mismatch").is_empty());
    assert_eq!(a.acknowledged_exceptions().unwrap(), acked);

    // The warehouse's 2 more arrive: 4 of 3 is another figure, so it is open again.
    sync(&mut b, &mut c, &mut clock);
    sync(&mut a, &mut b, &mut clock);
    for book in [&mut a, &mut b, &mut c] {
        let open = of_kind(book.exceptions().unwrap(), "transfer_mismatch");
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].expected, open[0].actual), (Some(3), Some(4)));
        assert!(open[0].acknowledged.is_none());
        assert!(book.acknowledged_exceptions().unwrap().is_empty());
    }

    // An auditor acknowledges nothing.
    let mut auditor = admit(
        &mut a,
        &dir.path().join("d.sqlite3"),
        "SH",
        Role::Auditor,
        "Qin",
        DeviceKey::generate().unwrap(),
        &mut clock,
    );
    sync(&mut a, &mut auditor, &mut clock);
    let err = auditor
        .acknowledge("transfer_mismatch", &subject, "seen", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NotPermitted { .. }), "{err}");

    // Projections follow the documents: a rebuild gives the same.
    let dump = a.dump().unwrap();
    a.rebuild().unwrap();
    assert_eq!(dump, a.dump().unwrap());
}

#[test]
fn a_finance_exception_is_acknowledged_in_the_ledger_out_of_a_clerks_reach() {
    let TwoOffices {
        dir,
        mut a,
        mut clock,
        ..
    } = two_offices();
    let mut f = admit_finance(&mut a, dir.path(), &mut clock);
    let mut clerk = join_sh(
        &mut a,
        &dir.path().join("c.sqlite3"),
        Role::Clerk,
        &mut clock,
    );
    let (sale, _) = a
        .ledger()
        .post(
            NewEntry {
                site: Some("SH".into()),
                lines: vec![
                    NewEntryLine {
                        account: "1001".into(),
                        debit: Money(5_000),
                        credit: Money::ZERO,
                    },
                    NewEntryLine {
                        account: "6001".into(),
                        debit: Money::ZERO,
                        credit: Money(5_000),
                    },
                ],
                ..NewEntry::default()
            },
            clock.tick(),
        )
        .unwrap();
    sync(&mut a, &mut f, &mut clock);
    // Reversed twice apart: an exception finance sees.
    a.ledger().reverse(&sale, None, clock.tick()).unwrap();
    f.ledger().reverse(&sale, None, clock.tick()).unwrap();
    sync(&mut a, &mut f, &mut clock);
    assert_eq!(
        of_kind(f.exceptions().unwrap(), "entry_reversed_twice").len(),
        1
    );

    let note = "reversal kept on purpose: undone by J000009";
    f.acknowledge("entry_reversed_twice", &sale, note, clock.tick())
        .unwrap();
    sync(&mut a, &mut f, &mut clock);
    sync(&mut a, &mut clerk, &mut clock);
    for book in [&mut a, &mut f] {
        assert!(of_kind(book.exceptions().unwrap(), "entry_reversed_twice").is_empty());
        let acked = book.acknowledged_exceptions().unwrap();
        assert_eq!(acked.len(), 1);
        assert_eq!(acked[0].acknowledged.as_ref().unwrap().note, note);
    }
    // The note is in SH's ledger: the clerk's device never holds it.
    assert!(clerk.acknowledged_exceptions().unwrap().is_empty());
    assert!(!clerk.dump().unwrap().contains("kept on purpose"));
}
