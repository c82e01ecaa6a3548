// Generated from the Rust types by src-tauri/tests/bindings.rs; do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p outpost-desktop --test bindings

export type AckId = string;

export type Acknowledgement = { 
/**
 * Its id.
 */
id: AckId, 
/**
 * The person's note.
 */
note: string, 
/**
 * The device that acknowledged it (its code, or its id's start if unknown).
 */
by: string, 
/**
 * When (ms).
 */
at_ms: number, };

export type Action = "submit" | "approve" | "ship" | "receive" | "invoice" | "pay" | "cancel";

export type VatRate = { 
/**
 * Basis points (1300 = 13%).
 */
rate_bp: number, 
/**
 * As people type it (`13`, `1.5`).
 */
percent: string, 
/**
 * Whether it is one of the preset rates.
 */
preset: boolean, 
/**
 * Whether it is offered for new invoices.
 */
active: boolean, };

export type BackupSchedule = { 
/**
 * The folder backups go to.
 */
dir: string, 
/**
 * Hours between two backups (24: daily).
 */
every_hours: number, 
/**
 * How many of this device's backups the folder keeps (the oldest go).
 */
keep: number, };

export type Capabilities = { 
/**
 * The member's role.
 */
role: Role, 
/**
 * The member's home site.
 */
site: SiteCode, 
/**
 * Add and change items, sites and warehouses (they live in `org`).
 */
edit_catalogue: boolean, 
/**
 * Add and change customers and suppliers.
 */
edit_parties: boolean, 
/**
 * Record orders, stock operations and tasks at the home site.
 */
record_operations: boolean, 
/**
 * Read the journal and trial balances (finance, managers, admins, auditors).
 */
read_ledger: boolean, 
/**
 * Post and reverse journal entries.
 */
post_entries: boolean, 
/**
 * Issue invoices and credit notes, record receipts and payments.
 */
bill: boolean, 
/**
 * Add, rename and retire the organisation's accounts and VAT rates.
 */
keep_chart: boolean, 
/**
 * Invite devices, revoke and rename them.
 */
manage_members: boolean, 
/**
 * Roles an invite may grant.
 */
invite_roles: Array<Role>, 
/**
 * How long an invite may stay open.
 */
invite_validity: InviteValidity, };

export type CatchUp = { 
/**
 * When the device was restored (ms).
 */
since_ms: number, 
/**
 * Documents it holds and may not write yet.
 */
waiting: Array<string>, };

export type ChoiceRow = { 
/**
 * The value.
 */
value: unknown, 
/**
 * Author device code (or id if unknown).
 */
device: string, 
/**
 * When (ms).
 */
at_ms: number, };

export type Comment = { 
/**
 * Random id.
 */
id: CommentId, 
/**
 * When (ms).
 */
at_ms: number, 
/**
 * Author device.
 */
device: DeviceId, 
/**
 * The text.
 */
text: string, };

export type CommentId = string;

export type ConflictRow = { 
/**
 * Record kind (order, task, item...).
 */
kind: string, 
/**
 * Record key (id or code).
 */
record: string, 
/**
 * How people name the record (number, SKU, name).
 */
label: string, 
/**
 * Field path.
 */
field: string, 
/**
 * Every value; the first is the one shown until resolved.
 */
choices: Array<ChoiceRow>, 
/**
 * Whether this device may settle it (it may write the record's document).
 */
resolvable: boolean, 
/**
 * The document holding the record.
 */
doc: string, };

export type Decision = "accept" | "discard";

export type Device = { 
/**
 * The device id (its Automerge actor).
 */
id: DeviceId, 
/**
 * Short code used in human numbers.
 */
code: DeviceCode, 
/**
 * The person or machine name.
 */
name: string, 
/**
 * Home site.
 */
site: SiteCode, 
/**
 * Role of its member.
 */
role: Role, 
/**
 * When it joined (ms).
 */
joined_at_ms: number, 
/**
 * Whether it has been revoked.
 */
revoked: boolean, 
/**
 * When it was revoked (ms); its changes made before then still count.
 */
revoked_at_ms: number | null, 
/**
 * Whether its home site is the head office (or the book names none: books made
 * before head offices, where every site counts as one).
 */
at_head_office: boolean, };

export type DeviceCode = string;

export type DeviceId = string;

export type DocumentHeads = { 
/**
 * The document id.
 */
doc: string, 
/**
 * Its heads.
 */
heads: Array<string>, };

export type Draft = { 
/**
 * Which form and record it belongs to, as the front end named it.
 */
key: string, 
/**
 * The form's state as JSON, exactly as the front end gave it.
 */
body: string, 
/**
 * When it was last kept (ms).
 */
saved_at_ms: number, };

export type Event = { "type": "written", 
/**
 * What was done (e.g. `order.ship`).
 */
action: string, } | { "type": "imported", 
/**
 * Records whose projections changed.
 */
records: Array<RecordRef>, } | { "type": "synced", 
/**
 * Records whose projections changed.
 */
records: Array<RecordRef>, } | { "type": "changes_refused", 
/**
 * How many.
 */
count: number, } | { "type": "changes_held", 
/**
 * How many.
 */
count: number, } | { "type": "peers_changed" } | { "type": "backed_up" } | { "type": "lifecycle_changed" };

export type EventRow = { 
/**
 * The recorded status.
 */
status: Status, 
/**
 * When (ms).
 */
at_ms: number, 
/**
 * Device code of the author (or its id if unknown).
 */
device: string, 
/**
 * Remark.
 */
note: string, };

