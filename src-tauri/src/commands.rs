//! The window's commands: each is one line calling the same-named method of the open
//! [`Node`] on a blocking thread (a merge may hold the book for a moment; the window's
//! thread never waits for it), answering with its value or a [`Failure`] in the user's
//! language. Forms arrive as typed; no rule lives here.

use outpost_node::Exported;
use outpost_node::api::{
    Account, BalanceFilter, EntryFilter, EntryForm, EntryId, EntryRow, TrialBalance, VatRate,
};
use outpost_node::api::{
    Action, BackupSchedule, ConflictRow, Decision, Device, Draft, ExceptionRow, HeldChange,
    HistoryEntry, HostStatus, ImportReport, Invite, Item, ItemForm, ItemId, LastBackup, LevelRow,
    MovementFilter, MovementRow, NewInvite, NewOrg, OrderDetail, OrderFilter, OrderForm, OrderId,
    OrderPreview, OrderRow, Party, PartyForm, PartyId, PartyKind, PeerStatus, Role, SampleSpec,
    SentTransfer, Setup, SignedDuration, Site, SiteCode, Status, StockEntry, SyncStatus, TaskEdit,
    TaskFilter, TaskForm, TaskId, TaskRow, Today, Transit, Warehouse, WarehouseCode,
};
use outpost_node::api::{
    AgeingFilter, AgeingRow, InvoiceFilter, InvoiceForm, InvoiceId, InvoiceRow, PaymentFilter,
    PaymentForm, PaymentId, PaymentRow,
};
use outpost_node::api::{
    BalanceSheet, FinanceOverview, IncomeStatement, PeriodFilter, SalesFilter, SalesRow,
    ValuationRow,
};
use outpost_node::api::{BankFilter, BankLineRow, CloseRow, ImportedStatement, StatementImport};
use outpost_node::i18n::Lang;
use outpost_node::{Host, Node};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::Failure;

type Reply<T> = std::result::Result<T, Failure>;

/// Runs `call` on a blocking thread with the app's [`Host`], telling errors in the
/// user's language.
async fn on_host<R: Runtime, T, F>(app: &AppHandle<R>, call: F) -> Reply<T>
where
    T: Send + 'static,
    F: FnOnce(&Host) -> outpost_node::Result<T> + Send + 'static,
{
    let app = app.clone();
    let lang = app.state::<Host>().lang();
    match tauri::async_runtime::spawn_blocking(move || call(&app.state::<Host>())).await {
        Ok(result) => result.map_err(|e| Failure::new(lang, &e)),
        Err(e) => Err(Failure::stopped(lang, &e.to_string())),
    }
}

/// Runs `call` on the open node on a blocking thread.
async fn on_node<T, F>(host: &Host, call: F) -> Reply<T>
where
    T: Send + 'static,
    F: FnOnce(&Node) -> outpost_node::Result<T> + Send + 'static,
{
    let lang = host.lang();
    let node = host.node().map_err(|e| Failure::new(lang, &e))?;
    match tauri::async_runtime::spawn_blocking(move || call(&node)).await {
        Ok(result) => result.map_err(|e| Failure::new(lang, &e)),
        Err(e) => Err(Failure::stopped(lang, &e.to_string())),
    }
}

/// Writes a report to `path` with `write`, headings in the window's language.
async fn export_to<F>(host: &Host, path: String, write: F) -> Reply<Exported>
where
    F: FnOnce(&Node, &std::path::Path, Lang) -> outpost_node::Result<Exported> + Send + 'static,
{
    let lang = host.lang();
    on_node(host, move |n| write(n, std::path::Path::new(&path), lang)).await
}

/// The data dir, language, where the node stands and (once open) this device's setup.
#[tauri::command]
pub async fn app_status<R: Runtime>(app: AppHandle<R>) -> Reply<HostStatus> {
    on_host(&app, |h| h.status()).await
}

/// Opens a book locked with a passphrase with the one typed; the status after (still
/// waiting, `wrong`, if it did not open the keys).
#[tauri::command]
pub async fn unlock<R: Runtime>(app: AppHandle<R>, passphrase: String) -> Reply<HostStatus> {
    on_host(&app, move |h| {
        h.unlock_with(&passphrase);
        h.status()
    })
    .await
}

