//! The order tables (orders, their lines and status events), the per-order check of
//! stock movements against lines, and the invariants orders can break.

use std::collections::BTreeMap;

use automerge::{Automerge, ObjId};
use rusqlite::{Connection, params};

use super::ORDERS;
use super::model::{Order, read_order};
use crate::doc_id::DocId;
use crate::error::Result;
use crate::exception::{ExceptionRow, push_rows};
use crate::kind::stock::MOVEMENTS;
use crate::kind::{Names, Rows};
use crate::record::RecordRef;
use crate::schema::View;

pub(super) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, number TEXT NOT NULL, doc TEXT NOT NULL, kind TEXT NOT NULL,
    site TEXT NOT NULL, warehouse TEXT NOT NULL, party TEXT, note TEXT NOT NULL,
    status TEXT NOT NULL, total INTEGER NOT NULL, submitted_total INTEGER,
    created_at INTEGER NOT NULL, created_by TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS orders_by_number ON orders(number);
CREATE INDEX IF NOT EXISTS orders_by_site_status ON orders(site, status, created_at);
CREATE INDEX IF NOT EXISTS orders_by_status ON orders(status, created_at);
CREATE INDEX IF NOT EXISTS orders_by_created ON orders(created_at);
CREATE INDEX IF NOT EXISTS orders_changed_after_submit ON orders(number)
    WHERE submitted_total IS NOT NULL AND submitted_total != total AND status != 'cancelled';
CREATE TABLE IF NOT EXISTS order_lines (
    order_id TEXT NOT NULL, line_id TEXT NOT NULL, pos INTEGER NOT NULL, item TEXT NOT NULL,
    qty INTEGER NOT NULL, price INTEGER NOT NULL, discount INTEGER NOT NULL,
    amount INTEGER NOT NULL, PRIMARY KEY (order_id, line_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS order_events (
    order_id TEXT NOT NULL, pos INTEGER NOT NULL, status TEXT NOT NULL, at INTEGER NOT NULL,
    device TEXT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (order_id, pos)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS order_checks (
    order_id TEXT NOT NULL, item TEXT NOT NULL, expected INTEGER NOT NULL,
    actual INTEGER NOT NULL, PRIMARY KEY (order_id, item)
) STRICT, WITHOUT ROWID;
";

pub(super) const TABLE_NAMES: &[&str] = &["orders", "order_lines", "order_events", "order_checks"];

/// Reads order `rec` (`obj` is `None` when it is not in the document) and returns the
/// replacing of its rows.
pub(super) fn read<'a>(
    doc_id: &'a DocId,
    view: View<'a, Automerge>,
    rec: &'a RecordRef,
    obj: Option<ObjId>,
) -> Rows<'a> {
    let mut found = Vec::new();
    let order = obj.and_then(|obj| read_order(view, &rec.key, obj, &mut found));
    Box::new(move |db, conflicts| {
        conflicts.extend(found);
        let id = rec.key.as_str();
        db.prepare_cached("DELETE FROM orders WHERE id = ?1")?
            .execute([id])?;
        db.prepare_cached("DELETE FROM order_lines WHERE order_id = ?1")?
            .execute([id])?;
        db.prepare_cached("DELETE FROM order_events WHERE order_id = ?1")?
            .execute([id])?;
        match order {
            Some(o) => insert(db, doc_id, &o),
            None => Ok(()),
        }
    })
}

fn insert(db: &Connection, doc_id: &DocId, o: &Order) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO orders VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        o.id.as_str(),
        o.number,
        doc_id.to_string(),
        o.kind.as_str(),
        o.site.as_str(),
        o.warehouse.as_str(),
        o.party.as_ref().map(|p| p.as_str()),
        o.note,
        o.status().as_str(),
        o.total().0,
        o.submitted_total().map(|m| m.0),
        o.created_at_ms,
        o.created_by.as_str(),
    ])?;
    let mut line_stmt =
        db.prepare_cached("INSERT INTO order_lines VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
    for (pos, l) in o.lines.iter().enumerate() {
        line_stmt.execute(params![
            o.id.as_str(),
            l.id.as_str(),
            pos as i64,
            l.item.as_str(),
            l.qty,
            l.price.0,
            l.discount.0,
            l.amount().0
        ])?;
    }
    let mut ev_stmt =
        db.prepare_cached("INSERT INTO order_events VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for (pos, e) in o.events.iter().enumerate() {
        ev_stmt.execute(params![
            o.id.as_str(),
            pos as i64,
            e.status.as_str(),
            e.at_ms,
            e.device.as_str(),
            e.note
        ])?;
    }
    Ok(())
}

