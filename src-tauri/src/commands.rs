//! The window's commands: each calls the same-named [`Node`] method on a blocking thread
//! and returns its result, or a [`Failure`] in the user's language. No rules live here.

use outpost_core::{
    Action, ConflictRow, Device, Draft, ExceptionRow, HistoryEntry, ImportReport, Invite, Item,
    ItemId, LevelRow, LineEdit, Money, MovementFilter, MovementRow, NewItem, NewOrder, NewOrg,
    NewParty, NewTask, OrderDetail, OrderEdit, OrderFilter, OrderId, OrderRow, Party, PartyEdit,
    PartyId, PartyKind, Role, SampleSpec, SentTransfer, Site, SiteCode, Status, StockMove,
    TaskEdit, TaskFilter, TaskId, TaskRow, Transit, Warehouse, WarehouseCode,
};
use outpost_node::i18n::Lang;
use outpost_node::{LastBackup, NewInvite, Node, PeerStatus, SyncStatus, Today};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use crate::desktop::Desktop;
use crate::error::{Error, Failure};

type Reply<T> = std::result::Result<T, Failure>;

/// What the window needs before its first screen.
#[derive(Clone, Debug, Serialize)]
pub struct AppStatus {
    /// The data dir in use.
    pub data_dir: String,
    /// The language of messages (`en` or `zh`).
    pub lang: &'static str,
    /// This device's organisation, once it has one.
    pub setup: Option<Setup>,
}

/// This device's place in its organisation.
#[derive(Clone, Debug, Serialize)]
pub struct Setup {
    /// The organisation's name.
    pub org: String,
    /// This device's registration.
    pub me: Device,
    /// Its libp2p peer id.
    pub peer_id: String,
    /// Addresses peers can dial it at.
    pub listen: Vec<String>,
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    }
}

fn setup_of(node: &Node) -> outpost_node::Result<Setup> {
    Ok(Setup {
        org: node.org_name()?,
        me: node.me()?,
        peer_id: node.identity().peer_id().to_string(),
        listen: node.listen_addrs().iter().map(|a| a.to_string()).collect(),
    })
}

/// The data dir, language and (once set up) this device's organisation.
#[tauri::command]
pub async fn app_status<R: Runtime>(
    app: AppHandle<R>,
    desktop: State<'_, Desktop>,
) -> Reply<AppStatus> {
    let lang = desktop.lang();
    desktop
        .open_existing(&app)
        .map_err(|e| desktop.failure(&e, lang))?;
    let setup = match desktop.node() {
        Ok(_) => Some(desktop.run(setup_of).await?),
        Err(_) => None,
    };
    Ok(AppStatus {
        data_dir: desktop.data_dir().display().to_string(),
        lang: lang_code(desktop.lang()),
        setup,
    })
}

/// Switches the language of messages (`en`, `zh`).
#[tauri::command]
pub fn set_lang(desktop: State<'_, Desktop>, lang: String) {
    desktop.set_lang(Lang::parse(&lang).unwrap_or_default());
}

/// Creates a new organisation on this device (first run); with `sample`, fills it with a
/// busy site's sample data.
#[tauri::command]
pub async fn create_org<R: Runtime>(
    app: AppHandle<R>,
    desktop: State<'_, Desktop>,
    org: NewOrg,
    sample: Option<SampleSpec>,
) -> Reply<Setup> {
    let lang = desktop.lang();
    let dir = desktop.data_dir().to_path_buf();
    let _creating = desktop.creating().map_err(|e| desktop.failure(&e, lang))?;
    let created = tauri::async_runtime::spawn_blocking(move || {
        let node = Node::create(&dir, org)?;
        if let Some(spec) = sample {
            node.fill_sample(&spec)?;
        }
        Ok::<_, outpost_node::Error>(node)
    })
    .await
    .map_err(|e| Error::Stopped(e.to_string()))
    .and_then(|r| r.map_err(Error::Node))
    .and_then(|node| desktop.install(&app, node));
    created.map_err(|e| desktop.failure(&e, lang))?;
    desktop.run(setup_of).await
}

