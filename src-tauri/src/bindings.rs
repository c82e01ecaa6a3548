//! The TypeScript declarations of every type the window sends or receives, generated from
//! the Rust types (ts-rs) into `ui/src/lib/bindings.ts`: the window cannot name a field
//! that no longer exists. `tests/bindings.rs` fails while the file is stale and rewrites
//! it with `UPDATE_BINDINGS=1`.

use outpost_node::api::*;
use ts_rs::{Config, TS};

use crate::Failure;

/// Where the window's copy lives, from the crate root.
pub const PATH: &str = "../ui/src/lib/bindings.ts";

/// The declaration of `T`, exported.
fn decl<T: TS>(cfg: &Config) -> String {
    format!("export {}", T::decl(cfg))
}

/// The whole `bindings.ts`, as it should be.
pub fn render() -> String {
    // Integers the window sees (money in fen, quantities, milliseconds) stay far below
    // 2^53: numbers, not bigints.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        decl::<AckId>(&cfg),
        decl::<Acknowledgement>(&cfg),
        decl::<Action>(&cfg),
        decl::<VatRate>(&cfg),
        decl::<BackupSchedule>(&cfg),
        decl::<Capabilities>(&cfg),
        decl::<CatchUp>(&cfg),
        decl::<ChoiceRow>(&cfg),
        decl::<Comment>(&cfg),
        decl::<CommentId>(&cfg),
        decl::<ConflictRow>(&cfg),
        decl::<Decision>(&cfg),
        decl::<Device>(&cfg),
        decl::<DeviceCode>(&cfg),
        decl::<DeviceId>(&cfg),
        decl::<DocumentHeads>(&cfg),
        decl::<Draft>(&cfg),
        decl::<Event>(&cfg),
        decl::<EventRow>(&cfg),
        decl::<ExceptionRow>(&cfg),
        decl::<Failure>(&cfg),
        decl::<FieldChange>(&cfg),
        decl::<HeldChange>(&cfg),
        decl::<HistoryEntry>(&cfg),
        decl::<HostStatus>(&cfg),
        decl::<ImportReport>(&cfg),
        decl::<Invite>(&cfg),
        decl::<InviteValidity>(&cfg),
        decl::<Item>(&cfg),
        decl::<ItemForm>(&cfg),
        decl::<ItemId>(&cfg),
        decl::<LastBackup>(&cfg),
        decl::<LevelRow>(&cfg),
        decl::<Lifecycle>(&cfg),
        decl::<LineForm>(&cfg),
        decl::<LinePreview>(&cfg),
        decl::<LineRow>(&cfg),
        decl::<Money>(&cfg),
        decl::<MovementFilter>(&cfg),
        decl::<MovementRow>(&cfg),
        decl::<NewInvite>(&cfg),
        decl::<NewOrg>(&cfg),
        decl::<OrderDetail>(&cfg),
        decl::<OrderFilter>(&cfg),
        decl::<OrderForm>(&cfg),
        decl::<OrderId>(&cfg),
        decl::<OrderKind>(&cfg),
        decl::<OrderPreview>(&cfg),
        decl::<OrderRow>(&cfg),
        decl::<OrderSort>(&cfg),
        decl::<Party>(&cfg),
        decl::<PartyForm>(&cfg),
        decl::<PartyId>(&cfg),
        decl::<PartyKind>(&cfg),
        decl::<PeerStatus>(&cfg),
        decl::<Priority>(&cfg),
        decl::<RecordRef>(&cfg),
        decl::<RefusedChange>(&cfg),
        decl::<Role>(&cfg),
        decl::<SampleSpec>(&cfg),
        decl::<SentTransfer>(&cfg),
        decl::<Setup>(&cfg),
        decl::<outpost_node::KeyGuard>(&cfg),
        decl::<Site>(&cfg),
        decl::<SiteCode>(&cfg),
        decl::<Status>(&cfg),
        decl::<StockEntry>(&cfg),
        decl::<StockOp>(&cfg),
        decl::<SyncStatus>(&cfg),
        decl::<Account>(&cfg),
        decl::<AccountClass>(&cfg),
        decl::<Side>(&cfg),
        decl::<EntryId>(&cfg),
        decl::<EntryFilter>(&cfg),
        decl::<EntryRow>(&cfg),
        decl::<EntryLineRow>(&cfg),
        decl::<EntryForm>(&cfg),
        decl::<EntryLineForm>(&cfg),
        decl::<BalanceFilter>(&cfg),
        decl::<BalanceRow>(&cfg),
        decl::<TrialBalance>(&cfg),
        decl::<StatementLine>(&cfg),
        decl::<BalanceSheet>(&cfg),
        decl::<IncomeStatement>(&cfg),
        decl::<PeriodFilter>(&cfg),
        decl::<ValuationRow>(&cfg),
        decl::<SalesBy>(&cfg),
        decl::<SalesFilter>(&cfg),
        decl::<SalesRow>(&cfg),
        decl::<MonthlySales>(&cfg),
        decl::<FinanceOverview>(&cfg),
        decl::<outpost_node::Exported>(&cfg),
        decl::<BankFilter>(&cfg),
        decl::<CloseRow>(&cfg),
        decl::<BankLineRow>(&cfg),
        decl::<ImportedStatement>(&cfg),
        decl::<StatementColumns>(&cfg),
        decl::<StatementImport>(&cfg),
        decl::<Suggestion>(&cfg),
        decl::<AgeingFilter>(&cfg),
        decl::<AgeingRow>(&cfg),
        decl::<AllocationRow>(&cfg),
        decl::<Direction>(&cfg),
        decl::<InvoiceFilter>(&cfg),
        decl::<InvoiceForm>(&cfg),
        decl::<InvoiceId>(&cfg),
        decl::<InvoiceRow>(&cfg),
        decl::<PaymentFilter>(&cfg),
        decl::<PaymentForm>(&cfg),
        decl::<PaymentId>(&cfg),
        decl::<PaymentRow>(&cfg),
        decl::<VatKind>(&cfg),
        decl::<TaskEdit>(&cfg),
        decl::<TaskFilter>(&cfg),
        decl::<TaskForm>(&cfg),
        decl::<TaskId>(&cfg),
        decl::<TaskRow>(&cfg),
        decl::<TaskStatus>(&cfg),
        decl::<Today>(&cfg),
        decl::<TransferId>(&cfg),
        decl::<Transit>(&cfg),
        decl::<Warehouse>(&cfg),
        decl::<WarehouseCode>(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/tests/bindings.rs; do not edit.\n\
         // Regenerate: UPDATE_BINDINGS=1 cargo test -p outpost-desktop --test bindings\n\n",
    );
    for d in decls {
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
