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
            // Order and task numbers differ in form (tasks carry a T), so each table is
            // checked on its own number index: half the time of one grouped union.
            "SELECT number, 1, count(*) FROM orders GROUP BY number HAVING count(*) > 1
             UNION ALL
             SELECT number, 1, count(*) FROM tasks GROUP BY number HAVING count(*) > 1
             ORDER BY 1",
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
        // Kept per order and transfer as they change (see `checks`).
        push(
            "order_stock_mismatch",
            "SELECT o.number || ':' || coalesce(i.sku, c.item), c.expected, c.actual
             FROM order_checks c JOIN orders o ON o.id = c.order_id
             LEFT JOIN items i ON i.id = c.item ORDER BY 1",
        )?;
        push(
            "transfer_mismatch",
            "SELECT transfer, sent, received FROM transfer_checks ORDER BY 1",
        )?;
        Ok(out)
    }
}
