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
    /// A's key, to open its book again.
    pub a_key: DeviceKey,
    pub clock: Clock,
}

/// The key every test book is encrypted with (a real SQLCipher key, fixed so that a test
/// can reopen its books).
pub fn book_key() -> BookKey {
    BookKey::from_bytes([7; 32])
}

/// The book file at `path` opened beside the book (to inspect or damage it), keyed with
/// [`book_key`].
pub fn open_raw(path: &std::path::Path) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(path).unwrap();
    db.pragma_update(None, "key", format!("x'{}'", "07".repeat(32)))
        .unwrap();
    db
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

/// A new device admitted by admin `a` with an invite for `site` and `role`, started at
/// `path` from the bundle `a` made for it.
pub fn admit(
    a: &mut Book,
    path: &std::path::Path,
    site: &str,
    role: Role,
    name: &str,
    key: DeviceKey,
    clock: &mut Clock,
) -> Book {
    let invite = DeviceKey::generate().unwrap().device_id();
    let site = SiteCode::parse(site).unwrap();
    a.members()
        .invite(
            invite.as_str(),
            role,
            &site,
            jiff::SignedDuration::from_hours(1),
            clock.tick(),
        )
        .unwrap();
    a.members()
        .admit(invite.as_str(), &key.device_id(), name, clock.tick())
        .unwrap()
        .unwrap();
    let bundle = a
        .export_bundle(&ExportScope::For(key.device_id()), clock.tick())
        .unwrap();
    Book::join(path, &book_key(), &bundle, key, clock.tick()).unwrap()
}

/// Finance at the head office SH ("Qian", keeping every site's books), admitted by `a`,
/// its book beside the others in `dir`.
pub fn admit_finance(a: &mut Book, dir: &std::path::Path, clock: &mut Clock) -> Book {
    admit(
        a,
        &dir.join("f.sqlite3"),
        "SH",
        Role::Finance,
        "Qian",
        DeviceKey::generate().unwrap(),
        clock,
    )
}

/// Finance at the BJ branch ("Zhao", keeping BJ's books only), admitted by `a`.
pub fn admit_branch_finance(a: &mut Book, dir: &std::path::Path, clock: &mut Clock) -> Book {
    admit(
        a,
        &dir.join("bjf.sqlite3"),
        "BJ",
        Role::Finance,
        "Zhao",
        DeviceKey::generate().unwrap(),
        clock,
    )
}

/// A second device at SH with `role`, admitted by `a`.
pub fn join_sh(a: &mut Book, path: &std::path::Path, role: Role, clock: &mut Clock) -> Book {
    admit(
        a,
        path,
        "SH",
        role,
        "Zhao",
        DeviceKey::generate().unwrap(),
        clock,
    )
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
    let a_key = DeviceKey::generate().unwrap();
    let mut a = Book::create(
        &dir.path().join("a.sqlite3"),
        &book_key(),
        org("SH"),
        a_key.clone(),
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
    let mut b = admit(
        &mut a,
        &dir.path().join("b.sqlite3"),
        "BJ",
        Role::Clerk,
        "Wang Fang",
        DeviceKey::generate().unwrap(),
        &mut clock,
    );
    sync(&mut a, &mut b, &mut clock);
    TwoOffices {
        dir,
        a,
        b,
        a_key,
        clock,
    }
}

/// Runs network sync of `doc` between `a` and `b` in memory, each message answered by
/// the other side's reply, for at most `rounds` messages; `seen` is shown each message
/// (and whether `a` sent it). True when neither side had anything more to say.
pub fn exchange(
    a: &mut Book,
    b: &mut Book,
    doc: &DocId,
    at: Timestamp,
    rounds: usize,
    mut seen: impl FnMut(bool, &[u8]),
) -> bool {
    let (a_id, b_id) = (a.device_id().clone(), b.device_id().clone());
    let (mut sa, mut sb) = (SyncSession::default(), SyncSession::default());
    let mut message = a.sync().generate(&b_id, doc, &mut sa).unwrap();
    let mut a_speaks = true;
    for _ in 0..rounds {
        let Some(m) = message.take() else {
            // Quiet this way: does the other side have anything to start with?
            message = if a_speaks {
                b.sync().generate(&a_id, doc, &mut sb).unwrap()
            } else {
                a.sync().generate(&b_id, doc, &mut sa).unwrap()
            };
            if message.is_none() {
                return true;
            }
            a_speaks = !a_speaks;
            continue;
        };
        seen(a_speaks, &m);
        message = if a_speaks {
            b.sync().receive(&a_id, doc, &mut sb, &m, at).unwrap().reply
        } else {
            a.sync().receive(&b_id, doc, &mut sa, &m, at).unwrap().reply
        };
        a_speaks = !a_speaks;
    }
    false
}