export type ExceptionRow = { 
/**
 * Stable kind: `negative_stock`, `duplicate_number`, `duplicate_device_code`,
 * `duplicate_sku`, `changed_after_submit`, `order_stock_mismatch`, `transfer_mismatch`.
 */
kind: string, 
/**
 * The record concerned (SKU@warehouse, order number, transfer id).
 */
subject: string, 
/**
 * Expected figure, where there is one.
 */
expected: number | null, 
/**
 * Actual figure.
 */
actual: number | null, 
/**
 * The site it concerns, where it has one (a duplicate SKU has none).
 */
site: string | null, 
/**
 * The acknowledgement that holds for it, if a person has acknowledged it as it
 * stands (see [`crate::kind::ack`]).
 */
acknowledged: Acknowledgement | null, };

export type Failure = { 
/**
 * Machine-readable kind (e.g. `not_set_up`, `invalid_value`, `not_found`).
 */
code: string, 
/**
 * What happened, in the user's language.
 */
message: string, };

export type FieldChange = { 
/**
 * Field, e.g. `note`, `status`, `line 2 qty`.
 */
field: string, 
/**
 * Value before ("" if none).
 */
old: string, 
/**
 * Value after ("" if removed).
 */
new: string, };

export type HeldChange = { 
/**
 * The change's hash (what an admin decides on).
 */
hash: string, 
/**
 * The document it is for.
 */
doc: string, 
/**
 * Its author (device id).
 */
author: string, 
/**
 * Where it came from: the peer that sent it, or `file:` and the device that wrote
 * the bundle.
 */
from_peer: string, 
/**
 * Why it is held: `after_revocation` (its device's revocation does not cover it),
 * `builds_on_held`, `newer_rules` (the book keeps rules newer than this program),
 * `unknown_warehouse` (the organisation document has not brought it yet) or
 * `unknown_account` (an account or VAT rate the chart document has not brought yet).
 */
reason: string, 
/**
 * The time its author gave it (ms): a revoked device may claim any.
 */
claimed_at_ms: number, 
/**
 * When it arrived here (ms).
 */
at_ms: number, };

export type HistoryEntry = { 
/**
 * When, as the author recorded it (ms).
 */
at_ms: number, 
/**
 * Author device code (or id prefix if unknown).
 */
device: string, 
/**
 * Author device id.
 */
device_id: string, 
/**
 * What was done (`order.new`, `order.ship`, ...).
 */
action: string, 
/**
 * The change hash.
 */
change: string, 
/**
 * Fields that changed.
 */
fields: Array<FieldChange>, };

export type HostStatus = { 
/**
 * The data dir in use.
 */
data_dir: string, 
/**
 * The language of messages (`en` or `zh`).
 */
lang: string, 
/**
 * Where the node stands.
 */
lifecycle: Lifecycle, 
/**
 * This device in its organisation, once the book is open.
 */
setup: Setup | null, };

export type ImportReport = { 
/**
 * The device that wrote the bundle.
 */
from_device: string, 
/**
 * Documents in the bundle.
 */
documents: number, 
/**
 * Changes in the bundle.
 */
changes: number, 
/**
 * Changes this device did not have.
 */
new_changes: number, 
/**
 * Changes kept aside until the changes they depend on arrive.
 */
waiting: number, 
/**
 * Records whose projections changed.
 */
records: Array<RecordRef>, 
/**
 * Open conflicts after the merge.
 */
conflicts: number, 
/**
 * Exceptions after the merge.
 */
exceptions: number, 
/**
 * Changes refused (unsigned, by a non-member, or by someone who may not write there).
 */
refused: Array<RefusedChange>, 
/**
 * Documents in the bundle that this device's member may not read, left out.
 */
left_out: Array<string>, 
/**
 * Changes held for an admin (a revoked device's changes its revocation does not
 * cover), and held changes released by this bundle's decisions are not counted here.
 */
held: Array<HeldChange>, };

export type Invite = { 
/**
 * The invite's one-time peer id (derived from its secret; the secret is not kept).
 */
id: string, 
/**
 * Role of the member it makes.
 */
role: Role, 
/**
 * Home site of the member it makes.
 */
site: SiteCode, 
/**
 * Who made it.
 */
created_by: DeviceId, 
/**
 * When it was made (ms).
 */
created_at_ms: number, 
/**
 * When it stops working (ms).
 */
expires_at_ms: number, 
/**
 * The device that joined with it, once used.
 */
used_by: DeviceId | null, };

export type InviteValidity = { 
/**
 * Shortest, in seconds.
 */
min_secs: number, 
/**
 * Longest, in seconds.
 */
max_secs: number, 
/**
 * What a new invite gets unless someone chooses, in seconds.
 */
default_secs: number, };

export type Item = { 
/**
 * Random id.
 */
id: ItemId, 
/**
 * Stock-keeping unit code.
 */
sku: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Unit of its smallest quantity (pcs, kg, box).
 */
unit: string, 
/**
 * List price per unit.
 */
price: Money, 
/**
 * Stock at or below this level is flagged low.
 */
low_stock: number, 
/**
 * The state of the catalogue this was read at; a form filled from it sends it back.
 */
version: string, };

export type ItemForm = { 
/**
 * The item edited (its SKU or id); `None` adds a new one.
 */
item: string | null, 
/**
 * SKU.
 */
sku: string, 
/**
 * Name.
 */
name: string, 
/**
 * Unit.
 */
unit: string, 
/**
 * List price, e.g. `35.00`.
 */
price: string, 
/**
 * Low-stock threshold, a whole number.
 */
low_stock: string, 
/**
 * The item's `version` when the form was filled: only fields typed since then are
 * written, so an edit another office made meanwhile to a field left alone stays.
 */
version: string | null, };

