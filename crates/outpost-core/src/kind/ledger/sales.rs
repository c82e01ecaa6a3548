//! Sales by item, customer or site: what was shipped on sales orders in a period, at the
//! orders' prices (net of VAT), with its cost at moving average ([`super::costing`]) and
//! the margin. Shipped goods, not invoices: a shipment is a sale when it leaves, and its
//! cost is known then; what was invoiced is in the ageing and the journal.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Ledger;
use super::costing::scale;
use crate::error::Result;
use crate::money::Money;
use crate::text::text_enum;

text_enum!(
    /// What sales are summed by.
    SalesBy, "sales grouping" {
        /// Each item.
        Item = "item",
        /// Each customer.
        Customer = "customer",
        /// Each site.
        Site = "site",
    }
);

/// Which sales to sum.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct SalesFilter {
    /// By item (if none), customer or site.
    pub by: Option<SalesBy>,
    /// One site's sales; every site's if none.
    pub site: Option<String>,
    /// The first day `YYYY-MM-DD` (from the first shipment if none).
    pub from: Option<String>,
    /// The last day (up to now if none).
    pub through: Option<String>,
}

/// The sales of one item, customer or site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SalesRow {
    /// The SKU, the customer's name or the site code.
    pub key: String,
    /// The item's name (empty for customers and sites).
    pub name: String,
    /// Quantity shipped.
    pub qty: i64,
    /// At the orders' prices, net of VAT.
    pub net: Money,
    /// At moving-average cost.
    pub cost: Money,
    /// Net less cost.
    pub margin: Money,
}

/// Milliseconds at the start of `day` (UTC), or after its end when `next`.
fn bound(day: Option<&str>, next: bool) -> Result<Option<i64>> {
    let Some(day) = day.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let mut date = super::write::parse_date(day)?;
    if next {
        date = date.tomorrow().unwrap_or(date);
    }
    Ok(date
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond()))
}

impl Ledger<'_> {
    /// Sales shipped in a period, by item, customer or site, largest first.
    pub fn sales(&self, filter: &SalesFilter) -> Result<Vec<SalesRow>> {
        self.reader()?;
        let from = bound(filter.from.as_deref(), false)?;
        let to = bound(filter.through.as_deref(), true)?;
        let site = filter
            .site
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_uppercase);
        let by = filter.by.unwrap_or(SalesBy::Item);
        let mut stmt = self.repo.db().prepare_cached(
            "SELECT coalesce(i.sku, m.item), coalesce(i.name, ''),
                    coalesce(p.name, o.party, ''), w.site, -m.qty,
                    (SELECT sum(l.amount) FROM order_lines l
                     WHERE l.order_id = m.order_id AND l.item = m.item),
                    (SELECT sum(l.qty) FROM order_lines l
                     WHERE l.order_id = m.order_id AND l.item = m.item),
                    -coalesce(c.value, 0)
             FROM movements m
             JOIN orders o ON o.id = m.order_id AND o.kind = 'sales'
             JOIN warehouses w ON w.code = m.warehouse
             LEFT JOIN items i ON i.id = m.item
             LEFT JOIN parties p ON p.id = o.party
             LEFT JOIN movement_costs c ON c.movement = m.id
             WHERE m.kind = 'issue' AND (?1 IS NULL OR m.at >= ?1) AND (?2 IS NULL OR m.at < ?2)
               AND (?3 IS NULL OR w.site = ?3)",
        )?;
        let mut sums: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
        let rows = stmt.query_map(rusqlite::params![from, to, site], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })?;
        for row in rows {
            let (sku, name, customer, site, qty, amount, ordered, cost) = row?;
            // The line's amount for what shipped (all of it, or a part).
            let net = scale(amount.unwrap_or(0), qty, ordered.unwrap_or(0));
            let key = match by {
                SalesBy::Item => (sku, name),
                SalesBy::Customer => (customer, String::new()),
                SalesBy::Site => (site, String::new()),
            };
            let sum = sums.entry(key).or_default();
            sum.0 += qty;
            sum.1 += net;
            sum.2 += cost;
        }
        let mut out: Vec<SalesRow> = sums
            .into_iter()
            .map(|((key, name), (qty, net, cost))| SalesRow {
                key,
                name,
                qty,
                net: Money(net),
                cost: Money(cost),
                margin: Money(net - cost),
            })
            .collect();
        out.sort_by(|a, b| b.net.0.cmp(&a.net.0).then_with(|| a.key.cmp(&b.key)));
        Ok(out)
    }
}
