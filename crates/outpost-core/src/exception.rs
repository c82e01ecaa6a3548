//! Exceptions: invariants of the merged book that a merge can break and only a person can
//! mend (stock oversold while partitioned, a transfer received short...). Each kind of
//! record contributes queries over its projections, so the list is always current.

use rusqlite::Connection;
use serde::Serialize;

use crate::code::SiteCode;
use crate::doc_id::DocId;
use crate::error::Result;

/// A broken invariant found after merging, for a person to sort out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExceptionRow {
    /// Stable kind: `negative_stock`, `duplicate_number`, `duplicate_device_code`,
    /// `duplicate_sku`, `changed_after_submit`, `order_stock_mismatch`, `transfer_mismatch`.
    pub kind: &'static str,
    /// The record concerned (SKU@warehouse, order number, transfer id).
    pub subject: String,
    /// Expected figure, where there is one.
    pub expected: Option<i64>,
    /// Actual figure.
    pub actual: Option<i64>,
    /// The site it concerns, where it has one (a duplicate SKU has none).
    pub site: Option<String>,
    /// The acknowledgement that holds for it, if a person has acknowledged it as it
    /// stands (see [`crate::kind::ack`]).
    pub acknowledged: Option<crate::kind::ack::Acknowledgement>,
}

/// Runs `sql` (columns: subject, expected, actual, site) and appends its rows as `kind`.
pub(crate) fn push_rows(
    db: &Connection,
    kind: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
    out: &mut Vec<ExceptionRow>,
) -> Result<()> {
    let mut stmt = db.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |r| {
        Ok(ExceptionRow {
            kind,
            subject: r.get(0)?,
            expected: r.get(1)?,
            actual: r.get(2)?,
            site: r.get(3)?,
            acknowledged: None,
        })
    })?;
    for row in rows {
        out.push(row?);
    }
    Ok(())
}

/// Every broken invariant every kind watches, stock only at `stock_site` when given.
pub(crate) fn find(db: &Connection, stock_site: Option<&SiteCode>) -> Result<Vec<ExceptionRow>> {
    let mut out = Vec::new();
    for kind in crate::kind::KINDS {
        kind.exceptions(db, stock_site, &mut out)?;
    }
    crate::kind::ack::attach(db, &mut out)?;
    Ok(out)
}

/// Exceptions found at some heads: a busy year's check takes a moment, and it only
/// changes when a document does.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    found: Option<(Heads, Vec<ExceptionRow>)>,
}

/// Every document with its heads: the state of the book exceptions were found at.
type Heads = Vec<(DocId, Vec<automerge::ChangeHash>)>;

impl Cache {
    /// The exceptions of the book as it is, found again only if a document moved.
    pub(crate) fn get(
        &mut self,
        db: &Connection,
        stock_site: Option<&SiteCode>,
    ) -> Result<Vec<ExceptionRow>> {
        // Projections follow the documents, so the same heads mean the same exceptions
        // (and the same member: its site and role are in `org`).
        let heads = crate::store::all_doc_heads(db)?;
        if let Some((at, rows)) = &self.found
            && *at == heads
        {
            return Ok(rows.clone());
        }
        let rows = find(db, stock_site)?;
        self.found = Some((heads, rows.clone()));
        Ok(rows)
    }

    /// Forgets what was found (a rebuild).
    pub(crate) fn clear(&mut self) {
        self.found = None;
    }
}
