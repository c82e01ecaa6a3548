#![allow(clippy::unwrap_used)]
//! Saving forms as typed: one change per save, only the fields typed since the form was
//! filled, no conflict between two devices saving different fields, and previews.

mod common;

use automerge::{Automerge, PatchAction, Prop};
use common::*;
use outpost_core::*;

/// The document `doc` as stored in the book file at `path` (read beside the open book).
fn stored_doc(path: &std::path::Path, doc: &str) -> Automerge {
    let db = open_raw(path);
    let mut stmt = db
        .prepare("SELECT data FROM doc_chunks WHERE doc = ?1 ORDER BY id")
        .unwrap();
    let chunks: Vec<Vec<u8>> = stmt
        .query_map([doc], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Automerge::new();
    out.load_incremental(&chunks.concat()).unwrap();
    out
}

/// The order form for `detail` as the window fills it: every field as shown.
fn form_of(detail: &OrderDetail) -> OrderForm {
    OrderForm {
        order: Some(detail.row.number.clone()),
        kind: detail.row.kind,
        party: detail.row.party.clone(),
        warehouse: detail.row.warehouse.clone(),
        note: detail.note.clone(),
        lines: detail
            .line_items
            .iter()
            .map(|l| LineForm {
                id: Some(l.id.clone()),
                item: l.sku.clone(),
                qty: l.qty.to_string(),
                price: l.price.to_plain(),
                discount: l.discount.to_plain(),
            })
            .collect(),
        submit: false,
        version: Some(detail.version.clone()),
    }
}

fn three_lines(a: &mut Book, clock: &mut Clock) -> (String, String) {
    let (number, _) = a
        .orders()
        .create(
            sales(
                "Acme 客户",
                vec![line("TEA", 1), line("CUP", 2), line("TEA", 3)],
            ),
            clock.tick(),
        )
        .unwrap();
    let ops = DocId::ops(
        &SiteCode::parse("SH").unwrap(),
        Timestamp::from_second(clock.0).unwrap(),
    );
    (number, ops.to_string())
}

#[test]
fn saving_a_form_that_changed_one_field_writes_one_change_touching_that_field() {
    let TwoOffices {
        dir,
        mut a,
        mut clock,
        ..
    } = two_offices();
    let (number, doc) = three_lines(&mut a, &mut clock);
    let before = stored_doc(&dir.path().join("a.sqlite3"), &doc);
    let detail = a.orders().get(&number).unwrap();
    let mut form = form_of(&detail);
    form.lines[1].qty = "7".into();
    a.orders().save(form, clock.tick()).unwrap();

    let after = stored_doc(&dir.path().join("a.sqlite3"), &doc);
    let new: Vec<_> = after.get_changes(&before.get_heads());
    assert_eq!(new.len(), 1, "one save, one change");
    assert_eq!(new[0].len(), 1, "one operation");
    let patches = after.diff(&before.get_heads(), &after.get_heads());
    assert_eq!(patches.len(), 1);
    let line_id = &detail.line_items[1].id;
    assert!(
        matches!(&patches[0].action, PatchAction::PutMap { key, .. } if key == "qty"),
        "{:?}",
        patches[0]
    );
    assert!(
        patches[0]
            .path
            .iter()
            .any(|(_, p)| matches!(p, Prop::Map(k) if k == line_id)),
        "the change is on line 2: {:?}",
        patches[0].path
    );
    let shown = a.orders().get(&number).unwrap();
    assert_eq!(shown.line_items[1].qty, 7);
    assert_eq!(shown.line_items[0].qty, 1);

    // Saving the form again as it now stands writes nothing at all.
    let again = form_of(&shown);
    a.orders().save(again, clock.tick()).unwrap();
    let unchanged = stored_doc(&dir.path().join("a.sqlite3"), &doc);
    assert_eq!(unchanged.get_heads(), after.get_heads());
}

#[test]
fn two_devices_saving_different_fields_of_one_order_get_no_conflict() {
    let TwoOffices {
        dir,
        mut a,
        mut clock,
        ..
    } = two_offices();
    let mut c = join_sh(
        &mut a,
        &dir.path().join("c.sqlite3"),
        Role::Clerk,
        &mut clock,
    );
    let (number, _) = three_lines(&mut a, &mut clock);
    sync(&mut a, &mut c, &mut clock);

    let mut on_a = form_of(&a.orders().get(&number).unwrap());
    on_a.note = "deliver before noon".into();
    let mut on_c = form_of(&c.orders().get(&number).unwrap());
    on_c.lines[0].qty = "5".into();
    on_c.lines.remove(2);
    a.orders().save(on_a, clock.tick()).unwrap();
    c.orders().save(on_c, clock.tick()).unwrap();
    sync(&mut a, &mut c, &mut clock);

    assert!(a.conflicts().list().unwrap().is_empty());
    assert_eq!(a.dump().unwrap(), c.dump().unwrap());
    let merged = a.orders().get(&number).unwrap();
    assert_eq!(merged.note, "deliver before noon");
    assert_eq!(merged.line_items.len(), 2, "the line C removed is gone");
    assert_eq!(merged.line_items[0].qty, 5);
}

#[test]
fn a_form_filled_before_another_office_edited_keeps_that_edit() {
    let TwoOffices {
        dir,
        mut a,
        mut clock,
        ..
    } = two_offices();
    let mut c = join_sh(
        &mut a,
        &dir.path().join("c.sqlite3"),
        Role::Clerk,
        &mut clock,
    );
    let (number, _) = three_lines(&mut a, &mut clock);
    sync(&mut a, &mut c, &mut clock);
    // A fills the form; meanwhile C changes a price and A hears of it before saving.
    let mut on_a = form_of(&a.orders().get(&number).unwrap());
    let mut on_c = form_of(&c.orders().get(&number).unwrap());
    on_c.lines[0].price = "30.00".into();
    c.orders().save(on_c, clock.tick()).unwrap();
    sync(&mut a, &mut c, &mut clock);
    on_a.note = "urgent".into();
    a.orders().save(on_a, clock.tick()).unwrap();

    let order = a.orders().get(&number).unwrap();
    assert_eq!(order.note, "urgent");
    assert_eq!(
        order.line_items[0].price,
        Money::parse("30.00").unwrap(),
        "C's price stays"
    );
    let entries = a.history(&number).unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last.fields.len(), 1, "{:?}", last.fields);
    assert_eq!(last.fields[0].field, "note");
}

