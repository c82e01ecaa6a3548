#![allow(clippy::unwrap_used)]
//! The book on one and two devices: lifecycle, stock, conflicts, history, exceptions,
//! bad input and durability, on real SQLite files.

mod common;

use common::*;
use outpost_core::*;

fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::parse(code).unwrap()
}

#[test]
fn order_lifecycle_moves_stock() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    a.stock()
        .record(
            StockMove::Receive {
                item: "TEA".into(),
                warehouse: wh("SH1"),
                qty: 20,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    let (number, _) = a
        .orders()
        .create(
            sales("Acme 客户", vec![line("TEA", 3), line("CUP", 1)]),
            clock.tick(),
        )
        .unwrap();
    assert!(number.starts_with("SH-A1-"), "{number}");
    // Shipping before approval is refused; so is shipping CUP with none in stock.
    let err = a
        .orders()
        .act(&number, Action::Ship, "", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidTransition { .. }), "{err}");
    a.orders()
        .act(&number, Action::Submit, "", clock.tick())
        .unwrap();
    let err = a
        .orders()
        .edit_lines(&number, LineEdit::Add(line("TEA", 1)), clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::OrderFrozen(_)), "{err}");
    a.orders()
        .act(&number, Action::Approve, "ok", clock.tick())
        .unwrap();
    let err = a
        .orders()
        .act(&number, Action::Ship, "", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientStock { .. }), "{err}");
    a.stock()
        .record(
            StockMove::Receive {
                item: "CUP".into(),
                warehouse: wh("SH1"),
                qty: 2,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    assert_eq!(
        a.orders()
            .act(&number, Action::Ship, "", clock.tick())
            .unwrap(),
        Status::Shipped
    );
    let tea = a.items().resolve("TEA").unwrap();
    assert_eq!(a.stock().level(&tea.id, &wh("SH1")).unwrap(), 17);
    let detail = a.orders().get(&number).unwrap();
    assert_eq!(detail.row.status, Status::Shipped);
    assert_eq!(detail.row.total, Money(3 * 3500 + 1250));
    assert_eq!(detail.events.len(), 3);
    assert!(a.exceptions().unwrap().is_empty(), "{:?}", a.exceptions());
    let history = a.history(&number).unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[0].action, "order.new");
    assert!(
        history[3]
            .fields
            .iter()
            .any(|f| f.field == "status" && f.old == "approved" && f.new == "shipped")
    );
    assert!(
        history[0]
            .fields
            .iter()
            .any(|f| f.field == "party" && f.new == "Acme 客户"),
        "{:?}",
        history[0].fields
    );
}

#[test]
fn concurrent_edits_become_conflicts_until_resolved() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let (number, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 1)]), clock.tick())
        .unwrap();
    sync(&mut a, &mut b, &mut clock);
    // B is a clerk at BJ: SH's orders never reach it.
    let err = b
        .orders()
        .edit(
            &number,
            OrderEdit {
                note: Some("x".into()),
                ..Default::default()
            },
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    // Two SH devices: A and a second SH device C edit the same note offline.
    let dir = tempfile::tempdir().unwrap();
    let mut c = join_sh(
        &mut a,
        &dir.path().join("c.sqlite3"),
        Role::Clerk,
        &mut clock,
    );
    a.orders()
        .edit(
            &number,
            OrderEdit {
                note: Some("deliver Monday".into()),
                ..Default::default()
            },
            clock.tick(),
        )
        .unwrap();
    c.orders()
        .edit(
            &number,
            OrderEdit {
                note: Some("周二送货".into()),
                ..Default::default()
            },
            clock.tick(),
        )
        .unwrap();
    sync(&mut a, &mut c, &mut clock);
    let ca = a.conflicts().list().unwrap();
    assert_eq!(ca, c.conflicts().list().unwrap());
    assert_eq!(ca.len(), 1, "{ca:?}");
    assert_eq!(ca[0].field, "note");
    assert_eq!(ca[0].label, number);
    let values: Vec<_> = ca[0]
        .choices
        .iter()
        .map(|c| c.value.as_str().unwrap().to_string())
        .collect();
    assert!(
        values.contains(&"deliver Monday".to_string()) && values.contains(&"周二送货".to_string())
    );
    assert_eq!(
        a.orders().get(&number).unwrap().note,
        c.orders().get(&number).unwrap().note,
        "same shown value"
    );
    let err = a
        .conflicts()
        .resolve(&number, "note", 3, clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NoSuchChoice { .. }));
    let pick = ca[0]
        .choices
        .iter()
        .position(|c| c.value == "周二送货")
        .unwrap()
        + 1;
    a.conflicts()
        .resolve(&number, "note", pick, clock.tick())
        .unwrap();
    assert!(a.conflicts().list().unwrap().is_empty());
    sync(&mut a, &mut c, &mut clock);
    assert!(c.conflicts().list().unwrap().is_empty());
    assert_eq!(c.orders().get(&number).unwrap().note, "周二送货");
    assert_eq!(a.dump().unwrap(), c.dump().unwrap());
}

