//! The kinds of record as the front ends reach them: one method per request, each a
//! read or a write of the book. Forms arrive as typed; the book parses and checks them.

use std::path::Path;

use outpost_core::{
    Account, AgeingFilter, AgeingRow, BalanceFilter, BankFilter, BankLineRow, CloseRow,
    EntryFilter, EntryForm, EntryId, EntryRow, ImportedStatement, InvoiceFilter, InvoiceForm,
    InvoiceId, InvoiceRow, NewCreditNote, NewEntry, NewInvoice, NewPayment, PaymentFilter,
    PaymentForm, PaymentId, PaymentRow, SalesFilter, SalesRow, StatementImport, TrialBalance,
    ValuationRow,
};
use outpost_core::{
    Action, Capabilities, ConflictRow, Device, Draft, ExceptionRow, ExportScope, FinanceOverview,
    HistoryEntry, ImportReport, Item, ItemEdit, ItemForm, ItemId, LevelRow, LineEdit,
    MovementFilter, MovementRow, NewItem, NewOrder, NewParty, NewTask, OrderDetail, OrderEdit,
    OrderFilter, OrderForm, OrderId, OrderPreview, OrderRow, Party, PartyEdit, PartyForm, PartyId,
    PartyKind, SentTransfer, Site, SiteCode, Status, StockEntry, StockMove, TaskEdit, TaskFilter,
    TaskForm, TaskId, TaskRow, Timestamp, Transit, Warehouse, WarehouseCode,
};
use outpost_core::{BalanceSheet, IncomeStatement, PeriodFilter};

use super::{Event, Node};
use crate::error::{Error, Result};

impl Node {
    /// The organisation's name.
    pub fn org_name(&self) -> Result<String> {
        self.read(|b| b.org_name())
    }

    /// Where this device stands in catching up after a restore from a backup (none if it
    /// never was restored).
    pub fn catch_up(&self) -> Result<Option<outpost_core::CatchUp>> {
        self.read(|b| b.catch_up())
    }

    /// This device's registration.
    pub fn me(&self) -> Result<Device> {
        self.read(|b| b.me())
    }

    /// What this device's member may do now (the window shows only that).
    pub fn capabilities(&self) -> Result<Capabilities> {
        self.read(|b| b.capabilities())
    }

    /// Every registered device.
    pub fn devices(&self) -> Result<Vec<Device>> {
        self.read(|b| b.members().list())
    }

    /// The member registered for `device`.
    pub fn member(&self, device: &outpost_core::DeviceId) -> Result<Option<Device>> {
        self.read(|b| b.members().get(device))
    }

    /// A device's code for display, or the start of its id if unknown.
    pub fn device_label(&self, id: &str) -> String {
        self.read(|b| Ok(b.members().label(id)))
            .unwrap_or_else(|_| id.chars().take(8).collect())
    }

    /// Every invite, newest first.
    pub fn invites(&self) -> Result<Vec<outpost_core::Invite>> {
        self.read(|b| b.members().invites())
    }

    /// Adds a site with its first warehouse.
    pub fn add_site(&self, code: &SiteCode, name: &str) -> Result<()> {
        self.write("site.add", |b, now| b.sites().add(code, name, now))
    }

    /// Every site.
    pub fn sites(&self) -> Result<Vec<Site>> {
        self.read(|b| b.sites().list())
    }

    /// Adds a warehouse.
    pub fn add_warehouse(&self, code: &WarehouseCode, site: &SiteCode, name: &str) -> Result<()> {
        self.write("warehouse.add", |b, now| {
            b.sites().add_warehouse(code, site, name, now)
        })
    }

    /// Every warehouse.
    pub fn warehouses(&self) -> Result<Vec<Warehouse>> {
        self.read(|b| b.sites().warehouses())
    }

    /// Adds a catalogue item.
    pub fn add_item(&self, item: NewItem) -> Result<ItemId> {
        self.write("item.add", |b, now| b.items().add(item, now))
    }

    /// Changes the fields of an item that `edit` names.
    pub fn edit_item(&self, key: &str, edit: ItemEdit) -> Result<()> {
        self.write("item.edit", |b, now| b.items().edit(key, edit, now))
    }