/// What an order's movements should sum to per item: its lines once fulfilled (negative
/// for sales), nothing before that or when cancelled. Only mismatches are kept. One
/// grouping over the lines and movements together: a month's catch-up re-checks
/// thousands of orders at once, and joining two grouped halves cost three times more.
const CHECK_ORDERS: &str = "
INSERT INTO order_checks
SELECT id, item, sum(expected), sum(actual)
FROM (
    SELECT o.id, l.item,
           CASE WHEN o.status IN ('shipped', 'received', 'invoiced', 'paid')
                THEN l.qty * (CASE o.kind WHEN 'sales' THEN -1 ELSE 1 END) ELSE 0 END
               AS expected,
           0 AS actual
    FROM checking_orders c CROSS JOIN orders o ON o.id = c.id
    CROSS JOIN order_lines l ON l.order_id = o.id
    UNION ALL
    SELECT m.order_id, m.item, 0, m.qty
    FROM checking_orders c CROSS JOIN orders o ON o.id = c.id
    CROSS JOIN movements m ON m.order_id = o.id)
GROUP BY id, item
HAVING sum(expected) != sum(actual)";

/// Re-checks the orders among `records` and the orders of the movements among them:
/// the same check over a busy year takes a second and would hold the book while a clerk
/// waits to save.
pub(super) fn check_orders(db: &Connection, records: &[RecordRef]) -> Result<()> {
    let mut orders: Vec<String> = records
        .iter()
        .filter(|r| r.collection == ORDERS)
        .map(|r| r.key.clone())
        .collect();
    let movements = records.iter().filter(|r| r.collection == MOVEMENTS);
    orders.extend(crate::store::lookup_all(
        db,
        "SELECT m.order_id FROM keys CROSS JOIN movements m ON m.id = keys.key",
        movements.map(|r| r.key.as_str()),
    )?);
    refresh(db, &orders)
}

/// Re-checks `orders` (inside the caller's transaction).
fn refresh(db: &Connection, orders: &[String]) -> Result<()> {
    crate::store::recheck(
        db,
        "checking_orders",
        orders,
        "DELETE FROM order_checks WHERE order_id IN (SELECT id FROM temp.checking_orders)",
        CHECK_ORDERS,
    )
}

/// An order flattened for history: status, party, warehouse, note and each line's fields.
pub(super) fn fields(
    view: View<'_, Automerge>,
    rec: &RecordRef,
    obj: ObjId,
    names: &Names,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    if let Some(o) = read_order(view, &rec.key, obj, &mut Vec::new()) {
        out.insert("status".into(), o.status().to_string());
        out.insert(
            "party".into(),
            o.party.map(|p| name(p.as_str())).unwrap_or_default(),
        );
        out.insert("warehouse".into(), o.warehouse.to_string());
        out.insert("note".into(), o.note.clone());
        for l in &o.lines {
            let n = l.pos + 1;
            out.insert(format!("line {n} item"), name(l.item.as_str()));
            out.insert(format!("line {n} qty"), l.qty.to_string());
            out.insert(format!("line {n} price"), l.price.to_string());
            out.insert(format!("line {n} discount"), l.discount.to_string());
        }
    }
    out
}

