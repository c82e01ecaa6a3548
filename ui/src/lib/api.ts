// Calls to the desktop shell's commands (src-tauri/src/commands.rs), typed with the
// declarations generated from the Rust types (bindings.ts). Every call answers from the
// local book; a failure carries a message in the user's language. The window sends forms
// as typed and shows what the node answers: it checks no rule itself.
import { invoke } from "@tauri-apps/api/core";
import type {
  Account, BalanceFilter, EntryFilter, EntryForm, EntryRow, Exported, TrialBalance,
  BalanceSheet, FinanceOverview, IncomeStatement, PeriodFilter, SalesFilter, SalesRow, ValuationRow,
  BankFilter, BankLineRow, CloseRow, ImportedStatement, StatementImport,
  AgeingFilter, AgeingRow, InvoiceFilter, InvoiceForm, InvoiceRow, PaymentFilter, PaymentForm, PaymentRow,
  Action, BackupSchedule, ConflictRow, Decision, Device, Draft, ExceptionRow, Failure, HeldChange, HistoryEntry, HostStatus,
  ImportReport, Invite, Item, ItemForm, LastBackup, LevelRow, MovementFilter, MovementRow,
  NewInvite, NewOrg, OrderDetail, OrderFilter, OrderForm, OrderPreview, OrderRow, Party,
  PartyForm, PartyKind, PeerStatus, Role, SampleSpec, SentTransfer, Setup, Site, Status,
  StockEntry, SyncStatus, TaskEdit, TaskFilter, TaskForm, TaskRow, Today, Transit, VatRate, Warehouse,
} from "./bindings";

export type * from "./bindings";

/** Whether `e` is a command's refusal. */
export function isFailure(e: unknown): e is Failure {
  return typeof e === "object" && e !== null && "message" in e && "code" in e;
}

