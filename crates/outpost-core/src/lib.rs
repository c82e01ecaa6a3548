//! outpost-core: the book of an Outpost organisation.
//!
//! It owns the records (orders, stock movements, tasks, the catalogue, members), their
//! layout in Automerge documents, the merge rules, and the device's SQLite file with its
//! query projections. The central type is [`Book`]: one device's copy of the books. Each
//! kind of record is a slice of its own (`kind/`: layout, rules, projection tables,
//! queries), reached through a handle such as [`Book::orders`]; the book keeps what is
//! common (documents, the write and merge transactions, access, history).
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
//! use outpost_core::{Book, BookKey, DeviceKey, NewItem, NewOrg, Money, SiteCode};
//! # fn main() -> outpost_core::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let now = jiff::Timestamp::from_second(1_790_000_000).expect("valid time");
//! let org = NewOrg {
//!     name: "Demo Trading".into(),
//!     site: SiteCode::parse("SH")?,
//!     site_name: "Shanghai".into(),
//!     device_name: "Li".into(),
//! };
//! let (file, at_rest) = (dir.path().join("book.sqlite3"), BookKey::generate()?);
//! let mut book = Book::create(&file, &at_rest, org, DeviceKey::generate()?, now)?;
//! book.items().add(NewItem { sku: "TEA-1".into(), name: "Green tea".into(), unit: "box".into(),
//!     price: Money::parse("35.00")?, low_stock: 5 }, now)?;
//! assert_eq!(book.items().list()?.len(), 1);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod access;
mod ahead;
mod book;
mod bundle;
mod cipher;
mod code;
mod conflict;
mod doc_id;
mod error;
mod exception;
mod form;
mod free;
mod id;
mod kind;
mod money;
mod projection;
mod record;
mod repo;
mod rules;
mod schema;
pub mod sign;
mod store;
mod text;

pub use access::{Device, Role};
pub use automerge::ChangeHash;
pub use book::{
    Book, Capabilities, CatchUp, Conflicts, Draft, Drafts, ExportScope, FieldChange,
    FinanceOverview, HeldChange, HistoryEntry, ImportReport, MAX_DRAFT_BYTES, NewOrg,
    OVERVIEW_MONTHS, Pending, RefusedChange, SampleReport, SampleSpec, Sync, SyncMessage,
    SyncReceipt, SyncSession,
};
pub use bundle::{
    BundleCheck, BundleSummary, inspect as inspect_bundle, verify as verify_bundle,
    written_at as bundle_written_at,
};
pub use cipher::{BookKey, encrypt_plain_book, is_plain};
pub use code::{DeviceCode, SiteCode, WarehouseCode};
pub use conflict::{ChoiceRow, ConflictRow};
pub use doc_id::{DocId, DocKind, Month};
pub use error::{Error, Result, Rule};
pub use exception::ExceptionRow;
pub use form::{MAX_PRICE, MAX_QTY};
pub use id::{
    AckId, CommentId, DeviceId, EntryId, InvoiceId, ItemId, LineId, MovementId, OrderId, OrgId,
    PartyId, PaymentId, TaskId, TransferId,
};
pub use jiff::Timestamp;
pub use kind::ack::Acknowledgement;
pub use kind::bank::{
    Bank, BankFilter, BankLineRow, ImportedStatement, StatementColumns, StatementImport, Suggestion,
};
pub use kind::billing::{
    AgeingFilter, AgeingRow, AllocationRow, Billing, Direction, InvoiceFilter, InvoiceForm,
    InvoiceRow, NewAllocation, NewCreditNote, NewInvoice, NewPayment, PaymentFilter, PaymentForm,
    PaymentRow, VatKind, rate_text, tax_on,
};
pub use kind::chart::{Chart, PRESET_RATES, VatRate};
pub use kind::item::{Item, ItemEdit, ItemForm, Items, NewItem};
pub use kind::ledger::{
    Account, AccountClass, BalanceFilter, BalanceRow, CloseRow, EntryFilter, EntryForm,
    EntryLineForm, EntryLineRow, EntryRow, Ledger, NewEntry, NewEntryLine, Side, TrialBalance,
};
pub use kind::ledger::{
    BalanceSheet, IncomeStatement, MonthlySales, PeriodFilter, SalesBy, SalesFilter, SalesRow,
    StatementLine, ValuationRow,
};
pub use kind::member::{
    Admitted, Decision, INVITE_VALIDITY, Invite, InviteRefusal, InviteValidity, Members,
};
pub use kind::order::{
    Action, EventRow, Line, LineEdit, LineForm, LinePreview, LineRow, NewLine, NewOrder, Order,
    OrderDetail, OrderEdit, OrderFilter, OrderForm, OrderKind, OrderPreview, OrderRow, OrderSort,
    Orders, Status, StatusEvent, fold_status,
};
pub use kind::party::{NewParty, Parties, Party, PartyEdit, PartyForm, PartyKind};
pub use kind::site::{Site, Sites, Warehouse};
pub use kind::stock::{
    LevelRow, Movement, MovementFilter, MovementKind, MovementRow, SentTransfer, Stock, StockEntry,
    StockMove, StockOp, Transit,
};
pub use kind::task::{
    Comment, NewTask, Priority, Task, TaskEdit, TaskFilter, TaskForm, TaskRow, TaskStatus, Tasks,
};
pub use money::Money;
pub use record::RecordRef;
pub use sign::{DeviceKey, SIGNATURE_LEN};
