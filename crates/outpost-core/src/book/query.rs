//! Reads that answer from the projection tables, never from documents.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::Book;
use super::conflicts::ConflictRow;
use crate::code::{DeviceCode, SiteCode, WarehouseCode};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::{DeviceId, ItemId, OrderId, PartyId, TaskId};
use crate::money::Money;
use crate::order::{Action, OrderKind, Status};
use crate::org::{Device, Item, Party, PartyKind, Role, Site, Warehouse};
use crate::task::TaskStatus;

/// Which orders to list.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this site.
    pub site: Option<SiteCode>,
    /// Only sales or only purchase.
    pub kind: Option<OrderKind>,
    /// Number or party name contains this text.
    pub search: Option<String>,
    /// Created at or after this instant (ms; the window sends the start of a local day).
    pub created_from_ms: Option<i64>,
    /// Created before this instant (ms; the start of the day after the last one shown).
    pub created_before_ms: Option<i64>,
    /// Order of the rows: newest first if `None`.
    pub sort: Option<OrderSort>,
    /// Sort ascending (smallest, oldest, A first) rather than descending.
    pub ascending: bool,
    /// Page size (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: u32,
}

crate::text::text_enum!(
    /// The column an order list is sorted by.
    OrderSort, "sort" {
        /// Creation time.
        Created = "created",
        /// Human number.
        Number = "number",
        /// Customer or supplier name.
        Party = "party",
        /// Total.
        Total = "total",
        /// Status.
        Status = "status",
    }
);

impl OrderSort {
    fn column(self) -> &'static str {
        match self {
            OrderSort::Created => "o.created_at",
            OrderSort::Number => "o.number",
            OrderSort::Party => "coalesce(p.name, '')",
            OrderSort::Total => "o.total",
            OrderSort::Status => "o.status",
        }
    }
}

/// The WHERE condition of `filter` and its arguments (shared by the list and its count).
fn order_condition(filter: &OrderFilter) -> (String, Vec<Box<dyn rusqlite::ToSql>>) {
    let mut sql = String::from("1");
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(status) = filter.status {
        args.push(Box::new(status.as_str()));
        sql.push_str(&format!(" AND o.status = ?{}", args.len()));
    }
    if let Some(site) = &filter.site {
        args.push(Box::new(site.as_str().to_string()));
        sql.push_str(&format!(" AND o.site = ?{}", args.len()));
    }
    if let Some(kind) = filter.kind {
        args.push(Box::new(kind.as_str()));
        sql.push_str(&format!(" AND o.kind = ?{}", args.len()));
    }
    if let Some(from) = filter.created_from_ms {
        args.push(Box::new(from));
        sql.push_str(&format!(" AND o.created_at >= ?{}", args.len()));
    }
    if let Some(before) = filter.created_before_ms {
        args.push(Box::new(before));
        sql.push_str(&format!(" AND o.created_at < ?{}", args.len()));
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        let escaped = search
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(Box::new(format!("%{escaped}%")));
        let n = args.len();
        sql.push_str(&format!(
            " AND (o.number LIKE ?{n} ESCAPE '\\' OR p.name LIKE ?{n} ESCAPE '\\')"
        ));
    }
    (sql, args)
}

/// One row of the order list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderRow {
    /// Random id.
    pub id: OrderId,
    /// Human number.
    pub number: String,
    /// Sales or purchase.
    pub kind: OrderKind,
    /// Owning site.
    pub site: String,
    /// Warehouse.
    pub warehouse: String,
    /// Customer or supplier name ("" if none).
    pub party: String,
    /// Folded status.
    pub status: Status,
    /// Total of the lines.
    pub total: Money,
    /// Number of lines.
    pub lines: i64,
    /// Created (ms).
    pub created_at_ms: i64,
}

/// A line of an order, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineRow {
    /// 1-based position.
    pub no: i64,
    /// Line id.
    pub id: String,
    /// Item SKU.
    pub sku: String,
    /// Item name.
    pub name: String,
    /// Quantity.
    pub qty: i64,
    /// Unit price.
    pub price: Money,
    /// Line discount.
    pub discount: Money,
    /// Line amount.
    pub amount: Money,
}

/// A status event, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// The recorded status.
    pub status: Status,
    /// When (ms).
    pub at_ms: i64,
    /// Device code of the author (or its id if unknown).
    pub device: String,
    /// Remark.
    pub note: String,
}

