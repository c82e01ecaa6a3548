//! Stock valuation: each site's quantity and value of each item at the end of a day, as
//! the moving-average walk ([`super::costing`]) left them.

use serde::Serialize;

use super::{BalanceFilter, Ledger};
use crate::error::Result;
use crate::money::Money;

/// One item's stock at one site, at cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValuationRow {
    /// Site code.
    pub site: String,
    /// Item SKU.
    pub sku: String,
    /// Item name.
    pub name: String,
    /// Quantity on hand at the site (all its warehouses).
    pub qty: i64,
    /// Its value at moving-average cost.
    pub value: Money,
    /// Value per unit (rounded to the fen); zero when nothing is on hand.
    pub unit_cost: Money,
}

impl Ledger<'_> {
    /// The stock at cost of one site (or every site), at the end of `through` (today's
    /// position if none): items with anything on hand or any value left.
    pub fn stock_valuation(&self, filter: &BalanceFilter) -> Result<Vec<ValuationRow>> {
        self.reader()?;
        let end = match filter.through.as_deref().map(str::trim) {
            Some(day) if !day.is_empty() => {
                let day = super::write::parse_date(day)?;
                day.tomorrow()
                    .ok()
                    .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                    .map_or(i64::MAX, |z| z.timestamp().as_millisecond())
            }
            _ => i64::MAX,
        };
        let site = filter
            .site
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut stmt = self.repo.db().prepare_cached(
            "SELECT c.site, coalesce(i.sku, c.item), coalesce(i.name, ''), c.qty_after,
                    c.value_after
             FROM (SELECT site, item, qty_after, value_after,
                          row_number() OVER (PARTITION BY site, item
                                             ORDER BY eff DESC, rank DESC, movement DESC) AS n
                   FROM movement_costs WHERE eff < ?1 AND (?2 IS NULL OR site = ?2)) c
             LEFT JOIN items i ON i.id = c.item
             WHERE c.n = 1 AND (c.qty_after != 0 OR c.value_after != 0)
             ORDER BY c.site, 2",
        )?;
        let rows = stmt.query_map(rusqlite::params![end, site], |r| {
            let qty: i64 = r.get(3)?;
            let value: i64 = r.get(4)?;
            Ok(ValuationRow {
                site: r.get(0)?,
                sku: r.get(1)?,
                name: r.get(2)?,
                qty,
                value: Money(value),
                unit_cost: Money(if qty > 0 {
                    super::costing::scale(value, 1, qty)
                } else {
                    0
                }),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