export type ItemId = string;

export type LastBackup = { 
/**
 * The folder it went to (offered again next time).
 */
dir: string, 
/**
 * The bundle file written.
 */
path: string, 
/**
 * Its size in bytes.
 */
bytes: number, 
/**
 * When it was written (ms).
 */
at_ms: number, };

export type LevelRow = { 
/**
 * Item SKU.
 */
sku: string, 
/**
 * Item name.
 */
name: string, 
/**
 * Unit.
 */
unit: string, 
/**
 * Warehouse code.
 */
warehouse: string, 
/**
 * Quantity on hand (sum of movements).
 */
qty: number, 
/**
 * The item's threshold.
 */
low_stock: number, 
/**
 * At or below the threshold.
 */
is_low: boolean, };

export type Lifecycle = { "state": "empty" } | { "state": "opening" } | { "state": "creating" } | { "state": "open" } | { "state": "passphrase", 
/**
 * Whether a passphrase was given and did not open the keys.
 */
wrong: boolean, } | { "state": "unusable", 
/**
 * Whether another Outpost process holds the data dir.
 */
locked: boolean, 
/**
 * Why, for the log and for support.
 */
reason: string, };

export type LineForm = { 
/**
 * The stored line this row edits; `None` for a row added in the form.
 */
id: string | null, 
/**
 * The item as typed: its SKU, `SKU · name`, or enough of its name to be the only one.
 */
item: string, 
/**
 * Quantity.
 */
qty: string, 
/**
 * Unit price; empty for the item's list price.
 */
price: string, 
/**
 * Discount on the line; empty for none.
 */
discount: string, };

export type LinePreview = { 
/**
 * The item the row names, once it names exactly one.
 */
sku: string | null, 
/**
 * That item's list price (what an empty price field means).
 */
list_price: Money | null, 
/**
 * qty × price − discount, once every field reads.
 */
amount: Money | null, 
/**
 * Whether the row counts as a line (an untouched row does not).
 */
is_line: boolean, 
/**
 * Whether the row is a line that cannot be saved as typed.
 */
is_invalid: boolean, };

export type LineRow = { 
/**
 * 1-based position.
 */
no: number, 
/**
 * Line id.
 */
id: string, 
/**
 * Item SKU.
 */
sku: string, 
/**
 * Item name.
 */
name: string, 
/**
 * Quantity.
 */
qty: number, 
/**
 * Unit price.
 */
price: Money, 
/**
 * Line discount.
 */
discount: Money, 
/**
 * Line amount.
 */
amount: Money, };

export type Money = number;

export type MovementFilter = { 
/**
 * Only this item (SKU or id).
 */
item?: string, 
/**
 * Only this warehouse.
 */
warehouse?: WarehouseCode, 
/**
 * Page size (default 100).
 */
limit?: number, };

export type MovementRow = { 
/**
 * Movement id.
 */
id: string, 
/**
 * When (ms).
 */
at_ms: number, 
/**
 * Kind.
 */
kind: string, 
/**
 * Item SKU.
 */
sku: string, 
/**
 * Warehouse.
 */
warehouse: string, 
/**
 * Signed quantity.
 */
qty: number, 
/**
 * Order number, if any.
 */
order: string | null, 
/**
 * Transfer id, if any.
 */
transfer: string | null, 
/**
 * Other warehouse of a transfer.
 */
counterpart: string | null, 
/**
 * Author device code.
 */
device: string, 
/**
 * Remark.
 */
note: string, };

export type NewInvite = { 
/**
 * The one-line code to hand to the new member.
 */
code: string, 
/**
 * The invite's id in `org`.
 */
id: string, 
/**
 * Addresses the code tells the new device to dial.
 */
addrs: Array<string>, 
/**
 * When it expires (ms).
 */
expires_at_ms: number, };

export type NewOrg = { 
/**
 * Organisation name.
 */
name: string, 
/**
 * The first site's code (e.g. `SH`).
 */
site: SiteCode, 
/**
 * The first site's name.
 */
site_name: string, 
/**
 * This device's (person's) name.
 */
device_name: string, };

export type OrderDetail = { 
/**
 * Remark.
 */
note: string, 
/**
 * Device code of the creator.
 */
created_by: string, 
/**
 * Lines.
 */
line_items: Array<LineRow>, 
/**
 * Status events.
 */
events: Array<EventRow>, 
/**
 * Open conflicts on this order.
 */
conflicts: Array<ConflictRow>, 
/**
 * The lifecycle steps this device may take now (the window's buttons): what the
 * status allows, for a member who may write the order's document.
 */
actions: Array<Action>, 
/**
 * The fields this device may change now (`party`, `warehouse`, `note`, `lines`):
 * all of them while the order is a draft, none after it is submitted.
 */
editable: Array<string>, 
/**
 * The state of its document this was read at; the order form sends it back.
 */
version: string, 
/**
 * Random id.
 */
id: OrderId, 
/**
 * Human number.
 */
number: string, 
/**
 * Sales or purchase.
 */
kind: OrderKind, 
/**
 * Owning site.
 */
site: string, 
/**
 * Warehouse.
 */
warehouse: string, 
/**
 * Customer or supplier name ("" if none).
 */
party: string, 
/**
 * Folded status.
 */
status: Status, 
/**
 * Total of the lines.
 */
total: Money, 
/**
 * Number of lines.
 */
lines: number, 
/**
 * Created (ms).
 */
created_at_ms: number, };