/// Locks the book's keys with a new passphrase (`None` removes it); this device's setup
/// after.
#[tauri::command]
pub async fn change_passphrase(host: State<'_, Host>, passphrase: Option<String>) -> Reply<Setup> {
    on_node(&host, move |n| {
        let unlock = match passphrase.as_deref() {
            Some(p) if !p.is_empty() => outpost_node::Unlock::with_passphrase(p),
            Some(_) => return Err(outpost_node::Error::PassphraseEmpty),
            None => outpost_node::Unlock::none(),
        };
        n.change_passphrase(&unlock)?;
        n.setup()
    })
    .await
}

/// Sets the passphrase this device's backups open with; this device's setup after.
#[tauri::command]
pub async fn set_backup_passphrase(host: State<'_, Host>, passphrase: String) -> Reply<Setup> {
    on_node(&host, move |n| {
        n.set_backup_passphrase(&passphrase)?;
        n.setup()
    })
    .await
}

/// Switches the language of messages (`en`, `zh`).
#[tauri::command]
pub fn set_lang(host: State<'_, Host>, lang: String) {
    host.set_lang(Lang::parse(&lang).unwrap_or_default());
}

/// Creates a new organisation on this device (first run); with `sample`, fills it with a
/// busy site's sample data.
#[tauri::command]
pub async fn create_org<R: Runtime>(
    app: AppHandle<R>,
    org: NewOrg,
    sample: Option<SampleSpec>,
) -> Reply<Setup> {
    on_host(&app, move |h| h.create(org, sample)?.setup()).await
}

/// Brings this device back from its backup file, opened with the backup passphrase
/// (first run on a new machine).
#[tauri::command]
pub async fn restore_backup<R: Runtime>(
    app: AppHandle<R>,
    path: String,
    passphrase: String,
) -> Reply<Setup> {
    on_host(&app, move |h| {
        h.restore(std::path::Path::new(path.trim()), &passphrase)?
            .setup()
    })
    .await
}

/// Joins an organisation with an invite code (first run).
#[tauri::command]
pub async fn join_org(host: State<'_, Host>, code: String, name: String) -> Reply<Setup> {
    let lang = host.lang();
    let node = host
        .join(&code, &name)
        .await
        .map_err(|e| Failure::new(lang, &e))?;
    on_node(&host, move |_| node.setup()).await
}

/// What needs attention today (`date`: the window's local date, `YYYY-MM-DD`).
#[tauri::command]
pub async fn today(host: State<'_, Host>, date: String) -> Reply<Today> {
    on_node(&host, move |n| n.today(&date)).await
}

/// Every site.
#[tauri::command]
pub async fn sites(host: State<'_, Host>) -> Reply<Vec<Site>> {
    on_node(&host, |n| n.sites()).await
}

/// Adds a site with its first warehouse.
#[tauri::command]
pub async fn add_site(host: State<'_, Host>, code: SiteCode, name: String) -> Reply<()> {
    on_node(&host, move |n| n.add_site(&code, &name)).await
}

/// Every warehouse.
#[tauri::command]
pub async fn warehouses(host: State<'_, Host>) -> Reply<Vec<Warehouse>> {
    on_node(&host, |n| n.warehouses()).await
}

/// The catalogue.
#[tauri::command]
pub async fn items(host: State<'_, Host>) -> Reply<Vec<Item>> {
    on_node(&host, |n| n.items()).await
}

/// Saves the item form (a new item, or the fields typed since it was filled).
#[tauri::command]
pub async fn save_item(host: State<'_, Host>, form: ItemForm) -> Reply<ItemId> {
    on_node(&host, move |n| n.save_item(form)).await
}

/// Customers or suppliers.
#[tauri::command]
pub async fn parties(host: State<'_, Host>, kind: PartyKind) -> Reply<Vec<Party>> {
    on_node(&host, move |n| n.parties(kind)).await
}

/// Saves the customer or supplier form.
#[tauri::command]
pub async fn save_party(host: State<'_, Host>, form: PartyForm) -> Reply<PartyId> {
    on_node(&host, move |n| n.save_party(form)).await
}

