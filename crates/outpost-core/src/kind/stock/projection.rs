//! The stock tables: movements (insert once), levels (their running sum) and the transfers
//! that arrived with another quantity than was sent.

use std::collections::BTreeMap;

use automerge::{Automerge, ObjId};
use rusqlite::{Connection, params};

use super::MOVEMENTS;
use super::model::{Movement, read_movement};
use crate::code::SiteCode;
use crate::doc_id::DocId;
use crate::error::Result;
use crate::exception::{ExceptionRow, push_rows};
use crate::kind::{Names, Rows};
use crate::record::RecordRef;
use crate::schema::View;

pub(super) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS movements (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, kind TEXT NOT NULL, item TEXT NOT NULL,
    warehouse TEXT NOT NULL, qty INTEGER NOT NULL, at INTEGER NOT NULL, device TEXT NOT NULL,
    order_id TEXT, transfer TEXT, counterpart TEXT, note TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS movements_by_item ON movements(item, warehouse, at);
CREATE INDEX IF NOT EXISTS movements_by_order ON movements(order_id) WHERE order_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS movements_by_transfer ON movements(transfer) WHERE transfer IS NOT NULL;
CREATE INDEX IF NOT EXISTS movements_by_at ON movements(at);
CREATE TABLE IF NOT EXISTS stock_levels (
    item TEXT NOT NULL, warehouse TEXT NOT NULL, qty INTEGER NOT NULL,
    PRIMARY KEY (item, warehouse)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transfer_checks (
    transfer TEXT PRIMARY KEY, sent INTEGER NOT NULL, received INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
";

/// Movements never change: a new one is inserted and added to its stock level once.
/// Reads movement `rec` (`obj` is `None` when it is not in the document) and returns the
/// writing of its row (a movement is a fact: once in, it stays as it is).
pub(super) fn read<'a>(
    doc_id: &'a DocId,
    view: View<'a, Automerge>,
    rec: &'a RecordRef,
    obj: Option<ObjId>,
) -> Rows<'a> {
    let mut found = Vec::new();
    let movement = obj.and_then(|obj| read_movement(view, &rec.key, obj, &mut found));
    Box::new(move |db, conflicts| {
        conflicts.extend(found);
        match movement {
            Some(m) => insert(db, doc_id, &m),
            None => Ok(()),
        }
    })
}

fn insert(db: &Connection, doc_id: &DocId, m: &Movement) -> Result<()> {
    let inserted = db
        .prepare_cached(
            "INSERT OR IGNORE INTO movements
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            m.id.as_str(),
            doc_id.to_string(),
            m.kind.as_str(),
            m.item.as_str(),
            m.warehouse.as_str(),
            m.qty,
            m.at_ms,
            m.device.as_str(),
            m.order.as_ref().map(|o| o.as_str()),
            m.transfer.as_ref().map(|t| t.as_str()),
            m.counterpart.as_ref().map(|c| c.as_str()),
            m.note,
        ])?;
    if inserted == 1 {
        db.prepare_cached(
            "INSERT INTO stock_levels(item, warehouse, qty) VALUES (?1, ?2, ?3)
             ON CONFLICT(item, warehouse) DO UPDATE SET qty = qty + excluded.qty",
        )?
        .execute(params![m.item.as_str(), m.warehouse.as_str(), m.qty])?;
    }
    Ok(())
}

/// A transfer is wrong once received with another quantity than sent, or received twice.
/// Re-checked only for the transfers of the movements just projected: the same check over
/// a busy year takes a second.
const CHECK_TRANSFERS: &str = "
INSERT INTO transfer_checks
SELECT m.transfer, -sum(CASE m.kind WHEN 'transfer_out' THEN m.qty ELSE 0 END),
       sum(CASE m.kind WHEN 'transfer_in' THEN m.qty ELSE 0 END)
FROM checking_transfers c CROSS JOIN movements m ON m.transfer = c.id
GROUP BY m.transfer
HAVING count(CASE m.kind WHEN 'transfer_in' THEN 1 END) > 0
   AND (-sum(CASE m.kind WHEN 'transfer_out' THEN m.qty ELSE 0 END)
        != sum(CASE m.kind WHEN 'transfer_in' THEN m.qty ELSE 0 END)
        OR count(CASE m.kind WHEN 'transfer_in' THEN 1 END) > 1)";

