// Typed calls to the desktop shell's commands (src-tauri/src/commands.rs). Every call
// answers from the local book; a failure carries a message in the user's language.
import { invoke } from "@tauri-apps/api/core";

export type Role = "admin" | "manager" | "clerk" | "warehouse" | "finance" | "auditor";
export type OrderKind = "sales" | "purchase";
export type Status =
  | "draft" | "submitted" | "approved" | "shipped" | "received" | "invoiced" | "paid" | "cancelled";
export type Action = "submit" | "approve" | "ship" | "receive" | "invoice" | "pay" | "cancel";
export type PartyKind = "customer" | "supplier";
export type TaskStatus = "todo" | "doing" | "done" | "cancelled";
export type Priority = "low" | "normal" | "high" | "urgent";

export interface Device {
  id: string; code: string; name: string; site: string; role: Role;
  joined_at_ms: number; revoked: boolean; revoked_at_ms: number | null;
}
/** A backup written, as remembered in the data dir. */
export interface LastBackup { dir: string; path: string; bytes: number; at_ms: number }
export interface Setup { org: string; me: Device; peer_id: string; listen: string[] }
export interface AppStatus { data_dir: string; lang: "en" | "zh"; setup: Setup | null }
export interface Site { code: string; name: string }
export interface Warehouse { code: string; site: string; name: string }
export interface Item { id: string; sku: string; name: string; unit: string; price: number; low_stock: number }
export interface Party { id: string; kind: PartyKind; name: string; phone: string; address: string }
export interface OrderRow {
  id: string; number: string; kind: OrderKind; site: string; warehouse: string; party: string;
  status: Status; total: number; lines: number; created_at_ms: number;
}
export interface LineRow {
  no: number; id: string; sku: string; name: string; qty: number; price: number;
  discount: number; amount: number;
}
export interface EventRow { status: Status; at_ms: number; device: string; note: string }
export interface ChoiceRow { value: unknown; device: string; at_ms: number }
export interface ConflictRow { kind: string; record: string; label: string; field: string; choices: ChoiceRow[] }
export interface OrderDetail extends OrderRow {
  note: string; created_by: string; line_items: LineRow[]; events: EventRow[];
  conflicts: ConflictRow[]; actions: Action[];
}
export interface LevelRow {
  sku: string; name: string; unit: string; warehouse: string; qty: number; low_stock: number; is_low: boolean;
}
export interface MovementRow {
  id: string; at_ms: number; kind: string; sku: string; warehouse: string; qty: number;
  order: string | null; transfer: string | null; counterpart: string | null; device: string; note: string;
}
export interface Transit { transfer: string; sku: string; from: string; to: string; qty: number }
export interface TaskRow {
  id: string; number: string; site: string; title: string; description: string; owner: string;
  due: string | null; priority: Priority; status: TaskStatus; link: string; created_at_ms: number;
  comments: [number, string, string][];
}
export interface FieldChange { field: string; old: string; new: string }
export interface HistoryEntry {
  at_ms: number; device: string; device_id: string; action: string; change: string; fields: FieldChange[];
}
export interface ExceptionRow { kind: string; subject: string; expected: number | null; actual: number | null }
export interface Today {
  approvals: OrderRow[]; approvals_total: number; overdue: TaskRow[]; low_stock: LevelRow[];
  exceptions: ExceptionRow[]; conflicts: number; refused: number; networked: boolean;
  peers: number; has_hq: boolean; unseen_by_hq: number; last_backup_at_ms: number | null;
}
export interface Invite {
  id: string; role: Role; site: string; created_by: string; created_at_ms: number;
  expires_at_ms: number; used_by: string | null;
}
export interface NewInvite { code: string; id: string; addrs: string[]; expires_at_ms: number }
export interface PeerStatus {
  peer: string; device: string | null; name: string | null; addrs: string[];
  last_synced_ms: number | null; pending_out: number; pending_in: number;
  bytes_sent: number; bytes_received: number; frames: number;
}
export interface RefusedChange { hash: string; doc: string; author: string; from_peer: string; reason: string; at_ms: number }
export interface SyncStatus {
  hq: string[]; unseen_by_hq: [string, number][]; unseen_total: number; refused: RefusedChange[];
}
export interface NewLine { item: string; qty: number; price: number | null; discount: number }
export interface NewOrder { kind: OrderKind; party: string | null; warehouse: string | null; note: string; lines: NewLine[] }
export type OrderSort = "created" | "number" | "party" | "total" | "status";
export interface OrderFilter {
  status?: Status; site?: string; kind?: OrderKind; search?: string; sort?: OrderSort;
  created_from_ms?: number; created_before_ms?: number;
  ascending?: boolean; limit?: number; offset?: number;
}
export type StockMove =
  | { type: "receive" | "issue"; item: string; warehouse: string; qty: number; note: string }
  | { type: "transfer"; item: string; from: string; to: string; qty: number; note: string }
  | { type: "receive_transfer"; transfer: string; qty: number | null; note: string }
  | { type: "count"; item: string; warehouse: string; counted: number; note: string };