/// A page of orders.
#[tauri::command]
pub async fn orders(host: State<'_, Host>, filter: OrderFilter) -> Reply<Vec<OrderRow>> {
    on_node(&host, move |n| n.orders(&filter)).await
}

/// How many orders `filter` matches.
#[tauri::command]
pub async fn count_orders(host: State<'_, Host>, filter: OrderFilter) -> Reply<u64> {
    on_node(&host, move |n| n.count_orders(&filter)).await
}

/// One order in full, with the actions and fields this device may use now.
#[tauri::command]
pub async fn order(host: State<'_, Host>, key: String) -> Reply<OrderDetail> {
    on_node(&host, move |n| n.order(&key)).await
}

/// What the order form comes to as typed (amounts, total). Writes nothing.
#[tauri::command]
pub async fn preview_order(host: State<'_, Host>, form: OrderForm) -> Reply<OrderPreview> {
    on_node(&host, move |n| n.preview_order(&form)).await
}

/// Saves the order form in one change; returns the order's number and id.
#[tauri::command]
pub async fn save_order(host: State<'_, Host>, form: OrderForm) -> Reply<(String, OrderId)> {
    on_node(&host, move |n| n.save_order(form)).await
}

/// Takes a lifecycle step on an order.
#[tauri::command]
pub async fn act_on_order(
    host: State<'_, Host>,
    key: String,
    action: Action,
    note: String,
) -> Reply<Status> {
    on_node(&host, move |n| n.act_on_order(&key, action, &note)).await
}

/// Stock levels, of one warehouse or all.
#[tauri::command]
pub async fn levels(
    host: State<'_, Host>,
    warehouse: Option<WarehouseCode>,
) -> Reply<Vec<LevelRow>> {
    on_node(&host, move |n| n.levels(warehouse.as_ref())).await
}

/// Stock movements.
#[tauri::command]
pub async fn movements(host: State<'_, Host>, filter: MovementFilter) -> Reply<Vec<MovementRow>> {
    on_node(&host, move |n| n.movements(&filter)).await
}

/// Transfers not yet received.
#[tauri::command]
pub async fn transfers_in_transit(host: State<'_, Host>) -> Reply<Vec<Transit>> {
    on_node(&host, |n| n.transfers_in_transit()).await
}

/// Records the stock operation typed into the stock form.
#[tauri::command]
pub async fn record_stock(host: State<'_, Host>, entry: StockEntry) -> Reply<Option<SentTransfer>> {
    on_node(&host, move |n| n.record_stock(entry)).await
}

/// The chart of accounts.
#[tauri::command]
pub async fn chart(host: State<'_, Host>) -> Reply<Vec<Account>> {
    on_node(&host, move |n| n.chart()).await
}

/// Adds a sub-account to the chart.
#[tauri::command]
pub async fn add_account(host: State<'_, Host>, code: String, name: String) -> Reply<Account> {
    on_node(&host, move |n| n.add_account(&code, &name)).await
}

/// Renames an added account.
#[tauri::command]
pub async fn rename_account(host: State<'_, Host>, code: String, name: String) -> Reply<()> {
    on_node(&host, move |n| n.rename_account(&code, &name)).await
}

/// Offers an added account again, or no longer.
#[tauri::command]
pub async fn set_account_active(host: State<'_, Host>, code: String, active: bool) -> Reply<()> {
    on_node(&host, move |n| n.set_account_active(&code, active)).await
}

/// The VAT rates, preset and added.
#[tauri::command]
pub async fn vat_rates(host: State<'_, Host>) -> Reply<Vec<VatRate>> {
    on_node(&host, move |n| n.vat_rates()).await
}

/// Adds a VAT rate.
#[tauri::command]
pub async fn add_vat_rate(host: State<'_, Host>, rate: String) -> Reply<VatRate> {
    on_node(&host, move |n| n.add_rate(&rate)).await
}

/// Offers an added VAT rate again, or no longer.
#[tauri::command]
pub async fn set_vat_rate_active(host: State<'_, Host>, rate: String, active: bool) -> Reply<()> {
    on_node(&host, move |n| n.set_rate_active(&rate, active)).await
}

