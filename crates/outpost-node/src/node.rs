//! [`Node`]: the book behind a lock, a clock and an event stream.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use outpost_core::{
    Action, Book, ConflictRow, Device, Draft, ExceptionRow, ExportScope, HistoryEntry,
    ImportReport, Item, ItemId, JoinAs, LevelRow, LineEdit, Money, MovementFilter, MovementRow,
    NewItem, NewOrder, NewOrg, NewParty, NewTask, OrderDetail, OrderEdit, OrderFilter, OrderId,
    OrderRow, Party, PartyEdit, PartyId, PartyKind, RecordRef, SentTransfer, Site, SiteCode,
    Status, StockMove, TaskEdit, TaskFilter, TaskId, TaskRow, Timestamp, Transit, Warehouse,
    WarehouseCode,
};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::backup::{self, LastBackup};
use crate::error::{Error, Result};
use crate::identity::Identity;

/// The database file inside a data dir.
pub const DB_FILE: &str = "outpost.sqlite3";
const LOCK_FILE: &str = "outpost.lock";

/// Something that changed in the node; front ends refresh what it names.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A local write committed.
    Written {
        /// What was done (e.g. `order.ship`).
        action: &'static str,
    },
    /// A bundle was merged.
    Imported {
        /// Records whose projections changed.
        records: Vec<RecordRef>,
    },
    /// Changes arrived from a peer.
    Synced {
        /// Records whose projections changed.
        records: Vec<RecordRef>,
    },
    /// Changes from a peer were refused (their author may not write the document).
    ChangesRefused {
        /// How many.
        count: usize,
    },
    /// A peer connected, disconnected or finished a sync session.
    PeersChanged,
    /// A backup was written (the today screen's reminder changes).
    BackedUp,
}

/// One device's node: the only API the CLI and the desktop app call.
///
/// Calls are synchronous: every one touches only the local disk. The node holds an
/// exclusive lock on its data dir, because two processes writing as the same Automerge
/// actor would corrupt the documents.
pub struct Node {
    book: Mutex<Book>,
    identity: Identity,
    events: broadcast::Sender<Event>,
    data_dir: PathBuf,
    net: std::sync::OnceLock<crate::net::Net>,
    _lock: File,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

/// The platform data dir for Outpost (e.g. `~/.local/share/outpost`).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "outpost").map(|p| p.data_dir().to_path_buf())
}