/// Joins an organisation with an invite code (first run).
#[tauri::command]
pub async fn join_org<R: Runtime>(
    app: AppHandle<R>,
    desktop: State<'_, Desktop>,
    code: String,
    name: String,
) -> Reply<Setup> {
    let lang = desktop.lang();
    let _creating = desktop.creating().map_err(|e| desktop.failure(&e, lang))?;
    let joined = Node::join(desktop.data_dir(), &code, &name)
        .await
        .map_err(Error::Node)
        .and_then(|(node, _)| desktop.install(&app, node));
    joined.map_err(|e| desktop.failure(&e, lang))?;
    desktop.run(setup_of).await
}

/// What needs attention today (`date`: the window's local date, `YYYY-MM-DD`).
#[tauri::command]
pub async fn today(desktop: State<'_, Desktop>, date: String) -> Reply<Today> {
    desktop.run(move |n| n.today(&date)).await
}

/// Every site.
#[tauri::command]
pub async fn sites(desktop: State<'_, Desktop>) -> Reply<Vec<Site>> {
    desktop.run(|n| n.sites()).await
}

/// Adds a site with its first warehouse.
#[tauri::command]
pub async fn add_site(desktop: State<'_, Desktop>, code: SiteCode, name: String) -> Reply<()> {
    desktop.run(move |n| n.add_site(&code, &name)).await
}

/// Every warehouse.
#[tauri::command]
pub async fn warehouses(desktop: State<'_, Desktop>) -> Reply<Vec<Warehouse>> {
    desktop.run(|n| n.warehouses()).await
}

/// The catalogue.
#[tauri::command]
pub async fn items(desktop: State<'_, Desktop>) -> Reply<Vec<Item>> {
    desktop.run(|n| n.items()).await
}

/// Adds a catalogue item.
#[tauri::command]
pub async fn add_item(desktop: State<'_, Desktop>, item: NewItem) -> Reply<ItemId> {
    desktop.run(move |n| n.add_item(item)).await
}

/// Edits a catalogue item.
#[tauri::command]
pub async fn edit_item(
    desktop: State<'_, Desktop>,
    sku: String,
    name: Option<String>,
    price: Option<Money>,
    low_stock: Option<i64>,
) -> Reply<()> {
    desktop
        .run(move |n| n.edit_item(&sku, name.as_deref(), price, low_stock))
        .await
}

/// Edits a customer or supplier (by name or id).
#[tauri::command]
pub async fn edit_party(
    desktop: State<'_, Desktop>,
    kind: PartyKind,
    key: String,
    edit: PartyEdit,
) -> Reply<()> {
    desktop.run(move |n| n.edit_party(kind, &key, edit)).await
}

/// Customers or suppliers.
#[tauri::command]
pub async fn parties(desktop: State<'_, Desktop>, kind: PartyKind) -> Reply<Vec<Party>> {
    desktop.run(move |n| n.parties(kind)).await
}

/// Adds a customer or supplier.
#[tauri::command]
pub async fn add_party(desktop: State<'_, Desktop>, party: NewParty) -> Reply<PartyId> {
    desktop.run(move |n| n.add_party(party)).await
}

/// A page of orders.
#[tauri::command]
pub async fn orders(desktop: State<'_, Desktop>, filter: OrderFilter) -> Reply<Vec<OrderRow>> {
    desktop.run(move |n| n.orders(&filter)).await
}

/// How many orders `filter` matches.
#[tauri::command]
pub async fn count_orders(desktop: State<'_, Desktop>, filter: OrderFilter) -> Reply<u64> {
    desktop.run(move |n| n.count_orders(&filter)).await
}

/// One order in full.
#[tauri::command]
pub async fn order(desktop: State<'_, Desktop>, key: String) -> Reply<OrderDetail> {
    desktop.run(move |n| n.order(&key)).await
}

