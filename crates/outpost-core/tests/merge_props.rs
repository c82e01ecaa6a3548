//! Property tests of the merge rules: random edits on 2–4 replicas (real SQLite files),
//! bundles exchanged in random order with duplicates, then a full exchange. Every replica
//! must end with identical projections; every concurrent edit of a field must be a listed
//! conflict holding exactly the concurrent values; stock must equal the sum of movements;
//! no human number may repeat.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Clock, admit, book_key, item, org};
use outpost_core::*;
use proptest::prelude::*;

const SKUS: [&str; 2] = ["TEA", "CUP"];

#[derive(Clone, Debug)]
enum Op {
    NewOrder {
        r: usize,
        sku: usize,
        qty: i64,
    },
    Note {
        r: usize,
        order: usize,
        text: u8,
    },
    AddLine {
        r: usize,
        order: usize,
        sku: usize,
        qty: i64,
    },
    SetQty {
        r: usize,
        order: usize,
        qty: i64,
    },
    SetItem {
        r: usize,
        order: usize,
        sku: usize,
    },
    Act {
        r: usize,
        order: usize,
        action: usize,
    },
    /// The customer's phone changed (a register in the parties document).
    Phone {
        r: usize,
        who: u8,
    },
    Receive {
        r: usize,
        sku: usize,
        qty: i64,
    },
    Issue {
        r: usize,
        sku: usize,
        qty: i64,
    },
    NewTask {
        r: usize,
    },
    Owner {
        r: usize,
        task: usize,
        who: u8,
    },
    Sync {
        from: usize,
        to: usize,
        targeted: bool,
        twice: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0..4usize;
    prop_oneof![
        3 => (r.clone(), 0..2usize, 1..5i64).prop_map(|(r, sku, qty)| Op::NewOrder { r, sku, qty }),
        3 => (r.clone(), 0..6usize, any::<u8>()).prop_map(|(r, order, text)| Op::Note { r, order, text }),
        1 => (r.clone(), 0..6usize, 0..2usize, 1..5i64).prop_map(|(r, order, sku, qty)| Op::AddLine { r, order, sku, qty }),
        2 => (r.clone(), 0..6usize, 1..9i64).prop_map(|(r, order, qty)| Op::SetQty { r, order, qty }),
        1 => (r.clone(), 0..6usize, 0..2usize).prop_map(|(r, order, sku)| Op::SetItem { r, order, sku }),
        2 => (r.clone(), 0..6usize, 0..5usize).prop_map(|(r, order, action)| Op::Act { r, order, action }),
        2 => (r.clone(), 0..2usize, 1..20i64).prop_map(|(r, sku, qty)| Op::Receive { r, sku, qty }),
        1 => (r.clone(), 0..2usize, 1..10i64).prop_map(|(r, sku, qty)| Op::Issue { r, sku, qty }),
        1 => r.clone().prop_map(|r| Op::NewTask { r }),
        1 => (r.clone(), any::<u8>()).prop_map(|(r, who)| Op::Phone { r, who }),
        2 => (r.clone(), 0..4usize, any::<u8>()).prop_map(|(r, task, who)| Op::Owner { r, task, who }),
        3 => (r.clone(), r, any::<bool>(), any::<bool>()).prop_map(|(from, to, targeted, twice)| Op::Sync { from, to, targeted, twice }),
    ]
}

/// A write to a register, with the writes to the same field its author had seen.
struct Write {
    field: (String, String),
    value: serde_json::Value,
    seen: BTreeSet<usize>,
}

/// What the test knows: every successful register write, and which writes each replica
/// has (its own and all that reached it in bundles).
#[derive(Default)]
struct Model {
    writes: Vec<Write>,
    known: Vec<BTreeSet<usize>>,
}

impl Model {
    /// Records a write, unless Automerge elides it: a put of the value a field already
    /// holds, with no concurrent values, is no operation at all.
    fn write(
        &mut self,
        r: usize,
        field: (String, String),
        value: serde_json::Value,
        current: serde_json::Value,
    ) {
        let seen: BTreeSet<usize> = self.known[r]
            .iter()
            .copied()
            .filter(|w| self.writes[*w].field == field)
            .collect();
        let current_writes = seen
            .iter()
            .filter(|w| !seen.iter().any(|o| self.writes[*o].seen.contains(w)))
            .count();
        if current_writes <= 1 && current == value {
            return;
        }
        self.writes.push(Write { field, value, seen });
        let id = self.writes.len() - 1;
        self.known[r].insert(id);
    }