/// Journal entries.
#[tauri::command]
pub async fn entries(host: State<'_, Host>, filter: EntryFilter) -> Reply<Vec<EntryRow>> {
    on_node(&host, move |n| n.entries(&filter)).await
}

/// Posts the journal entry form; returns the entry's number and id.
#[tauri::command]
pub async fn save_entry(host: State<'_, Host>, form: EntryForm) -> Reply<(String, EntryId)> {
    on_node(&host, move |n| n.save_entry(form)).await
}

/// Reverses a journal entry today; returns the reversal's number and id.
#[tauri::command]
pub async fn reverse_entry(host: State<'_, Host>, key: String) -> Reply<(String, EntryId)> {
    on_node(&host, move |n| n.reverse_entry(&key, None)).await
}

/// Invoices and credit notes.
#[tauri::command]
pub async fn invoices(host: State<'_, Host>, filter: InvoiceFilter) -> Reply<Vec<InvoiceRow>> {
    on_node(&host, move |n| n.invoices(&filter)).await
}

/// Receipts and payments.
#[tauri::command]
pub async fn payments(host: State<'_, Host>, filter: PaymentFilter) -> Reply<Vec<PaymentRow>> {
    on_node(&host, move |n| n.payments(&filter)).await
}

/// What each party owes or is owed, by days past due.
#[tauri::command]
pub async fn ageing(host: State<'_, Host>, filter: AgeingFilter) -> Reply<Vec<AgeingRow>> {
    on_node(&host, move |n| n.ageing(&filter)).await
}

/// Issues the invoice the form describes; its number and id.
#[tauri::command]
pub async fn save_invoice(host: State<'_, Host>, form: InvoiceForm) -> Reply<(String, InvoiceId)> {
    on_node(&host, move |n| n.save_invoice(form)).await
}

/// Records the receipt or payment the form describes; its number and id.
#[tauri::command]
pub async fn save_payment(host: State<'_, Host>, form: PaymentForm) -> Reply<(String, PaymentId)> {
    on_node(&host, move |n| n.save_payment(form)).await
}

/// Credits what is left of an invoice with a credit note; its number and id.
#[tauri::command]
pub async fn credit_invoice(host: State<'_, Host>, key: String) -> Reply<(String, InvoiceId)> {
    on_node(&host, move |n| {
        n.credit_note(outpost_node::api::NewCreditNote {
            invoice: key,
            ..Default::default()
        })
    })
    .await
}

/// Records the tax authority's number of an invoice.
#[tauri::command]
pub async fn set_tax_number(host: State<'_, Host>, key: String, tax_no: String) -> Reply<()> {
    on_node(&host, move |n| n.set_tax_number(&key, &tax_no)).await
}

/// Imports the bank statement at `path`.
#[tauri::command]
pub async fn import_statement(
    host: State<'_, Host>,
    path: String,
    how: StatementImport,
) -> Reply<ImportedStatement> {
    on_node(&host, move |n| {
        n.import_statement(std::path::Path::new(&path), how)
    })
    .await
}

/// Bank lines with suggested matches.
#[tauri::command]
pub async fn bank_lines(host: State<'_, Host>, filter: BankFilter) -> Reply<Vec<BankLineRow>> {
    on_node(&host, move |n| n.bank_lines(&filter)).await
}

/// Receipts and payments no bank line is matched to.
#[tauri::command]
pub async fn unmatched_payments(host: State<'_, Host>) -> Reply<Vec<PaymentRow>> {
    on_node(&host, move |n| n.unmatched_payments(None)).await
}

/// Matches a bank line to a receipt or payment.
#[tauri::command]
pub async fn match_bank_line(host: State<'_, Host>, line: String, payment: String) -> Reply<()> {
    on_node(&host, move |n| n.match_bank_line(&line, &payment)).await
}

/// Records the receipt or payment a bank line is, against `invoice`; its number.
#[tauri::command]
pub async fn receive_bank_line(
    host: State<'_, Host>,
    line: String,
    invoice: String,
) -> Reply<String> {
    on_node(&host, move |n| n.receive_bank_line(&line, &invoice)).await
}