    /// Saves the item form (a new item, or the fields typed since it was filled).
    pub fn save_item(&self, form: ItemForm) -> Result<ItemId> {
        self.write("item.save", |b, now| b.items().save(form, now))
    }

    /// The catalogue.
    pub fn items(&self) -> Result<Vec<Item>> {
        self.read(|b| b.items().list())
    }

    /// Adds a customer or supplier.
    pub fn add_party(&self, party: NewParty) -> Result<PartyId> {
        self.write("party.add", |b, now| b.parties().add(party, now))
    }

    /// Edits a customer or supplier (by name or id).
    pub fn edit_party(&self, kind: PartyKind, key: &str, edit: PartyEdit) -> Result<()> {
        self.write("party.edit", |b, now| {
            b.parties().edit(kind, key, edit, now)
        })
    }

    /// Saves the customer or supplier form.
    pub fn save_party(&self, form: PartyForm) -> Result<PartyId> {
        self.write("party.save", |b, now| b.parties().save(form, now))
    }

    /// Customers or suppliers.
    pub fn parties(&self, kind: PartyKind) -> Result<Vec<Party>> {
        self.read(|b| b.parties().list(kind))
    }

    /// Creates a draft order; returns its number and id.
    pub fn create_order(&self, order: NewOrder) -> Result<(String, OrderId)> {
        self.write("order.new", |b, now| b.orders().create(order, now))
    }

    /// Saves the order form in one change (and submits it if the form says so); returns
    /// the order's number and id.
    pub fn save_order(&self, form: OrderForm) -> Result<(String, OrderId)> {
        self.write("order.save", |b, now| b.orders().save(form, now))
    }

    /// What the order form comes to as typed: amounts and total. Writes nothing.
    pub fn preview_order(&self, form: &OrderForm) -> Result<OrderPreview> {
        self.read(|b| b.orders().preview(form))
    }

    /// Edits a draft order's header.
    pub fn edit_order(&self, key: &str, edit: OrderEdit) -> Result<()> {
        self.write("order.edit", |b, now| b.orders().edit(key, edit, now))
    }

    /// Edits a draft order's lines.
    pub fn edit_lines(&self, key: &str, edit: LineEdit) -> Result<()> {
        self.write("order.line", |b, now| b.orders().edit_lines(key, edit, now))
    }

    /// Takes a lifecycle step on an order.
    pub fn act_on_order(&self, key: &str, action: Action, note: &str) -> Result<Status> {
        self.write("order.act", |b, now| b.order_step(key, action, note, now))
    }

    /// A page of orders.
    pub fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderRow>> {
        self.read(|b| b.orders().list(filter))
    }

    /// How many orders `filter` matches.
    pub fn count_orders(&self, filter: &OrderFilter) -> Result<u64> {
        self.read(|b| b.orders().count(filter))
    }

    /// One order in full.
    pub fn order(&self, key: &str) -> Result<OrderDetail> {
        self.read(|b| b.orders().get(key))
    }

    /// Records a stock operation.
    pub fn move_stock(&self, mv: StockMove) -> Result<Option<SentTransfer>> {
        self.write("stock.move", |b, now| b.stock().record(mv, now))
    }

    /// Records the stock operation typed into the stock form.
    pub fn record_stock(&self, entry: StockEntry) -> Result<Option<SentTransfer>> {
        self.write("stock.move", |b, now| b.stock().record_entry(&entry, now))
    }

    /// Stock levels.
    pub fn levels(&self, warehouse: Option<&WarehouseCode>) -> Result<Vec<LevelRow>> {
        self.read(|b| b.stock().levels(warehouse))
    }

    /// Stock at or below its threshold, at most `limit` rows.
    pub fn low_stock(&self, limit: u32) -> Result<Vec<LevelRow>> {
        self.read(|b| b.stock().low(limit))
    }

    /// Stock movements.
    pub fn movements(&self, filter: &MovementFilter) -> Result<Vec<MovementRow>> {
        self.read(|b| b.stock().movements(filter))
    }

    /// Transfers not yet received.
    pub fn transfers_in_transit(&self) -> Result<Vec<Transit>> {
        self.read(|b| b.stock().in_transit())
    }

    /// Creates a task; returns its number and id.
    pub fn create_task(&self, task: NewTask) -> Result<(String, TaskId)> {
        self.write("task.new", |b, now| b.tasks().create(task, now))
    }

