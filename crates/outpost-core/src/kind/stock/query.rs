//! Reading stock: levels, movements and what is in transit, from the projections.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Stock;
use crate::code::WarehouseCode;
use crate::error::Result;
use crate::id::ItemId;
use crate::record::RecordRef;

/// One stock level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// Goods sent from one warehouse and not yet received at the other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Transit {
    /// Transfer id, to quote when receiving.
    pub transfer: String,
    /// Item SKU.
    pub sku: String,
    /// Source warehouse.
    pub from: String,
    /// Destination warehouse.
    pub to: String,
    /// Quantity sent.
    pub qty: i64,
}

/// Quantity on hand of one item in one warehouse.
pub(crate) fn level(db: &Connection, item: &ItemId, warehouse: &WarehouseCode) -> Result<i64> {
    Ok(db
        .prepare_cached("SELECT qty FROM stock_levels WHERE item = ?1 AND warehouse = ?2")?
        .query_row([item.as_str(), warehouse.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

impl Stock<'_> {
    /// Stock levels per item and warehouse: for a clerk or warehouse person, at its own
    /// site's warehouses (the only ones whose every movement it holds).
    pub fn levels(&self, warehouse: Option<&WarehouseCode>) -> Result<Vec<LevelRow>> {
        let me = self.repo.me()?;
        let site = crate::access::stock_site(&me);
        let mut stmt = self.repo.db().prepare_cached(
            "SELECT coalesce(i.sku, s.item), coalesce(i.name, ''), coalesce(i.unit, ''), s.warehouse,
                    s.qty, coalesce(i.low_stock, 0)
             FROM stock_levels s LEFT JOIN items i ON i.id = s.item
             WHERE (?1 IS NULL OR s.warehouse = ?1)
               AND (?2 IS NULL OR s.warehouse IN (SELECT code FROM warehouses WHERE site = ?2))
             ORDER BY 1, s.warehouse",
        )?;
        let rows = stmt
            .query_map(
                [warehouse.map(|w| w.as_str()), site.map(|s| s.as_str())],
                |r| {
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
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Levels at or below their item's threshold.
    pub fn low(&self, limit: u32) -> Result<Vec<LevelRow>> {
        let mut rows: Vec<LevelRow> = self
            .levels(None)?
            .into_iter()
            .filter(|l| l.is_low)
            .collect();
        rows.truncate(limit as usize);
        Ok(rows)
    }

    /// Quantity on hand of one item in one warehouse.
    pub fn level(&self, item: &ItemId, warehouse: &WarehouseCode) -> Result<i64> {
        level(self.repo.db(), item, warehouse)
    }

    /// Movements, newest first.
    pub fn movements(&self, filter: &MovementFilter) -> Result<Vec<MovementRow>> {
        let db = self.repo.db();
        let item = filter
            .item
            .as_deref()
            .map(|k| crate::kind::item::resolve(db, k))
            .transpose()?;
        let mut stmt = db.prepare_cached(
            "SELECT m.id, m.at, m.kind, coalesce(i.sku, m.item), m.warehouse, m.qty, m.order_id,
                    m.transfer, m.counterpart,
                    coalesce((SELECT code FROM devices d WHERE d.id = m.device), substr(m.device, 1, 8)),
                    m.note
             FROM movements m LEFT JOIN items i ON i.id = m.item
             WHERE (?1 IS NULL OR m.item = ?1) AND (?2 IS NULL OR m.warehouse = ?2)
             ORDER BY m.at DESC, m.id DESC LIMIT ?3",
        )?;
        let mut rows: Vec<MovementRow> = stmt
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
        // The order a movement fulfils, by its number: asked of whichever kind keeps orders.
        if let Some(orders) = crate::kind::collection_of("order") {
            for row in &mut rows {
                if let Some(id) = row.order.take() {
                    let label = crate::kind::label(db, &RecordRef::new(orders, id.as_str()))?;
                    row.order = Some(label.unwrap_or(id));
                }
            }
        }
        Ok(rows)
    }

    /// Transfers sent and not yet received at their destination.
    pub fn in_transit(&self) -> Result<Vec<Transit>> {
        let mut stmt = self.repo.db().prepare_cached(
            "SELECT o.transfer, coalesce(i.sku, o.item), o.warehouse, o.counterpart, -o.qty
             FROM movements o LEFT JOIN items i ON i.id = o.item
             WHERE o.kind = 'transfer_out' AND NOT EXISTS (
                SELECT 1 FROM movements r WHERE r.transfer = o.transfer AND r.kind = 'transfer_in')
             ORDER BY o.at",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Transit {
                    transfer: r.get(0)?,
                    sku: r.get(1)?,
                    from: r.get(2)?,
                    to: r.get(3)?,
                    qty: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