#[test]
fn naming_the_shown_value_settles_a_conflict_on_orders_and_tasks() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    let (number, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 1)]), clock.tick())
        .unwrap();
    let (task, _) = a
        .tasks()
        .create(
            NewTask {
                title: "count CUP".into(),
                ..Default::default()
            },
            clock.tick(),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut c = join_sh(
        &mut a,
        &dir.path().join("c.sqlite3"),
        Role::Clerk,
        &mut clock,
    );
    let qty = |q| LineEdit::Set {
        line: 1,
        item: None,
        qty: Some(q),
        price: None,
        discount: None,
    };
    let owner = |o: &str| TaskEdit {
        owner: Some(o.into()),
        ..Default::default()
    };
    for (book, q, o) in [(&mut a, 3, "王芳"), (&mut c, 8, "李雷")] {
        book.orders()
            .edit_lines(&number, qty(q), clock.tick())
            .unwrap();
        book.tasks().edit(&task, owner(o), clock.tick()).unwrap();
    }
    sync(&mut a, &mut c, &mut clock);
    assert_eq!(a.conflicts().list().unwrap().len(), 2);
    // The person types the value they see: the conflict is settled with it, everywhere.
    let shown_qty = a.orders().get(&number).unwrap().line_items[0].qty;
    let shown_owner = a.tasks().get(&task).unwrap().owner;
    a.orders()
        .edit_lines(&number, qty(shown_qty), clock.tick())
        .unwrap();
    a.tasks()
        .edit(&task, owner(&shown_owner), clock.tick())
        .unwrap();
    assert!(a.conflicts().list().unwrap().is_empty());
    sync(&mut a, &mut c, &mut clock);
    assert!(c.conflicts().list().unwrap().is_empty());
    assert_eq!(
        c.orders().get(&number).unwrap().line_items[0].qty,
        shown_qty
    );
    assert_eq!(c.tasks().get(&task).unwrap().owner, shown_owner);
    assert_eq!(a.dump().unwrap(), c.dump().unwrap());
}