/// Re-checks the transfers of the movements among `records`.
pub(super) fn check_transfers(db: &Connection, records: &[RecordRef]) -> Result<()> {
    let movements = records.iter().filter(|r| r.collection == MOVEMENTS);
    let transfers = crate::store::lookup_all(
        db,
        "SELECT m.transfer FROM keys CROSS JOIN movements m ON m.id = keys.key",
        movements.map(|r| r.key.as_str()),
    )?;
    refresh_transfers(db, &transfers)
}

/// Re-checks `transfers` (inside the caller's transaction).
fn refresh_transfers(db: &Connection, transfers: &[String]) -> Result<()> {
    crate::store::recheck(
        db,
        "checking_transfers",
        transfers,
        "DELETE FROM transfer_checks WHERE transfer IN (SELECT id FROM temp.checking_transfers)",
        CHECK_TRANSFERS,
    )
}

/// A movement as history shows it (movements are written once, so this is their creation).
pub(super) fn fields(
    view: View<'_, Automerge>,
    rec: &RecordRef,
    obj: ObjId,
    names: &Names,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(m) = read_movement(view, &rec.key, obj, &mut Vec::new()) {
        out.insert("kind".into(), m.kind.to_string());
        let item = m.item.as_str();
        out.insert(
            "item".into(),
            names.get(item).cloned().unwrap_or_else(|| item.into()),
        );
        out.insert("warehouse".into(), m.warehouse.to_string());
        out.insert("qty".into(), m.qty.to_string());
        out.insert("note".into(), m.note);
    }
    out.retain(|_, v| !v.is_empty());
    out
}

pub(super) fn exceptions(
    db: &Connection,
    stock_site: Option<&SiteCode>,
    out: &mut Vec<ExceptionRow>,
) -> Result<()> {
    push_rows(
        db,
        "negative_stock",
        "SELECT coalesce(i.sku, s.item) || '@' || s.warehouse, 0, s.qty,
                (SELECT site FROM warehouses WHERE code = s.warehouse)
         FROM stock_levels s LEFT JOIN items i ON i.id = s.item
         WHERE s.qty < 0 AND (?1 IS NULL OR s.warehouse IN (SELECT code FROM warehouses WHERE site = ?1))
         ORDER BY 1",
        [stock_site.map(SiteCode::as_str)],
        out,
    )?;
    push_rows(
        db,
        "transfer_mismatch",
        // The receiving site's: it found the other quantity.
        "SELECT t.transfer, t.sent, t.received,
                (SELECT w.site FROM movements m JOIN warehouses w ON w.code = m.warehouse
                 WHERE m.transfer = t.transfer AND m.kind = 'transfer_in' LIMIT 1)
         FROM transfer_checks t ORDER BY 1",
        [],
        out,
    )?;
    // Sent and not received within a week of the book's latest change (its own clock:
    // the same on every replica that holds the same changes, and it needs no wall clock
    // that a test or a device set wrong would move): expected days, days on the way.
    push_rows(
        db,
        "transfer_not_received",
        // The receiving site's: it is the one to record the arrival.
        "SELECT o.transfer, ?2, (n.now - o.at) / 86400000,
                (SELECT site FROM warehouses WHERE code = o.counterpart)
         FROM movements o CROSS JOIN (SELECT max(at) AS now FROM changes) n
         WHERE o.kind = 'transfer_out' AND o.at < n.now - ?2 * 86400000
           AND NOT EXISTS (SELECT 1 FROM movements r
                           WHERE r.transfer = o.transfer AND r.kind = 'transfer_in')
           AND (?1 IS NULL OR o.warehouse IN (SELECT code FROM warehouses WHERE site = ?1)
                OR o.counterpart IN (SELECT code FROM warehouses WHERE site = ?1))
         ORDER BY 1",
        rusqlite::params![stock_site.map(SiteCode::as_str), TRANSFER_DAYS],
        out,
    )
}

/// Days a transfer between sites may be on the way before it is an exception.
pub(crate) const TRANSFER_DAYS: i64 = 7;
