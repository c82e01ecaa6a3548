//! Exceptions: invariants of the merged book that a merge can break and only a person
//! can mend (stock oversold while partitioned, a transfer received short...). Each is a
//! query over the projections, so it is always current.

use serde::Serialize;

use super::Book;
use crate::error::Result;

/// A broken invariant found after merging, for a person to sort out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExceptionRow {
    /// Stable kind: `negative_stock`, `duplicate_number`, `duplicate_device_code`, `duplicate_sku`,
    /// `changed_after_submit`, `order_stock_mismatch`, `transfer_mismatch`.
    pub kind: &'static str,
    /// The record concerned (SKU@warehouse, order number, transfer id).
    pub subject: String,
    /// Expected figure, where there is one.
    pub expected: Option<i64>,
    /// Actual figure.
    pub actual: Option<i64>,
}

/// Exceptions found at some heads (the cache behind [`Book::exceptions`]).
#[derive(Debug)]
pub(crate) struct Found {
    heads: Vec<(crate::doc_id::DocId, Vec<automerge::ChangeHash>)>,
    rows: Vec<ExceptionRow>,
}

impl Book {
    /// Every broken invariant: stock below zero, duplicate numbers or SKUs, orders changed
    /// after submission, orders whose stock movements disagree with their lines and status,
    /// transfers received with another quantity.
    pub fn exceptions(&self) -> Result<Vec<ExceptionRow>> {
        // Projections follow the documents, so the same heads mean the same exceptions.
        let heads = crate::store::all_doc_heads(&self.db)?;
        if let Some(found) = self.exceptions.borrow().as_ref()
            && found.heads == heads
        {
            return Ok(found.rows.clone());
        }
        let rows = self.find_exceptions()?;
        *self.exceptions.borrow_mut() = Some(Found {
            heads,
            rows: rows.clone(),
        });
        Ok(rows)
    }

    fn find_exceptions(&self) -> Result<Vec<ExceptionRow>> {
        let mut out = Vec::new();
        let mut push = |kind: &'static str, sql: &str| -> Result<()> {
            let mut stmt = self.db.prepare_cached(sql)?;
            let rows = stmt.query_map([], |r| {
                Ok(ExceptionRow {
                    kind,
                    subject: r.get(0)?,
                    expected: r.get(1)?,
                    actual: r.get(2)?,
                })
            })?;
            for row in rows {
                out.push(row?);
            }
            Ok(())
        };
        push(
            "negative_stock",
            "SELECT coalesce(i.sku, s.item) || '@' || s.warehouse, 0, s.qty
             FROM stock_levels s LEFT JOIN items i ON i.id = s.item WHERE s.qty < 0 ORDER BY 1",
        )?;
        push(
            "duplicate_number",
            "SELECT number, 1, count(*) FROM (SELECT number FROM orders UNION ALL SELECT number FROM tasks)
             GROUP BY number HAVING count(*) > 1 ORDER BY 1",
        )?;
        push(
            "duplicate_device_code",
            "SELECT code, 1, count(*) FROM devices GROUP BY code HAVING count(*) > 1 ORDER BY 1",
        )?;
        push(
            "duplicate_sku",
            "SELECT sku, 1, count(*) FROM items GROUP BY sku COLLATE NOCASE HAVING count(*) > 1 ORDER BY 1",
        )?;
        push(
            "changed_after_submit",
            "SELECT number, submitted_total, total FROM orders
             WHERE submitted_total IS NOT NULL AND submitted_total != total AND status != 'cancelled'
             ORDER BY number",
        )?;
        // What an order's movements should sum to per item: the lines once fulfilled
        // (negative for sales), nothing before or when cancelled.
        push(
            "order_stock_mismatch",
            "WITH expected AS (
                SELECT o.id, l.item,
                       CASE WHEN o.status IN ('shipped', 'received', 'invoiced', 'paid')
                            THEN sum(l.qty) * (CASE o.kind WHEN 'sales' THEN -1 ELSE 1 END) ELSE 0 END AS qty
                FROM orders o JOIN order_lines l ON l.order_id = o.id GROUP BY o.id, l.item),
             actual AS (
                SELECT order_id AS id, item, sum(qty) AS qty FROM movements
                WHERE order_id IS NOT NULL GROUP BY order_id, item),
             keys AS (SELECT id, item FROM expected UNION SELECT id, item FROM actual)
             SELECT coalesce(o.number, k.id) || ':' || coalesce(i.sku, k.item),
                    coalesce(e.qty, 0), coalesce(a.qty, 0)
             FROM keys k
             LEFT JOIN expected e ON e.id = k.id AND e.item = k.item
             LEFT JOIN actual a ON a.id = k.id AND a.item = k.item
             LEFT JOIN orders o ON o.id = k.id LEFT JOIN items i ON i.id = k.item
             WHERE coalesce(e.qty, 0) != coalesce(a.qty, 0) AND o.id IS NOT NULL
             ORDER BY 1",
        )?;
        push(
            "transfer_mismatch",
            "SELECT transfer, -sum(CASE kind WHEN 'transfer_out' THEN qty ELSE 0 END),
                    sum(CASE kind WHEN 'transfer_in' THEN qty ELSE 0 END)
             FROM movements WHERE transfer IS NOT NULL GROUP BY transfer
             HAVING count(CASE kind WHEN 'transfer_in' THEN 1 END) > 0
                AND (-sum(CASE kind WHEN 'transfer_out' THEN qty ELSE 0 END)
                     != sum(CASE kind WHEN 'transfer_in' THEN qty ELSE 0 END)
                     OR count(CASE kind WHEN 'transfer_in' THEN 1 END) > 1)
             ORDER BY 1",
        )?;
        Ok(out)
    }
}