#[test]
fn a_form_saves_and_submits_in_one_change_and_refuses_a_bad_line_by_number() {
    let TwoOffices {
        dir,
        mut a,
        mut clock,
        ..
    } = two_offices();
    let blank = LineForm {
        id: None,
        item: String::new(),
        qty: "1".into(),
        price: String::new(),
        discount: String::new(),
    };
    let typed = |item: &str, qty: &str| LineForm {
        item: item.into(),
        qty: qty.into(),
        ..blank.clone()
    };
    let mut form = OrderForm {
        order: None,
        kind: OrderKind::Sales,
        party: "Acme 客户".into(),
        warehouse: String::new(),
        note: String::new(),
        lines: vec![typed("TEA", "2"), blank.clone(), typed("Item CUP", "x")],
        submit: true,
        version: None,
    };
    let preview = a.orders().preview(&form).unwrap();
    assert_eq!(preview.total, Money::parse("70.00").unwrap());
    assert_eq!(preview.invalid, 1, "the third row's quantity does not read");
    assert!(!preview.lines[1].is_line, "an untouched row is no line");
    assert_eq!(
        preview.lines[2].sku.as_deref(),
        Some("CUP"),
        "named by its name"
    );
    assert_eq!(
        preview.lines[2].list_price,
        Some(Money::parse("12.50").unwrap())
    );

    let before = a.dump().unwrap();
    let err = a.orders().save(form.clone(), clock.tick()).unwrap_err();
    assert!(matches!(err, Error::Line { line: 3, .. }), "{err}");
    assert_eq!(before, a.dump().unwrap(), "a refused form writes nothing");

    form.lines[2].qty = "1".into();
    let (number, _) = a.orders().save(form, clock.tick()).unwrap();
    let order = a.orders().get(&number).unwrap();
    assert_eq!(order.row.status, Status::Submitted);
    assert_eq!(order.row.total, Money::parse("82.50").unwrap());
    assert!(order.editable.is_empty() && !order.actions.contains(&Action::Submit));
    let doc = DocId::ops(
        &SiteCode::parse("SH").unwrap(),
        Timestamp::from_second(clock.0).unwrap(),
    );
    let stored = stored_doc(&dir.path().join("a.sqlite3"), &doc.to_string());
    let made = stored
        .get_changes(&[])
        .into_iter()
        .filter(|c| c.message().is_some_and(|m| m.contains("order.new")))
        .count();
    assert_eq!(made, 1, "created and submitted in one change");
}