fn lock(dir: &Path) -> Result<File> {
    std::fs::create_dir_all(dir).map_err(|source| Error::DataDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let file = File::create(dir.join(LOCK_FILE)).map_err(|source| Error::DataDir {
        path: dir.to_path_buf(),
        source,
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked(dir.to_path_buf())),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::DataDir {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

impl Node {
    pub(crate) fn assemble(book: Book, identity: Identity, data_dir: &Path, lock: File) -> Node {
        let (events, _) = broadcast::channel(256);
        Node {
            book: Mutex::new(book),
            identity,
            events,
            data_dir: data_dir.to_path_buf(),
            net: std::sync::OnceLock::new(),
            _lock: lock,
        }
    }

    pub(crate) fn net(&self) -> Option<&crate::net::Net> {
        self.net.get()
    }

    pub(crate) fn set_net(&self, net: crate::net::Net) -> Result<()> {
        self.net.set(net).map_err(|_| Error::NetworkRunning)
    }

    /// Sends an event to front ends (nobody listening is fine: the CLI has none).
    pub(crate) fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// The member registered for `device`.
    pub fn member(&self, device: &outpost_core::DeviceId) -> Result<Option<Device>> {
        self.read(|b| b.member(device))
    }

    /// Opens the node of an existing data dir.
    pub fn open(data_dir: &Path) -> Result<Node> {
        let lock = lock(data_dir)?;
        let book = Book::open(&data_dir.join(DB_FILE))?;
        let identity = Identity::load(data_dir)?;
        if &identity.device_id() != book.device_id() {
            return Err(Error::KeyMismatch(data_dir.join(crate::identity::KEY_FILE)));
        }
        Ok(Node::assemble(book, identity, data_dir, lock))
    }

    /// A data dir about to hold a new book: refused if it holds one already; the device
    /// key is created, or kept from an earlier attempt that stopped before the book.
    pub(crate) fn fresh_dir(data_dir: &Path) -> Result<(File, Identity)> {
        let lock = lock(data_dir)?;
        if data_dir.join(DB_FILE).exists() {
            let book = Book::open(&data_dir.join(DB_FILE))?;
            return Err(outpost_core::Error::AlreadyInitialised(book.org_id().to_string()).into());
        }
        Ok((lock, Identity::load_or_create(data_dir)?))
    }

    /// Creates a new organisation in an empty data dir.
    pub fn create(data_dir: &Path, org: NewOrg) -> Result<Node> {
        let (lock, identity) = Node::fresh_dir(data_dir)?;
        let book = Book::create(
            &data_dir.join(DB_FILE),
            org,
            identity.device_id(),
            Timestamp::now(),
        )?;
        Ok(Node::assemble(book, identity, data_dir, lock))
    }

    /// Starts a new device of an existing organisation from a bundle file.
    pub fn join_bundle(data_dir: &Path, bundle: &Path, join: JoinAs) -> Result<Node> {
        let (lock, identity) = Node::fresh_dir(data_dir)?;
        let bytes = std::fs::read(bundle).map_err(|source| Error::File {
            path: bundle.to_path_buf(),
            source,
        })?;
        let book = Book::join(
            &data_dir.join(DB_FILE),
            &bytes,
            join,
            identity.device_id(),
            Timestamp::now(),
        )?;
        Ok(Node::assemble(book, identity, data_dir, lock))
    }

    /// This device's identity (its key and PeerId).
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The data dir.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Change events, for front ends that show live data.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        // A panic while holding the lock cannot leave the book half-written: every write
        // is one SQLite transaction. So a poisoned lock is safe to take over.
        self.book
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read<T>(&self, f: impl FnOnce(&mut Book) -> outpost_core::Result<T>) -> Result<T> {
        Ok(f(&mut self.book())?)
    }

    pub(crate) fn write<T>(
        &self,
        action: &'static str,
        f: impl FnOnce(&mut Book, Timestamp) -> outpost_core::Result<T>,
    ) -> Result<T> {
        let (value, docs) = {
            let mut book = self.book();
            let value = f(&mut book, Timestamp::now())?;
            (value, book.take_changed_docs())
        };
        self.emit(Event::Written { action });
        self.push_changes(&docs);
        Ok(value)
    }

    /// The organisation's name.
    pub fn org_name(&self) -> Result<String> {
        self.read(|b| b.org_name())
    }

    /// This device's registration.
    pub fn me(&self) -> Result<Device> {
        self.read(|b| b.me())
    }

    /// Every registered device.
    pub fn devices(&self) -> Result<Vec<Device>> {
        self.read(|b| b.devices())
    }

    /// Adds a site with its first warehouse.
    pub fn add_site(&self, code: &SiteCode, name: &str) -> Result<()> {
        self.write("site.add", |b, now| b.add_site(code, name, now))
    }

    /// Every site.
    pub fn sites(&self) -> Result<Vec<Site>> {
        self.read(|b| b.sites())
    }

    /// Adds a warehouse.
    pub fn add_warehouse(&self, code: &WarehouseCode, site: &SiteCode, name: &str) -> Result<()> {
        self.write("warehouse.add", |b, now| {
            b.add_warehouse(code, site, name, now)
        })
    }

    /// Every warehouse.
    pub fn warehouses(&self) -> Result<Vec<Warehouse>> {
        self.read(|b| b.warehouses())
    }

    /// Adds a catalogue item.
    pub fn add_item(&self, item: NewItem) -> Result<ItemId> {
        self.write("item.add", |b, now| b.add_item(item, now))
    }

    /// Edits a catalogue item.
    pub fn edit_item(
        &self,
        sku: &str,
        name: Option<&str>,
        price: Option<Money>,
        low_stock: Option<i64>,
    ) -> Result<()> {
        self.write("item.edit", |b, now| {
            b.edit_item(sku, name, price, low_stock, now)
        })
    }

    /// The catalogue.
    pub fn items(&self) -> Result<Vec<Item>> {
        self.read(|b| b.items())
    }

    /// Adds a customer or supplier.
    pub fn add_party(&self, party: NewParty) -> Result<PartyId> {
        self.write("party.add", |b, now| b.add_party(party, now))
    }

    /// Edits a customer or supplier (by name or id).
    pub fn edit_party(&self, kind: PartyKind, key: &str, edit: PartyEdit) -> Result<()> {
        self.write("party.edit", |b, now| b.edit_party(kind, key, edit, now))
    }

    /// Customers or suppliers.
    pub fn parties(&self, kind: PartyKind) -> Result<Vec<Party>> {
        self.read(|b| b.parties(kind))
    }

    /// Creates a draft order; returns its number and id.
    pub fn create_order(&self, order: NewOrder) -> Result<(String, OrderId)> {
        self.write("order.new", |b, now| b.create_order(order, now))
    }

    /// Edits a draft order's header.
    pub fn edit_order(&self, key: &str, edit: OrderEdit) -> Result<()> {
        self.write("order.edit", |b, now| b.edit_order(key, edit, now))
    }

    /// Edits a draft order's lines.
    pub fn edit_lines(&self, key: &str, edit: LineEdit) -> Result<()> {
        self.write("order.line", |b, now| b.edit_lines(key, edit, now))
    }

    /// Takes a lifecycle step on an order.
    pub fn act_on_order(&self, key: &str, action: Action, note: &str) -> Result<Status> {
        self.write("order.act", |b, now| b.act_on_order(key, action, note, now))
    }

    /// A page of orders.
    pub fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderRow>> {
        self.read(|b| b.orders(filter))
    }

    /// How many orders `filter` matches.
    pub fn count_orders(&self, filter: &OrderFilter) -> Result<u64> {
        self.read(|b| b.count_orders(filter))
    }

    /// One order in full.
    pub fn order(&self, key: &str) -> Result<OrderDetail> {
        self.read(|b| b.order(key))
    }

    /// Records a stock operation.
    pub fn move_stock(&self, mv: StockMove) -> Result<Option<SentTransfer>> {
        self.write("stock.move", |b, now| b.move_stock(mv, now))
    }

    /// Stock levels.
    pub fn levels(&self, warehouse: Option<&WarehouseCode>) -> Result<Vec<LevelRow>> {
        self.read(|b| b.levels(warehouse))
    }

    /// Stock movements.
    pub fn movements(&self, filter: &MovementFilter) -> Result<Vec<MovementRow>> {
        self.read(|b| b.movements(filter))
    }

    /// Transfers not yet received.
    pub fn transfers_in_transit(&self) -> Result<Vec<Transit>> {
        self.read(|b| b.transfers_in_transit())
    }

    /// Creates a task; returns its number and id.
    pub fn create_task(&self, task: NewTask) -> Result<(String, TaskId)> {
        self.write("task.new", |b, now| b.create_task(task, now))
    }

    /// Edits a task.
    pub fn edit_task(&self, key: &str, edit: TaskEdit) -> Result<()> {
        self.write("task.edit", |b, now| b.edit_task(key, edit, now))
    }

    /// Comments on a task.
    pub fn comment_task(&self, key: &str, text: &str) -> Result<()> {
        self.write("task.comment", |b, now| b.comment_task(key, text, now))
    }

    /// Tasks.
    pub fn tasks(&self, filter: &TaskFilter) -> Result<Vec<TaskRow>> {
        self.read(|b| b.tasks(filter))
    }

    /// One task.
    pub fn task(&self, key: &str) -> Result<TaskRow> {
        self.read(|b| b.task(key))
    }

    /// Open conflicts.
    pub fn conflicts(&self) -> Result<Vec<ConflictRow>> {
        self.read(|b| b.conflicts())
    }

    /// Resolves a conflict with choice `choice` (1-based).
    pub fn resolve_conflict(&self, record: &str, field: &str, choice: usize) -> Result<()> {
        self.write("conflict.resolve", |b, now| {
            b.resolve_conflict(record, field, choice, now)
        })
    }

    /// History of a record.
    pub fn history(&self, key: &str) -> Result<Vec<HistoryEntry>> {
        self.read(|b| b.history(key))
    }

    // Drafts go through `read`, not `write`: they are local rows, not changes to the books,
    // so nothing is announced to the window or pushed to peers.

    /// Keeps what was typed into a form and not saved yet (this device only).
    pub fn keep_draft(&self, key: &str, body: &str) -> Result<()> {
        self.read(|b| b.keep_draft(key, body, Timestamp::now()))
    }

    /// The draft kept under `key`, if any.
    pub fn draft(&self, key: &str) -> Result<Option<Draft>> {
        self.read(|b| b.draft(key))
    }

    /// Every kept draft, newest first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        self.read(|b| b.drafts())
    }

    /// Forgets a draft (saved or discarded).
    pub fn drop_draft(&self, key: &str) -> Result<()> {
        self.read(|b| b.drop_draft(key))
    }

    /// Broken invariants.
    pub fn exceptions(&self) -> Result<Vec<ExceptionRow>> {
        self.read(|b| b.exceptions())
    }

    /// Writes a bundle file.
    pub fn export_bundle(&self, path: &Path, scope: &ExportScope) -> Result<usize> {
        let bytes = self.read(|b| b.export_bundle(scope, Timestamp::now()))?;
        write_atomically(path, &bytes)?;
        Ok(bytes.len())
    }

    /// Writes a bundle of the whole book into `dir` (a backup a new device can start
    /// from, or that any member can import); returns the file written and its size.
    /// The backup is remembered in the data dir ([`Node::last_backup`]).
    pub fn backup(&self, dir: &Path) -> Result<LastBackup> {
        std::fs::create_dir_all(dir).map_err(|source| Error::File {
            path: dir.to_path_buf(),
            source,
        })?;
        let me = self.me()?;
        let now = jiff::Zoned::now();
        let path = dir.join(backup::file_name(me.site.as_str(), me.code.as_str(), &now));
        let bytes = self.export_bundle(&path, &ExportScope::Everything)?;
        let last = LastBackup::new(dir, &path, bytes, now.timestamp());
        // The backup is written whatever happens to the reminder of it.
        if let Err(e) = backup::remember(&self.data_dir, &last) {
            tracing::warn!(error = %e, "could not remember the backup");
        }
        let _ = self.events.send(Event::BackedUp);
        Ok(last)
    }

    /// The last backup made from this data dir, if any.
    pub fn last_backup(&self) -> Option<LastBackup> {
        backup::last(&self.data_dir)
    }

    /// Merges a bundle file.
    pub fn import_bundle(&self, path: &Path) -> Result<ImportReport> {
        let bytes = std::fs::read(path).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        let (report, docs) = self.read(|b| {
            Ok((
                b.import_bundle(&bytes, Timestamp::now())?,
                b.take_changed_docs(),
            ))
        })?;
        self.push_changes(&docs);
        let _ = self.events.send(Event::Imported {
            records: report.records.clone(),
        });
        Ok(report)
    }

    /// Rebuilds every projection from the documents.
    pub fn rebuild(&self) -> Result<()> {
        self.read(|b| b.rebuild())
    }

    /// A stable dump of the projections (for checks and support).
    pub fn dump(&self) -> Result<String> {
        self.read(|b| b.dump())
    }

    /// Runs `f` on the book directly (benchmarks and tests).
    pub fn with_book<T>(&self, f: impl FnOnce(&mut Book) -> outpost_core::Result<T>) -> Result<T> {
        self.read(f)
    }
}

/// Writes a file so that a crash leaves either the old file or the whole new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |source| Error::File {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("partial");
    {
        use std::io::Write;
        let mut f = File::create(&tmp).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)
}
