//! Order and transfer checks, kept current with the projections: fulfilled orders whose
//! stock movements disagree with their lines and status, transfers received with another
//! quantity (or twice).
//!
//! They are re-checked only for the orders and transfers a write or merge touched,
//! because the same check over a busy year takes about a second and would hold the book
//! while a clerk waits to save. The rows are part of the projections: a rebuild yields the
//! same rows, which the merge property tests compare.

use rusqlite::Connection;

use crate::error::Result;

/// The check tables (created with the projections, or by the version-2 migration).
pub(crate) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS order_checks (
    order_id TEXT NOT NULL, item TEXT NOT NULL, expected INTEGER NOT NULL,
    actual INTEGER NOT NULL, PRIMARY KEY (order_id, item)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transfer_checks (
    transfer TEXT PRIMARY KEY, sent INTEGER NOT NULL, received INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS orders_changed_after_submit ON orders(number)
    WHERE submitted_total IS NOT NULL AND submitted_total != total AND status != 'cancelled';
";

/// Orders and transfers whose checks may have changed.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    /// Order ids (the order itself or one of its movements changed).
    pub orders: Vec<String>,
    /// Transfer ids (one of their movements arrived).
    pub transfers: Vec<String>,
}

/// The ids being re-checked, in temporary tables so one set-based statement serves one
/// order or a whole rebuild. The statements below name them first in a CROSS JOIN:
/// SQLite has no statistics for a temporary table and otherwise scans every movement of
/// the year to meet one order (120 ms per save in a busy year, seconds when cold).
const SCRATCH: &str = "
CREATE TEMP TABLE IF NOT EXISTS checking_orders (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS checking_transfers (id TEXT PRIMARY KEY) WITHOUT ROWID;
";

/// What an order's movements should sum to per item: its lines once fulfilled (negative
/// for sales), nothing before that or when cancelled. Only mismatches are kept.
const CHECK_ORDERS: &str = "
WITH expected AS (
    SELECT o.id, l.item,
           CASE WHEN o.status IN ('shipped', 'received', 'invoiced', 'paid')
                THEN sum(l.qty) * (CASE o.kind WHEN 'sales' THEN -1 ELSE 1 END) ELSE 0 END AS qty
    FROM checking_orders c CROSS JOIN orders o ON o.id = c.id
    CROSS JOIN order_lines l ON l.order_id = o.id GROUP BY o.id, l.item),
 actual AS (
    SELECT m.order_id AS id, m.item, sum(m.qty) AS qty
    FROM checking_orders c CROSS JOIN movements m ON m.order_id = c.id
    GROUP BY m.order_id, m.item),
 keys AS (SELECT id, item FROM expected UNION SELECT id, item FROM actual)
INSERT INTO order_checks
SELECT k.id, k.item, coalesce(e.qty, 0), coalesce(a.qty, 0)
FROM keys k
CROSS JOIN orders o ON o.id = k.id
LEFT JOIN expected e ON e.id = k.id AND e.item = k.item
LEFT JOIN actual a ON a.id = k.id AND a.item = k.item
WHERE coalesce(e.qty, 0) != coalesce(a.qty, 0)";

/// A transfer is wrong once received with another quantity than sent, or received twice.
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

/// Re-checks the touched orders and transfers (inside the caller's transaction).
pub(crate) fn refresh(db: &Connection, touched: &Touched) -> Result<()> {
    if touched.orders.is_empty() && touched.transfers.is_empty() {
        return Ok(());
    }
    db.execute_batch(SCRATCH)?;
    fill(db, "checking_orders", &touched.orders)?;
    fill(db, "checking_transfers", &touched.transfers)?;
    db.prepare_cached(
        "DELETE FROM order_checks WHERE order_id IN (SELECT id FROM checking_orders)",
    )?
    .execute([])?;
    db.prepare_cached(CHECK_ORDERS)?.execute([])?;
    db.prepare_cached(
        "DELETE FROM transfer_checks WHERE transfer IN (SELECT id FROM checking_transfers)",
    )?
    .execute([])?;
    db.prepare_cached(CHECK_TRANSFERS)?.execute([])?;
    Ok(())
}

/// Checks every order and transfer (the version-2 migration of an existing book).
pub(crate) fn refresh_all(db: &Connection) -> Result<()> {
    let orders = column(db, "SELECT id FROM orders")?;
    let transfers = column(
        db,
        "SELECT DISTINCT transfer FROM movements WHERE transfer IS NOT NULL",
    )?;
    refresh(db, &Touched { orders, transfers })
}

fn fill(db: &Connection, table: &str, ids: &[String]) -> Result<()> {
    db.prepare_cached(&format!("DELETE FROM temp.{table}"))?
        .execute([])?;
    let mut insert =
        db.prepare_cached(&format!("INSERT OR IGNORE INTO temp.{table} VALUES (?1)"))?;
    for id in ids {
        insert.execute([id])?;
    }
    Ok(())
}

fn column(db: &Connection, sql: &str) -> Result<Vec<String>> {
    let mut stmt = db.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