#[test]
fn oversell_while_partitioned_is_an_exception() {
    let TwoOffices {
        mut a,
        mut clock,
        dir,
        ..
    } = two_offices();
    a.stock()
        .record(
            StockMove::Receive {
                item: "TEA".into(),
                warehouse: wh("SH1"),
                qty: 5,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    let mut c = join_sh(
        &mut a,
        &dir.path().join("c.sqlite3"),
        Role::Warehouse,
        &mut clock,
    );
    a.stock()
        .record(
            StockMove::Issue {
                item: "TEA".into(),
                warehouse: wh("SH1"),
                qty: 4,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    c.stock()
        .record(
            StockMove::Issue {
                item: "TEA".into(),
                warehouse: wh("SH1"),
                qty: 3,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    assert!(a.exceptions().unwrap().is_empty());
    sync(&mut a, &mut c, &mut clock);
    let ex = a.exceptions().unwrap();
    assert_eq!(ex.len(), 1, "{ex:?}");
    assert_eq!(ex[0].kind, "negative_stock");
    assert_eq!(ex[0].subject, "TEA@SH1");
    assert_eq!(ex[0].actual, Some(-2));
    assert_eq!(ex, c.exceptions().unwrap());
}

#[test]
fn shipped_while_cancelled_elsewhere_is_an_order_stock_exception_kept_across_reopen_and_upgrade() {
    let TwoOffices {
        mut a,
        mut clock,
        dir,
        ..
    } = two_offices();
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
    let (number, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 3)]), clock.tick())
        .unwrap();
    for action in [Action::Submit, Action::Approve] {
        a.orders().act(&number, action, "", clock.tick()).unwrap();
    }
    let c_path = dir.path().join("c.sqlite3");
    let mut c = join_sh(&mut a, &c_path, Role::Manager, &mut clock);
    // Apart: one office ships, the other cancels (cancelled beats shipped).
    a.orders()
        .act(&number, Action::Ship, "", clock.tick())
        .unwrap();
    c.orders()
        .act(&number, Action::Cancel, "", clock.tick())
        .unwrap();
    assert!(a.exceptions().unwrap().is_empty());
    assert!(c.exceptions().unwrap().is_empty());
    sync(&mut a, &mut c, &mut clock);
    let expected = vec![ExceptionRow {
        kind: "order_stock_mismatch",
        subject: format!("{number}:TEA"),
        expected: Some(0),
        actual: Some(-3),
        site: Some("SH".into()),
        acknowledged: None,
    }];
    assert_eq!(a.exceptions().unwrap(), expected);
    assert_eq!(c.exceptions().unwrap(), expected);
    drop(c);
    // A book written before changes were signed is refused with a clear message.
    {
        let db = open_raw(&c_path);
        db.execute_batch("PRAGMA user_version = 2;").unwrap();
    }
    assert!(matches!(
        Book::open(&c_path, &book_key(), DeviceKey::generate().unwrap()),
        Err(Error::SchemaTooOld { .. })
    ));
}

#[test]
fn transfers_between_sites_arrive_in_transit() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        dir,
        ..
    } = two_offices();
    a.sites()
        .add(&SiteCode::parse("GZ").unwrap(), "Guangzhou", clock.tick())
        .unwrap();
    let mut gz = admit(
        &mut a,
        &dir.path().join("gz.sqlite3"),
        "GZ",
        Role::Clerk,
        "Chen",
        DeviceKey::generate().unwrap(),
        &mut clock,
    );
    a.stock()
        .record(
            StockMove::Receive {
                item: "CUP".into(),
                warehouse: wh("SH1"),
                qty: 10,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    let transfer = a
        .stock()
        .record(
            StockMove::Transfer {
                item: "CUP".into(),
                from: wh("SH1"),
                to: wh("BJ1"),
                qty: 4,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap()
        .unwrap();
    assert!(transfer.in_transit);
    sync(&mut a, &mut b, &mut clock);
    assert_eq!(b.stock().in_transit().unwrap().len(), 1);
    b.stock()
        .record(
            StockMove::ReceiveTransfer {
                transfer: transfer.id.to_string(),
                qty: Some(3),
                note: "one broken".into(),
            },
            clock.tick(),
        )
        .unwrap();
    sync(&mut a, &mut b, &mut clock);
    let cup = a.items().resolve("CUP").unwrap();
    assert_eq!(a.stock().level(&cup.id, &wh("SH1")).unwrap(), 6);
    assert_eq!(a.stock().level(&cup.id, &wh("BJ1")).unwrap(), 3);
    let ex = a.exceptions().unwrap();
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0].kind, "transfer_mismatch");
    assert!(a.stock().in_transit().unwrap().is_empty());
    // B's clerk sees what arrived as A does; a clerk of a third site sees neither side.
    assert_eq!(b.stock().level(&cup.id, &wh("BJ1")).unwrap(), 3);
    assert_eq!(b.exceptions().unwrap(), ex);
    sync(&mut a, &mut gz, &mut clock);
    assert!(gz.stock().in_transit().unwrap().is_empty());
    assert!(
        gz.stock()
            .movements(&MovementFilter::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn tasks_with_comments_and_history() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    let (number, _) = a
        .tasks()
        .create(
            NewTask {
                title: "Count tea".into(),
                owner: "Li Wei".into(),
                due: Some("2026-12-01".into()),
                ..Default::default()
            },
            clock.tick(),
        )
        .unwrap();
    assert!(number.starts_with("SH-A1-T"), "{number}");
    a.tasks()
        .edit(
            &number,
            TaskEdit {
                status: Some(TaskStatus::Doing),
                ..Default::default()
            },
            clock.tick(),
        )
        .unwrap();
    a.tasks()
        .comment(&number, "half done", clock.tick())
        .unwrap();
    let t = a.tasks().get(&number).unwrap();
    assert_eq!(t.status, TaskStatus::Doing);
    assert_eq!(t.comments.len(), 1);
    let overdue = a
        .tasks()
        .list(&TaskFilter {
            overdue_on: Some("2026-12-02".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(overdue.len(), 1);
    assert!(
        a.tasks()
            .edit(
                &number,
                TaskEdit {
                    due: Some("31/12/2026".into()),
                    ..Default::default()
                },
                clock.tick()
            )
            .is_err()
    );
    let h = a.history(&number).unwrap();
    assert_eq!(h.len(), 3);
    assert!(
        h[1].fields
            .iter()
            .any(|f| f.field == "status" && f.old == "todo" && f.new == "doing")
    );
}

#[test]
fn bad_input_changes_nothing() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let (number, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 1)]), clock.tick())
        .unwrap();
    let before = a.dump().unwrap();
    let bad_orders = [
        sales("Acme 客户", vec![line("TEA", -1)]),
        sales("Acme 客户", vec![line("NOPE", 1)]),
        sales("Nobody", vec![line("TEA", 1)]),
        NewOrder {
            note: "x".repeat(5000),
            ..sales("Acme 客户", vec![])
        },
        sales(
            "Acme 客户",
            vec![NewLine {
                discount: Money(999_999),
                ..line("TEA", 1)
            }],
        ),
    ];
    for order in bad_orders {
        assert!(a.orders().create(order, clock.tick()).is_err());
    }
    assert!(
        a.orders()
            .act(&number, Action::Pay, "", clock.tick())
            .is_err()
    );
    assert!(
        a.orders()
            .act("SH-A1-999999", Action::Submit, "", clock.tick())
            .is_err()
    );
    let good = b
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    for damaged in [
        good[..good.len() / 2].to_vec(),
        b"not a bundle".to_vec(),
        Vec::new(),
    ] {
        assert!(matches!(
            a.import_bundle(&damaged, clock.tick()),
            Err(Error::MalformedBundle(_))
        ));
    }
    let other = tempfile::tempdir().unwrap();
    let mut stranger = Book::create(
        &other.path().join("x.sqlite3"),
        &book_key(),
        org("SH"),
        DeviceKey::generate().unwrap(),
        clock.tick(),
    )
    .unwrap();
    let foreign = stranger
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    assert!(matches!(
        a.import_bundle(&foreign, clock.tick()),
        Err(Error::OrgMismatch { .. })
    ));
    assert_eq!(before, a.dump().unwrap());
}

#[test]
fn import_twice_changes_nothing_and_for_device_is_smaller() {
    let TwoOffices {
        mut a,
        mut clock,
        dir,
        ..
    } = two_offices();
    let mut b = join_sh(
        &mut a,
        &dir.path().join("c.sqlite3"),
        Role::Clerk,
        &mut clock,
    );
    for _ in 0..5 {
        a.orders()
            .create(sales("Acme 客户", vec![line("TEA", 2)]), clock.tick())
            .unwrap();
    }
    let all = a
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    let first = b.import_bundle(&all, clock.tick()).unwrap();
    assert_eq!(first.new_changes, 5);
    let dump = b.dump().unwrap();
    let again = b.import_bundle(&all, clock.tick()).unwrap();
    assert_eq!(again.new_changes, 0);
    assert_eq!(dump, b.dump().unwrap());
    // B told A what it has; A's bundle for B now carries only the newer order.
    let from_b = b
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    a.import_bundle(&from_b, clock.tick()).unwrap();
    a.orders()
        .create(sales("Acme 客户", vec![line("CUP", 1)]), clock.tick())
        .unwrap();
    let delta = a
        .export_bundle(&ExportScope::For(b.device_id().clone()), clock.tick())
        .unwrap();
    assert!(
        delta.len() < all.len() / 2,
        "{} vs {}",
        delta.len(),
        all.len()
    );
    assert_eq!(
        b.import_bundle(&delta, clock.tick()).unwrap().new_changes,
        1
    );
    assert_eq!(a.dump().unwrap(), b.dump().unwrap());
}

#[test]
fn reopen_compact_and_rebuild_keep_every_row() {
    let TwoOffices {
        mut a,
        a_key,
        dir,
        mut clock,
        ..
    } = two_offices();
    a.stock()
        .record(
            StockMove::Receive {
                item: "TEA".into(),
                warehouse: wh("SH1"),
                qty: 1000,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    // Enough writes to cross the compaction threshold of one document.
    for i in 0..300 {
        let (n, _) = a
            .orders()
            .create(sales("Acme 客户", vec![line("TEA", 1)]), clock.tick())
            .unwrap();
        if i % 3 == 0 {
            a.orders()
                .act(&n, Action::Submit, "", clock.tick())
                .unwrap();
        }
    }
    let dump = a.dump().unwrap();
    drop(a);
    let mut a = Book::open(&dir.path().join("a.sqlite3"), &book_key(), a_key).unwrap();
    assert_eq!(dump, a.dump().unwrap());
    a.rebuild().unwrap();
    assert_eq!(dump, a.dump().unwrap());
    a.compact().unwrap();
    let (n, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 1)]), clock.tick())
        .unwrap();
    assert!(n.ends_with("000301"), "{n}");
}

#[test]
fn sample_year_is_consistent() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    let spec = SampleSpec {
        items: 20,
        customers: 5,
        orders: 600,
        tasks: 60,
        days: 90,
        batch: 50,
    };
    let report = a.fill_sample(&spec, clock.tick()).unwrap();
    assert_eq!(report.orders, 600);
    assert_eq!(report.tasks, 60);
    assert_eq!(a.orders().total().unwrap(), 600);
    assert!(a.exceptions().unwrap().is_empty(), "{:?}", a.exceptions());
    let shipped = a
        .orders()
        .list(&OrderFilter {
            status: Some(Status::Shipped),
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(shipped.len(), 600);
    // Numbers continue after the sample.
    let (n, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 1)]), clock.tick())
        .unwrap();
    assert!(n.ends_with("000601"), "{n}");
    let dump = a.dump().unwrap();
    a.rebuild().unwrap();
    assert_eq!(dump, a.dump().unwrap());
}

/// A month with more records of a collection than a batch reads one by one (orders and
/// their movements found in one pass over each collection) rebuilds to the rows its
/// writes made.
#[test]
fn a_busy_month_rebuilds_to_the_same_rows() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    let spec = SampleSpec {
        items: 10,
        customers: 3,
        orders: 1100,
        tasks: 0,
        days: 1,
        batch: 50,
    };
    a.fill_sample(&spec, clock.tick()).unwrap();
    let dump = a.dump().unwrap();
    assert!(
        dump.contains("[orders] 1100\n"),
        "{}",
        &dump[..dump.len().min(400)]
    );
    a.rebuild().unwrap();
    assert_eq!(dump, a.dump().unwrap());
}