export type LineEdit =
  | ({ type: "add" } & NewLine)
  | { type: "set"; line: number; item: string | null; qty: number | null; price: number | null; discount: number | null }
  | { type: "remove"; line: number };
export interface NewTask { title: string; description: string; owner: string; due: string | null; priority: Priority | null; link: string }
export interface TaskEdit {
  title?: string; description?: string; owner?: string; due?: string; priority?: Priority;
  status?: TaskStatus; link?: string;
}
export interface SampleSpec { items: number; customers: number; orders: number; tasks: number; days: number; batch: number }

export interface ImportReport {
  from_device: string; documents: number; changes: number; new_changes: number; waiting: number;
  conflicts: number; exceptions: number;
}

/** What was typed into a form and not saved yet, kept on this device. */
export interface Draft { key: string; body: string; saved_at_ms: number }

/** A command's refusal, already in the user's language. */
export interface Failure { code: string; message: string }

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
  appStatus: () => invoke<AppStatus>("app_status"),
  setLang: (lang: string) => invoke<void>("set_lang", { lang }),
  createOrg: (org: { name: string; site: string; site_name: string; device_name: string }, sample: SampleSpec | null) =>
    invoke<Setup>("create_org", { org, sample }),
  joinOrg: (code: string, name: string) => invoke<Setup>("join_org", { code, name }),
  today: (date: string) => invoke<Today>("today", { date }),
  sites: () => invoke<Site[]>("sites"),
  addSite: (code: string, name: string) => invoke<void>("add_site", { code, name }),
  warehouses: () => invoke<Warehouse[]>("warehouses"),
  items: () => invoke<Item[]>("items"),
  addItem: (item: { sku: string; name: string; unit: string; price: number; low_stock: number }) =>
    invoke<string>("add_item", { item }),
  editItem: (sku: string, name: string | null, price: number | null, lowStock: number | null) =>
    invoke<void>("edit_item", { sku, name, price, lowStock }),
  editParty: (kind: PartyKind, key: string, edit: { name?: string; phone?: string; address?: string }) =>
    invoke<void>("edit_party", { kind, key, edit }),
  parties: (kind: PartyKind) => invoke<Party[]>("parties", { kind }),
  addParty: (party: { kind: PartyKind; name: string; phone: string; address: string }) =>
    invoke<string>("add_party", { party }),
  orders: (filter: OrderFilter) => invoke<OrderRow[]>("orders", { filter }),
  countOrders: (filter: OrderFilter) => invoke<number>("count_orders", { filter }),
  order: (key: string) => invoke<OrderDetail>("order", { key }),
  createOrder: (order: NewOrder) => invoke<[string, string]>("create_order", { order }),
  editOrder: (key: string, edit: { party?: string; warehouse?: string; note?: string }) =>
    invoke<void>("edit_order", { key, edit }),
  editLines: (key: string, edit: LineEdit) => invoke<void>("edit_lines", { key, edit }),
  actOnOrder: (key: string, action: Action, note: string) =>
    invoke<Status>("act_on_order", { key, action, note }),
  levels: (warehouse: string | null) => invoke<LevelRow[]>("levels", { warehouse }),
  movements: (filter: { item?: string; warehouse?: string; limit?: number }) =>
    invoke<MovementRow[]>("movements", { filter }),
  transfersInTransit: () => invoke<Transit[]>("transfers_in_transit"),
  moveStock: (mv: StockMove) => invoke<unknown>("move_stock", { mv }),
  tasks: (filter: { status?: TaskStatus; owner?: string; overdue_on?: string }) =>
    invoke<TaskRow[]>("tasks", { filter }),
  task: (key: string) => invoke<TaskRow>("task", { key }),
  createTask: (task: NewTask) => invoke<[string, string]>("create_task", { task }),
  editTask: (key: string, edit: TaskEdit) => invoke<void>("edit_task", { key, edit }),
  commentTask: (key: string, text: string) => invoke<void>("comment_task", { key, text }),
  conflicts: () => invoke<ConflictRow[]>("conflicts"),
  resolveConflict: (record: string, field: string, choice: number) =>
    invoke<void>("resolve_conflict", { record, field, choice }),
  history: (key: string) => invoke<HistoryEntry[]>("history", { key }),
  exceptions: () => invoke<ExceptionRow[]>("exceptions"),
  devices: () => invoke<Device[]>("devices"),
  invites: () => invoke<Invite[]>("invites"),
  createInvite: (role: Role, site: string, days: number) =>
    invoke<NewInvite>("create_invite", { role, site, days }),
  revoke: (key: string) => invoke<Device>("revoke", { key }),
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
  importBundle: (path: string) => invoke<ImportReport>("import_bundle", { path }),
};