/** The message to show for anything a call threw. */
export function messageOf(e: unknown): string {
  if (isFailure(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}

export const api = {
  appStatus: () => invoke<HostStatus>("app_status"),
  unlock: (passphrase: string) => invoke<HostStatus>("unlock", { passphrase }),
  changePassphrase: (passphrase: string | null) => invoke<Setup>("change_passphrase", { passphrase }),
  setBackupPassphrase: (passphrase: string) => invoke<Setup>("set_backup_passphrase", { passphrase }),
  backupSchedule: () => invoke<BackupSchedule | null>("backup_schedule"),
  setBackupSchedule: (schedule: BackupSchedule | null) => invoke<BackupSchedule | null>("set_backup_schedule", { schedule }),
  setLang: (lang: string) => invoke<void>("set_lang", { lang }),
  createOrg: (org: NewOrg, sample: SampleSpec | null) => invoke<Setup>("create_org", { org, sample }),
  joinOrg: (code: string, name: string) => invoke<Setup>("join_org", { code, name }),
  restoreBackup: (path: string, passphrase: string) => invoke<Setup>("restore_backup", { path, passphrase }),
  today: (date: string) => invoke<Today>("today", { date }),
  sites: () => invoke<Site[]>("sites"),
  addSite: (code: string, name: string) => invoke<void>("add_site", { code, name }),
  warehouses: () => invoke<Warehouse[]>("warehouses"),
  items: () => invoke<Item[]>("items"),
  saveItem: (form: ItemForm) => invoke<string>("save_item", { form }),
  parties: (kind: PartyKind) => invoke<Party[]>("parties", { kind }),
  saveParty: (form: PartyForm) => invoke<string>("save_party", { form }),
  orders: (filter: OrderFilter) => invoke<OrderRow[]>("orders", { filter }),
  countOrders: (filter: OrderFilter) => invoke<number>("count_orders", { filter }),
  order: (key: string) => invoke<OrderDetail>("order", { key }),
  previewOrder: (form: OrderForm) => invoke<OrderPreview>("preview_order", { form }),
  saveOrder: (form: OrderForm) => invoke<[string, string]>("save_order", { form }),
  actOnOrder: (key: string, action: Action, note: string) =>
    invoke<Status>("act_on_order", { key, action, note }),
  levels: (warehouse: string | null) => invoke<LevelRow[]>("levels", { warehouse }),
  movements: (filter: MovementFilter) => invoke<MovementRow[]>("movements", { filter }),
  transfersInTransit: () => invoke<Transit[]>("transfers_in_transit"),
  recordStock: (entry: StockEntry) => invoke<SentTransfer | null>("record_stock", { entry }),
  chart: () => invoke<Account[]>("chart"),
  addAccount: (code: string, name: string) => invoke<Account>("add_account", { code, name }),
  renameAccount: (code: string, name: string) => invoke<void>("rename_account", { code, name }),
  setAccountActive: (code: string, active: boolean) => invoke<void>("set_account_active", { code, active }),
  vatRates: () => invoke<VatRate[]>("vat_rates"),
  addVatRate: (rate: string) => invoke<VatRate>("add_vat_rate", { rate }),
  setVatRateActive: (rate: string, active: boolean) => invoke<void>("set_vat_rate_active", { rate, active }),
  entries: (filter: EntryFilter) => invoke<EntryRow[]>("entries", { filter }),
  saveEntry: (form: EntryForm) => invoke<[string, string]>("save_entry", { form }),
  reverseEntry: (key: string) => invoke<[string, string]>("reverse_entry", { key }),
  trialBalance: (filter: BalanceFilter) => invoke<TrialBalance>("trial_balance", { filter }),
  invoices: (filter: InvoiceFilter) => invoke<InvoiceRow[]>("invoices", { filter }),
  payments: (filter: PaymentFilter) => invoke<PaymentRow[]>("payments", { filter }),
  ageing: (filter: AgeingFilter) => invoke<AgeingRow[]>("ageing", { filter }),
  saveInvoice: (form: InvoiceForm) => invoke<[string, string]>("save_invoice", { form }),
  savePayment: (form: PaymentForm) => invoke<[string, string]>("save_payment", { form }),
  creditInvoice: (key: string) => invoke<[string, string]>("credit_invoice", { key }),
  setTaxNumber: (key: string, taxNo: string) => invoke<null>("set_tax_number", { key, taxNo }),
  importStatement: (path: string, how: StatementImport) => invoke<ImportedStatement>("import_statement", { path, how }),
  bankLines: (filter: BankFilter) => invoke<BankLineRow[]>("bank_lines", { filter }),
  unmatchedPayments: () => invoke<PaymentRow[]>("unmatched_payments"),
  matchBankLine: (line: string, payment: string) => invoke<null>("match_bank_line", { line, payment }),
  receiveBankLine: (line: string, invoice: string) => invoke<string>("receive_bank_line", { line, invoice }),
  exportTrialBalance: (filter: BalanceFilter, path: string) => invoke<Exported>("export_trial_balance", { filter, path }),
  closeMonth: (site: string, month: string) => invoke<null>("close_month", { site, month }),
  closes: () => invoke<CloseRow[]>("closes"),
  exportAgeing: (filter: AgeingFilter, path: string) => invoke<Exported>("export_ageing", { filter, path }),
  balanceSheet: (filter: BalanceFilter) => invoke<BalanceSheet>("balance_sheet", { filter }),
  incomeStatement: (filter: PeriodFilter) => invoke<IncomeStatement>("income_statement", { filter }),
  stockValuation: (filter: BalanceFilter) => invoke<ValuationRow[]>("stock_valuation", { filter }),
  exportBalanceSheet: (filter: BalanceFilter, path: string) => invoke<Exported>("export_balance_sheet", { filter, path }),
  exportIncomeStatement: (filter: PeriodFilter, path: string) => invoke<Exported>("export_income_statement", { filter, path }),
  exportStockValuation: (filter: BalanceFilter, path: string) => invoke<Exported>("export_stock_valuation", { filter, path }),
  sales: (filter: SalesFilter) => invoke<SalesRow[]>("sales", { filter }),
  financeOverview: () => invoke<FinanceOverview>("finance_overview"),
  exportSales: (filter: SalesFilter, path: string) => invoke<Exported>("export_sales", { filter, path }),
  exportJournal: (filter: EntryFilter, path: string) => invoke<Exported>("export_journal", { filter, path }),
  tasks: (filter: TaskFilter) => invoke<TaskRow[]>("tasks", { filter }),
  task: (key: string) => invoke<TaskRow>("task", { key }),
  saveTask: (form: TaskForm) => invoke<[string, string]>("save_task", { form }),
  editTask: (key: string, edit: TaskEdit) => invoke<void>("edit_task", { key, edit }),
  commentTask: (key: string, text: string) => invoke<void>("comment_task", { key, text }),
  conflicts: () => invoke<ConflictRow[]>("conflicts"),
  resolveConflict: (record: string, field: string, choice: number) =>
    invoke<void>("resolve_conflict", { record, field, choice }),
  history: (key: string) => invoke<HistoryEntry[]>("history", { key }),
  exceptions: () => invoke<ExceptionRow[]>("exceptions"),
  acknowledgedExceptions: () => invoke<ExceptionRow[]>("acknowledged_exceptions"),
  acknowledgeException: (kind: string, subject: string, note: string) =>
    invoke<void>("acknowledge_exception", { kind, subject, note }),
  devices: () => invoke<Device[]>("devices"),
  invites: () => invoke<Invite[]>("invites"),
  createInvite: (role: Role, site: string, validSecs: number) =>
    invoke<NewInvite>("create_invite", { role, site, validSecs }),
  revoke: (key: string) => invoke<Device>("revoke", { key }),
  heldChanges: () => invoke<HeldChange[]>("held_changes"),
  decideHeld: (hash: string, decision: Decision) => invoke<void>("decide_held", { hash, decision }),
  renameDevice: (key: string, name: string) => invoke<Device>("rename_device", { key, name }),
  keepDraft: (key: string, body: string) => invoke<void>("keep_draft", { key, body }),
  draft: (key: string) => invoke<Draft | null>("draft", { key }),
  drafts: () => invoke<Draft[]>("drafts"),
  dropDraft: (key: string) => invoke<void>("drop_draft", { key }),
  peers: () => invoke<PeerStatus[]>("peers"),
  syncStatus: () => invoke<SyncStatus>("sync_status"),
  addPeer: (addr: string) => invoke<string>("add_peer", { addr }),
  backup: (dir: string) => invoke<LastBackup>("backup", { dir }),
  lastBackup: () => invoke<LastBackup | null>("last_backup"),
  importBundle: (path: string, passphrase: string | null) => invoke<ImportReport>("import_bundle", { path, passphrase }),
};