#[test]
fn a_bundle_missing_earlier_changes_waits_for_them() {
    let TwoOffices {
        mut a,
        mut clock,
        dir,
        ..
    } = two_offices();
    let c_path = dir.path().join("c.sqlite3");
    let c_key = DeviceKey::generate().unwrap();
    let mut c = admit(
        &mut a,
        &c_path,
        "SH",
        Role::Clerk,
        "C",
        c_key.clone(),
        &mut clock,
    );
    let mut d = join_sh(
        &mut a,
        &dir.path().join("d.sqlite3"),
        Role::Clerk,
        &mut clock,
    );
    let (first, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 1)]), clock.tick())
        .unwrap();
    sync(&mut a, &mut d, &mut clock);
    // Twice: the second exchange tells A that D now has `first`.
    sync(&mut a, &mut d, &mut clock);
    let (second, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("CUP", 2)]), clock.tick())
        .unwrap();
    // A bundle made for D (only `second`), carried by mistake to C, which lacks `first`.
    let for_d = a
        .export_bundle(&ExportScope::For(d.device_id().clone()), clock.tick())
        .unwrap();
    let report = c.import_bundle(&for_d, clock.tick()).unwrap();
    assert!(report.waiting >= 1, "{report:?}");
    assert!(
        c.orders().get(&second).is_err(),
        "a change without its past is not shown yet"
    );
    // Kept across a restart, and applied once the missing change arrives.
    drop(c);
    let mut c = Book::open(&c_path, &book_key(), c_key.clone()).unwrap();
    let full = a
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    c.import_bundle(&full, clock.tick()).unwrap();
    assert!(c.orders().get(&first).is_ok() && c.orders().get(&second).is_ok());
    let dump = c.dump().unwrap();
    drop(c);
    let mut c = Book::open(&c_path, &book_key(), c_key).unwrap();
    c.rebuild().unwrap();
    assert_eq!(dump, c.dump().unwrap());
}