export type OrderFilter = { 
/**
 * Only this status.
 */
status?: Status, 
/**
 * Only this site.
 */
site?: SiteCode, 
/**
 * Only sales or only purchase.
 */
kind?: OrderKind, 
/**
 * Number or party name contains this text.
 */
search?: string, 
/**
 * Created at or after this instant (ms; the window sends the start of a local day).
 */
created_from_ms?: number, 
/**
 * Created before this instant (ms; the start of the day after the last one shown).
 */
created_before_ms?: number, 
/**
 * Order of the rows: newest first if `None`.
 */
sort?: OrderSort, 
/**
 * Sort ascending (smallest, oldest, A first) rather than descending.
 */
ascending: boolean, 
/**
 * Page size (default 50).
 */
limit?: number, 
/**
 * Rows to skip.
 */
offset: number, };

export type OrderForm = { 
/**
 * The draft edited (its number or id); `None` creates an order.
 */
order: string | null, 
/**
 * Sales or purchase (fixed once the order exists).
 */
kind: OrderKind, 
/**
 * Customer or supplier by name or id; empty for none yet.
 */
party: string, 
/**
 * Warehouse code; empty for the site's first.
 */
warehouse: string, 
/**
 * Remark.
 */
note: string, 
/**
 * The rows, in order.
 */
lines: Array<LineForm>, 
/**
 * Submit for approval in the same change.
 */
submit: boolean, 
/**
 * The order's `version` when the form was filled (see [`super::OrderDetail`]).
 */
version: string | null, };

export type OrderId = string;

export type OrderKind = "sales" | "purchase";

export type OrderPreview = { 
/**
 * One per row of the form.
 */
lines: Array<LinePreview>, 
/**
 * Sum of the rows that read.
 */
total: Money, 
/**
 * How many rows do not read yet.
 */
invalid: number, };

export type OrderRow = { 
/**
 * Random id.
 */
id: OrderId, 
/**
 * Human number.
 */
number: string, 
/**
 * Sales or purchase.
 */
kind: OrderKind, 
/**
 * Owning site.
 */
site: string, 
/**
 * Warehouse.
 */
warehouse: string, 
/**
 * Customer or supplier name ("" if none).
 */
party: string, 
/**
 * Folded status.
 */
status: Status, 
/**
 * Total of the lines.
 */
total: Money, 
/**
 * Number of lines.
 */
lines: number, 
/**
 * Created (ms).
 */
created_at_ms: number, };

export type OrderSort = "created" | "number" | "party" | "total" | "status";

export type Party = { 
/**
 * Random id.
 */
id: PartyId, 
/**
 * Customer or supplier.
 */
kind: PartyKind, 
/**
 * Display name.
 */
name: string, 
/**
 * Phone, free text.
 */
phone: string, 
/**
 * Address, free text.
 */
address: string, 
/**
 * The state of the parties this was read at; a form filled from it sends it back.
 */
version: string, };

export type PartyForm = { 
/**
 * The party edited (its name or id); `None` adds a new one.
 */
party: string | null, 
/**
 * Customer or supplier.
 */
kind: PartyKind, 
/**
 * Name.
 */
name: string, 
/**
 * Phone.
 */
phone: string, 
/**
 * Address.
 */
address: string, 
/**
 * The party's `version` when the form was filled.
 */
version: string | null, };

export type PartyId = string;

export type PartyKind = "customer" | "supplier";

export type PeerStatus = { 
/**
 * Its peer id.
 */
peer: string, 
/**
 * Its device code and name, if it is a member we know.
 */
device: string | null, 
/**
 * Its name.
 */
name: string | null, 
/**
 * Addresses of the open connections.
 */
addrs: Array<string>, 
/**
 * When the last sync frame came or went (ms).
 */
last_synced_ms: number | null, 
/**
 * Documents with changes it has not acknowledged.
 */
pending_out: number, 
/**
 * Documents where it has changes we lack.
 */
pending_in: number, 
/**
 * Bytes of sync frames sent and received.
 */
bytes_sent: number, 
/**
 * Bytes of sync frames received.
 */
bytes_received: number, 
/**
 * Sync frames sent and received.
 */
frames: number, };

export type Priority = "low" | "normal" | "high" | "urgent";

export type RecordRef = { 
/**
 * Collection name (`orders`, `movements`, `tasks`, `items`, ...).
 */
collection: string, 
/**
 * Key in that collection (a random id, or a code for sites and warehouses).
 */
key: string, };

export type RefusedChange = { 
/**
 * The change's hash.
 */
hash: string, 
/**
 * The document it was for.
 */
doc: string, 
/**
 * Its author (device id, or the raw actor if not a device).
 */
author: string, 
/**
 * Where it came from: the peer that sent it, or `file:` and the device that wrote
 * the bundle.
 */
from_peer: string, 
/**
 * Why it was refused.
 */
reason: string, 
/**
 * When it was refused (ms).
 */
at_ms: number, };

export type Role = "admin" | "manager" | "finance" | "clerk" | "warehouse" | "auditor";

export type SampleSpec = { 
/**
 * Catalogue items to add.
 */
items: number, 
/**
 * Customers to add.
 */
customers: number, 
/**
 * Sales orders, each with three lines, submitted, approved and shipped.
 */
orders: number, 
/**
 * Tasks.
 */
tasks: number, 
/**
 * Days the orders are spread over, ending at the given time.
 */
days: number, 
/**
 * Orders per change (larger is faster to write, smaller is closer to real use).
 */
batch: number, };

export type SentTransfer = { 
/**
 * Its id, to quote when receiving it.
 */
id: TransferId, 
/**
 * True when it goes to another site, which records the arrival.
 */
in_transit: boolean, };