/// Creates a draft order; returns its number and id.
#[tauri::command]
pub async fn create_order(
    desktop: State<'_, Desktop>,
    order: NewOrder,
) -> Reply<(String, OrderId)> {
    desktop.run(move |n| n.create_order(order)).await
}

/// Edits a draft order's header.
#[tauri::command]
pub async fn edit_order(desktop: State<'_, Desktop>, key: String, edit: OrderEdit) -> Reply<()> {
    desktop.run(move |n| n.edit_order(&key, edit)).await
}

/// Edits a draft order's lines.
#[tauri::command]
pub async fn edit_lines(desktop: State<'_, Desktop>, key: String, edit: LineEdit) -> Reply<()> {
    desktop.run(move |n| n.edit_lines(&key, edit)).await
}

/// Takes a lifecycle step on an order.
#[tauri::command]
pub async fn act_on_order(
    desktop: State<'_, Desktop>,
    key: String,
    action: Action,
    note: String,
) -> Reply<Status> {
    desktop
        .run(move |n| n.act_on_order(&key, action, &note))
        .await
}

/// Stock levels, of one warehouse or all.
#[tauri::command]
pub async fn levels(
    desktop: State<'_, Desktop>,
    warehouse: Option<WarehouseCode>,
) -> Reply<Vec<LevelRow>> {
    desktop.run(move |n| n.levels(warehouse.as_ref())).await
}

/// Stock movements.
#[tauri::command]
pub async fn movements(
    desktop: State<'_, Desktop>,
    filter: MovementFilter,
) -> Reply<Vec<MovementRow>> {
    desktop.run(move |n| n.movements(&filter)).await
}

/// Transfers not yet received.
#[tauri::command]
pub async fn transfers_in_transit(desktop: State<'_, Desktop>) -> Reply<Vec<Transit>> {
    desktop.run(|n| n.transfers_in_transit()).await
}

/// Records a stock operation.
#[tauri::command]
pub async fn move_stock(desktop: State<'_, Desktop>, mv: StockMove) -> Reply<Option<SentTransfer>> {
    desktop.run(move |n| n.move_stock(mv)).await
}

/// Tasks.
#[tauri::command]
pub async fn tasks(desktop: State<'_, Desktop>, filter: TaskFilter) -> Reply<Vec<TaskRow>> {
    desktop.run(move |n| n.tasks(&filter)).await
}

/// One task.
#[tauri::command]
pub async fn task(desktop: State<'_, Desktop>, key: String) -> Reply<TaskRow> {
    desktop.run(move |n| n.task(&key)).await
}

/// Creates a task; returns its number and id.
#[tauri::command]
pub async fn create_task(desktop: State<'_, Desktop>, task: NewTask) -> Reply<(String, TaskId)> {
    desktop.run(move |n| n.create_task(task)).await
}

/// Edits a task.
#[tauri::command]
pub async fn edit_task(desktop: State<'_, Desktop>, key: String, edit: TaskEdit) -> Reply<()> {
    desktop.run(move |n| n.edit_task(&key, edit)).await
}

/// Comments on a task.
#[tauri::command]
pub async fn comment_task(desktop: State<'_, Desktop>, key: String, text: String) -> Reply<()> {
    desktop.run(move |n| n.comment_task(&key, &text)).await
}

/// Open conflicts.
#[tauri::command]
pub async fn conflicts(desktop: State<'_, Desktop>) -> Reply<Vec<ConflictRow>> {
    desktop.run(|n| n.conflicts()).await
}

/// Resolves a conflict with choice `choice` (1-based).
#[tauri::command]
pub async fn resolve_conflict(
    desktop: State<'_, Desktop>,
    record: String,
    field: String,
    choice: usize,
) -> Reply<()> {
    desktop
        .run(move |n| n.resolve_conflict(&record, &field, choice))
        .await
}

/// History of a record.
#[tauri::command]
pub async fn history(desktop: State<'_, Desktop>, key: String) -> Reply<Vec<HistoryEntry>> {
    desktop.run(move |n| n.history(&key)).await
}