#[test]
fn a_line_removed_here_and_edited_there_keeps_the_edit_in_the_document() {
    let TwoOffices {
        mut a,
        mut clock,
        dir,
        ..
    } = two_offices();
    let (number, _) = a
        .orders()
        .create(
            sales("Acme 客户", vec![line("TEA", 1), line("CUP", 2)]),
            clock.tick(),
        )
        .unwrap();
    let mut c = join_sh(
        &mut a,
        &dir.path().join("c.sqlite3"),
        Role::Clerk,
        &mut clock,
    );
    a.orders()
        .edit_lines(&number, LineEdit::Remove { line: 2 }, clock.tick())
        .unwrap();
    c.orders()
        .edit_lines(
            &number,
            LineEdit::Set {
                line: 2,
                item: None,
                qty: Some(5),
                price: None,
                discount: None,
            },
            clock.tick(),
        )
        .unwrap();
    sync(&mut a, &mut c, &mut clock);
    assert_eq!(a.dump().unwrap(), c.dump().unwrap());
    assert_eq!(a.orders().get(&number).unwrap().line_items.len(), 1);
    // The edit is not gone: the history shows it, from C.
    let history = a.history(&number).unwrap();
    assert!(
        history.iter().any(|h| h
            .fields
            .iter()
            .any(|f| f.field == "line 2 qty" && f.new == "5")),
        "{history:#?}"
    );
    // A line added later gets a new number, never a removed line's.
    a.orders()
        .edit_lines(&number, LineEdit::Add(line("CUP", 1)), clock.tick())
        .unwrap();
    let h = a.history(&number).unwrap();
    assert!(
        h.last()
            .unwrap()
            .fields
            .iter()
            .any(|f| f.field == "line 3 item"),
        "{:#?}",
        h.last()
    );
}