    /// Saves the task form; returns the task's number and id.
    pub fn save_task(&self, form: TaskForm) -> Result<(String, TaskId)> {
        self.write("task.save", |b, now| b.tasks().save(form, now))
    }

    /// Edits a task.
    pub fn edit_task(&self, key: &str, edit: TaskEdit) -> Result<()> {
        self.write("task.edit", |b, now| b.tasks().edit(key, edit, now))
    }

    /// Comments on a task.
    pub fn comment_task(&self, key: &str, text: &str) -> Result<()> {
        self.write("task.comment", |b, now| b.tasks().comment(key, text, now))
    }

    /// Tasks.
    pub fn tasks(&self, filter: &TaskFilter) -> Result<Vec<TaskRow>> {
        self.read(|b| b.tasks().list(filter))
    }

    /// One task.
    pub fn task(&self, key: &str) -> Result<TaskRow> {
        self.read(|b| b.tasks().get(key))
    }

    /// Posts a journal entry; returns its number and id.
    pub fn post_entry(&self, entry: NewEntry) -> Result<(String, EntryId)> {
        self.write("entry.post", |b, now| b.ledger().post(entry, now))
    }

    /// Posts the journal entry form as typed; returns the entry's number and id.
    pub fn save_entry(&self, form: EntryForm) -> Result<(String, EntryId)> {
        self.write("entry.post", |b, now| b.ledger().save(&form, now))
    }

    /// Reverses a journal entry (dated `date`, today if none); the reversal's number and id.
    pub fn reverse_entry(&self, key: &str, date: Option<&str>) -> Result<(String, EntryId)> {
        self.write("entry.reverse", |b, now| b.ledger().reverse(key, date, now))
    }

    /// Journal entries.
    pub fn entries(&self, filter: &EntryFilter) -> Result<Vec<EntryRow>> {
        self.read(|b| b.ledger().list(filter))
    }

    /// One journal entry.
    pub fn entry(&self, key: &str) -> Result<EntryRow> {
        self.read(|b| b.ledger().get(key))
    }

    /// A trial balance of one site or of all.
    pub fn trial_balance(&self, filter: &BalanceFilter) -> Result<TrialBalance> {
        self.read(|b| b.ledger().trial_balance(filter))
    }

    /// The chart of accounts: preset and added, by code.
    pub fn chart(&self) -> Result<Vec<Account>> {
        self.read(|b| b.chart().accounts())
    }

    /// Adds sub-account `code` named `name` to the chart.
    pub fn add_account(&self, code: &str, name: &str) -> Result<Account> {
        self.write("account.add", |b, now| {
            b.chart().add_account(code, name, now)
        })
    }

    /// Renames an added account.
    pub fn rename_account(&self, code: &str, name: &str) -> Result<()> {
        self.write("account.rename", |b, now| {
            b.chart().rename_account(code, name, now)
        })
    }

    /// Offers an added account for new entries again, or no longer.
    pub fn set_account_active(&self, code: &str, active: bool) -> Result<()> {
        self.write("account.active", |b, now| {
            b.chart().set_account_active(code, active, now)
        })
    }

    /// Every VAT rate, preset and added, highest first.
    pub fn vat_rates(&self) -> Result<Vec<outpost_core::VatRate>> {
        self.read(|b| b.chart().rates())
    }

    /// Adds a VAT rate (`1.5`).
    pub fn add_rate(&self, percent: &str) -> Result<outpost_core::VatRate> {
        self.write("vat_rate.add", |b, now| b.chart().add_rate(percent, now))
    }

    /// Offers an added VAT rate for new invoices again, or no longer.
    pub fn set_rate_active(&self, percent: &str, active: bool) -> Result<()> {
        self.write("vat_rate.active", |b, now| {
            b.chart().set_rate_active(percent, active, now)
        })
    }

    /// Issues (sales) or books (purchase) an invoice; its number and id.
    pub fn invoice(&self, new: NewInvoice) -> Result<(String, InvoiceId)> {
        self.write("invoice.new", |b, now| b.billing().invoice(new, now))
    }

    /// Issues the invoice the window's form describes; its number and id.
    pub fn save_invoice(&self, form: InvoiceForm) -> Result<(String, InvoiceId)> {
        self.write("invoice.new", |b, now| {
            b.billing().invoice(form.parse()?, now)
        })
    }