#[test]
fn item_party_and_task_forms_write_only_what_was_typed() {
    let TwoOffices {
        mut a, mut clock, ..
    } = two_offices();
    let tea = a.items().resolve("TEA").unwrap();
    let form = ItemForm {
        item: Some("TEA".into()),
        sku: tea.sku.clone(),
        name: tea.name.clone(),
        unit: tea.unit.clone(),
        price: "36.00".into(),
        low_stock: tea.low_stock.to_string(),
        version: Some(tea.version.clone()),
    };
    a.items().save(form, clock.tick()).unwrap();
    let history = a.history("TEA").unwrap();
    let fields = &history.last().unwrap().fields;
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].field, "price");

    let acme = a
        .parties()
        .resolve(PartyKind::Customer, "Acme 客户")
        .unwrap();
    let form = PartyForm {
        party: Some(acme.id.to_string()),
        kind: PartyKind::Customer,
        name: acme.name.clone(),
        phone: "021-1234".into(),
        address: acme.address.clone(),
        version: Some(acme.version.clone()),
    };
    a.parties().save(form, clock.tick()).unwrap();
    let history = a.history("Acme 客户").unwrap();
    assert_eq!(history.last().unwrap().fields.len(), 1);

    let (number, _) = a
        .tasks()
        .save(
            TaskForm {
                task: None,
                title: "Count the cups".into(),
                description: String::new(),
                owner: "Li".into(),
                due: String::new(),
                priority: Priority::Normal,
                status: None,
                link: String::new(),
                version: None,
            },
            clock.tick(),
        )
        .unwrap();
    let task = a.tasks().get(&number).unwrap();
    assert!(task.editable);
    let form = TaskForm {
        task: Some(number.clone()),
        title: task.title.clone(),
        description: task.description.clone(),
        owner: "Wang".into(),
        due: "2026-13-01".into(),
        priority: task.priority,
        status: Some(task.status),
        link: task.link.clone(),
        version: Some(task.version.clone()),
    };
    let bad = a.tasks().save(form.clone(), clock.tick()).unwrap_err();
    assert!(bad.to_string().contains("due date"), "{bad}");
    let form = TaskForm {
        due: String::new(),
        ..form
    };
    a.tasks().save(form, clock.tick()).unwrap();
    let history = a.history(&number).unwrap();
    let fields = &history.last().unwrap().fields;
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].field, "owner");
}

#[test]
fn an_auditor_is_told_it_may_change_nothing() {
    let TwoOffices {
        dir,
        mut a,
        mut clock,
        ..
    } = two_offices();
    let (number, _) = three_lines(&mut a, &mut clock);
    let mut auditor = join_sh(
        &mut a,
        &dir.path().join("au.sqlite3"),
        Role::Auditor,
        &mut clock,
    );
    sync(&mut a, &mut auditor, &mut clock);
    let can = auditor.capabilities().unwrap();
    assert!(!can.edit_catalogue && !can.edit_parties && !can.record_operations);
    assert!(!can.manage_members);
    let order = auditor.orders().get(&number).unwrap();
    assert!(order.actions.is_empty() && order.editable.is_empty());
    let own = a.orders().get(&number).unwrap();
    assert_eq!(own.actions, vec![Action::Submit, Action::Cancel]);
}