#[test]
fn stock_within_one_site_count_and_low_flag() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    let site = SiteCode::parse("SH").unwrap();
    a.sites()
        .add_warehouse(&wh("SH2"), &site, "Back room", clock.tick())
        .unwrap();
    let receive = StockMove::Receive {
        item: "TEA".into(),
        warehouse: wh("SH1"),
        qty: 10,
        note: String::new(),
    };
    a.stock().record(receive, clock.tick()).unwrap();
    let inside = StockMove::Transfer {
        item: "TEA".into(),
        from: wh("SH1"),
        to: wh("SH2"),
        qty: 7,
        note: String::new(),
    };
    let sent = a.stock().record(inside, clock.tick()).unwrap().unwrap();
    assert!(!sent.in_transit, "both ends are recorded within a site");
    assert!(a.stock().in_transit().unwrap().is_empty());
    let count = StockMove::Count {
        item: "TEA".into(),
        warehouse: wh("SH1"),
        counted: 2,
        note: "shelf count".into(),
    };
    a.stock().record(count, clock.tick()).unwrap();
    let tea = a.items().resolve("TEA").unwrap();
    assert_eq!(a.stock().level(&tea.id, &wh("SH1")).unwrap(), 2);
    assert_eq!(a.stock().level(&tea.id, &wh("SH2")).unwrap(), 7);
    let levels = a.stock().levels(None).unwrap();
    let low: Vec<_> = levels
        .iter()
        .filter(|l| l.is_low)
        .map(|l| l.warehouse.as_str())
        .collect();
    assert_eq!(
        low,
        vec!["SH1"],
        "threshold 5: SH1 (2) is low, SH2 (7) is not"
    );
    let adjustment = &a.stock().movements(&MovementFilter::default()).unwrap()[0];
    assert_eq!(
        (adjustment.kind.as_str(), adjustment.qty),
        ("count_adjustment", -1)
    );
}

#[test]
fn an_order_draws_on_a_warehouse_of_its_own_site() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    let before = a.dump().unwrap();
    let order = NewOrder {
        warehouse: Some(wh("BJ1")),
        ..sales("Acme 客户", vec![line("TEA", 1)])
    };
    let err = a.orders().create(order, clock.tick()).unwrap_err();
    assert!(matches!(err, Error::WrongSite { .. }), "{err}");
    assert_eq!(before, a.dump().unwrap());
}