    /// Records the receipt or payment the window's form describes; its number and id.
    pub fn save_payment(&self, form: PaymentForm) -> Result<(String, PaymentId)> {
        self.write("payment.new", |b, now| b.billing().pay(form.parse()?, now))
    }

    /// Issues a credit note against an invoice; its number and id.
    pub fn credit_note(&self, new: NewCreditNote) -> Result<(String, InvoiceId)> {
        self.write("invoice.credit", |b, now| b.billing().credit(new, now))
    }

    /// Records the tax authority's number of an invoice.
    pub fn set_tax_number(&self, invoice: &str, tax_no: &str) -> Result<()> {
        self.write("invoice.tax_no", |b, now| {
            b.billing().set_tax_number(invoice, tax_no, now)
        })
    }

    /// Records a receipt or payment; its number and id.
    pub fn pay(&self, new: NewPayment) -> Result<(String, PaymentId)> {
        self.write("payment.new", |b, now| b.billing().pay(new, now))
    }

    /// Invoices and credit notes.
    pub fn invoices(&self, filter: &InvoiceFilter) -> Result<Vec<InvoiceRow>> {
        self.read(|b| b.billing().invoices(filter))
    }

    /// One invoice or credit note.
    pub fn invoice_row(&self, key: &str) -> Result<InvoiceRow> {
        self.read(|b| b.billing().invoice_row(key))
    }

    /// Receipts and payments.
    pub fn payments(&self, filter: &PaymentFilter) -> Result<Vec<PaymentRow>> {
        self.read(|b| b.billing().payments(filter))
    }

    /// What each party owes or is owed, by days past due.
    pub fn ageing(&self, filter: &AgeingFilter) -> Result<Vec<AgeingRow>> {
        self.read(|b| b.billing().ageing(filter, Timestamp::now()))
    }

    /// Imports a bank statement file (CSV, UTF-8 or GBK).
    pub fn import_statement(&self, path: &Path, how: StatementImport) -> Result<ImportedStatement> {
        let bytes = std::fs::read(path).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        self.write("bank.import", |b, now| b.bank().import(&bytes, &how, now))
    }

    /// Bank lines with suggested matches.
    pub fn bank_lines(&self, filter: &BankFilter) -> Result<Vec<BankLineRow>> {
        self.read(|b| b.bank().lines(filter))
    }

    /// Receipts and payments no bank line is matched to.
    pub fn unmatched_payments(&self, site: Option<&str>) -> Result<Vec<PaymentRow>> {
        self.read(|b| b.bank().unmatched_payments(site))
    }

    /// Matches a bank line to a receipt or payment.
    pub fn match_bank_line(&self, line: &str, payment: &str) -> Result<()> {
        self.write("bank.match", |b, now| {
            b.bank().match_payment(line, payment, now)
        })
    }

    /// Records the receipt or payment a bank line is (against an invoice, or on account)
    /// and matches the line to it; the payment's number.
    pub fn receive_bank_line(&self, line: &str, invoice: &str) -> Result<String> {
        self.write("bank.match", |b, now| b.bank().receive(line, invoice, now))
    }

    /// Closes a site's month (this device's site if `site` is empty).
    pub fn close_month(&self, site: &str, month: &str) -> Result<()> {
        self.write("ledger.close", |b, now| {
            b.ledger().close_month(site, month, now)
        })
    }

    /// Every month closed.
    pub fn closes(&self) -> Result<Vec<CloseRow>> {
        self.read(|b| b.ledger().closes())
    }

    /// The balance sheet at the end of a day.
    pub fn balance_sheet(&self, filter: &BalanceFilter) -> Result<BalanceSheet> {
        self.read(|b| b.ledger().balance_sheet(filter))
    }

    /// The stock at moving-average cost, per site and item.
    pub fn stock_valuation(&self, filter: &BalanceFilter) -> Result<Vec<ValuationRow>> {
        self.read(|b| b.ledger().stock_valuation(filter))
    }

    /// The finance overview: cash by month, receivables by age, sales by site and month.
    pub fn finance_overview(&self) -> Result<FinanceOverview> {
        self.read(|b| b.finance_overview(Timestamp::now()))
    }

