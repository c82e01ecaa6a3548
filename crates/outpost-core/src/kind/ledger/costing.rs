//! Stock at moving-average cost, and the journal entries stock movements post by
//! themselves (see docs/finance.md, "Stock at cost").
//!
//! Each site values each item at its moving average: a purchase receipt adds the
//! quantity at the order's price (net of VAT, after discount), anything that goes out
//! takes the average of what is there, and a transfer arrives at the value it left the
//! other site with. The walk is over a site's movements of one item in the order of
//! (effective time, arrivals after departures, id): a pure function of the records, so
//! every replica values alike and derives the same postings, like the invoices'.
//! A movement that came late into a closed month counts, like a late entry, at the start
//! of the next open month, so a closed month's costs never move.
//!
//! Postings (an entry per movement, id `movement:<id>`; none when the value is zero):
//! - a sales shipment: 6401 主营业务成本 debit, 1405 库存商品 credit;
//! - goods back on a sales order: the other way round;
//! - a loose receipt or issue, a count's difference: 1405 against 1901 待处理财产损溢,
//!   where a person settles it;
//! - to another site: the sender 1221 其他应收款 debit, 1405 credit; the receiver at once
//!   (`movement:<id>/transit`) 1402 在途物资 debit, 2241 其他应付款 credit; on arrival the
//!   receiver 1405 debit, 1402 credit for what arrived. The two sites' balances with each
//!   other net to zero by construction; a short arrival stays in the receiver's 1402.
//!
//! - a purchase receipt: 1405 debit, 2202 应付账款 credit, at the order's price (goods
//!   received, invoice or not: the purchase invoice then adds only its input VAT);
//!   goods back on a purchase order the other way round.
//!
//! The walk is incremental: each movement's row keeps the site's running quantity and
//! value after it, so a movement arriving in order costs one step; one arriving earlier
//! than others re-walks that site's item from it.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, params};

use super::derived::{Posting, post_derived};
use super::model::Line;
use crate::code::SiteCode;
use crate::doc_id::{DocId, Month};
use crate::error::Result;
use crate::id::DeviceId;

/// Goods in stock.
const STOCK: &str = "1405";
/// Goods in transit (between sites).
const IN_TRANSIT: &str = "1402";
/// Cost of goods sold.
const COST_OF_SALES: &str = "6401";
/// Count differences and loose movements, until a person settles them.
const UNSETTLED: &str = "1901";
/// What is owed to suppliers.
const PAYABLE: &str = "2202";
/// What another site owes this one.
const DUE_FROM: &str = "1221";
/// What this site owes another.
const DUE_TO: &str = "2241";

/// Where a walk starts: movements at or after this key are (re)costed.
type Key = (i64, i64, String);

/// A site's position in an item.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Position {
    qty: i64,
    value: i64,
    /// The last known unit cost as a fraction (value, qty), for goods going out of (or
    /// coming into) a position with nothing in it.
    unit_value: i64,
    unit_qty: i64,
}