/// Broken invariants.
#[tauri::command]
pub async fn exceptions(desktop: State<'_, Desktop>) -> Reply<Vec<ExceptionRow>> {
    desktop.run(|n| n.exceptions()).await
}

/// Every registered device.
#[tauri::command]
pub async fn devices(desktop: State<'_, Desktop>) -> Reply<Vec<Device>> {
    desktop.run(|n| n.devices()).await
}

/// Every invite, newest first.
#[tauri::command]
pub async fn invites(desktop: State<'_, Desktop>) -> Reply<Vec<Invite>> {
    desktop.run(|n| n.invites()).await
}

/// Makes an invite valid for `days` days (admin only).
#[tauri::command]
pub async fn create_invite(
    desktop: State<'_, Desktop>,
    role: Role,
    site: SiteCode,
    days: u32,
) -> Reply<NewInvite> {
    let valid_for = std::time::Duration::from_secs(u64::from(days.max(1)) * 86_400);
    desktop
        .run(move |n| n.create_invite(role, &site, valid_for))
        .await
}

/// Revokes a member (admin only).
#[tauri::command]
pub async fn revoke(desktop: State<'_, Desktop>, key: String) -> Reply<Device> {
    desktop.run(move |n| n.revoke(&key)).await
}

/// Renames a device (admin only).
#[tauri::command]
pub async fn rename_device(
    desktop: State<'_, Desktop>,
    key: String,
    name: String,
) -> Reply<Device> {
    desktop.run(move |n| n.rename_device(&key, &name)).await
}

/// Keeps what was typed into a form and not saved yet (this device only).
#[tauri::command]
pub async fn keep_draft(desktop: State<'_, Desktop>, key: String, body: String) -> Reply<()> {
    desktop.run(move |n| n.keep_draft(&key, &body)).await
}

/// The draft kept under `key`, if any.
#[tauri::command]
pub async fn draft(desktop: State<'_, Desktop>, key: String) -> Reply<Option<Draft>> {
    desktop.run(move |n| n.draft(&key)).await
}

/// Every kept draft, newest first.
#[tauri::command]
pub async fn drafts(desktop: State<'_, Desktop>) -> Reply<Vec<Draft>> {
    desktop.run(|n| n.drafts()).await
}

/// Forgets a draft (saved or discarded).
#[tauri::command]
pub async fn drop_draft(desktop: State<'_, Desktop>, key: String) -> Reply<()> {
    desktop.run(move |n| n.drop_draft(&key)).await
}

/// Connected members with traffic and what is pending each way.
#[tauri::command]
pub async fn peers(desktop: State<'_, Desktop>) -> Reply<Vec<PeerStatus>> {
    desktop.run(|n| n.peers()).await
}

/// What HQ has not seen yet, and refused changes.
#[tauri::command]
pub async fn sync_status(desktop: State<'_, Desktop>) -> Reply<SyncStatus> {
    desktop.run(|n| n.sync_status()).await
}

/// Adds a peer to keep dialling.
#[tauri::command]
pub async fn add_peer(desktop: State<'_, Desktop>, addr: String) -> Reply<String> {
    desktop
        .run(move |n| n.add_peer(&addr).map(|a| a.to_string()))
        .await
}

/// Writes a bundle of the whole book into the folder `dir`, remembered as the last backup.
#[tauri::command]
pub async fn backup(desktop: State<'_, Desktop>, dir: String) -> Reply<LastBackup> {
    desktop
        .run(move |n| n.backup(std::path::Path::new(&dir)))
        .await
}

/// The last backup made from this data dir (its folder is offered again), if any.
#[tauri::command]
pub async fn last_backup(desktop: State<'_, Desktop>) -> Reply<Option<LastBackup>> {
    desktop.run(|n| Ok(n.last_backup())).await
}

/// Merges a bundle file carried from another office.
#[tauri::command]
pub async fn import_bundle(desktop: State<'_, Desktop>, path: String) -> Reply<ImportReport> {
    desktop
        .run(move |n| n.import_bundle(std::path::Path::new(&path)))
        .await
}