export type Setup = { 
/**
 * The organisation's name.
 */
org: string, 
/**
 * This device's registration.
 */
me: Device, 
/**
 * What its member may do.
 */
capabilities: Capabilities, 
/**
 * Its libp2p peer id.
 */
peer_id: string, 
/**
 * Addresses peers can dial it at (once the network runs).
 */
listen: Array<string>, 
/**
 * Whether the book's keys are locked with a passphrase (otherwise they sit in the
 * data dir, readable by this user only).
 */
sealed: boolean, 
/**
 * Where the book's keys are kept.
 */
keys: KeyGuard, 
/**
 * Whether a backup passphrase is set (backups can be written).
 */
backup_passphrase: boolean, 
/**
 * A device restored from a backup: what it still waits to hear about.
 */
catch_up: CatchUp | null, };

export type KeyGuard = "owner_only" | "passphrase" | "keyring";

export type Site = { 
/**
 * Short code, e.g. `SH`.
 */
code: SiteCode, 
/**
 * Display name.
 */
name: string, 
/**
 * Whether it is the head office: its finance staff post and close for every site,
 * a branch's for their own (the founding site, fixed when the organisation is made).
 */
head_office: boolean, };

export type SiteCode = string;

export type Status = "draft" | "submitted" | "approved" | "shipped" | "received" | "invoiced" | "paid" | "cancelled";

export type StockEntry = { 
/**
 * The operation.
 */
op: StockOp, 
/**
 * SKU or id (every operation but receiving a transfer).
 */
item: string, 
/**
 * The warehouse (the source of a transfer).
 */
warehouse: string, 
/**
 * The destination warehouse of a transfer.
 */
to: string, 
/**
 * Quantity (counted quantity for a count; empty for the quantity sent when receiving
 * a transfer).
 */
qty: string, 
/**
 * The transfer being received.
 */
transfer: string, 
/**
 * Remark.
 */
note: string, };

export type StockOp = "receive" | "issue" | "transfer" | "count" | "receive_transfer";

export type SyncStatus = { 
/**
 * The HQ node(s): the peers this node keeps dialling.
 */
hq: Array<string>, 
/**
 * This device's changes the HQ node has not acknowledged, per document.
 */
unseen_by_hq: Array<[string, number]>, 
/**
 * Their total.
 */
unseen_total: number, 
/**
 * Changes received and refused.
 */
refused: Array<RefusedChange>, 
/**
 * Changes held for an admin (a revoked device's late changes).
 */
held: Array<HeldChange>, 
/**
 * Every document held here with its heads: two replicas hold the same state of a
 * document exactly when its heads are equal.
 */
documents: Array<DocumentHeads>, };

export type Account = { 
/**
 * The code people and reports use (`1002`, `100201`).
 */
code: string, 
/**
 * The Chinese name (`银行存款`).
 */
name_zh: string, 
/**
 * The English name (`Bank deposits`); an added account's one name serves both.
 */
name_en: string, 
/**
 * Where it sits in the statements.
 */
class: AccountClass, 
/**
 * The side its balance normally falls on (a contra account's is the other one).
 */
normal: Side, 
/**
 * The preset account an added sub-account belongs to.
 */
parent: string | null, 
/**
 * Whether new entries may name it (a retired sub-account is kept, not offered).
 */
active: boolean, };

export type AccountClass = "asset" | "liability" | "equity" | "cost" | "income" | "expense";

export type Side = "debit" | "credit";

export type EntryId = string;

export type EntryFilter = { 
/**
 * Only this site's.
 */
site?: string, 
/**
 * Only entries dated in this month (`2026-11`).
 */
month?: string, 
/**
 * Only entries with a line on this account.
 */
account?: string, };

export type EntryRow = { 
/**
 * Id.
 */
id: EntryId, 
/**
 * Human number.
 */
number: string, 
/**
 * Site.
 */
site: string, 
/**
 * Accounting date.
 */
date: string, 
/**
 * What it is for.
 */
memo: string, 
/**
 * The party.
 */
counterparty: string, 
/**
 * Linked record.
 */
link: string, 
/**
 * The number of the entry it reverses.
 */
reverses: string | null, 
/**
 * The numbers of the entries that reverse it (two: reversed twice while apart).
 */
reversed_by: Array<string>, 
/**
 * Total of its debits (= its credits).
 */
total: Money, 
/**
 * The kind of record it was posted from automatically (`invoice`, `payment`);
 * `None` for an entry a person posted.
 */
source: string | null, 
/**
 * Its own date when it arrived after its month was closed (`date` is then the first
 * day of the open month it counts in).
 */
late_from: string | null, 
/**
 * Who wrote it (device code).
 */
created_by: string, 
/**
 * When (ms).
 */
created_at_ms: number, 
/**
 * Its lines.
 */
lines: Array<EntryLineRow>, };

export type EntryLineRow = { 
/**
 * The account's code.
 */
account: string, 
/**
 * Debit.
 */
debit: Money, 
/**
 * Credit.
 */
credit: Money, };

export type EntryForm = { 
/**
 * Site code (this device's site if empty).
 */
site: string, 
/**
 * Accounting date `YYYY-MM-DD` (today if empty).
 */
date: string, 
/**
 * What it is for.
 */
memo: string, 
/**
 * The party.
 */
counterparty: string, 
/**
 * A linked record.
 */
link: string, 
/**
 * Its lines as typed.
 */
lines: Array<EntryLineForm>, };

export type EntryLineForm = { 
/**
 * The account's code.
 */
account: string, 
/**
 * Debit, e.g. `113.00` (empty on a credit line).
 */
debit: string, 
/**
 * Credit (empty on a debit line).
 */
credit: string, };