/// `a × b / c` rounded half away from zero; 0 when `c` is 0.
pub(super) fn scale(a: i64, b: i64, c: i64) -> i64 {
    if c == 0 {
        return 0;
    }
    let (n, d) = (i128::from(a) * i128::from(b), i128::from(c));
    let q = (n.abs() * 2 + d.abs()) / (d.abs() * 2);
    let q = if (n < 0) != (d < 0) { -q } else { q };
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

impl Position {
    /// `q` units at the last known unit cost.
    fn at_unit(&self, q: i64) -> i64 {
        scale(self.unit_value, q, self.unit_qty)
    }

    fn remember_unit(&mut self) {
        if self.qty > 0 {
            self.unit_value = self.value;
            self.unit_qty = self.qty;
        }
    }

    /// Takes `q` (> 0) units out at the average; returns their value.
    fn take(&mut self, q: i64) -> i64 {
        let value = if self.qty > 0 && q <= self.qty {
            scale(self.value, q, self.qty)
        } else if self.qty > 0 {
            // More than there is: all of it, and the rest at the last unit cost.
            self.value + self.at_unit(q - self.qty)
        } else {
            self.at_unit(q)
        };
        self.qty -= q;
        self.value -= value;
        self.remember_unit();
        value
    }

    /// Puts `q` (> 0) units in at `value`, or at the average when `None`; returns it.
    fn put(&mut self, q: i64, value: Option<i64>) -> i64 {
        let value = value.unwrap_or_else(|| self.at_unit(q));
        self.qty += q;
        self.value += value;
        self.remember_unit();
        value
    }
}

/// A movement as the walk needs it.
struct Mv {
    id: String,
    kind: String,
    qty: i64,
    at: i64,
    device: String,
    doc: String,
    note: String,
    transfer: Option<String>,
    /// The other end's site (a transfer out to another site).
    to_site: Option<String>,
    order_kind: Option<String>,
    order_number: Option<String>,
    party: Option<String>,
    /// The order's amount and quantity of this item (a purchase's price).
    order_amount: Option<i64>,
    order_qty: Option<i64>,
}

/// The UTC date of `ms`, `YYYY-MM-DD`.
fn date_of(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_default()
}

/// Milliseconds at the start of UTC day `date` (`YYYY-MM-DD`).
fn start_of(date: &str) -> Option<i64> {
    let d: jiff::civil::Date = date.parse().ok()?;
    d.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// The time movement `id` of `site` made at `at` counts at: its own, or the start of the
/// next open month when it came late into a closed one.
fn effective_at(db: &Connection, site: &str, id: &str, at: i64) -> Result<i64> {
    let date = date_of(at);
    let Some(month) = date.get(..7).and_then(|m| Month::parse(m).ok()) else {
        return Ok(at);
    };
    let Ok(site_code) = SiteCode::parse(site) else {
        return Ok(at);
    };
    if !super::close::is_closed(db, &site_code, month)? {
        return Ok(at);
    }
    let entry = super::derived::derived_id(SOURCE, id);
    let (counted, late) = super::close::effective_date(db, site, &entry, &date)?;
    Ok(match late {
        Some(_) => start_of(&counted).unwrap_or(at),
        None => at,
    })
}

/// The source name of movement postings.
const SOURCE: &str = "movement";

/// The movements of `site`'s `item` that may count at or after `from` (and those not
/// costed yet); the caller keeps those whose key is not before `from`.
fn candidates(db: &Connection, item: &str, site: &str, from: &Key) -> Result<Vec<Mv>> {
    let mut stmt = db.prepare_cached(
        "SELECT m.id, m.kind, m.qty, m.at, m.device, m.doc, m.note, m.transfer,
                (SELECT cw.site FROM warehouses cw WHERE cw.code = m.counterpart),
                o.kind, o.number, o.party,
                (SELECT sum(l.amount) FROM order_lines l WHERE l.order_id = m.order_id AND l.item = m.item),
                (SELECT sum(l.qty) FROM order_lines l WHERE l.order_id = m.order_id AND l.item = m.item)
         FROM movements m
         JOIN warehouses w ON w.code = m.warehouse
         LEFT JOIN orders o ON o.id = m.order_id
         LEFT JOIN movement_costs c ON c.movement = m.id
         WHERE m.item = ?1 AND w.site = ?2 AND (m.at >= ?3 OR c.movement IS NULL OR c.eff >= ?3)",
    )?;
    let rows = stmt.query_map(params![item, site, from.0], |r| {
        Ok(Mv {
            id: r.get(0)?,
            kind: r.get(1)?,
            qty: r.get(2)?,
            at: r.get(3)?,
            device: r.get(4)?,
            doc: r.get(5)?,
            note: r.get(6)?,
            transfer: r.get(7)?,
            to_site: r.get(8)?,
            order_kind: r.get(9)?,
            order_number: r.get(10)?,
            party: r.get(11)?,
            order_amount: r.get(12)?,
            order_qty: r.get(13)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The position of `site` in `item` just before `from`.
fn position_before(db: &Connection, item: &str, site: &str, from: &Key) -> Result<Position> {
    Ok(db
        .prepare_cached(
            "SELECT qty_after, value_after, unit_value, unit_qty FROM movement_costs
             WHERE item = ?1 AND site = ?2 AND (eff, rank, movement) < (?3, ?4, ?5)
             ORDER BY eff DESC, rank DESC, movement DESC LIMIT 1",
        )?
        .query_row(params![item, site, from.0, from.1, from.2], |r| {
            Ok(Position {
                qty: r.get(0)?,
                value: r.get(1)?,
                unit_value: r.get(2)?,
                unit_qty: r.get(3)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

/// The sent end of a transfer, as the receiving end's walk needs it.
struct SentEnd {
    /// Its site.
    site: String,
    /// When it counts (its effective time once costed, else its own).
    eff: i64,
    /// Its (negative) quantity and value, once costed.
    costed: Option<(i64, i64)>,
}

/// The sent end of `transfer`, if it is here.
fn sent_end(db: &Connection, transfer: &str) -> Result<Option<SentEnd>> {
    Ok(db
        .prepare_cached(
            "SELECT w.site, coalesce(c.eff, m.at), c.qty, c.value FROM movements m
             JOIN warehouses w ON w.code = m.warehouse
             LEFT JOIN movement_costs c ON c.movement = m.id
             WHERE m.transfer = ?1 AND m.kind = 'transfer_out' LIMIT 1",
        )?
        .query_row([transfer], |r| {
            let qty: Option<i64> = r.get(2)?;
            let value: Option<i64> = r.get(3)?;
            Ok(SentEnd {
                site: r.get(0)?,
                eff: r.get(1)?,
                costed: qty.zip(value),
            })
        })
        .optional()?)
}

/// One entry a movement posts.
struct Post {
    /// Suffix of the entry's id after the movement's (`""` or `"/transit"`).
    suffix: &'static str,
    site: String,
    debit: &'static str,
    credit: &'static str,
    amount: i64,
    counterparty: String,
}

/// What movement `m` does to its site's position, and what it posts.
fn step(db: &Connection, site: &str, m: &Mv, pos: &mut Position) -> Result<(i64, Vec<Post>)> {
    let mut posts = Vec::new();
    let mut post = |suffix, site: &str, debit, credit, amount: i64, counterparty: &str| {
        posts.push(Post {
            suffix,
            site: site.to_string(),
            debit,
            credit,
            amount,
            counterparty: counterparty.to_string(),
        })
    };
    let sales = m.order_kind.as_deref() == Some("sales");
    let purchase = m.order_kind.as_deref() == Some("purchase");
    let party = m.party.clone().unwrap_or_default();
    let value = if m.kind == "transfer_in" {
        // Read here, not with the walk's keys: a departure from this same site was costed
        // a moment ago in this walk, and its value is what arrives.
        let sent = match &m.transfer {
            Some(t) => sent_end(db, t)?,
            None => None,
        };
        match sent {
            Some(SentEnd {
                site: from_site,
                costed: Some((sent_qty, sent_value)),
                ..
            }) => {
                // What left (negative at the sender) arrives at its unit value.
                let value = pos.put(m.qty, Some(scale(-sent_value, m.qty, -sent_qty)));
                if from_site != site {
                    post("", site, STOCK, IN_TRANSIT, value, &from_site);
                }
                value
            }
            // The sent end is not costed here yet: at the average until it is.
            _ => pos.put(m.qty, None),
        }
    } else if m.qty > 0 {
        let price = match (purchase, m.order_amount, m.order_qty) {
            (true, Some(amount), Some(qty)) => Some(scale(amount, m.qty, qty)),
            _ => None,
        };
        let value = pos.put(m.qty, price);
        if sales {
            post("", site, STOCK, COST_OF_SALES, value, &party);
        } else if purchase {
            post("", site, STOCK, PAYABLE, value, &party);
        } else {
            post("", site, STOCK, UNSETTLED, value, "");
        }
        value
    } else {
        let value = -pos.take(-m.qty);
        let to_other_site =
            m.kind == "transfer_out" && m.to_site.as_deref().is_some_and(|to| to != site);
        if let (true, Some(to)) = (to_other_site, m.to_site.as_deref()) {
            post("", site, DUE_FROM, STOCK, -value, to);
            post("/transit", to, IN_TRANSIT, DUE_TO, -value, site);
        } else if sales {
            post("", site, COST_OF_SALES, STOCK, -value, &party);
        } else if purchase {
            post("", site, PAYABLE, STOCK, -value, &party);
        } else if m.kind != "transfer_out" {
            post("", site, UNSETTLED, STOCK, -value, "");
        }
        value
    };
    Ok((value, posts))
}

/// Re-derives movement `m`'s postings when they differ from what was posted.
fn post_movement(db: &Connection, m: &Mv, posts: &[Post], before: &str, now: &str) -> Result<()> {
    if before == now {
        return Ok(());
    }
    let Ok(doc) = DocId::parse(&m.doc) else {
        return Ok(());
    };
    let Ok(device) = DeviceId::parse(&m.device) else {
        return Ok(());
    };
    // Numbered by the movement (an order ships one movement per item; a transfer posts
    // up to three entries), linked to the order or transfer it belongs to.
    let link = m
        .order_number
        .clone()
        .or_else(|| m.transfer.clone())
        .unwrap_or_default();
    let date = date_of(m.at);
    for suffix in ["", "/transit"] {
        let source_id = format!("{}{suffix}", m.id);
        // Nothing to post at no value (an item never bought at a price).
        let post = posts.iter().find(|p| p.suffix == suffix && p.amount != 0);
        let site = post.and_then(|p| SiteCode::parse(&p.site).ok());
        // The id's random tail (64 bits): short enough to read, never the same twice.
        let tail: String = m.id.chars().filter(char::is_ascii_hexdigit).collect();
        let tail = tail
            .get(tail.len().saturating_sub(16)..)
            .unwrap_or_default();
        let number = match suffix {
            "" => format!("M-{tail}"),
            _ => format!("M-{tail}-T"),
        };
        let posting = post.zip(site.as_ref()).map(|(p, site)| Posting {
            doc: &doc,
            number: &number,
            link: &link,
            site,
            date: &date,
            memo: m.note.clone(),
            counterparty: p.counterparty.clone(),
            created_at_ms: m.at,
            created_by: &device,
            lines: {
                // A value below zero (stock that went below zero) posts the other way.
                let (debit, credit) = if p.amount > 0 {
                    (p.debit, p.credit)
                } else {
                    (p.credit, p.debit)
                };
                let amount = p.amount.abs();
                vec![
                    Line {
                        account: debit.to_string(),
                        debit: amount,
                        credit: 0,
                    },
                    Line {
                        account: credit.to_string(),
                        debit: 0,
                        credit: amount,
                    },
                ]
            },
        });
        post_derived(db, SOURCE, &source_id, posting)?;
    }
    Ok(())
}

/// Re-costs `site`'s `item` from `from` on; returns the (site, key) walks that depend on
/// what changed (the receiving ends of transfers whose value moved).
fn walk(db: &Connection, item: &str, site: &str, from: &Key) -> Result<Vec<(String, Key)>> {
    let mut todo: Vec<(Key, Mv)> = Vec::new();
    for m in candidates(db, item, site, from)? {
        let mut eff = effective_at(db, site, &m.id, m.at)?;
        let rank = i64::from(m.kind == "transfer_in");
        // An arrival counts after its departure, whatever the clocks said.
        if rank == 1
            && let Some(t) = m.transfer.as_deref()
            && let Some(sent) = sent_end(db, t)?
        {
            eff = eff.max(sent.eff);
        }
        let key = (eff, rank, m.id.clone());
        if key >= *from {
            todo.push((key, m));
        }
    }
    todo.sort_by(|a, b| a.0.cmp(&b.0));
    let mut pos = position_before(db, item, site, from)?;
    let mut dependants = Vec::new();
    let mut before =
        db.prepare_cached("SELECT value, posted FROM movement_costs WHERE movement = ?1")?;
    let mut put = db.prepare_cached(
        "INSERT OR REPLACE INTO movement_costs VALUES
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for (key, m) in todo {
        let (value, posts) = step(db, site, &m, &mut pos)?;
        let posted = format!(
            "{}|{value}|{}",
            key.0,
            posts
                .iter()
                .map(|p| format!(
                    "{}:{}:{}:{}:{}:{}",
                    p.suffix, p.site, p.debit, p.credit, p.amount, p.counterparty
                ))
                .collect::<Vec<_>>()
                .join(",")
        );
        let was: Option<(i64, String)> = before
            .query_row([&m.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        put.execute(params![
            m.id,
            item,
            site,
            key.0,
            key.1,
            m.qty,
            value,
            pos.qty,
            pos.value,
            pos.unit_value,
            pos.unit_qty,
            posted
        ])?;
        post_movement(
            db,
            &m,
            &posts,
            was.as_ref().map_or("", |w| w.1.as_str()),
            &posted,
        )?;
        // The arrival at another site is valued at what left: walk it again.
        if m.kind == "transfer_out"
            && was.map(|w| w.0) != Some(value)
            && let Some(to) = m.to_site.clone().filter(|to| to != site)
        {
            dependants.push((to, (key.0, 0, String::new())));
        }
    }
    Ok(dependants)
}

/// The meta key that says whether this device's movement costs are current ("1").
const META_KEEPS_COSTS: &str = "keeps_costs";

/// Values the movements `records` brought, on a device that may read a ledger: only
/// such a device can see stock at cost or the postings movements make, so the others
/// (clerks and warehouse staff, most offices) skip the walk, a third of what a
/// month's catch-up projects. A device that becomes able to read them (it joined, or was
/// promoted) values every movement it holds at once.
pub(super) fn recost_after(db: &Connection, records: &[crate::record::RecordRef]) -> Result<()> {
    let reads = crate::access::this_device(db)?.is_some_and(|me| crate::access::reads_ledgers(&me));
    let kept = crate::store::meta_get(db, META_KEEPS_COSTS)?.as_deref() == Some("1");
    match (reads, kept) {
        (true, true) => recost(db, dirty_after(db, records)?),
        (true, false) => {
            crate::store::meta_set(db, META_KEEPS_COSTS, "1")?;
            recost(db, every_walk(db)?)
        }
        (false, true) => crate::store::meta_set(db, META_KEEPS_COSTS, "0"),
        (false, false) => Ok(()),
    }
}

/// Every (site, item) with movements, from its first.
fn every_walk(db: &Connection) -> Result<BTreeMap<(String, String), Key>> {
    let mut stmt = db.prepare(
        "SELECT DISTINCT w.site, m.item FROM movements m
         JOIN warehouses w ON w.code = m.warehouse",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(((r.get(0)?, r.get(1)?), (i64::MIN, 0, String::new())))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Re-costs every (site, item) in `dirty` from its key, then whatever depends on them.
pub(super) fn recost(db: &Connection, mut dirty: BTreeMap<(String, String), Key>) -> Result<()> {
    // Bounded: each round only moves forward in time (an arrival is never before its
    // departure); a book would need this many chained transfers to reach it.
    for _ in 0..10_000 {
        let Some(((site, item), from)) = dirty.pop_first() else {
            return Ok(());
        };
        for (to, key) in walk(db, &item, &site, &from)? {
            let slot = dirty
                .entry((to, item.clone()))
                .or_insert_with(|| key.clone());
            if key < *slot {
                *slot = key;
            }
        }
    }
    tracing::warn!("stock costing stopped after 10,000 walks");
    Ok(())
}

/// The walks that records just projected make necessary: new movements, orders whose
/// prices cost a receipt, closes (late movements move), warehouses (a site becomes known).
pub(super) fn dirty_after(
    db: &Connection,
    records: &[crate::record::RecordRef],
) -> Result<BTreeMap<(String, String), Key>> {
    use crate::kind::{order, site, stock};
    let mut out: BTreeMap<(String, String), Key> = BTreeMap::new();
    let mut add = |site: String, item: String, key: Key| {
        let slot = out.entry((site, item)).or_insert_with(|| key.clone());
        if key < *slot {
            *slot = key;
        }
    };
    let movement_sql = "SELECT w.site, m.item, m.at FROM movements m
                        JOIN warehouses w ON w.code = m.warehouse WHERE ";
    let mut by_movement = db.prepare_cached(&format!("{movement_sql} m.id = ?1"))?;
    let mut by_order = db.prepare_cached(&format!("{movement_sql} m.order_id = ?1"))?;
    let mut by_warehouse = db.prepare_cached(&format!("{movement_sql} m.warehouse = ?1"))?;
    // A close re-times the site's late movements: its items, and the arrivals elsewhere
    // of what it sent (an arrival counts after its departure).
    let mut by_site = db.prepare_cached(
        "SELECT site, item, min(eff) FROM movement_costs WHERE site = ?1 GROUP BY item
         UNION ALL
         SELECT cw.site, m.item, min(m.at) FROM movements m
         JOIN warehouses w ON w.code = m.warehouse
         JOIN warehouses cw ON cw.code = m.counterpart
         WHERE w.site = ?1 AND m.kind = 'transfer_out' AND cw.site != ?1
         GROUP BY cw.site, m.item",
    )?;
    let start = |at: i64| (at, 0, String::new());
    let mut seen = BTreeSet::new();
    for rec in records {
        if !seen.insert((rec.collection.as_str(), rec.key.as_str())) {
            continue;
        }
        let (stmt, key) = match rec.collection.as_str() {
            stock::MOVEMENTS => (&mut by_movement, rec.key.clone()),
            order::ORDERS => (&mut by_order, rec.key.clone()),
            site::WAREHOUSES => (&mut by_warehouse, rec.key.clone()),
            // Every item of the closed site: movements late into the month move.
            super::close::CLOSES => {
                let site: Option<String> = db
                    .prepare_cached("SELECT site FROM period_closes WHERE id = ?1")?
                    .query_row([&rec.key], |r| r.get(0))
                    .optional()?;
                // A close that went (a rebuild) cannot be asked its site: the walks
                // are then made by the rebuild's own movements.
                match site {
                    Some(site) => (&mut by_site, site),
                    None => continue,
                }
            }
            _ => continue,
        };
        let rows = stmt.query_map([&key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (site, item, at) = row?;
            add(site, item, start(at));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goods_leave_at_the_average_and_the_last_unit_leaves_what_is_left() {
        let mut p = Position::default();
        assert_eq!(p.put(3, Some(1_000)), 1_000);
        assert_eq!(p.put(1, Some(600)), 600);
        // 4 units worth 1,600: 400 each.
        assert_eq!(p.take(1), 400);
        assert_eq!(p.take(2), 800);
        assert_eq!(p.take(1), 400);
        assert_eq!((p.qty, p.value), (0, 0));
        // Out of an empty position: at the last unit cost.
        assert_eq!(p.take(2), 800);
        assert_eq!((p.qty, p.value), (-2, -800));
        // Unknown cost coming in: the last unit cost too.
        assert_eq!(p.put(2, None), 800);
        assert_eq!((p.qty, p.value), (0, 0));
    }

    #[test]
    fn thirds_round_and_the_rest_goes_with_the_last() {
        let mut p = Position::default();
        p.put(3, Some(1_000));
        let taken = [p.take(1), p.take(1), p.take(1)];
        assert_eq!(taken, [333, 334, 333]);
        assert_eq!(taken.iter().sum::<i64>(), 1_000);
        assert_eq!(scale(-5, 1, 2), -3);
        assert_eq!(scale(5, 1, 2), 3);
        assert_eq!(scale(1, 1, 0), 0);
    }
}