/// Closes a site's month.
#[tauri::command]
pub async fn close_month(host: State<'_, Host>, site: String, month: String) -> Reply<()> {
    on_node(&host, move |n| n.close_month(&site, &month)).await
}

/// Every month closed.
#[tauri::command]
pub async fn closes(host: State<'_, Host>) -> Reply<Vec<CloseRow>> {
    on_node(&host, move |n| n.closes()).await
}

/// A trial balance of one site or of every site.
#[tauri::command]
pub async fn trial_balance(host: State<'_, Host>, filter: BalanceFilter) -> Reply<TrialBalance> {
    on_node(&host, move |n| n.trial_balance(&filter)).await
}

/// Writes the trial balance to `path` (.csv or .xlsx), in the window's language.
#[tauri::command]
pub async fn export_trial_balance(
    host: State<'_, Host>,
    filter: BalanceFilter,
    path: String,
) -> Reply<Exported> {
    export_to(&host, path, move |n, path, lang| {
        n.export_trial_balance(&filter, path, lang)
    })
    .await
}

/// The balance sheet of one site or of every site, at the end of a day.
#[tauri::command]
pub async fn balance_sheet(host: State<'_, Host>, filter: BalanceFilter) -> Reply<BalanceSheet> {
    on_node(&host, move |n| n.balance_sheet(&filter)).await
}

/// The income statement of a period.
#[tauri::command]
pub async fn income_statement(
    host: State<'_, Host>,
    filter: PeriodFilter,
) -> Reply<IncomeStatement> {
    on_node(&host, move |n| n.income_statement(&filter)).await
}

/// The stock at moving-average cost per site and item, at the end of a day.
#[tauri::command]
pub async fn stock_valuation(
    host: State<'_, Host>,
    filter: BalanceFilter,
) -> Reply<Vec<ValuationRow>> {
    on_node(&host, move |n| n.stock_valuation(&filter)).await
}

/// The finance overview: cash by month, receivables by age, sales by site and month.
#[tauri::command]
pub async fn finance_overview(host: State<'_, Host>) -> Reply<FinanceOverview> {
    on_node(&host, move |n| n.finance_overview()).await
}

/// Sales shipped in a period, by item, customer or site.
#[tauri::command]
pub async fn sales(host: State<'_, Host>, filter: SalesFilter) -> Reply<Vec<SalesRow>> {
    on_node(&host, move |n| n.sales(&filter)).await
}

/// Writes the sales to `path` (.csv or .xlsx), in the window's language.
#[tauri::command]
pub async fn export_sales(
    host: State<'_, Host>,
    filter: SalesFilter,
    path: String,
) -> Reply<Exported> {
    export_to(&host, path, move |n, path, lang| {
        n.export_sales(&filter, path, lang)
    })
    .await
}

/// Writes the balance sheet to `path` (.csv or .xlsx), in the window's language.
#[tauri::command]
pub async fn export_balance_sheet(
    host: State<'_, Host>,
    filter: BalanceFilter,
    path: String,
) -> Reply<Exported> {
    export_to(&host, path, move |n, path, lang| {
        n.export_balance_sheet(&filter, path, lang)
    })
    .await
}

/// Writes the income statement to `path` (.csv or .xlsx), in the window's language.
#[tauri::command]
pub async fn export_income_statement(
    host: State<'_, Host>,
    filter: PeriodFilter,
    path: String,
) -> Reply<Exported> {
    export_to(&host, path, move |n, path, lang| {
        n.export_income_statement(&filter, path, lang)
    })
    .await
}

/// Writes the stock at cost to `path` (.csv or .xlsx), in the window's language.
#[tauri::command]
pub async fn export_stock_valuation(
    host: State<'_, Host>,
    filter: BalanceFilter,
    path: String,
) -> Reply<Exported> {
    export_to(&host, path, move |n, path, lang| {
        n.export_stock_valuation(&filter, path, lang)
    })
    .await
}