export type BalanceFilter = { 
/**
 * One site's books; every site's together if none.
 */
site?: string, 
/**
 * Entries dated up to this day (`YYYY-MM-DD`), every entry if none.
 */
through?: string, };

export type BalanceRow = { 
/**
 * The account.
 */
account: Account, 
/**
 * Sum of its debits.
 */
debit: Money, 
/**
 * Sum of its credits.
 */
credit: Money, 
/**
 * Its balance on its normal side (negative when it fell on the other side).
 */
balance: Money, };

export type TrialBalance = { 
/**
 * Accounts in code order.
 */
rows: Array<BalanceRow>, 
/**
 * Sum of every debit.
 */
debit: Money, 
/**
 * Sum of every credit.
 */
credit: Money, 
/**
 * Of every site together: the debits (= credits) taken out as what the sites owe
 * each other (1221/2241 between two sites that agree on it); zero for one site.
 */
eliminated: Money, };

export type StatementLine = { 
/**
 * The account.
 */
account: Account, 
/**
 * Its amount on the class's side (below zero for a contra account).
 */
amount: Money, };

export type BalanceSheet = { 
/**
 * Assets (and production cost in progress).
 */
assets: Array<StatementLine>, 
/**
 * Liabilities.
 */
liabilities: Array<StatementLine>, 
/**
 * Owners' equity as posted.
 */
equity: Array<StatementLine>, 
/**
 * Total assets.
 */
total_assets: Money, 
/**
 * Total liabilities.
 */
total_liabilities: Money, 
/**
 * Total equity as posted.
 */
total_equity: Money, 
/**
 * Income less expenses not yet carried to equity (本年利润 before the year's close).
 */
profit: Money, };

export type IncomeStatement = { 
/**
 * Income accounts.
 */
income: Array<StatementLine>, 
/**
 * Expense accounts.
 */
expenses: Array<StatementLine>, 
/**
 * Total income.
 */
total_income: Money, 
/**
 * Total expenses.
 */
total_expenses: Money, 
/**
 * Income less expenses.
 */
profit: Money, };

export type PeriodFilter = { 
/**
 * One site's books; every site's together if none.
 */
site?: string, 
/**
 * The first day `YYYY-MM-DD` (from the first entry if none).
 */
from?: string, 
/**
 * The last day (every entry if none).
 */
through?: string, };

export type ValuationRow = { 
/**
 * Site code.
 */
site: string, 
/**
 * Item SKU.
 */
sku: string, 
/**
 * Item name.
 */
name: string, 
/**
 * Quantity on hand at the site (all its warehouses).
 */
qty: number, 
/**
 * Its value at moving-average cost.
 */
value: Money, 
/**
 * Value per unit (rounded to the fen); zero when nothing is on hand.
 */
unit_cost: Money, };

export type SalesBy = "item" | "customer" | "site";

export type SalesFilter = { 
/**
 * By item (if none), customer or site.
 */
by?: SalesBy, 
/**
 * One site's sales; every site's if none.
 */
site?: string, 
/**
 * The first day `YYYY-MM-DD` (from the first shipment if none).
 */
from?: string, 
/**
 * The last day (up to now if none).
 */
through?: string, };

export type SalesRow = { 
/**
 * The SKU, the customer's name or the site code.
 */
key: string, 
/**
 * The item's name (empty for customers and sites).
 */
name: string, 
/**
 * Quantity shipped.
 */
qty: number, 
/**
 * At the orders' prices, net of VAT.
 */
net: Money, 
/**
 * At moving-average cost.
 */
cost: Money, 
/**
 * Net less cost.
 */
margin: Money, };

export type MonthlySales = { 
/**
 * Site code.
 */
site: string, 
/**
 * Net sales per month, in the overview's month order.
 */
net: Array<Money>, };

export type FinanceOverview = { 
/**
 * The months charted, `YYYY-MM`, oldest first.
 */
months: Array<string>, 
/**
 * Cash and bank (1001 + 1002) of every site at each month's end.
 */
cash: Array<Money>, 
/**
 * What customers owe now, by age: not due, 1–30, 31–60, 61–90, over 90 days.
 */
receivables: Array<Money>, 
/**
 * Money customers paid on account, not yet applied.
 */
on_account: Money, 
/**
 * Net sales shipped per site and month.
 */
sales: Array<MonthlySales>, };

export type Exported = { 
/**
 * The file written.
 */
path: string, 
/**
 * Rows (accounts or entries) in it.
 */
rows: number, };

export type BankFilter = { 
/**
 * Only this site's.
 */
site?: string, 
/**
 * Only lines not matched yet.
 */
unmatched: boolean, };

export type CloseRow = { 
/**
 * Site.
 */
site: string, 
/**
 * Month `YYYY-MM`.
 */
month: string, 
/**
 * Who closed it (device code).
 */
closed_by: string, 
/**
 * When (ms).
 */
closed_at_ms: number, 
/**
 * Entries it holds.
 */
entries: number, 
/**
 * Debits of the trial balance kept at close (= its credits).
 */
debit: Money, };

export type BankLineRow = { 
/**
 * Id (`BL-…`).
 */
id: string, 
/**
 * Site.
 */
site: string, 
/**
 * 1002 or 1001.
 */
account: string, 
/**
 * Booking date.
 */
date: string, 
/**
 * Money in (above zero) or out.
 */
amount: Money, 
/**
 * The other party as the bank names it.
 */
counterparty: string, 
/**
 * The bank's reference.
 */
reference: string, 
/**
 * The bank's description.
 */
memo: string, 
/**
 * The number of the receipt or payment it is, once matched.
 */
payment: string | null, 
/**
 * Best fits first (only for lines not matched).
 */
suggestions: Array<Suggestion>, };