    /// Fields whose surviving (unsuperseded) writes are two or more, with their values.
    fn conflicts(&self) -> BTreeMap<(String, String), BTreeSet<String>> {
        let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for (id, w) in self.writes.iter().enumerate() {
            let superseded = self
                .writes
                .iter()
                .any(|o| o.field == w.field && o.seen.contains(&id));
            if !superseded {
                out.entry(w.field.clone())
                    .or_default()
                    .insert(w.value.to_string());
            }
        }
        out.retain(|_, v| v.len() > 1);
        out
    }
}

struct World {
    _dir: tempfile::TempDir,
    books: Vec<Book>,
    clock: Clock,
    model: Model,
}

fn world(n: usize) -> World {
    let dir = tempfile::tempdir().unwrap();
    let mut clock = Clock::new();
    let mut first = Book::create(
        &dir.path().join("r0.sqlite3"),
        &book_key(),
        org("SH"),
        DeviceKey::generate().unwrap(),
        clock.tick(),
    )
    .unwrap();
    first
        .sites()
        .add(&SiteCode::parse("BJ").unwrap(), "Beijing", clock.tick())
        .unwrap();
    for sku in SKUS {
        first.items().add(item(sku, "10.00"), clock.tick()).unwrap();
    }
    first
        .parties()
        .add(
            NewParty {
                kind: PartyKind::Customer,
                name: "Acme".into(),
                phone: String::new(),
                address: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    let mut books = vec![first];
    for i in 1..n {
        // Every device is admitted by the first (an admin), which allocates device codes,
        // so human numbers are unique by construction.
        let site = if i % 2 == 0 { "SH" } else { "BJ" };
        // Managers may act on every site's orders: the most concurrency per op.
        let path = dir.path().join(format!("r{i}.sqlite3"));
        let key = DeviceKey::generate().unwrap();
        let book = admit(
            &mut books[0],
            &path,
            site,
            Role::Manager,
            &format!("R{i}"),
            key,
            &mut clock,
        );
        books.push(book);
    }
    // Everyone learns of everyone admitted after it.
    for i in 1..n {
        let to = books[i].device_id().clone();
        let org = books[0]
            .export_bundle(&ExportScope::For(to), clock.tick())
            .unwrap();
        books[i].import_bundle(&org, clock.tick()).unwrap();
    }
    World {
        _dir: dir,
        books,
        clock,
        model: Model {
            writes: Vec::new(),
            known: vec![BTreeSet::new(); n],
        },
    }
}

fn nth_order(book: &mut Book, i: usize) -> Option<OrderRow> {
    let mut rows = book
        .orders()
        .list(&OrderFilter {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    rows.sort_by(|a, b| a.number.cmp(&b.number));
    rows.get(i % rows.len().max(1)).cloned()
}

/// The `n`th order (as `nth_order`) with its first line, if it has one.
fn first_line(book: &mut Book, n: usize) -> Option<(OrderRow, LineRow)> {
    let o = nth_order(book, n)?;
    let first = book
        .orders()
        .get(o.id.as_str())
        .unwrap()
        .line_items
        .first()?
        .clone();
    Some((o, first))
}

fn nth_task(book: &mut Book, i: usize) -> Option<TaskRow> {
    let mut rows = book.tasks().list(&TaskFilter::default()).unwrap();
    rows.sort_by(|a, b| a.number.cmp(&b.number));
    rows.get(i % rows.len().max(1)).cloned()
}

fn sync(w: &mut World, from: usize, to: usize, targeted: bool, twice: bool) {
    if from == to {
        return;
    }
    let scope = if targeted {
        ExportScope::For(w.books[to].device_id().clone())
    } else {
        ExportScope::Everything
    };
    let bundle = w.books[from].export_bundle(&scope, w.clock.tick()).unwrap();
    let report = w.books[to].import_bundle(&bundle, w.clock.tick()).unwrap();
    assert_eq!(
        report.waiting, 0,
        "a bundle for a device must not need changes it lacks"
    );
    if twice {
        let dump = w.books[to].dump().unwrap();
        let again = w.books[to].import_bundle(&bundle, w.clock.tick()).unwrap();
        assert_eq!(again.new_changes, 0);
        assert_eq!(
            dump,
            w.books[to].dump().unwrap(),
            "importing twice changed something"
        );
    }
    let known = w.model.known[from].clone();
    w.model.known[to].extend(known);
}

fn apply(w: &mut World, op: &Op) {
    let n = w.books.len();
    let at = w.clock.tick();
    match *op {
        Op::NewOrder { r, sku, qty } => {
            let order = NewOrder {
                kind: OrderKind::Sales,
                party: Some("Acme".into()),
                warehouse: None,
                note: String::new(),
                lines: vec![NewLine {
                    item: SKUS[sku].into(),
                    qty,
                    price: None,
                    discount: Money::ZERO,
                }],
            };
            w.books[r % n].orders().create(order, at).unwrap();
        }
        Op::Note { r, order, text } => {
            let r = r % n;
            let Some(o) = nth_order(&mut w.books[r], order) else {
                return;
            };
            let note = format!("note {text}");
            let edit = OrderEdit {
                note: Some(note.clone()),
                ..Default::default()
            };
            let current = w.books[r].orders().get(o.id.as_str()).unwrap().note;
            if w.books[r].orders().edit(o.id.as_str(), edit, at).is_ok() {
                w.model.write(
                    r,
                    (o.id.to_string(), "note".into()),
                    note.into(),
                    current.into(),
                );
            }
        }
        Op::AddLine { r, order, sku, qty } => {
            let r = r % n;
            if let Some(o) = nth_order(&mut w.books[r], order) {
                let line = NewLine {
                    item: SKUS[sku].into(),
                    qty,
                    price: None,
                    discount: Money::ZERO,
                };
                let _ = w.books[r]
                    .orders()
                    .edit_lines(o.id.as_str(), LineEdit::Add(line), at);
            }
        }
        Op::SetQty { r, order, qty } => {
            let r = r % n;
            let Some((o, first)) = first_line(&mut w.books[r], order) else {
                return;
            };
            let edit = LineEdit::Set {
                line: 1,
                item: None,
                qty: Some(qty),
                price: None,
                discount: None,
            };
            if w.books[r]
                .orders()
                .edit_lines(o.id.as_str(), edit, at)
                .is_ok()
            {
                w.model.write(
                    r,
                    (o.id.to_string(), format!("lines/{}/qty", first.id)),
                    qty.into(),
                    first.qty.into(),
                );
            }
        }
        Op::SetItem { r, order, sku } => {
            let r = r % n;
            let Some((o, first)) = first_line(&mut w.books[r], order) else {
                return;
            };
            let items = w.books[r].items().list().unwrap();
            let id_of = |sku: &str| items.iter().find(|i| i.sku == sku).unwrap();
            let (was, now) = (id_of(&first.sku), id_of(SKUS[sku]));
            let edit = LineEdit::Set {
                line: 1,
                item: Some(SKUS[sku].into()),
                qty: None,
                price: None,
                discount: None,
            };
            // Another item brings its catalogue price; naming the same item changes only a
            // conflict on it (settled).
            if w.books[r]
                .orders()
                .edit_lines(o.id.as_str(), edit, at)
                .is_ok()
            {
                let field = |f: &str| (o.id.to_string(), format!("lines/{}/{f}", first.id));
                w.model.write(
                    r,
                    field("item"),
                    now.id.as_str().into(),
                    was.id.as_str().into(),
                );
                if was.id != now.id {
                    w.model
                        .write(r, field("price"), now.price.0.into(), first.price.0.into());
                }
            }
        }
        Op::Act { r, order, action } => {
            let r = r % n;
            let actions = [
                Action::Submit,
                Action::Approve,
                Action::Ship,
                Action::Cancel,
                Action::Invoice,
            ];
            if let Some(o) = nth_order(&mut w.books[r], order) {
                let before = w.books[r].dump().unwrap();
                if w.books[r]
                    .orders()
                    .act(o.id.as_str(), actions[action], "", at)
                    .is_err()
                {
                    assert_eq!(
                        before,
                        w.books[r].dump().unwrap(),
                        "a refused step changed something"
                    );
                }
            }
        }
        Op::Receive { r, sku, qty } => {
            let r = r % n;
            let wh = w.books[r].me().unwrap().site.to_string() + "1";
            let mv = StockMove::Receive {
                item: SKUS[sku].into(),
                warehouse: WarehouseCode::parse(&wh).unwrap(),
                qty,
                note: String::new(),
            };
            w.books[r].stock().record(mv, at).unwrap();
        }
        Op::Issue { r, sku, qty } => {
            let r = r % n;
            let wh = w.books[r].me().unwrap().site.to_string() + "1";
            let mv = StockMove::Issue {
                item: SKUS[sku].into(),
                warehouse: WarehouseCode::parse(&wh).unwrap(),
                qty,
                note: String::new(),
            };
            let _ = w.books[r].stock().record(mv, at);
        }
        Op::NewTask { r } => {
            w.books[r % n]
                .tasks()
                .create(
                    NewTask {
                        title: "check".into(),
                        ..Default::default()
                    },
                    at,
                )
                .unwrap();
        }
        Op::Owner { r, task, who } => {
            let r = r % n;
            let Some(t) = nth_task(&mut w.books[r], task) else {
                return;
            };
            let owner = format!("person {who}");
            let edit = TaskEdit {
                owner: Some(owner.clone()),
                ..Default::default()
            };
            w.books[r].tasks().edit(t.id.as_str(), edit, at).unwrap();
            w.model.write(
                r,
                (t.id.to_string(), "owner".into()),
                owner.into(),
                t.owner.into(),
            );
        }
        Op::Phone { r, who } => {
            let r = r % n;
            let acme = w.books[r]
                .parties()
                .resolve(PartyKind::Customer, "Acme")
                .unwrap();
            let phone = format!("021-{who}");
            let edit = PartyEdit {
                phone: Some(phone.clone()),
                ..Default::default()
            };
            w.books[r]
                .parties()
                .edit(PartyKind::Customer, "Acme", edit, at)
                .unwrap();
            w.model.write(
                r,
                (acme.id.to_string(), "phone".into()),
                phone.into(),
                acme.phone.into(),
            );
        }
        Op::Sync {
            from,
            to,
            targeted,
            twice,
        } => sync(w, from % n, to % n, targeted, twice),
    }
}

fn check_converged(w: &mut World) {
    let n = w.books.len();
    // Everyone to replica 0, then replica 0 to everyone: all have everything.
    for i in 1..n {
        sync(w, i, 0, false, false);
    }
    for i in 1..n {
        sync(w, 0, i, true, false);
    }
    let dump = w.books[0].dump().unwrap();
    for (i, b) in w.books.iter().enumerate().skip(1) {
        let other = b.dump().unwrap();
        if dump != other {
            let mine: BTreeSet<&str> = dump.lines().collect();
            let theirs: BTreeSet<&str> = other.lines().collect();
            let only0: Vec<_> = mine.difference(&theirs).collect();
            let only_i: Vec<_> = theirs.difference(&mine).collect();
            panic!(
                "replica {i} differs from replica 0\nonly in 0: {only0:#?}\nonly in {i}: {only_i:#?}"
            );
        }
    }
    let book = &mut w.books[0];
    // Every concurrent edit is a listed conflict with exactly the concurrent values.
    let listed: BTreeMap<(String, String), BTreeSet<String>> = book
        .conflicts()
        .list()
        .unwrap()
        .into_iter()
        .map(|c| {
            (
                (c.record, c.field),
                c.choices.iter().map(|ch| ch.value.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(listed, w.model.conflicts());
    // Stock is the sum of movements.
    let mut sums: BTreeMap<(String, String), i64> = BTreeMap::new();
    for m in book
        .stock()
        .movements(&MovementFilter {
            limit: Some(100_000),
            ..Default::default()
        })
        .unwrap()
    {
        *sums.entry((m.sku, m.warehouse)).or_default() += m.qty;
    }
    let levels: BTreeMap<(String, String), i64> = book
        .stock()
        .levels(None)
        .unwrap()
        .into_iter()
        .map(|l| ((l.sku, l.warehouse), l.qty))
        .collect();
    assert_eq!(levels, sums);
    // No human number repeats.
    let orders = book
        .orders()
        .list(&OrderFilter {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    let tasks = book.tasks().list(&TaskFilter::default()).unwrap();
    let numbers: Vec<String> = orders
        .iter()
        .map(|o| o.number.clone())
        .chain(tasks.iter().map(|t| t.number.clone()))
        .collect();
    let unique: BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(unique.len(), numbers.len(), "{numbers:?}");
    assert!(
        book.exceptions()
            .unwrap()
            .iter()
            .all(|e| e.kind != "duplicate_number")
    );
    // The projections are what a rebuild from the documents gives.
    book.rebuild().unwrap();
    assert_eq!(dump, book.dump().unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_and_keep_every_concurrent_edit(n in 2..=4usize, ops in proptest::collection::vec(op(), 1..60)) {
        let mut w = world(n);
        for op in &ops {
            apply(&mut w, op);
        }
        check_converged(&mut w);
    }
}