/// Writes the ageing to `path` (.csv or .xlsx), in the window's language.
#[tauri::command]
pub async fn export_ageing(
    host: State<'_, Host>,
    filter: AgeingFilter,
    path: String,
) -> Reply<Exported> {
    export_to(&host, path, move |n, path, lang| {
        n.export_ageing(&filter, path, lang)
    })
    .await
}

/// Writes the journal to `path`: Beancount, or a table of its lines (.xlsx, .csv).
#[tauri::command]
pub async fn export_journal(
    host: State<'_, Host>,
    filter: EntryFilter,
    path: String,
) -> Reply<Exported> {
    export_to(&host, path, move |n, path, lang| {
        n.export_journal(&filter, path, lang)
    })
    .await
}

/// Tasks.
#[tauri::command]
pub async fn tasks(host: State<'_, Host>, filter: TaskFilter) -> Reply<Vec<TaskRow>> {
    on_node(&host, move |n| n.tasks(&filter)).await
}

/// One task.
#[tauri::command]
pub async fn task(host: State<'_, Host>, key: String) -> Reply<TaskRow> {
    on_node(&host, move |n| n.task(&key)).await
}

/// Saves the task form; returns the task's number and id.
#[tauri::command]
pub async fn save_task(host: State<'_, Host>, form: TaskForm) -> Reply<(String, TaskId)> {
    on_node(&host, move |n| n.save_task(form)).await
}

/// Changes the fields of a task that `edit` names (the board moves a task this way).
#[tauri::command]
pub async fn edit_task(host: State<'_, Host>, key: String, edit: TaskEdit) -> Reply<()> {
    on_node(&host, move |n| n.edit_task(&key, edit)).await
}

/// Comments on a task.
#[tauri::command]
pub async fn comment_task(host: State<'_, Host>, key: String, text: String) -> Reply<()> {
    on_node(&host, move |n| n.comment_task(&key, &text)).await
}

/// Open conflicts.
#[tauri::command]
pub async fn conflicts(host: State<'_, Host>) -> Reply<Vec<ConflictRow>> {
    on_node(&host, |n| n.conflicts()).await
}

/// Resolves a conflict with choice `choice` (1-based).
#[tauri::command]
pub async fn resolve_conflict(
    host: State<'_, Host>,
    record: String,
    field: String,
    choice: usize,
) -> Reply<()> {
    on_node(&host, move |n| n.resolve_conflict(&record, &field, choice)).await
}

/// History of a record.
#[tauri::command]
pub async fn history(host: State<'_, Host>, key: String) -> Reply<Vec<HistoryEntry>> {
    on_node(&host, move |n| n.history(&key)).await
}

/// Broken invariants.
#[tauri::command]
pub async fn exceptions(host: State<'_, Host>) -> Reply<Vec<ExceptionRow>> {
    on_node(&host, |n| n.exceptions()).await
}

/// Exceptions acknowledged as they stand, with their notes.
#[tauri::command]
pub async fn acknowledged_exceptions(host: State<'_, Host>) -> Reply<Vec<ExceptionRow>> {
    on_node(&host, |n| n.acknowledged_exceptions()).await
}

/// Acknowledges an open exception with a note.
#[tauri::command]
pub async fn acknowledge_exception(
    host: State<'_, Host>,
    kind: String,
    subject: String,
    note: String,
) -> Reply<()> {
    on_node(&host, move |n| n.acknowledge(&kind, &subject, &note)).await
}

/// Every registered device.
#[tauri::command]
pub async fn devices(host: State<'_, Host>) -> Reply<Vec<Device>> {
    on_node(&host, |n| n.devices()).await
}

/// Every invite, newest first.
#[tauri::command]
pub async fn invites(host: State<'_, Host>) -> Reply<Vec<Invite>> {
    on_node(&host, |n| n.invites()).await
}

/// Makes an invite open for `valid_secs` seconds (admin only; the book checks the limits).
#[tauri::command]
pub async fn create_invite(
    host: State<'_, Host>,
    role: Role,
    site: SiteCode,
    valid_secs: i64,
) -> Reply<NewInvite> {
    on_node(&host, move |n| {
        n.create_invite(role, &site, SignedDuration::from_secs(valid_secs))
    })
    .await
}