export type ImportedStatement = { 
/**
 * Lines new to the book.
 */
imported: number, 
/**
 * Lines the book held already (the same file imported before).
 */
already: number, };

export type StatementColumns = { 
/**
 * The booking date.
 */
date: string, 
/**
 * A signed amount (money in above zero), when the bank gives one column.
 */
amount: string, 
/**
 * Money in, when the bank gives two columns.
 */
credit: string, 
/**
 * Money out, when the bank gives two columns.
 */
debit: string, 
/**
 * The other party's name.
 */
counterparty: string, 
/**
 * The bank's reference of the transaction.
 */
reference: string, 
/**
 * The bank's description.
 */
memo: string, };

export type StatementImport = { 
/**
 * The site whose bank account it is (this device's if empty).
 */
site: string, 
/**
 * The account in the chart: 1002 bank (if empty).
 */
account: string, 
/**
 * A name for this import (the file's name).
 */
name: string, 
/**
 * Which columns hold what.
 */
columns: StatementColumns, };

export type Suggestion = { 
/**
 * `payment` (confirm the match) or `invoice` (record the receipt against it).
 */
kind: string, 
/**
 * Its number.
 */
number: string, 
/**
 * Its party.
 */
party: string, 
/**
 * Its date.
 */
date: string, 
/**
 * How well it fits, 0–100: amount equal, dates close, names alike.
 */
score: number, };

export type AgeingFilter = { 
/**
 * One site's; every site's if none.
 */
site?: string, 
/**
 * Receivables (sales, the default) or payables (purchase).
 */
kind?: OrderKind, 
/**
 * The day to age at, `YYYY-MM-DD` (today if none): invoices, credit notes and
 * payments dated after it are left out.
 */
as_of?: string, };

export type AgeingRow = { 
/**
 * The party's name.
 */
party: string, 
/**
 * Not yet due.
 */
current: Money, 
/**
 * 1–30 days past due.
 */
days_1_30: Money, 
/**
 * 31–60 days.
 */
days_31_60: Money, 
/**
 * 61–90 days.
 */
days_61_90: Money, 
/**
 * More than 90 days.
 */
over_90: Money, 
/**
 * Money received or paid on account, not applied to an invoice.
 */
on_account: Money, 
/**
 * Open invoices less money on account.
 */
total: Money, };

export type AllocationRow = { 
/**
 * The invoice's number.
 */
invoice: string, 
/**
 * Applied.
 */
amount: Money, };

export type Direction = "received" | "paid";

export type InvoiceFilter = { 
/**
 * Only this site's.
 */
site?: string, 
/**
 * Only sales or only purchase invoices.
 */
kind?: OrderKind, 
/**
 * Only this party's (name or id).
 */
party?: string, 
/**
 * Only those still owing something.
 */
open: boolean, };

export type InvoiceForm = { 
/**
 * Order numbers, separated by commas or spaces (empty for an amount).
 */
orders: string, 
/**
 * `sales` or `purchase` when no order is named.
 */
kind: string, 
/**
 * The customer or supplier when no order is named.
 */
party: string, 
/**
 * The site when no order is named.
 */
site: string, 
/**
 * Amount before tax when no order is named.
 */
net: string, 
/**
 * Invoice date (today if empty).
 */
date: string, 
/**
 * Due date (30 days on if empty).
 */
due: string, 
/**
 * 专票 rather than 普票.
 */
special: boolean, 
/**
 * VAT rate in percent (13 if empty).
 */
rate: string, 
/**
 * The tax authority's number.
 */
tax_no: string, 
/**
 * Remark.
 */
memo: string, };

export type InvoiceId = string;

export type InvoiceRow = { 
/**
 * Id.
 */
id: InvoiceId, 
/**
 * Human number.
 */
number: string, 
/**
 * Site.
 */
site: string, 
/**
 * Sales or purchase.
 */
kind: OrderKind, 
/**
 * The party's name.
 */
party: string, 
/**
 * Invoice date.
 */
date: string, 
/**
 * Due date.
 */
due: string, 
/**
 * 专票 or 普票.
 */
vat: VatKind, 
/**
 * VAT rate in basis points.
 */
rate_bp: number, 
/**
 * Before tax.
 */
net: Money, 
/**
 * VAT.
 */
tax: Money, 
/**
 * net + tax.
 */
gross: Money, 
/**
 * Its credit notes' gross (zero or below).
 */
credited: Money, 
/**
 * Applied by receipts or payments.
 */
paid: Money, 
/**
 * Still owed: gross + credited − paid (zero for a credit note).
 */
outstanding: Money, 
/**
 * The number of the invoice a credit note corrects.
 */
corrects: string | null, 
/**
 * The tax authority's number.
 */
tax_no: string, 
/**
 * Remark.
 */
memo: string, 
/**
 * The numbers of the orders it bills.
 */
orders: Array<string>, 
/**
 * Who issued it (device code).
 */
created_by: string, };

export type PaymentFilter = { 
/**
 * Only this site's.
 */
site?: string, 
/**
 * Only receipts or only payments.
 */
direction?: Direction, 
/**
 * Only this party's (name or id).
 */
party?: string, };

