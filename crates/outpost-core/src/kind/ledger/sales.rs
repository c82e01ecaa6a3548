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

/// One shipment on a sales order, at its order's price and its cost.
struct Shipped {
    sku: String,
    name: String,
    customer: String,
    site: String,
    at: i64,
    qty: i64,
    net: i64,
    cost: i64,
}

/// Shipments on sales orders made in `[from, to)` (ms; open ends when `None`), at `site`'s
/// warehouses or every site's.
fn shipped(
    db: &rusqlite::Connection,
    from: Option<i64>,
    to: Option<i64>,
    site: Option<&str>,
) -> Result<Vec<Shipped>> {
    let mut stmt = db.prepare_cached(
        "SELECT coalesce(i.sku, m.item), coalesce(i.name, ''),
                coalesce(p.name, o.party, ''), w.site, m.at, -m.qty,
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
    let rows = stmt.query_map(rusqlite::params![from, to, site], |r| {
        let qty: i64 = r.get(5)?;
        let amount: Option<i64> = r.get(6)?;
        let ordered: Option<i64> = r.get(7)?;
        Ok(Shipped {
            sku: r.get(0)?,
            name: r.get(1)?,
            customer: r.get(2)?,
            site: r.get(3)?,
            at: r.get(4)?,
            qty,
            // The line's amount for what shipped (all of it, or a part).
            net: scale(amount.unwrap_or(0), qty, ordered.unwrap_or(0)),
            cost: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One site's net sales shipped in each month of an overview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MonthlySales {
    /// Site code.
    pub site: String,
    /// Net sales per month, in the overview's month order.
    pub net: Vec<Money>,
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
        let mut sums: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
        for s in shipped(self.repo.db(), from, to, site.as_deref())? {
            let key = match by {
                SalesBy::Item => (s.sku, s.name),
                SalesBy::Customer => (s.customer, String::new()),
                SalesBy::Site => (s.site, String::new()),
            };
            let sum = sums.entry(key).or_default();
            sum.0 += s.qty;
            sum.1 += s.net;
            sum.2 += s.cost;
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

    /// The `count` months up to `at`'s (`YYYY-MM`, oldest first), cash and bank (1001 +
    /// 1002, every site) at each month's end, and each site's net sales shipped per month.
    pub fn monthly(
        &self,
        count: usize,
        at: jiff::Timestamp,
    ) -> Result<(Vec<String>, Vec<Money>, Vec<MonthlySales>)> {
        self.reader()?;
        let last = crate::doc_id::Month::of(at);
        let mut months = vec![last];
        while months.len() < count.max(1) {
            let m = months[months.len() - 1];
            months.push(if m.month == 1 {
                crate::doc_id::Month {
                    year: m.year - 1,
                    month: 12,
                }
            } else {
                crate::doc_id::Month {
                    year: m.year,
                    month: m.month - 1,
                }
            });
        }
        months.reverse();
        let names: Vec<String> = months.iter().map(ToString::to_string).collect();
        let db = self.repo.db();
        // Cash: what came before the first month, then each month's movement.
        let mut stmt = db.prepare_cached(
            "SELECT coalesce(sum(CASE WHEN month < ?1 THEN debit - credit END), 0), month,
                    sum(debit - credit)
             FROM ledger_totals WHERE account IN ('1001', '1002') AND month <= ?2
             GROUP BY month",
        )?;
        let mut opening = 0;
        let mut moved: BTreeMap<String, i64> = BTreeMap::new();
        let rows = stmt.query_map([&names[0], &names[names.len() - 1]], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (before, month, net) = row?;
            opening += before;
            if month >= names[0] {
                moved.insert(month, net);
            }
        }
        let mut cash = Vec::with_capacity(names.len());
        let mut running = opening;
        for m in &names {
            running += moved.get(m).copied().unwrap_or(0);
            cash.push(Money(running));
        }
        // Sales: shipments from the first month's first day on.
        let start = jiff::civil::date(months[0].year, months[0].month, 1)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
        let mut by_site: BTreeMap<String, Vec<Money>> = BTreeMap::new();
        for s in shipped(db, start, None, None)? {
            let month = crate::doc_id::Month::of(
                jiff::Timestamp::from_millisecond(s.at).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            )
            .to_string();
            let Some(i) = names.iter().position(|m| *m == month) else {
                continue;
            };
            by_site
                .entry(s.site)
                .or_insert_with(|| vec![Money::ZERO; names.len()])[i]
                .0 += s.net;
        }
        let sales = by_site
            .into_iter()
            .map(|(site, net)| MonthlySales { site, net })
            .collect();
        Ok((names, cash, sales))
    }
}
