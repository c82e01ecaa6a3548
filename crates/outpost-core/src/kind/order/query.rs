//! Reading orders: pages of the list, one order in full, from the projections.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::Orders;
use super::model::{Action, OrderKind, Status};
use crate::access;
use crate::code::SiteCode;
use crate::conflict::ConflictRow;
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::OrderId;
use crate::money::Money;
use crate::store::parse_col;
use crate::text::text_enum;

/// The fields of a draft order a person may change.
const EDITABLE_WHILE_DRAFT: &[&str] = &["party", "warehouse", "note", "lines"];

/// Which orders to list.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
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

text_enum!(
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// The lifecycle steps this device may take now (the window's buttons): what the
    /// status allows, for a member who may write the order's document.
    pub actions: Vec<Action>,
    /// The fields this device may change now (`party`, `warehouse`, `note`, `lines`):
    /// all of them while the order is a draft, none after it is submitted.
    pub editable: Vec<String>,
    /// The state of its document this was read at; the order form sends it back.
    pub version: String,
}

/// The id and document of an order given its number or id.
pub(crate) fn locate(db: &Connection, key: &str) -> Result<(OrderId, DocId)> {
    let key = key.trim();
    let found: Option<(String, String)> = db
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
pub(crate) fn head(db: &Connection, key: &str) -> Result<(OrderRow, DocId)> {
    let key = key.trim();
    let found: Option<(OrderRow, String)> = db
        .prepare_cached(&format!(
            "SELECT {ORDER_ROW}, o.doc FROM orders o LEFT JOIN parties p ON p.id = o.party
             WHERE o.number = ?1 COLLATE NOCASE OR o.id = ?1 LIMIT 1"
        ))?
        .query_row([key], |r| Ok((order_row(r)?, r.get(10)?)))
        .optional()?;
    let (row, doc) = found.ok_or_else(|| Error::not_found("order", key))?;
    Ok((row, DocId::parse(&doc)?))
}

impl Orders<'_> {
    /// A page of orders, sorted as `filter` asks (newest first by default).
    pub fn list(&self, filter: &OrderFilter) -> Result<Vec<OrderRow>> {
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
        let mut stmt = self.repo.db().prepare_cached(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), order_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// How many orders `filter` matches (its paging ignored).
    pub fn count(&self, filter: &OrderFilter) -> Result<u64> {
        let (condition, args) = order_condition(filter);
        let sql = format!(
            "SELECT count(*) FROM orders o LEFT JOIN parties p ON p.id = o.party WHERE {condition}"
        );
        let n: i64 = self
            .repo
            .db()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Number of orders in the book.
    pub fn total(&self) -> Result<i64> {
        Ok(self
            .repo
            .db()
            .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))?)
    }

    /// One order with lines, events and conflicts, by number or id.
    pub fn get(&self, key: &str) -> Result<OrderDetail> {
        let db = self.repo.db();
        let (id, doc) = locate(db, key)?;
        let (row, note, created_by): (OrderRow, String, String) = self.repo.db().query_row(
            &format!(
                "SELECT {ORDER_ROW}, o.note, o.created_by
                 FROM orders o LEFT JOIN parties p ON p.id = o.party WHERE o.id = ?1"
            ),
            [id.as_str()],
            |r| Ok((order_row(r)?, r.get(10)?, r.get(11)?)),
        )?;
        let mut stmt = self.repo.db().prepare_cached(
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
        let mut stmt = self.repo.db().prepare_cached(
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
        let me = self.repo.me().ok();
        let number = row.number.clone();
        let conflicts = crate::conflict::rows(
            db,
            me.as_ref(),
            "c.kind = 'order' AND c.record = ?1",
            params![id.as_str()],
            |_, _| Ok(Some(number.clone())),
        )?;
        let writable = me.as_ref().is_some_and(|m| access::may_write(m, &doc));
        let actions = Action::ALL
            .iter()
            .copied()
            .filter(|a| writable && a.allowed(row.kind, row.status))
            // Only the steps this member's role takes (no approving for a warehouse, no
            // invoicing for a clerk).
            .filter(|a| {
                me.as_ref().is_some_and(|m| {
                    access::may_take_step(m, &SiteCode::from_stored(row.site.clone()), a.target())
                })
            })
            .collect();
        let editable = if writable && row.status.is_draft() {
            EDITABLE_WHILE_DRAFT.iter().map(|f| f.to_string()).collect()
        } else {
            Vec::new()
        };
        let version = crate::store::doc_version(db, &doc)?;
        Ok(OrderDetail {
            actions,
            editable,
            version,
            row,
            note,
            created_by: crate::kind::member::label(db, &created_by),
            line_items,
            events,
            conflicts,
        })
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
