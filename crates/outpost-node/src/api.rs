//! The Node's vocabulary: every type a front end sends or receives, in one place.
//!
//! Front ends (the desktop shell, scripts) name these and nothing from the crates below:
//! the requests they send (filters, forms as typed, stock entries), the views they show
//! (rows, details, previews, capabilities) and the events they hear. Views and forms of
//! the records are the book's own types, chosen here; what only a node knows (peers,
//! backups, where the node stands) is defined in this crate. With the `ts` feature every
//! one of them has a TypeScript declaration (the window's `bindings.ts`).

pub use outpost_core::{
    Account, AccountClass, BalanceFilter, BalanceRow, EntryFilter, EntryForm, EntryId,
    EntryLineForm, EntryLineRow, EntryRow, NewEntry, NewEntryLine, Side, TrialBalance,
};
pub use outpost_core::{AckId, Acknowledgement, VatRate};
pub use outpost_core::{
    Action, Capabilities, CatchUp, ChoiceRow, Comment, CommentId, ConflictRow, Decision, Device,
    DeviceCode, DeviceId, Draft, EventRow, ExceptionRow, FieldChange, HeldChange, HistoryEntry,
    ImportReport, Invite, InviteValidity, Item, ItemForm, ItemId, LevelRow, LineForm, LinePreview,
    LineRow, Money, MovementFilter, MovementRow, NewOrg, OrderDetail, OrderFilter, OrderForm,
    OrderId, OrderKind, OrderPreview, OrderRow, OrderSort, Party, PartyForm, PartyId, PartyKind,
    Priority, RecordRef, RefusedChange, Role, SampleReport, SampleSpec, SentTransfer, Site,
    SiteCode, Status, StockEntry, StockOp, TaskEdit, TaskFilter, TaskForm, TaskId, TaskRow,
    TaskStatus, TransferId, Transit, Warehouse, WarehouseCode,
};
pub use outpost_core::{
    AgeingFilter, AgeingRow, AllocationRow, Direction, InvoiceFilter, InvoiceForm, InvoiceId,
    InvoiceRow, NewCreditNote, PaymentFilter, PaymentForm, PaymentId, PaymentRow, VatKind,
};
pub use outpost_core::{
    BalanceSheet, FinanceOverview, IncomeStatement, MonthlySales, PeriodFilter, SalesBy,
    SalesFilter, SalesRow, StatementLine, ValuationRow,
};
pub use outpost_core::{
    BankFilter, BankLineRow, CloseRow, ImportedStatement, StatementColumns, StatementImport,
    Suggestion,
};

/// A length of time (how long an invite stays open).
pub use jiff::SignedDuration;

pub use crate::backup::{BackupSchedule, LastBackup};
pub use crate::host::{HostStatus, Lifecycle, Setup};
pub use crate::net::{DocumentHeads, NewInvite, PeerStatus, SyncStatus};
pub use crate::node::Event;
pub use crate::today::Today;
