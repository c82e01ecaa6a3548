//! Command-line arguments.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

/// Outpost: orders, stock and tasks for every office, offline first.
#[derive(Debug, Parser)]
#[command(name = "outpost", version, about)]
pub struct Cli {
    /// Data directory (default: the platform data dir).
    #[arg(long, global = true, env = "OUTPOST_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Language of messages: en or zh (default: from the locale).
    #[arg(long, global = true, env = "OUTPOST_LANG")]
    pub lang: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// A file (mode 0600) whose first line is the passphrase of a locked book; or set
    /// OUTPOST_PASSPHRASE. Asked for on a terminal when neither is given.
    #[arg(long, global = true, env = "OUTPOST_PASSPHRASE_FILE")]
    pub passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an organisation here, or join one from a bundle.
    Init(InitArgs),
    /// This device: id, code, site, role.
    Whoami,
    /// Devices of the organisation.
    Devices,
    /// Sites (offices).
    #[command(subcommand)]
    Site(SiteCmd),
    /// Warehouses.
    #[command(subcommand)]
    Warehouse(WarehouseCmd),
    /// The item catalogue.
    #[command(subcommand)]
    Item(ItemCmd),
    /// Customers.
    #[command(subcommand)]
    Customer(PartyCmd),
    /// Suppliers.
    #[command(subcommand)]
    Supplier(PartyCmd),
    /// Sales and purchase orders.
    #[command(subcommand)]
    Order(OrderCmd),
    /// Stock movements and levels.
    #[command(subcommand)]
    Stock(StockCmd),
    /// Tasks.
    #[command(subcommand)]
    Task(TaskCmd),
    /// The journal (finance): post and reverse entries, list them, trial balances.
    #[command(subcommand)]
    Ledger(LedgerCmd),
    /// Invoices (发票) and credit notes (红字发票) for shipped or received orders.
    #[command(subcommand)]
    Invoice(InvoiceCmd),
    /// Receipts from customers and payments to suppliers.
    #[command(subcommand)]
    Pay(PayCmd),
    /// Bank reconciliation: import statements, match their lines to receipts and payments.
    #[command(subcommand)]
    Reconcile(ReconcileCmd),
    /// Month ends: close a site's month, list the months closed.
    #[command(subcommand)]
    Close(CloseCmd),
    /// Reports: the trial balance (CSV, Excel), the journal (Beancount), ageing.
    #[command(subcommand)]
    Report(ReportCmd),
    /// Fields edited concurrently on two devices.
    #[command(subcommand)]
    Conflicts(ConflictsCmd),
    /// Every change of a record: who, when, from which device, what.
    History {
        /// Order or task number, SKU, customer or supplier name.
        record: String,
    },
    /// Broken invariants after merging (oversold stock, mismatched transfers...), and
    /// acknowledging one with a note.
    Exceptions {
        /// What to do (list the open ones when absent).
        #[command(subcommand)]
        cmd: Option<ExceptionsCmd>,
        /// List the acknowledged ones, with their notes, instead of the open ones.
        #[arg(long)]
        acknowledged: bool,
    },
    /// Exchange changes with another device by file.
    #[command(subcommand)]
    Bundle(BundleCmd),
    /// Write a backup of the whole book and this device's key, encrypted to the backup
    /// passphrase, into a folder (the one of the last backup if none is given).
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        /// Folder to write into (a USB stick, a shared drive).
        dir: Option<PathBuf>,
        #[command(subcommand)]
        check: Option<BackupCmd>,
    },
    /// Recreate the query tables from the documents.
    Rebuild,
    /// Bring this device back from its backup on a new machine (into an empty data dir):
    /// the same device, member and number series. The backup passphrase is read from
    /// OUTPOST_BACKUP_PASSPHRASE or asked on a terminal.
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// The passphrase that locks this device's keys (and so the encrypted book).
    #[command(subcommand)]
    Passphrase(PassphraseCmd),
    /// Run as an always-on node (HQ or a spare box): listen, sync with members, answer
    /// invites, relay for offices behind NAT. Other commands talk to it while it runs.
    Serve(ServeArgs),
    /// Join an organisation with an invite code from an admin (on a new device).
    Join {
        /// The code printed by `outpost invite new`.
        code: String,
        /// Your name, shown on everything you record.
        #[arg(long)]
        name: String,
        /// No network to the admin: write a join request to this file instead, for an
        /// admin to admit (`outpost member admit`); then start from the bundle they send
        /// back with `outpost init --join-bundle`.
        #[arg(long)]
        request: Option<PathBuf>,
    },
    /// Invites for new members (admin).
    #[command(subcommand)]
    Invite(InviteCmd),
    /// Members: list, revoke (admin).
    #[command(subcommand)]
    Member(MemberCmd),
    /// Connected peers: address, last synced, documents pending each way.
    Peers,
    /// Peers to keep connected (the HQ node).
    #[command(subcommand)]
    Peer(PeerCmd),
    /// Sync state: changes HQ has not seen yet, refused changes.
    #[command(subcommand)]
    Sync(SyncCmd),
    /// Fill this book with a busy site's sample orders, stock and tasks (demos, benchmarks).
    Sample {
        /// Sales orders, each with three lines, submitted, approved and shipped.
        #[arg(long, default_value_t = 600)]
        orders: u32,
        /// Days the orders are spread over, ending now.
        #[arg(long, default_value_t = 90)]
        days: u32,
        /// Catalogue items.
        #[arg(long, default_value_t = 40)]
        items: u32,
        /// Customers.
        #[arg(long, default_value_t = 20)]
        customers: u32,
    },
    /// Print a stable dump of every query table (support and tests).
    #[command(hide = true)]
    Dump,
    /// Write orders in a loop, printing each acknowledged number (durability tests).
    #[command(hide = true)]
    WriteLoop {
        /// How many orders.
        #[arg(long, default_value_t = 1000)]
        count: u32,
        /// Item SKU for the single line.
        #[arg(long)]
        sku: String,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Organisation name (new organisation).
    #[arg(long, required_unless_present = "join_bundle")]
    pub org: Option<String>,
    /// Start instead from the bundle an admin made when admitting this device's join
    /// request (`outpost join CODE --request FILE`); the role, site and name are the
    /// ones the admin's invite gave.
    #[arg(long, conflicts_with_all = ["org", "site", "site_name", "name"])]
    pub join_bundle: Option<PathBuf>,
    /// The first site's code (e.g. SH), and this device's (new organisation).
    #[arg(long, required_unless_present = "join_bundle")]
    pub site: Option<String>,
    /// The site's name (new organisation).
    #[arg(long)]
    pub site_name: Option<String>,
    /// Your name, shown on everything you record (new organisation).
    #[arg(long, required_unless_present = "join_bundle")]
    pub name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SiteCmd {
    /// Add a site (with its first warehouse CODE1).
    Add {
        /// Code, e.g. BJ.
        code: String,
        /// Name, e.g. Beijing.
        name: String,
    },
    /// List sites.
    List,
}

#[derive(Debug, Subcommand)]
pub enum WarehouseCmd {
    /// Add a warehouse to a site.
    Add {
        /// Code, e.g. SH2.
        code: String,
        /// Site code.
        #[arg(long)]
        site: String,
        /// Name.
        #[arg(long)]
        name: String,
    },
    /// List warehouses.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ItemCmd {
    /// Add an item.
    Add {
        /// SKU.
        #[arg(long)]
        sku: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Unit (pcs, kg, box).
        #[arg(long, default_value = "pcs")]
        unit: String,
        /// List price, e.g. 35.00.
        #[arg(long)]
        price: String,
        /// Low-stock threshold.
        #[arg(long, default_value_t = 0)]
        low_stock: i64,
    },
    /// Change an item's name, price or threshold.
    Edit {
        /// SKU.
        sku: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New price.
        #[arg(long)]
        price: Option<String>,
        /// New threshold.
        #[arg(long)]
        low_stock: Option<i64>,
    },
    /// List items.
    List,
}

#[derive(Debug, Subcommand)]
pub enum PartyCmd {
    /// Add one.
    Add {
        /// Name.
        name: String,
        /// Phone.
        #[arg(long, default_value = "")]
        phone: String,
        /// Address.
        #[arg(long, default_value = "")]
        address: String,
    },
    /// Change one's name, phone or address (only what is given).
    Edit {
        /// Current name (or id).
        name: String,
        /// New name.
        #[arg(long = "name")]
        new_name: Option<String>,
        /// New phone (empty clears it).
        #[arg(long)]
        phone: Option<String>,
        /// New address (empty clears it).
        #[arg(long)]
        address: Option<String>,
    },
    /// List them.
    List,
}

#[derive(Debug, Subcommand)]
pub enum OrderCmd {
    /// Create a draft order.
    New {
        /// A purchase order (default: sales).
        #[arg(long)]
        purchase: bool,
        /// Customer (sales) or supplier (purchase) name.
        #[arg(long, alias = "customer", alias = "supplier")]
        party: Option<String>,
        /// Warehouse (default: your site's first).
        #[arg(long)]
        warehouse: Option<String>,
        /// Remark.
        #[arg(long, default_value = "")]
        note: String,
        /// A line as SKU:QTY[:PRICE[:DISCOUNT]]; repeat for more lines.
        #[arg(long = "line")]
        lines: Vec<String>,
    },
    /// Change a draft order's party, warehouse or remark.
    Edit {
        /// Order number.
        order: String,
        /// New customer or supplier.
        #[arg(long, alias = "customer", alias = "supplier")]
        party: Option<String>,
        /// New warehouse.
        #[arg(long)]
        warehouse: Option<String>,
        /// New remark.
        #[arg(long)]
        note: Option<String>,
    },
    /// Add, change or remove a line of a draft order.
    Line(LineArgs),
    /// Submit a draft.
    Submit(ActArgs),
    /// Approve a submitted order.
    Approve(ActArgs),
    /// Ship an approved sales order (issues its stock).
    Ship(ActArgs),
    /// Receive an approved purchase order (receives its stock).
    Receive(ActArgs),
    /// Mark as invoiced.
    Invoice(ActArgs),
    /// Mark as paid.
    Pay(ActArgs),
    /// Cancel.
    Cancel(ActArgs),
    /// List orders, newest first unless sorted otherwise.
    List {
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// Only this site.
        #[arg(long)]
        site: Option<String>,
        /// Only sales or purchase.
        #[arg(long)]
        kind: Option<String>,
        /// Number or party contains.
        #[arg(long)]
        search: Option<String>,
        /// Sort by created, number, party, total or status (descending unless --asc).
        #[arg(long)]
        sort: Option<String>,
        /// Sort ascending: oldest, smallest, A first.
        #[arg(long)]
        asc: bool,
        /// Rows per page.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Page number, from 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
    },
    /// Show one order with lines, events and conflicts.
    Show {
        /// Order number.
        order: String,
    },
}

#[derive(Debug, Args)]
pub struct ActArgs {
    /// Order number.
    pub order: String,
    /// Remark on this step.
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct LineArgs {
    /// Order number.
    pub order: String,
    /// Add a line for this SKU.
    #[arg(long, conflicts_with_all = ["set", "remove"])]
    pub add: Option<String>,
    /// Change line N.
    #[arg(long, conflicts_with = "remove")]
    pub set: Option<usize>,
    /// Remove line N.
    #[arg(long)]
    pub remove: Option<usize>,
    /// With --set: another item (SKU or name) for the line, which keeps its place.
    #[arg(long, requires = "set")]
    pub item: Option<String>,
    /// Quantity.
    #[arg(long)]
    pub qty: Option<i64>,
    /// Unit price.
    #[arg(long)]
    pub price: Option<String>,
    /// Line discount.
    #[arg(long)]
    pub discount: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StockCmd {
    /// Goods in (or --transfer ID to receive a transfer from another site).
    Receive {
        /// SKU.
        #[arg(long, required_unless_present = "transfer")]
        item: Option<String>,
        /// Warehouse.
        #[arg(long, required_unless_present = "transfer")]
        warehouse: Option<String>,
        /// Quantity (for a transfer: as counted on arrival).
        #[arg(long, required_unless_present = "transfer")]
        qty: Option<i64>,
        /// Receive this transfer.
        #[arg(long, conflicts_with_all = ["item", "warehouse"])]
        transfer: Option<String>,
        /// Remark.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Goods out.
    Issue {
        /// SKU.
        #[arg(long)]
        item: String,
        /// Warehouse.
        #[arg(long)]
        warehouse: String,
        /// Quantity.
        #[arg(long)]
        qty: i64,
        /// Remark.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Move goods to another warehouse.
    Transfer {
        /// SKU.
        #[arg(long)]
        item: String,
        /// From warehouse.
        #[arg(long)]
        from: String,
        /// To warehouse.
        #[arg(long)]
        to: String,
        /// Quantity.
        #[arg(long)]
        qty: i64,
        /// Remark.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record a stock count; the difference becomes an adjustment.
    Count {
        /// SKU.
        #[arg(long)]
        item: String,
        /// Warehouse.
        #[arg(long)]
        warehouse: String,
        /// Quantity counted.
        #[arg(long)]
        counted: i64,
        /// Remark.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Stock levels per item and warehouse.
    Levels {
        /// Only this warehouse.
        #[arg(long)]
        warehouse: Option<String>,
        /// Only items at or below their threshold.
        #[arg(long)]
        low: bool,
    },
    /// Movements, newest first.
    Movements {
        /// Only this SKU.
        #[arg(long)]
        item: Option<String>,
        /// Only this warehouse.
        #[arg(long)]
        warehouse: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Transfers sent and not yet received.
    Transit,
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// The trial balance, to a .csv (UTF-8, opens in Excel) or .xlsx file.
    TrialBalance {
        /// The file to write; its extension names the format.
        #[arg(long)]
        out: PathBuf,
        /// One site's books (every site together if not given).
        #[arg(long)]
        site: Option<String>,
        /// Entries dated up to this day YYYY-MM-DD.
        #[arg(long)]
        through: Option<String>,
    },
    /// What each customer owes (or, with --payables, each supplier is owed) by days past
    /// due; on screen, or to a .csv/.xlsx file.
    Ageing {
        /// The file to write (.csv or .xlsx); shown on screen if not given.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Payables rather than receivables.
        #[arg(long)]
        payables: bool,
        /// One site's (every site's if not given).
        #[arg(long)]
        site: Option<String>,
        /// The day to age at YYYY-MM-DD (today if not given).
        #[arg(long = "as-of")]
        as_of: Option<String>,
    },
    /// The balance sheet at the end of a day; on screen, or to a .csv/.xlsx file.
    BalanceSheet {
        /// The file to write (.csv or .xlsx); shown on screen if not given.
        #[arg(long)]
        out: Option<PathBuf>,
        /// One site's books (every site together if not given).
        #[arg(long)]
        site: Option<String>,
        /// The day YYYY-MM-DD (every entry if not given).
        #[arg(long)]
        through: Option<String>,
    },
    /// The income statement of a period; on screen, or to a .csv/.xlsx file.
    Income {
        /// The file to write (.csv or .xlsx); shown on screen if not given.
        #[arg(long)]
        out: Option<PathBuf>,
        /// One site's books (every site together if not given).
        #[arg(long)]
        site: Option<String>,
        /// The first day YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// The last day YYYY-MM-DD.
        #[arg(long)]
        through: Option<String>,
    },
    /// The stock at moving-average cost per site and item, at the end of a day; on
    /// screen, or to a .csv/.xlsx file.
    Stock {
        /// The file to write (.csv or .xlsx); shown on screen if not given.
        #[arg(long)]
        out: Option<PathBuf>,
        /// One site's stock (every site's if not given).
        #[arg(long)]
        site: Option<String>,
        /// The day YYYY-MM-DD (now if not given).
        #[arg(long)]
        through: Option<String>,
    },
    /// Sales shipped in a period by item, customer or site, at the orders' prices with
    /// their cost and margin; on screen, or to a .csv/.xlsx file.
    Sales {
        /// The file to write (.csv or .xlsx); shown on screen if not given.
        #[arg(long)]
        out: Option<PathBuf>,
        /// item, customer or site.
        #[arg(long, default_value = "item")]
        by: String,
        /// One site's sales (every site's if not given).
        #[arg(long)]
        site: Option<String>,
        /// The first day YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// The last day YYYY-MM-DD.
        #[arg(long)]
        through: Option<String>,
    },
    /// The journal, to a .beancount file, or its lines to a .xlsx or .csv file.
    Journal {
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Only this site's entries.
        #[arg(long)]
        site: Option<String>,
        /// Only this month's (YYYY-MM).
        #[arg(long)]
        month: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum InvoiceCmd {
    /// Issue a sales invoice (or book a purchase invoice) for orders, or for an amount.
    New {
        /// An order to bill (shipped or received; one party and site); repeatable.
        #[arg(long = "order")]
        orders: Vec<String>,
        /// The customer (or supplier with --purchase) when no order is named.
        #[arg(long)]
        party: Option<String>,
        /// A supplier's invoice (when no order is named).
        #[arg(long)]
        purchase: bool,
        /// The site when no order is named (this device's if not given).
        #[arg(long)]
        site: Option<String>,
        /// Amount before tax when no order is named, e.g. 1000.00.
        #[arg(long)]
        net: Option<String>,
        /// Invoice date YYYY-MM-DD (today if not given).
        #[arg(long)]
        date: Option<String>,
        /// Due date YYYY-MM-DD (30 days after the invoice date if not given).
        #[arg(long)]
        due: Option<String>,
        /// 专用发票 (special) rather than 普通发票 (ordinary).
        #[arg(long)]
        special: bool,
        /// VAT rate in percent (13 if not given).
        #[arg(long)]
        rate: Option<String>,
        /// The tax authority's invoice number, if known.
        #[arg(long = "tax-no", default_value = "")]
        tax_no: String,
        /// Remark.
        #[arg(long, default_value = "")]
        memo: String,
    },
    /// Issue a credit note (红字发票) against an invoice.
    Credit {
        /// The invoice's number.
        invoice: String,
        /// Amount before tax to take back (all that is left if not given).
        #[arg(long)]
        net: Option<String>,
        /// Date YYYY-MM-DD (today if not given).
        #[arg(long)]
        date: Option<String>,
        /// The red invoice's tax authority number.
        #[arg(long = "tax-no", default_value = "")]
        tax_no: String,
        /// Why.
        #[arg(long, default_value = "")]
        memo: String,
    },
    /// Record the tax authority's number of an invoice.
    TaxNo {
        /// The invoice's number.
        invoice: String,
        /// The tax authority's number.
        tax_no: String,
    },
    /// Invoices and credit notes, newest first.
    List {
        /// Only this site's.
        #[arg(long)]
        site: Option<String>,
        /// Only supplier invoices.
        #[arg(long)]
        purchase: bool,
        /// Only this party's.
        #[arg(long)]
        party: Option<String>,
        /// Only those still owing something.
        #[arg(long)]
        open: bool,
    },
    /// One invoice.
    Show {
        /// The invoice's number.
        invoice: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PayCmd {
    /// Record a receipt (or a payment with --out), applied to invoices or on account.
    Record {
        /// An invoice it settles, `NUMBER` (what it owes) or `NUMBER:AMOUNT`; repeatable.
        #[arg(long = "invoice")]
        invoices: Vec<String>,
        /// The customer or supplier (the first invoice's if not given).
        #[arg(long)]
        party: Option<String>,
        /// Money paid out to a supplier rather than received.
        #[arg(long)]
        out: bool,
        /// Amount (the sum applied to the invoices if not given).
        #[arg(long)]
        amount: Option<String>,
        /// 1002 bank (default) or 1001 cash.
        #[arg(long)]
        account: Option<String>,
        /// Date YYYY-MM-DD (today if not given).
        #[arg(long)]
        date: Option<String>,
        /// The site (the first invoice's, or this device's, if not given).
        #[arg(long)]
        site: Option<String>,
        /// The bank's reference.
        #[arg(long = "ref", default_value = "")]
        reference: String,
        /// Remark.
        #[arg(long, default_value = "")]
        memo: String,
    },
    /// Receipts and payments, newest first.
    List {
        /// Only this site's.
        #[arg(long)]
        site: Option<String>,
        /// Only this party's.
        #[arg(long)]
        party: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CloseCmd {
    /// Close a site's month: nothing more is dated in it; what arrives late counts in the
    /// next open month.
    Month {
        /// The month, YYYY-MM.
        month: String,
        /// The site (this device's if not given).
        #[arg(long, default_value = "")]
        site: String,
    },
    /// The months closed, newest first.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ReconcileCmd {
    /// Import a bank statement exported as CSV (UTF-8 or GBK): all its lines or none.
    Import {
        /// The statement file.
        file: PathBuf,
        /// The site whose bank account it is (this device's if not given).
        #[arg(long)]
        site: Option<String>,
        /// 1002 bank (default) or 1001 cash.
        #[arg(long)]
        account: Option<String>,
        /// The date column: its heading or number (found by the usual headings if not given).
        #[arg(long = "date-col", default_value = "")]
        date: String,
        /// A signed amount column.
        #[arg(long = "amount-col", default_value = "")]
        amount: String,
        /// The money-in column.
        #[arg(long = "in-col", default_value = "")]
        credit: String,
        /// The money-out column.
        #[arg(long = "out-col", default_value = "")]
        debit: String,
        /// The other party's column.
        #[arg(long = "party-col", default_value = "")]
        counterparty: String,
        /// The bank reference's column.
        #[arg(long = "ref-col", default_value = "")]
        reference: String,
        /// The description's column.
        #[arg(long = "memo-col", default_value = "")]
        memo: String,
    },
    /// Bank lines, with suggested matches for those not matched yet.
    List {
        /// Only lines not matched yet.
        #[arg(long)]
        unmatched: bool,
        /// Only this site's.
        #[arg(long)]
        site: Option<String>,
    },
    /// Receipts and payments no bank line is matched to.
    Unmatched {
        /// Only this site's.
        #[arg(long)]
        site: Option<String>,
    },
    /// Confirm that a bank line is a receipt or payment already recorded.
    Match {
        /// The bank line (BL-…).
        line: String,
        /// The receipt or payment's number.
        payment: String,
    },
    /// Record the receipt or payment a bank line is, against an invoice or on account.
    Receive {
        /// The bank line (BL-…).
        line: String,
        /// The invoice it settles (on account if not given).
        invoice: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCmd {
    /// The chart of accounts: the preset accounts and the sub-accounts added.
    Accounts,
    /// Add, rename, retire or restore a sub-account of the chart.
    #[command(subcommand)]
    Account(AccountCmd),
    /// The VAT rates invoices may be issued at.
    Rates,
    /// Add, retire or restore a VAT rate.
    #[command(subcommand)]
    Rate(RateCmd),
    /// Post a journal entry: its lines must balance.
    Post {
        /// A line `ACCOUNT:debit:AMOUNT` or `ACCOUNT:credit:AMOUNT` (also `d`/`c`, 借/贷);
        /// at least two.
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        /// The site whose books it goes into (this device's site if not given).
        #[arg(long)]
        site: Option<String>,
        /// Accounting date YYYY-MM-DD (today if not given).
        #[arg(long)]
        date: Option<String>,
        /// What it is for.
        #[arg(long, default_value = "")]
        memo: String,
        /// The customer, supplier or other party.
        #[arg(long, default_value = "")]
        counterparty: String,
        /// A linked record (order or invoice number).
        #[arg(long, default_value = "")]
        link: String,
    },
    /// Journal entries, newest first.
    List {
        /// Only this site's.
        #[arg(long)]
        site: Option<String>,
        /// Only this month's (YYYY-MM).
        #[arg(long)]
        month: Option<String>,
        /// Only entries with a line on this account.
        #[arg(long)]
        account: Option<String>,
    },
    /// One entry with its lines.
    Show {
        /// Entry number.
        entry: String,
    },
    /// Correct an entry with one that reverses it (once).
    Reverse {
        /// Entry number.
        entry: String,
        /// Date of the reversal YYYY-MM-DD (today if not given).
        #[arg(long)]
        date: Option<String>,
    },
    /// Trial balance: every account's debits, credits and balance.
    Balances {
        /// One site's books (every site together if not given).
        #[arg(long)]
        site: Option<String>,
        /// Entries dated up to this day YYYY-MM-DD.
        #[arg(long)]
        through: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TaskCmd {
    /// Create a task.
    New {
        /// Title.
        title: String,
        /// Details.
        #[arg(long, default_value = "")]
        description: String,
        /// Who should do it.
        #[arg(long, default_value = "")]
        owner: String,
        /// Due date YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
        /// low, normal, high, urgent.
        #[arg(long)]
        priority: Option<String>,
        /// Linked record (order number, SKU...).
        #[arg(long, default_value = "")]
        link: String,
    },
    /// Give a task to someone.
    Assign {
        /// Task number.
        task: String,
        /// New owner.
        owner: String,
    },
    /// Set a task's status: todo, doing, done, cancelled.
    Status {
        /// Task number.
        task: String,
        /// New status.
        status: String,
    },
    /// Change other fields of a task.
    Edit {
        /// Task number.
        task: String,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        /// New details.
        #[arg(long)]
        description: Option<String>,
        /// New due date ("" clears it).
        #[arg(long)]
        due: Option<String>,
        /// New priority.
        #[arg(long)]
        priority: Option<String>,
        /// New link.
        #[arg(long)]
        link: Option<String>,
    },
    /// Comment on a task.
    Comment {
        /// Task number.
        task: String,
        /// The comment.
        text: String,
    },
    /// List tasks, open and most urgent first.
    List {
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// Only this owner.
        #[arg(long)]
        owner: Option<String>,
        /// Only my tasks (owner = this device's name).
        #[arg(long)]
        mine: bool,
        /// Only open tasks past due.
        #[arg(long)]
        overdue: bool,
    },
    /// Show one task with its comments.
    Show {
        /// Task number.
        task: String,
    },
}

/// Sub-accounts of the chart (finance of the head office, managers, admins).
#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Add a sub-account: a preset account's code and two digits (100201).
    Add {
        /// Its code.
        code: String,
        /// Its name.
        name: String,
    },
    /// Rename an added sub-account.
    Rename {
        /// Its code.
        code: String,
        /// Its new name.
        name: String,
    },
    /// Offer it no longer for new entries (what was written stays).
    Retire {
        /// Its code.
        code: String,
    },
    /// Offer a retired sub-account again.
    Restore {
        /// Its code.
        code: String,
    },
}

/// VAT rates of the chart.
#[derive(Debug, Subcommand)]
pub enum RateCmd {
    /// Add a rate, as a percentage (1.5).
    Add {
        /// The rate.
        rate: String,
    },
    /// Offer an added rate no longer for new invoices.
    Retire {
        /// The rate.
        rate: String,
    },
    /// Offer a retired rate again.
    Restore {
        /// The rate.
        rate: String,
    },
}

/// Exception commands.
#[derive(Debug, Subcommand)]
pub enum ExceptionsCmd {
    /// Acknowledge an open exception as it stands: it leaves the open list on every
    /// device that sees it until its figures change.
    Ack {
        /// Its kind as `exceptions --json` lists it (e.g. transfer_mismatch).
        kind: String,
        /// Its subject as listed (a number, SKU@warehouse, a transfer).
        subject: String,
        /// Why it may stand (required).
        #[arg(long)]
        note: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConflictsCmd {
    /// List open conflicts with every value, its author and time.
    List,
    /// Pick one value of a conflict.
    Resolve {
        /// Record (order or task number, SKU, name).
        record: String,
        /// Field as listed (e.g. note, lines/<id>/qty).
        field: String,
        /// Number of the value to keep, as listed.
        choice: usize,
    },
}

impl Command {
    /// The command with its relative file and folder arguments taken against `cwd`: a
    /// command forwarded to a serving node runs in that process's working directory.
    pub fn with_paths_from(self, cwd: &Path) -> Command {
        let under = |p: PathBuf| if p.is_relative() { cwd.join(p) } else { p };
        match self {
            Command::Backup { dir, check } => Command::Backup {
                dir: dir.map(under),
                check: check.map(|cmd| match cmd {
                    BackupCmd::Verify { file } => BackupCmd::Verify { file: under(file) },
                    BackupCmd::Schedule {
                        dir,
                        every,
                        keep,
                        off,
                    } => BackupCmd::Schedule {
                        dir: dir.map(under),
                        every,
                        keep,
                        off,
                    },
                    other => other,
                }),
            },
            Command::Bundle(BundleCmd::Export {
                file,
                for_device,
                passphrase,
                secret,
            }) => Command::Bundle(BundleCmd::Export {
                file: under(file),
                for_device,
                passphrase,
                secret,
            }),
            Command::Bundle(BundleCmd::Import { file, secret }) => {
                Command::Bundle(BundleCmd::Import {
                    file: under(file),
                    secret,
                })
            }
            other => other,
        }
    }

    /// The passphrase of a bundle sealed (or to be sealed) with one, once resolved.
    pub fn bundle_secret(&self) -> Option<&str> {
        match self {
            Command::Bundle(
                BundleCmd::Export { secret, .. } | BundleCmd::Import { secret, .. },
            ) => secret.as_deref(),
            _ => None,
        }
    }

    /// The command with the bundle passphrase resolved (in the calling process: a
    /// forwarded command carries it to the serving node beside its arguments).
    pub fn with_bundle_secret(mut self, given: Option<String>) -> Command {
        if let Command::Bundle(
            BundleCmd::Export { secret, .. } | BundleCmd::Import { secret, .. },
        ) = &mut self
        {
            *secret = given;
        }
        self
    }
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// Open a backup and check it as a restore would rely on it: format, checksums,
    /// every change's signature, every document whole. Needs no book on this machine.
    Verify {
        /// The backup file.
        file: PathBuf,
    },
    /// Set the passphrase backups open with (OUTPOST_BACKUP_PASSPHRASE, or asked twice on
    /// a terminal, or the first line of stdin). Earlier backups keep theirs.
    Passphrase,
    /// Back up by itself into a folder while the app or `serve` runs (daily by default),
    /// keeping this device's last backups there; without a folder, show the schedule.
    Schedule {
        /// The folder to write into.
        dir: Option<PathBuf>,
        /// Hours between two backups.
        #[arg(long, default_value_t = 24)]
        every: u32,
        /// How many of this device's backups the folder keeps.
        #[arg(long, default_value_t = 7)]
        keep: u32,
        /// Stop backing up by itself.
        #[arg(long, conflicts_with = "dir")]
        off: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PassphraseCmd {
    /// Lock the keys with a new passphrase (or set the first one): read from
    /// OUTPOST_NEW_PASSPHRASE, or asked twice on a terminal, or the first line of stdin.
    Change {
        /// Remove the passphrase: the keys stay in the data dir readable by you only.
        #[arg(long, conflicts_with = "keyring")]
        none: bool,
        /// Keep the keys in the system keyring (a desktop's login keyring) instead of a
        /// passphrase: opened at login, nothing readable elsewhere.
        #[arg(long)]
        keyring: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BundleCmd {
    /// Write the changes another device lacks (or everything) to a file.
    Export {
        /// File to write.
        file: PathBuf,
        /// Only what this device (code or id) lacks, judging by its last bundle to us.
        #[arg(long = "for")]
        for_device: Option<String>,
        /// Seal it with a passphrase typed on both ends (OUTPOST_BUNDLE_PASSPHRASE, or
        /// asked twice) instead of for the readers' device keys.
        #[arg(long)]
        passphrase: bool,
        /// The passphrase, once resolved (never an argument).
        #[arg(skip)]
        secret: Option<String>,
    },
    /// Merge a bundle file (one sealed with a passphrase asks for it, or reads
    /// OUTPOST_BUNDLE_PASSPHRASE).
    Import {
        /// File to read.
        file: PathBuf,
        /// The passphrase, once resolved (never an argument).
        #[arg(skip)]
        secret: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Addresses to listen on (repeatable).
    #[arg(long, default_values_t = [
        "/ip4/0.0.0.0/tcp/4001".to_string(),
        "/ip4/0.0.0.0/udp/4001/quic-v1".to_string(),
    ])]
    pub listen: Vec<String>,
    /// Do not look for members on the LAN (mDNS).
    #[arg(long)]
    pub no_mdns: bool,
    /// Do not relay for other members.
    #[arg(long)]
    pub no_relay: bool,
}

#[derive(Debug, Subcommand)]
pub enum InviteCmd {
    /// Make a one-time invite code.
    New {
        /// Role of the new member: clerk, warehouse, finance, manager, admin, auditor.
        #[arg(long)]
        role: String,
        /// Home site of the new member.
        #[arg(long)]
        site: String,
        /// How long the code works, e.g. 30m, 24h, 7d (a week if not given; at most
        /// 366 days).
        #[arg(long)]
        expires: Option<String>,
    },
    /// List invites.
    List,
}

#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    /// List members (devices).
    List,
    /// Revoke a member: by device code or id.
    Revoke {
        /// Device code (e.g. K7M) or id.
        device: String,
    },
    /// Admit a device whose join request came on a file (no network to it): writes the
    /// bundle it starts from.
    Admit {
        /// The request file the new device wrote (`outpost join CODE --request FILE`).
        request: PathBuf,
        /// Where to write the bundle for the new device.
        #[arg(long)]
        bundle: PathBuf,
    },
    /// Changes held for an admin: a revoked device's changes its revocation does not
    /// cover (whatever time they claim), and those built on them.
    Held,
    /// Accept a held change: it applies everywhere, as if made before the revocation.
    Accept {
        /// The change's hash (from `member held`).
        hash: String,
    },
    /// Discard a held change: it never applies anywhere.
    Discard {
        /// The change's hash (from `member held`).
        hash: String,
    },
    /// Rename a member's device (what others see in history and peers).
    Rename {
        /// Device code (e.g. K7M) or id.
        device: String,
        /// The new name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PeerCmd {
    /// Keep a peer connected, e.g. /ip4/10.0.0.1/tcp/4001/p2p/12D3Koo...
    Add {
        /// Its address, ending in /p2p/<peer id>.
        addr: String,
    },
    /// List the peers kept connected.
    List,
}

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Changes HQ has not seen yet, and refused changes.
    Status,
}