    /// Sales shipped in a period, by item, customer or site.
    pub fn sales(&self, filter: &SalesFilter) -> Result<Vec<SalesRow>> {
        self.read(|b| b.ledger().sales(filter))
    }

    /// The income statement of a period.
    pub fn income_statement(&self, filter: &PeriodFilter) -> Result<IncomeStatement> {
        self.read(|b| b.ledger().income_statement(filter))
    }

    /// Open conflicts.
    pub fn conflicts(&self) -> Result<Vec<ConflictRow>> {
        self.read(|b| b.conflicts().list())
    }

    /// Resolves a conflict with choice `choice` (1-based).
    pub fn resolve_conflict(&self, record: &str, field: &str, choice: usize) -> Result<()> {
        self.write("conflict.resolve", |b, now| {
            b.conflicts().resolve(record, field, choice, now)
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
        self.read(|b| b.drafts().keep(key, body, Timestamp::now()))
    }

    /// The draft kept under `key`, if any.
    pub fn draft(&self, key: &str) -> Result<Option<Draft>> {
        self.read(|b| b.drafts().get(key))
    }

    /// Every kept draft, newest first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        self.read(|b| b.drafts().list())
    }

    /// Forgets a draft (saved or discarded).
    pub fn drop_draft(&self, key: &str) -> Result<()> {
        self.read(|b| b.drafts().forget(key))
    }

    /// Broken invariants.
    pub fn exceptions(&self) -> Result<Vec<ExceptionRow>> {
        self.read(|b| b.exceptions())
    }

    /// Exceptions acknowledged as they stand, with their notes.
    pub fn acknowledged_exceptions(&self) -> Result<Vec<ExceptionRow>> {
        self.read(|b| b.acknowledged_exceptions())
    }

    /// Acknowledges the open exception of `kind` about `subject` with `note`.
    pub fn acknowledge(&self, kind: &str, subject: &str, note: &str) -> Result<()> {
        self.write("exception.acknowledge", |b, now| {
            b.acknowledge(kind, subject, note, now)
        })
    }

    /// Writes a bundle file.
    ///
    /// The file is sealed (encrypted) for its readers: with `passphrase` if given (whoever
    /// types it on the other end opens it), else for the device keys of the member `scope`
    /// names, or, for everything, of the active members who may read every document in it.
    pub fn export_bundle(
        &self,
        path: &Path,
        scope: &ExportScope,
        passphrase: Option<&str>,
    ) -> Result<usize> {
        let bytes = match passphrase.filter(|p| !p.is_empty()) {
            Some(passphrase) => {
                let bytes = self.bundle_bytes(scope)?;
                crate::sealed::seal_with_passphrase(&bytes, passphrase)
                    .map_err(|reason| Error::damaged(path, reason))?
            }
            None => self.sealed_bundle(path, scope)?,
        };
        crate::file::write_atomically(path, &bytes)?;
        Ok(bytes.len())
    }

    /// A bundle of what `scope` names, sealed for its readers' device keys (`path` names
    /// it in errors).
    pub(crate) fn sealed_bundle(&self, path: &Path, scope: &ExportScope) -> Result<Vec<u8>> {
        let bytes = self.bundle_bytes(scope)?;
        let readers = match scope {
            ExportScope::For(device) => vec![device.clone()],
            ExportScope::Everything => self.read(|b| b.bundle_readers(&bytes))?,
        };
        crate::sealed::seal(&bytes, &readers).map_err(|reason| Error::damaged(path, reason))
    }

    /// A bundle of what `scope` names, in memory.
    pub(crate) fn bundle_bytes(&self, scope: &ExportScope) -> Result<Vec<u8>> {
        self.read(|b| b.export_bundle(scope, Timestamp::now()))
    }

    /// Merges a bundle file (opened with `passphrase` if it was sealed with one).
    pub fn import_bundle(&self, path: &Path, passphrase: Option<&str>) -> Result<ImportReport> {
        let bytes = std::fs::read(path).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        let key = self.identity().signing_key()?;
        let bytes = crate::sealed::open_file(path, bytes, &key, passphrase)?;
        let (report, docs) = self.read(|b| {
            Ok((
                b.import_bundle(&bytes, Timestamp::now())?,
                b.take_changed_docs(),
            ))
        })?;
        self.push_changes(&docs);
        self.emit(Event::Imported {
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
}