/// Front ends send commands as JSON: codes are checked while parsing, every shape the
/// desktop app sends is accepted, and unknown fields are refused rather than ignored.
#[test]
fn commands_from_json_are_checked() {
    use outpost_core::{LineEdit, NewOrder, OrderFilter, StockMove};
    let mv: StockMove = serde_json::from_str(
        r#"{"type":"receive","item":"TEA","warehouse":"sh1","qty":3,"note":""}"#,
    )
    .unwrap();
    assert!(
        matches!(mv, StockMove::Receive { ref warehouse, qty: 3, .. } if warehouse.as_str() == "SH1")
    );
    let bad = serde_json::from_str::<StockMove>(
        r#"{"type":"receive","item":"TEA","warehouse":"SH 1","qty":3,"note":""}"#,
    );
    assert!(bad.unwrap_err().to_string().contains("warehouse code"));
    let add: LineEdit =
        serde_json::from_str(r#"{"type":"add","item":"TEA","qty":2,"price":null,"discount":0}"#)
            .unwrap();
    assert!(matches!(add, LineEdit::Add(ref l) if l.qty == 2 && l.price.is_none()));
    let order: NewOrder = serde_json::from_str(
        r#"{"kind":"sales","party":"Acme","warehouse":null,"note":"","lines":[{"item":"TEA","qty":1,"price":3500,"discount":0}]}"#,
    )
    .unwrap();
    assert_eq!(order.lines[0].price, Some(outpost_core::Money(3500)));
    let filter: OrderFilter = serde_json::from_str(r#"{"search":"Acme","offset":50}"#).unwrap();
    assert_eq!(
        (filter.search.as_deref(), filter.offset, filter.limit),
        (Some("Acme"), 50, None)
    );
    assert!(serde_json::from_str::<OrderFilter>(r#"{"serch":"Acme"}"#).is_err());
}

/// The order list sorts in the database (so paging follows the sort), and its count
/// matches the filter whatever the page.
#[test]
fn order_lists_sort_page_and_count_in_the_book() {
    use outpost_core::{OrderFilter, OrderSort};
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    for qty in [3, 1, 2] {
        a.orders()
            .create(sales("Acme 客户", vec![line("TEA", qty)]), clock.tick())
            .unwrap();
    }
    let totals = |a: &mut Book, filter: &OrderFilter| -> Vec<i64> {
        a.orders()
            .list(filter)
            .unwrap()
            .iter()
            .map(|o| o.total.0)
            .collect()
    };
    let by_total = OrderFilter {
        sort: Some(OrderSort::Total),
        ascending: true,
        ..Default::default()
    };
    let price = a.orders().list(&OrderFilter::default()).unwrap()[0].total.0 / 2;
    assert_eq!(totals(&mut a, &by_total), [price, 2 * price, 3 * price]);
    let second_page = OrderFilter {
        limit: Some(2),
        offset: 2,
        ..by_total.clone()
    };
    assert_eq!(
        totals(&mut a, &second_page),
        [3 * price],
        "the page follows the sort"
    );
    let newest = a.orders().list(&OrderFilter::default()).unwrap();
    assert_eq!(newest[0].total.0, 2 * price, "newest first by default");
    assert_eq!(a.orders().count(&second_page).unwrap(), 3);
    let none = OrderFilter {
        search: Some("nobody".into()),
        ..Default::default()
    };
    assert_eq!(a.orders().count(&none).unwrap(), 0);
    // A date range keeps the orders created inside it (from inclusive, before exclusive).
    let created: Vec<i64> = newest.iter().map(|o| o.created_at_ms).collect();
    let middle = OrderFilter {
        created_from_ms: Some(created[1]),
        created_before_ms: Some(created[0]),
        ..Default::default()
    };
    assert_eq!(totals(&mut a, &middle), [price]);
    assert_eq!(a.orders().count(&middle).unwrap(), 1);
}

#[test]
fn a_kept_draft_survives_reopening_and_goes_when_dropped() {
    let TwoOffices {
        a,
        a_key,
        dir,
        mut clock,
        ..
    } = two_offices();
    let key = "order:new:sales";
    a.drafts()
        .keep(key, r#"{"lines":[{"sku":"TEA","qty":"2"}]}"#, clock.tick())
        .unwrap();
    a.drafts()
        .keep(key, r#"{"lines":[{"sku":"TEA","qty":"3"}]}"#, clock.tick())
        .unwrap();
    let dump = a.dump().unwrap();
    drop(a);
    let a = Book::open(&dir.path().join("a.sqlite3"), &book_key(), a_key).unwrap();
    let kept = a.drafts().get(key).unwrap().unwrap();
    assert_eq!(kept.body, r#"{"lines":[{"sku":"TEA","qty":"3"}]}"#);
    assert_eq!(kept.saved_at_ms, clock.0 * 1000);
    assert_eq!(a.drafts().list().unwrap(), vec![kept]);
    // Drafts are not part of the books.
    assert_eq!(a.dump().unwrap(), dump);
    a.drafts().forget(key).unwrap();
    assert_eq!(a.drafts().get(key).unwrap(), None);
    assert!(a.drafts().list().unwrap().is_empty());
}

#[test]
fn bad_drafts_are_refused_and_change_nothing() {
    let TwoOffices { a, mut clock, .. } = two_offices();
    a.drafts().keep("k", "{}", clock.tick()).unwrap();
    let before = a.drafts().list().unwrap();
    let huge = format!("\"{}\"", "x".repeat(MAX_DRAFT_BYTES));
    for (key, body) in [
        ("k", "not json"),
        ("", "{}"),
        ("a\u{7}b", "{}"),
        ("k", huge.as_str()),
    ] {
        let err = a.drafts().keep(key, body, clock.tick()).unwrap_err();
        assert!(matches!(err, Error::InvalidValue { .. }), "{err}");
    }
    assert_eq!(a.drafts().list().unwrap(), before);
}

#[test]
fn an_admin_renames_devices_and_every_office_sees_the_new_name() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let clerk = b.me().unwrap();
    let renamed = a
        .members()
        .rename(
            clerk.code.as_str(),
            "  Wang Fang (BJ front desk) ",
            clock.tick(),
        )
        .unwrap();
    assert_eq!(renamed.name, "Wang Fang (BJ front desk)");
    assert_eq!(renamed.code, clerk.code);
    sync(&mut a, &mut b, &mut clock);
    assert_eq!(b.me().unwrap().name, "Wang Fang (BJ front desk)");
    // A clerk may not rename anyone, itself included; a blank name is refused.
    let before = b.dump().unwrap();
    let err = b
        .members()
        .rename(clerk.code.as_str(), "Me", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NotPermitted { .. }), "{err}");
    assert_eq!(b.dump().unwrap(), before);
    let before = a.dump().unwrap();
    let err = a
        .members()
        .rename(clerk.code.as_str(), "   ", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err}");
    let err = a
        .members()
        .rename("ZZZ", "Nobody", clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(a.dump().unwrap(), before);
}

#[test]
fn a_line_given_another_item_keeps_its_number_and_takes_the_new_price() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    let (number, _) = a
        .orders()
        .create(
            sales("Acme 客户", vec![line("TEA", 2), line("TEA", 1)]),
            clock.tick(),
        )
        .unwrap();
    let set_item = |item: &str| LineEdit::Set {
        line: 1,
        item: Some(item.into()),
        qty: None,
        price: None,
        discount: None,
    };
    a.orders()
        .edit_lines(&number, set_item("CUP"), clock.tick())
        .unwrap();
    let lines = a.orders().get(&number).unwrap().line_items;
    let shown: Vec<(i64, &str, i64, i64)> = lines
        .iter()
        .map(|l| (l.no, l.sku.as_str(), l.qty, l.price.0))
        .collect();
    assert_eq!(shown, vec![(1, "CUP", 2, 1250), (2, "TEA", 1, 3500)]);
    // An unknown item is refused and changes nothing.
    let before = a.dump().unwrap();
    let err = a
        .orders()
        .edit_lines(&number, set_item("NOPE"), clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(a.dump().unwrap(), before);
}

#[test]
fn a_customer_is_edited_orders_show_the_new_name_and_rival_edits_are_shown() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let (number, _) = b
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 1)]), clock.tick())
        .unwrap();
    sync(&mut a, &mut b, &mut clock);
    // A clerk may edit customers (whoever takes an order may need to).
    let edit = PartyEdit {
        name: Some("  Acme Foods 客户 ".into()),
        phone: Some("021-5555".into()),
        address: None,
    };
    b.parties()
        .edit(PartyKind::Customer, "Acme 客户", edit, clock.tick())
        .unwrap();
    let acme = b
        .parties()
        .resolve(PartyKind::Customer, "Acme Foods 客户")
        .unwrap();
    assert_eq!(
        (acme.phone.as_str(), acme.address.as_str()),
        ("021-5555", "")
    );
    // Orders refer to the customer by id: they show the new name at once, and elsewhere
    // after a merge.
    let row = |book: &mut Book| {
        book.orders()
            .list(&OrderFilter::default())
            .unwrap()
            .into_iter()
            .find(|o| o.number == number)
            .unwrap()
            .party
    };
    assert_eq!(row(&mut b), "Acme Foods 客户");
    sync(&mut a, &mut b, &mut clock);
    assert_eq!(row(&mut a), "Acme Foods 客户");

    // Refused, changing nothing: a name another customer has, a blank name, a stranger.
    a.parties()
        .add(
            NewParty {
                kind: PartyKind::Customer,
                name: "Beta".into(),
                phone: String::new(),
                address: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    let before = a.dump().unwrap();
    let rename = |name: &str| PartyEdit {
        name: Some(name.into()),
        ..PartyEdit::default()
    };
    let err = a
        .parties()
        .edit(
            PartyKind::Customer,
            "Beta",
            rename("acme foods 客户"),
            clock.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Duplicate { .. }), "{err}");
    let err = a
        .parties()
        .edit(PartyKind::Customer, "Beta", rename(" "), clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err}");
    let err = a
        .parties()
        .edit(PartyKind::Supplier, "Beta", rename("Gamma"), clock.tick())
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    // An edit of nothing writes nothing (no empty change in the history).
    a.parties()
        .edit(
            PartyKind::Customer,
            "Beta",
            PartyEdit::default(),
            clock.tick(),
        )
        .unwrap();
    assert_eq!(a.history("Beta").unwrap().len(), 1);
    assert_eq!(a.dump().unwrap(), before);

    // Two offices change the phone apart: both values are kept and shown as a conflict.
    let phone = |p: &str| PartyEdit {
        phone: Some(p.into()),
        ..PartyEdit::default()
    };
    a.parties()
        .edit(
            PartyKind::Customer,
            "Acme Foods 客户",
            phone("021-1111"),
            clock.tick(),
        )
        .unwrap();
    b.parties()
        .edit(
            PartyKind::Customer,
            "Acme Foods 客户",
            phone("010-2222"),
            clock.tick(),
        )
        .unwrap();
    sync(&mut a, &mut b, &mut clock);
    let conflicts = a.conflicts().list().unwrap();
    let phones = conflicts
        .iter()
        .find(|c| c.field == "phone")
        .expect("the rival phones");
    assert_eq!(phones.label, "Acme Foods 客户");
    assert_eq!(phones.choices.len(), 2);
    assert_eq!(a.dump().unwrap(), b.dump().unwrap());
}