/// Revokes a member (admin only).
#[tauri::command]
pub async fn revoke(host: State<'_, Host>, key: String) -> Reply<Device> {
    on_node(&host, move |n| n.revoke(&key)).await
}

/// Changes held for an admin (a revoked device's late changes).
#[tauri::command]
pub async fn held_changes(host: State<'_, Host>) -> Reply<Vec<HeldChange>> {
    on_node(&host, move |n| n.held_changes()).await
}

/// Accepts or discards a held change (admin only).
#[tauri::command]
pub async fn decide_held(host: State<'_, Host>, hash: String, decision: Decision) -> Reply<()> {
    on_node(&host, move |n| n.decide_held(&hash, decision)).await
}

/// Renames a device (admin only).
#[tauri::command]
pub async fn rename_device(host: State<'_, Host>, key: String, name: String) -> Reply<Device> {
    on_node(&host, move |n| n.rename_device(&key, &name)).await
}

/// Keeps what was typed into a form and not saved yet (this device only).
#[tauri::command]
pub async fn keep_draft(host: State<'_, Host>, key: String, body: String) -> Reply<()> {
    on_node(&host, move |n| n.keep_draft(&key, &body)).await
}

/// The draft kept under `key`, if any.
#[tauri::command]
pub async fn draft(host: State<'_, Host>, key: String) -> Reply<Option<Draft>> {
    on_node(&host, move |n| n.draft(&key)).await
}

/// Every kept draft, newest first.
#[tauri::command]
pub async fn drafts(host: State<'_, Host>) -> Reply<Vec<Draft>> {
    on_node(&host, |n| n.drafts()).await
}

/// Forgets a draft (saved or discarded).
#[tauri::command]
pub async fn drop_draft(host: State<'_, Host>, key: String) -> Reply<()> {
    on_node(&host, move |n| n.drop_draft(&key)).await
}

/// Connected members with traffic and what is pending each way.
#[tauri::command]
pub async fn peers(host: State<'_, Host>) -> Reply<Vec<PeerStatus>> {
    on_node(&host, |n| n.peers()).await
}

/// What HQ has not seen yet, and refused changes.
#[tauri::command]
pub async fn sync_status(host: State<'_, Host>) -> Reply<SyncStatus> {
    on_node(&host, |n| n.sync_status()).await
}

/// Adds a peer to keep dialling.
#[tauri::command]
pub async fn add_peer(host: State<'_, Host>, addr: String) -> Reply<String> {
    on_node(&host, move |n| n.add_peer(&addr).map(|a| a.to_string())).await
}

/// Writes a bundle of the whole book into the folder `dir`, remembered as the last backup.
#[tauri::command]
pub async fn backup(host: State<'_, Host>, dir: String) -> Reply<LastBackup> {
    on_node(&host, move |n| n.backup(std::path::Path::new(&dir))).await
}

/// The backup schedule, if backups are written by themselves.
#[tauri::command]
pub async fn backup_schedule(host: State<'_, Host>) -> Reply<Option<BackupSchedule>> {
    on_node(&host, |n| Ok(n.backup_schedule())).await
}

/// Sets (or, with `None`, stops) the backup schedule; the schedule after.
#[tauri::command]
pub async fn set_backup_schedule(
    host: State<'_, Host>,
    schedule: Option<BackupSchedule>,
) -> Reply<Option<BackupSchedule>> {
    on_node(&host, move |n| {
        n.set_backup_schedule(schedule.as_ref())?;
        Ok(n.backup_schedule())
    })
    .await
}

/// The last backup made from this data dir (its folder is offered again), if any.
#[tauri::command]
pub async fn last_backup(host: State<'_, Host>) -> Reply<Option<LastBackup>> {
    on_node(&host, |n| Ok(n.last_backup())).await
}

/// Merges a bundle file carried from another office (`passphrase`: for one sealed with a
/// passphrase).
#[tauri::command]
pub async fn import_bundle(
    host: State<'_, Host>,
    path: String,
    passphrase: Option<String>,
) -> Reply<ImportReport> {
    on_node(&host, move |n| {
        n.import_bundle(std::path::Path::new(&path), passphrase.as_deref())
    })
    .await
}