export type PaymentForm = { 
/**
 * The invoice it settles (empty: on account).
 */
invoice: string, 
/**
 * The party when no invoice is named.
 */
party: string, 
/**
 * `received` or `paid` when no invoice is named.
 */
direction: string, 
/**
 * Amount (what the invoice owes if empty).
 */
amount: string, 
/**
 * `1002` bank (default) or `1001` cash.
 */
account: string, 
/**
 * Date (today if empty).
 */
date: string, 
/**
 * The bank's reference.
 */
reference: string, 
/**
 * Remark.
 */
memo: string, };

export type PaymentId = string;

export type PaymentRow = { 
/**
 * Id.
 */
id: PaymentId, 
/**
 * Human number.
 */
number: string, 
/**
 * Site.
 */
site: string, 
/**
 * In or out.
 */
direction: Direction, 
/**
 * The party's name.
 */
party: string, 
/**
 * Date.
 */
date: string, 
/**
 * Amount.
 */
amount: Money, 
/**
 * What it did not apply to an invoice (on account).
 */
unapplied: Money, 
/**
 * 1002 or 1001.
 */
account: string, 
/**
 * The bank's reference.
 */
reference: string, 
/**
 * Remark.
 */
memo: string, 
/**
 * What it settles.
 */
allocations: Array<AllocationRow>, 
/**
 * Who recorded it (device code).
 */
created_by: string, };

export type VatKind = "special" | "ordinary";

export type TaskEdit = { 
/**
 * New title.
 */
title?: string, 
/**
 * New description.
 */
description?: string, 
/**
 * New owner.
 */
owner?: string, 
/**
 * New due date (empty clears it).
 */
due?: string, 
/**
 * New priority.
 */
priority?: Priority, 
/**
 * New status.
 */
status?: TaskStatus, 
/**
 * New link.
 */
link?: string, };

export type TaskFilter = { 
/**
 * Only this status.
 */
status?: TaskStatus, 
/**
 * Only this owner.
 */
owner?: string, 
/**
 * Only open tasks past their due date (compared with this date, `YYYY-MM-DD`).
 */
overdue_on?: string, };

export type TaskForm = { 
/**
 * The task edited (its number or id); `None` creates one.
 */
task: string | null, 
/**
 * Title.
 */
title: string, 
/**
 * Details.
 */
description: string, 
/**
 * Who should do it.
 */
owner: string, 
/**
 * Due date `YYYY-MM-DD`, or empty.
 */
due: string, 
/**
 * Urgency.
 */
priority: Priority, 
/**
 * Progress (a new task starts as to do).
 */
status: TaskStatus | null, 
/**
 * Linked record.
 */
link: string, 
/**
 * The task's `version` when the form was filled.
 */
version: string | null, };

export type TaskId = string;

export type TaskRow = { 
/**
 * Random id.
 */
id: TaskId, 
/**
 * Human number.
 */
number: string, 
/**
 * Site.
 */
site: string, 
/**
 * Title.
 */
title: string, 
/**
 * Description.
 */
description: string, 
/**
 * Owner.
 */
owner: string, 
/**
 * Due date.
 */
due: string | null, 
/**
 * Priority.
 */
priority: Priority, 
/**
 * Status.
 */
status: TaskStatus, 
/**
 * Linked record.
 */
link: string, 
/**
 * Created (ms).
 */
created_at_ms: number, 
/**
 * Comments `(at_ms, device code, text)`.
 */
comments: Array<[number, string, string]>, 
/**
 * Whether this device may change it and comment on it.
 */
editable: boolean, 
/**
 * The state of its document this was read at; a form filled from it sends it back.
 */
version: string, };

export type TaskStatus = "todo" | "doing" | "done" | "cancelled";

export type Today = { 
/**
 * Orders submitted and waiting for approval.
 */
approvals: Array<OrderRow>, 
/**
 * How many orders wait for approval in all.
 */
approvals_total: number, 
/**
 * Open tasks past their due date.
 */
overdue: Array<TaskRow>, 
/**
 * Stock at or below its low-stock threshold.
 */
low_stock: Array<LevelRow>, 
/**
 * Broken invariants (e.g. stock oversold while offline).
 */
exceptions: Array<ExceptionRow>, 
/**
 * Fields two people changed at once, waiting for a person to pick.
 */
conflicts: number, 
/**
 * Changes from peers refused because their author may not write there.
 */
refused: number, 
/**
 * Changes held for an admin's decision (a revoked device's late changes).
 */
held: number, 
/**
 * Whether sync runs in this process.
 */
networked: boolean, 
/**
 * Members connected now.
 */
peers: number, 
/**
 * Documents where a connected peer has changes this device has not received yet
 * (a catch-up in progress while above zero).
 */
receiving: number, 
/**
 * Whether this device knows an HQ node to sync with (stored peers).
 */
has_hq: boolean, 
/**
 * This device's changes the HQ node has not acknowledged.
 */
unseen_by_hq: number, 
/**
 * When the last backup from this data dir was written (ms), if ever.
 */
last_backup_at_ms: number | null, 
/**
 * A device restored from a backup: the documents it waits to hear about before it
 * writes there again (none once caught up, or never restored).
 */
catch_up: CatchUp | null, };

export type TransferId = string;

export type Transit = { 
/**
 * Transfer id, to quote when receiving.
 */
transfer: string, 
/**
 * Item SKU.
 */
sku: string, 
/**
 * Source warehouse.
 */
from: string, 
/**
 * Destination warehouse.
 */
to: string, 
/**
 * Quantity sent.
 */
qty: number, };

export type Warehouse = { 
/**
 * Code unique in the organisation, e.g. `SH1`.
 */
code: WarehouseCode, 
/**
 * The site it belongs to.
 */
site: SiteCode, 
/**
 * Display name.
 */
name: string, };

export type WarehouseCode = string;
