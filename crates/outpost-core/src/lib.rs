//! outpost-core: the book of an Outpost organisation.
//!
//! It owns the records (orders, stock movements, tasks, the catalogue), their layout in
//! Automerge documents, the merge rules, and the device's SQLite file with its query
//! projections. The central type is [`Book`]: one device's copy of the books.
//!
//! **Does not know** networks, async runtimes, windows or the wall clock: every write
//! takes the time as an argument, and documents cross devices as bytes (bundles here,
//! libp2p in outpost-sync).
//!
//! Key decisions:
//! - The book is many small documents ([`DocId`]): `org`, and `ops/<site>/<yyyy-mm>` per
//!   site and month, so no document grows forever and access can be granted per document.
//! - Facts (status events, movements, comments) are append-only; mutable fields are
//!   last-writer-wins registers whose concurrent values are listed as conflicts until a
//!   person picks one. Derived state (status, stock levels) is computed, never stored as
//!   truth.
//! - A write is durable when it returns: the Automerge change and the projection rows it
//!   changes are committed in one SQLite transaction (WAL, `synchronous=FULL`).
//!
//! ```
//! use outpost_core::{Book, DeviceId, NewItem, NewOrg, Money, SiteCode};
//! # fn main() -> outpost_core::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let now = jiff::Timestamp::from_second(1_790_000_000).expect("valid time");
//! let org = NewOrg {
//!     name: "Demo Trading".into(),
//!     site: SiteCode::parse("SH")?,
//!     site_name: "Shanghai".into(),
//!     device_name: "Li".into(),
//! };
//! let mut book = Book::create(&dir.path().join("book.sqlite3"), org, DeviceId::random(), now)?;
//! book.add_item(NewItem { sku: "TEA-1".into(), name: "Green tea".into(), unit: "box".into(),
//!     price: Money::parse("35.00")?, low_stock: 5 }, now)?;
//! assert_eq!(book.items()?.len(), 1);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod access;
mod book;
mod bundle;
mod checks;
mod code;
mod doc_id;
mod error;
mod id;
mod money;
mod order;
mod org;
mod projection;
mod record;
mod schema;
mod stock;
mod store;
mod task;
mod text;

pub use automerge::{ChangeHash, sync::State as SyncState};
pub use book::{
    Admitted, Book, ChoiceRow, ConflictRow, Draft, EventRow, ExceptionRow, ExportScope,
    FieldChange, HistoryEntry, ImportReport, InviteRefusal, JoinAs, LevelRow, LineEdit, LineRow,
    MAX_DRAFT_BYTES, MovementFilter, MovementRow, NewItem, NewLine, NewOrder, NewOrg, NewParty,
    NewTask, OrderDetail, OrderEdit, OrderFilter, OrderRow, OrderSort, PartyEdit, Pending,
    RefusedChange, SampleReport, SampleSpec, SentTransfer, StockMove, SyncReceipt, TaskEdit,
    TaskFilter, TaskRow, Transit,
};
pub use bundle::{BundleSummary, inspect as inspect_bundle};
pub use code::{DeviceCode, SiteCode, WarehouseCode};
pub use doc_id::{DocId, Month};
pub use error::{Error, Result, Rule};
pub use id::{
    CommentId, DeviceId, ItemId, LineId, MovementId, OrderId, OrgId, PartyId, TaskId, TransferId,
};
pub use jiff::Timestamp;
pub use money::Money;
pub use order::{Action, Line, Order, OrderKind, Status, StatusEvent};
pub use org::{Device, Invite, Item, Party, PartyKind, Role, Site, Warehouse};
pub use record::RecordRef;
pub use stock::{Movement, MovementKind};
pub use task::{Comment, Priority, Task, TaskStatus};