/// Everything about one order.
#[derive(Clone, Debug, Serialize)]
pub struct OrderDetail {
    /// The list row.
    #[serde(flatten)]
    pub row: OrderRow,
    /// Remark.
    pub note: String,
    /// Device code of the creator.
    pub created_by: String,
    /// Lines.
    pub line_items: Vec<LineRow>,
    /// Status events.
    pub events: Vec<EventRow>,
    /// Open conflicts on this order.
    pub conflicts: Vec<ConflictRow>,
    /// The lifecycle steps its status allows now (the front end's buttons).
    pub actions: Vec<Action>,
}

/// One stock level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LevelRow {
    /// Item SKU.
    pub sku: String,
    /// Item name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Warehouse code.
    pub warehouse: String,
    /// Quantity on hand (sum of movements).
    pub qty: i64,
    /// The item's threshold.
    pub low_stock: i64,
    /// At or below the threshold.
    pub is_low: bool,
}

/// Which movements to list.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MovementFilter {
    /// Only this item (SKU or id).
    pub item: Option<String>,
    /// Only this warehouse.
    pub warehouse: Option<WarehouseCode>,
    /// Page size (default 100).
    pub limit: Option<u32>,
}

/// One movement, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MovementRow {
    /// Movement id.
    pub id: String,
    /// When (ms).
    pub at_ms: i64,
    /// Kind.
    pub kind: String,
    /// Item SKU.
    pub sku: String,
    /// Warehouse.
    pub warehouse: String,
    /// Signed quantity.
    pub qty: i64,
    /// Order number, if any.
    pub order: Option<String>,
    /// Transfer id, if any.
    pub transfer: Option<String>,
    /// Other warehouse of a transfer.
    pub counterpart: Option<String>,
    /// Author device code.
    pub device: String,
    /// Remark.
    pub note: String,
}

/// Which tasks to list.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaskFilter {
    /// Only this status.
    pub status: Option<TaskStatus>,
    /// Only this owner.
    pub owner: Option<String>,
    /// Only open tasks past their due date (compared with this date, `YYYY-MM-DD`).
    pub overdue_on: Option<String>,
}

/// One task, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskRow {
    /// Random id.
    pub id: TaskId,
    /// Human number.
    pub number: String,
    /// Site.
    pub site: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Owner.
    pub owner: String,
    /// Due date.
    pub due: Option<String>,
    /// Priority.
    pub priority: String,
    /// Status.
    pub status: String,
    /// Linked record.
    pub link: String,
    /// Created (ms).
    pub created_at_ms: i64,
    /// Comments `(at_ms, device code, text)`.
    pub comments: Vec<(i64, String, String)>,
}

fn site_of(row: &Row<'_>, i: usize) -> rusqlite::Result<Site> {
    Ok(Site {
        code: SiteCode::from_stored(row.get(i)?),
        name: row.get(i + 1)?,
    })
}

