//! Shared set-up for the book's integration tests: real SQLite files in temp dirs.
#![allow(dead_code, clippy::unwrap_used)]

use outpost_core::*;

/// A clock that advances one second per call, so every write has its own time.
pub struct Clock(pub i64);

impl Clock {
    pub fn new() -> Self {
        Clock(1_790_000_000)
    }
    pub fn tick(&mut self) -> Timestamp {
        self.0 += 1;
        Timestamp::from_second(self.0).expect("valid time")
    }
}

/// Device A at SH (admin, created the org) and device B at BJ (joined from A's bundle),
/// with two items, a customer and a supplier.
pub struct TwoOffices {
    pub dir: tempfile::TempDir,
    pub a: Book,
    pub b: Book,
    pub clock: Clock,
}

pub fn org(site: &str) -> NewOrg {
    NewOrg {
        name: "Demo Trading 示范贸易".into(),
        site: SiteCode::parse(site).unwrap(),
        site_name: "Shanghai".into(),
        device_name: "Li Wei".into(),
    }
}

pub fn item(sku: &str, price: &str) -> NewItem {
    NewItem {
        sku: sku.into(),
        name: format!("Item {sku}"),
        unit: "pcs".into(),
        price: Money::parse(price).unwrap(),
        low_stock: 5,
    }
}

pub fn line(sku: &str, qty: i64) -> NewLine {
    NewLine {
        item: sku.into(),
        qty,
        price: None,
        discount: Money::ZERO,
    }
}

pub fn sales(customer: &str, lines: Vec<NewLine>) -> NewOrder {
    NewOrder {
        kind: OrderKind::Sales,
        party: Some(customer.into()),
        warehouse: None,
        note: String::new(),
        lines,
    }
}

/// A second device at SH with `role`, joined from `a`'s whole book at `path`.
pub fn join_sh(a: &mut Book, path: &std::path::Path, role: Role, clock: &mut Clock) -> Book {
    let bundle = a
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    let join = JoinAs {
        site: SiteCode::parse("SH").unwrap(),
        device_name: "Zhao".into(),
        role,
    };
    Book::join(path, &bundle, join, DeviceId::random(), clock.tick()).unwrap()
}

/// Exchanges full bundles both ways.
pub fn sync(x: &mut Book, y: &mut Book, clock: &mut Clock) {
    let bx = x
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    let by = y
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    y.import_bundle(&bx, clock.tick()).unwrap();
    x.import_bundle(&by, clock.tick()).unwrap();
}

pub fn two_offices() -> TwoOffices {
    let dir = tempfile::tempdir().unwrap();
    let mut clock = Clock::new();
    let mut a = Book::create(
        &dir.path().join("a.sqlite3"),
        org("SH"),
        DeviceId::random(),
        clock.tick(),
    )
    .unwrap();
    a.sites()
        .add(&SiteCode::parse("BJ").unwrap(), "Beijing", clock.tick())
        .unwrap();
    a.items().add(item("TEA", "35.00"), clock.tick()).unwrap();
    a.items().add(item("CUP", "12.50"), clock.tick()).unwrap();
    for (kind, name) in [
        (PartyKind::Customer, "Acme 客户"),
        (PartyKind::Supplier, "Hangzhou Tea Co"),
    ] {
        a.parties()
            .add(
                NewParty {
                    kind,
                    name: name.into(),
                    phone: String::new(),
                    address: String::new(),
                },
                clock.tick(),
            )
            .unwrap();
    }
    let bundle = a
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    let join = JoinAs {
        site: SiteCode::parse("BJ").unwrap(),
        device_name: "Wang Fang".into(),
        role: Role::Clerk,
    };
    let mut b = Book::join(
        &dir.path().join("b.sqlite3"),
        &bundle,
        join,
        DeviceId::random(),
        clock.tick(),
    )
    .unwrap();
    sync(&mut a, &mut b, &mut clock);
    TwoOffices { dir, a, b, clock }
}