pub(super) fn exceptions(db: &Connection, out: &mut Vec<ExceptionRow>) -> Result<()> {
    push_rows(
        db,
        "duplicate_number",
        "SELECT number, 1, count(*), min(site) FROM orders GROUP BY number HAVING count(*) > 1
         ORDER BY 1",
        [],
        out,
    )?;
    push_rows(
        db,
        "changed_after_submit",
        "SELECT number, submitted_total, total, site FROM orders
         WHERE submitted_total IS NOT NULL AND submitted_total != total AND status != 'cancelled'
         ORDER BY number",
        [],
        out,
    )?;
    // Kept per order as it changes (see `check_orders`).
    push_rows(
        db,
        "order_stock_mismatch",
        "SELECT o.number || ':' || coalesce(i.sku, c.item), c.expected, c.actual, o.site
         FROM order_checks c JOIN orders o ON o.id = c.order_id
         LEFT JOIN items i ON i.id = c.item ORDER BY 1",
        [],
        out,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check keeps exactly the (order, item) pairs whose movements differ from what
    /// the order's status says they should sum to, and only for orders that exist.
    #[test]
    fn order_checks_keep_only_the_mismatches() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(TABLES).unwrap();
        db.execute_batch(
            "CREATE TABLE movements (id TEXT PRIMARY KEY, order_id TEXT, item TEXT, qty INTEGER);",
        )
        .unwrap();
        let order = |id: &str, kind: &str, status: &str, lines: &[(&str, i64)]| {
            db.execute(
                "INSERT INTO orders VALUES (?1, ?1, 'd', ?2, 'SH', 'SH1', NULL, '', ?3, 0, NULL, 0, 'x')",
                params![id, kind, status],
            )
            .unwrap();
            for (pos, (item, qty)) in lines.iter().enumerate() {
                db.execute(
                    "INSERT INTO order_lines VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, 0)",
                    params![id, format!("{id}-{pos}"), pos as i64, item, qty],
                )
                .unwrap();
            }
        };
        let moved = |id: &str, order: &str, item: &str, qty: i64| {
            db.execute(
                "INSERT INTO movements VALUES (?1, ?2, ?3, ?4)",
                params![id, order, item, qty],
            )
            .unwrap();
        };
        // Shipped and moved in full, over two lines of one item: nothing to say.
        order("ok", "sales", "shipped", &[("TEA", 2), ("TEA", 1)]);
        moved("m1", "ok", "TEA", -3);
        // Shipped, one item short and one never moved.
        order("short", "sales", "shipped", &[("TEA", 3), ("CUP", 1)]);
        moved("m2", "short", "TEA", -2);
        // Cancelled, yet moved; and moved an item it never had.
        order("cancelled", "sales", "cancelled", &[("TEA", 4)]);
        moved("m3", "cancelled", "TEA", -4);
        moved("m4", "cancelled", "POT", -1);
        // A purchase received counts in.
        order("bought", "purchase", "received", &[("TEA", 5)]);
        moved("m5", "bought", "TEA", 5);
        // Not yet fulfilled and not moved: nothing expected.
        order("draft", "sales", "approved", &[("TEA", 9)]);
        // A movement for an order this device does not hold is not checked.
        moved("m6", "unknown", "TEA", -1);
        let ids: Vec<String> = ["ok", "short", "cancelled", "bought", "draft", "unknown"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        refresh(&db, &ids).unwrap();
        let rows: Vec<(String, String, i64, i64)> = db
            .prepare("SELECT * FROM order_checks ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let row = |o: &str, i: &str, e: i64, a: i64| (o.to_string(), i.to_string(), e, a);
        assert_eq!(
            rows,
            vec![
                row("cancelled", "POT", 0, -1),
                row("cancelled", "TEA", 0, -4),
                row("short", "CUP", -1, 0),
                row("short", "TEA", -3, -2),
            ]
        );
        // Checked again after a fix, the order's rows go.
        moved("m7", "short", "TEA", -1);
        moved("m8", "short", "CUP", -1);
        refresh(&db, &["short".to_string()]).unwrap();
        let left: i64 = db
            .query_row(
                "SELECT count(*) FROM order_checks WHERE order_id = 'short'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
    }
}