fn parse_col<T>(value: String, f: impl Fn(&str) -> Result<T>) -> rusqlite::Result<T> {
    f(&value).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl Book {
    /// Every site.
    pub fn sites(&self) -> Result<Vec<Site>> {
        let mut stmt = self
            .db
            .prepare_cached("SELECT code, name FROM sites ORDER BY code")?;
        let rows = stmt
            .query_map([], |r| site_of(r, 0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Every warehouse.
    pub fn warehouses(&self) -> Result<Vec<Warehouse>> {
        let mut stmt = self
            .db
            .prepare_cached("SELECT code, site, name FROM warehouses ORDER BY code")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Warehouse {
                    code: WarehouseCode::from_stored(r.get(0)?),
                    site: SiteCode::from_stored(r.get(1)?),
                    name: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Every registered device.
    pub fn devices(&self) -> Result<Vec<Device>> {
        self.devices_where("1", params![])
    }

    /// One device by id.
    pub fn device(&self, id: &DeviceId) -> Result<Option<Device>> {
        Ok(self.devices_where("id = ?1", params![id.as_str()])?.pop())
    }

    fn devices_where(&self, cond: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Device>> {
        let sql = format!(
            "SELECT id, code, name, site, role, joined_at, revoked, revoked_at FROM devices \
             WHERE {cond} ORDER BY code"
        );
        let mut stmt = self.db.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Device {
                    id: parse_col(r.get(0)?, DeviceId::parse)?,
                    code: DeviceCode::from_stored(r.get(1)?),
                    name: r.get(2)?,
                    site: SiteCode::from_stored(r.get(3)?),
                    role: parse_col(r.get(4)?, Role::parse)?,
                    joined_at_ms: r.get(5)?,
                    revoked: r.get(6)?,
                    revoked_at_ms: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Device code for display, or the id's first 8 digits if the device is unknown yet.
    pub fn device_label(&self, id: &str) -> String {
        self.db
            .query_row("SELECT code FROM devices WHERE id = ?1", [id], |r| r.get(0))
            .unwrap_or_else(|_| id.chars().take(8).collect())
    }

    /// The catalogue, by SKU.
    pub fn items(&self) -> Result<Vec<Item>> {
        self.items_where("1", params![])
    }

    fn items_where(&self, cond: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Item>> {
        let sql = format!(
            "SELECT id, sku, name, unit, price, low_stock FROM items WHERE {cond} ORDER BY sku, id"
        );
        let mut stmt = self.db.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Item {
                    id: ItemId::from_stored(r.get(0)?),
                    sku: r.get(1)?,
                    name: r.get(2)?,
                    unit: r.get(3)?,
                    price: Money(r.get(4)?),
                    low_stock: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// An item by exact SKU (case-insensitive).
    pub fn item_by_sku(&self, sku: &str) -> Result<Option<Item>> {
        Ok(self
            .items_where("sku = ?1 COLLATE NOCASE", params![sku.trim()])?
            .into_iter()
            .next())
    }

    /// An item by SKU or id; an error naming it if there is none.
    pub fn resolve_item(&self, key: &str) -> Result<Item> {
        if let Some(item) = self.item_by_sku(key)? {
            return Ok(item);
        }
        self.items_where("id = ?1", params![key.trim()])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("item", key))
    }

    /// Customers or suppliers, by name.
    pub fn parties(&self, kind: PartyKind) -> Result<Vec<Party>> {
        self.parties_where("kind = ?1", params![kind.as_str()])
    }

    fn parties_where(&self, cond: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Party>> {
        let sql = format!(
            "SELECT id, kind, name, phone, address FROM parties WHERE {cond} ORDER BY name, id"
        );
        let mut stmt = self.db.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Party {
                    id: PartyId::from_stored(r.get(0)?),
                    kind: parse_col(r.get(1)?, PartyKind::parse)?,
                    name: r.get(2)?,
                    phone: r.get(3)?,
                    address: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// A party by exact name (case-insensitive).
    pub fn party_by_name(&self, kind: PartyKind, name: &str) -> Result<Option<Party>> {
        Ok(self
            .parties_where(
                "kind = ?1 AND name = ?2 COLLATE NOCASE",
                params![kind.as_str(), name.trim()],
            )?
            .into_iter()
            .next())
    }

    /// A party by name or id.
    pub fn resolve_party(&self, kind: PartyKind, key: &str) -> Result<Party> {
        if let Some(p) = self.party_by_name(kind, key)? {
            return Ok(p);
        }
        self.parties_where("kind = ?1 AND id = ?2", params![kind.as_str(), key.trim()])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found(kind.as_str(), key))
    }

    /// The id and document of an order given its number or id.
    pub(crate) fn locate_order(&self, key: &str) -> Result<(OrderId, DocId)> {
        let key = key.trim();
        let found: Option<(String, String)> = self
            .db
            .query_row(
                "SELECT id, doc FROM orders WHERE number = ?1 COLLATE NOCASE OR id = ?1 LIMIT 1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (id, doc) = found.ok_or_else(|| Error::not_found("order", key))?;
        Ok((OrderId::from_stored(id), DocId::parse(&doc)?))
    }

    /// An order's list row and its document, by number or id: what a change to the order
    /// needs to know before it opens the document.
    pub(crate) fn order_head(&self, key: &str) -> Result<(OrderRow, DocId)> {
        let key = key.trim();
        let found: Option<(OrderRow, String)> = self
            .db
            .prepare_cached(&format!(
                "SELECT {ORDER_ROW}, o.doc FROM orders o LEFT JOIN parties p ON p.id = o.party
                 WHERE o.number = ?1 COLLATE NOCASE OR o.id = ?1 LIMIT 1"
            ))?
            .query_row([key], |r| Ok((order_row(r)?, r.get(10)?)))
            .optional()?;
        let (row, doc) = found.ok_or_else(|| Error::not_found("order", key))?;
        Ok((row, DocId::parse(&doc)?))
    }

    /// The id and document of a task given its number or id.
    pub(crate) fn locate_task(&self, key: &str) -> Result<(TaskId, DocId)> {
        let key = key.trim();
        let found: Option<(String, String)> = self
            .db
            .query_row(
                "SELECT id, doc FROM tasks WHERE number = ?1 COLLATE NOCASE OR id = ?1 LIMIT 1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (id, doc) = found.ok_or_else(|| Error::not_found("task", key))?;
        Ok((TaskId::from_stored(id), DocId::parse(&doc)?))
    }

    /// A page of orders, sorted as `filter` asks (newest first by default).
    pub fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderRow>> {
        let (condition, args) = order_condition(filter);
        let column = filter.sort.unwrap_or(OrderSort::Created).column();
        let direction = if filter.ascending { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT {ORDER_ROW}, o.doc FROM orders o LEFT JOIN parties p ON p.id = o.party
             WHERE {condition} ORDER BY {column} {direction}, o.created_at DESC, o.id DESC
             LIMIT {} OFFSET {}",
            filter.limit.unwrap_or(50).min(1000),
            filter.offset
        );
        let mut stmt = self.db.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), order_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// How many orders `filter` matches (its paging ignored).
    pub fn count_orders(&self, filter: &OrderFilter) -> Result<u64> {
        let (condition, args) = order_condition(filter);
        let sql = format!(
            "SELECT count(*) FROM orders o LEFT JOIN parties p ON p.id = o.party WHERE {condition}"
        );
        let n: i64 = self
            .db
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Number of orders in the book.
    pub fn order_count(&self) -> Result<i64> {
        Ok(self
            .db
            .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))?)
    }

    /// One order with lines, events and conflicts, by number or id.
    pub fn order(&self, key: &str) -> Result<OrderDetail> {
        let (id, _) = self.locate_order(key)?;
        let (row, note, created_by): (OrderRow, String, String) = self.db.query_row(
            &format!(
                "SELECT {ORDER_ROW}, o.note, o.created_by
                 FROM orders o LEFT JOIN parties p ON p.id = o.party WHERE o.id = ?1"
            ),
            [id.as_str()],
            |r| Ok((order_row(r)?, r.get(10)?, r.get(11)?)),
        )?;
        let mut stmt = self.db.prepare_cached(
            "SELECT l.pos, l.line_id, coalesce(i.sku, l.item), coalesce(i.name, ''), l.qty, l.price,
                    l.discount, l.amount
             FROM order_lines l LEFT JOIN items i ON i.id = l.item
             WHERE l.order_id = ?1 ORDER BY l.pos",
        )?;
        let line_items = stmt
            .query_map([id.as_str()], |r| {
                Ok(LineRow {
                    no: r.get::<_, i64>(0)? + 1,
                    id: r.get(1)?,
                    sku: r.get(2)?,
                    name: r.get(3)?,
                    qty: r.get(4)?,
                    price: Money(r.get(5)?),
                    discount: Money(r.get(6)?),
                    amount: Money(r.get(7)?),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.db.prepare_cached(
            "SELECT e.status, e.at,
                    coalesce((SELECT code FROM devices d WHERE d.id = e.device), substr(e.device, 1, 8)),
                    e.note
             FROM order_events e WHERE e.order_id = ?1 ORDER BY e.pos",
        )?;
        let raw_events: Vec<(String, i64, String, String)> = stmt
            .query_map([id.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let events = raw_events
            .into_iter()
            .filter_map(|(status, at_ms, device, note)| {
                Some(EventRow {
                    status: Status::parse(&status).ok()?,
                    at_ms,
                    device,
                    note,
                })
            })
            .collect();
        let conflicts =
            self.conflicts_where("c.kind = 'order' AND c.record = ?1", params![id.as_str()])?;
        let actions = Action::ALL
            .iter()
            .copied()
            .filter(|a| a.allowed(row.kind, row.status))
            .collect();
        Ok(OrderDetail {
            actions,
            row,
            note,
            created_by: self.device_label(&created_by),
            line_items,
            events,
            conflicts,
        })
    }

    /// Stock levels per item and warehouse.
    pub fn levels(&self, warehouse: Option<&WarehouseCode>) -> Result<Vec<LevelRow>> {
        let mut stmt = self.db.prepare_cached(
            "SELECT coalesce(i.sku, s.item), coalesce(i.name, ''), coalesce(i.unit, ''), s.warehouse,
                    s.qty, coalesce(i.low_stock, 0)
             FROM stock_levels s LEFT JOIN items i ON i.id = s.item
             WHERE ?1 IS NULL OR s.warehouse = ?1
             ORDER BY 1, s.warehouse",
        )?;
        let rows = stmt
            .query_map([warehouse.map(|w| w.as_str())], |r| {
                let qty: i64 = r.get(4)?;
                let low_stock: i64 = r.get(5)?;
                Ok(LevelRow {
                    sku: r.get(0)?,
                    name: r.get(1)?,
                    unit: r.get(2)?,
                    warehouse: r.get(3)?,
                    qty,
                    low_stock,
                    is_low: qty <= low_stock,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Quantity on hand of one item in one warehouse.
    pub fn level(&self, item: &ItemId, warehouse: &WarehouseCode) -> Result<i64> {
        Ok(self
            .db
            .query_row(
                "SELECT qty FROM stock_levels WHERE item = ?1 AND warehouse = ?2",
                [item.as_str(), warehouse.as_str()],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Movements, newest first.
    pub fn movements(&self, filter: &MovementFilter) -> Result<Vec<MovementRow>> {
        let item = filter
            .item
            .as_deref()
            .map(|k| self.resolve_item(k))
            .transpose()?;
        let mut stmt = self.db.prepare_cached(
            "SELECT m.id, m.at, m.kind, coalesce(i.sku, m.item), m.warehouse, m.qty, o.number,
                    m.transfer, m.counterpart,
                    coalesce((SELECT code FROM devices d WHERE d.id = m.device), substr(m.device, 1, 8)),
                    m.note
             FROM movements m LEFT JOIN items i ON i.id = m.item LEFT JOIN orders o ON o.id = m.order_id
             WHERE (?1 IS NULL OR m.item = ?1) AND (?2 IS NULL OR m.warehouse = ?2)
             ORDER BY m.at DESC, m.id DESC LIMIT ?3",
        )?;
        let rows: Vec<MovementRow> = stmt
            .query_map(
                params![
                    item.as_ref().map(|i| i.id.as_str()),
                    filter.warehouse.as_ref().map(|w| w.as_str()),
                    filter.limit.unwrap_or(100)
                ],
                |r| {
                    Ok(MovementRow {
                        id: r.get(0)?,
                        at_ms: r.get(1)?,
                        kind: r.get(2)?,
                        sku: r.get(3)?,
                        warehouse: r.get(4)?,
                        qty: r.get(5)?,
                        order: r.get(6)?,
                        transfer: r.get(7)?,
                        counterpart: r.get(8)?,
                        device: r.get(9)?,
                        note: r.get(10)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Tasks, open and most urgent first.
    pub fn tasks(&self, filter: &TaskFilter) -> Result<Vec<TaskRow>> {
        let mut stmt = self.db.prepare_cached(
            "SELECT id, number, site, title, description, owner, due, priority, status, link, created_at
             FROM tasks
             WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR owner = ?2 COLLATE NOCASE)
               AND (?3 IS NULL OR (due < ?3 AND status IN ('todo', 'doing')))
             ORDER BY status IN ('done', 'cancelled'), due IS NULL, due,
                      CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
                      created_at, id",
        )?;
        let mut rows: Vec<TaskRow> = stmt
            .query_map(
                params![
                    filter.status.map(|s| s.as_str()),
                    filter.owner,
                    filter.overdue_on
                ],
                |r| {
                    Ok(TaskRow {
                        id: TaskId::from_stored(r.get(0)?),
                        number: r.get(1)?,
                        site: r.get(2)?,
                        title: r.get(3)?,
                        description: r.get(4)?,
                        owner: r.get(5)?,
                        due: r.get(6)?,
                        priority: r.get(7)?,
                        status: r.get(8)?,
                        link: r.get(9)?,
                        created_at_ms: r.get(10)?,
                        comments: Vec::new(),
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.db.prepare_cached(
            "SELECT c.at,
                    coalesce((SELECT code FROM devices d WHERE d.id = c.device), substr(c.device, 1, 8)),
                    c.text
             FROM task_comments c WHERE c.task_id = ?1 ORDER BY c.at, c.comment_id",
        )?;
        for row in &mut rows {
            row.comments = stmt
                .query_map([row.id.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(rows)
    }

    /// One task by number or id.
    pub fn task(&self, key: &str) -> Result<TaskRow> {
        let (id, _) = self.locate_task(key)?;
        self.tasks(&TaskFilter::default())?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| Error::not_found("task", key))
    }
}

/// The columns of an [`OrderRow`], in the order [`order_row`] reads them.
const ORDER_ROW: &str =
    "o.id, o.number, o.kind, o.site, o.warehouse, coalesce(p.name, ''), o.status,
    o.total, (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id), o.created_at";

fn order_row(r: &Row<'_>) -> rusqlite::Result<OrderRow> {
    Ok(OrderRow {
        id: OrderId::from_stored(r.get(0)?),
        number: r.get(1)?,
        kind: parse_col(r.get(2)?, OrderKind::parse)?,
        site: r.get(3)?,
        warehouse: r.get(4)?,
        party: r.get(5)?,
        status: parse_col(r.get(6)?, Status::parse)?,
        total: Money(r.get(7)?),
        lines: r.get(8)?,
        created_at_ms: r.get(9)?,
    })
}
