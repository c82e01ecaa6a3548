//! Sample data: a busy site's year of orders, stock and tasks, for trying Outpost out and
//! for benchmarks. Written through the same write path as everything else, in batches.

use automerge::transaction::Transactable;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::doc_id::DocId;
use crate::error::Result;
use crate::id::{ItemId, OrderId, PartyId, TaskId};
use crate::kind::item::{self, ITEMS};
use crate::kind::order::{
    CheckedLine, ORDERS, OrderDraft, OrderKind, Status, order_in, put_event, put_fulfilment,
    put_order,
};
use crate::kind::party::CUSTOMERS;
use crate::kind::site;
use crate::kind::stock::{MovementKind, Planned, put_movement};
use crate::kind::task::{Priority, TaskDraft, TaskStatus, put_task};
use crate::money::Money;
use crate::record::RecordRef;
use crate::repo::{Repo, Written};
use crate::schema::new_record;

/// How much sample data to write.
#[derive(Clone, Debug, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SampleSpec {
    /// Catalogue items to add.
    pub items: u32,
    /// Customers to add.
    pub customers: u32,
    /// Sales orders, each with three lines, submitted, approved and shipped.
    pub orders: u32,
    /// Tasks.
    pub tasks: u32,
    /// Days the orders are spread over, ending at the given time.
    pub days: u32,
    /// Orders per change (larger is faster to write, smaller is closer to real use).
    pub batch: u32,
}

/// What was written.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SampleReport {
    /// Orders written.
    pub orders: u64,
    /// Movements written (receipts and shipments).
    pub movements: u64,
    /// Tasks written.
    pub tasks: u64,
    /// Documents touched.
    pub documents: u64,
}

/// A small deterministic generator: sample data is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Fills the book with sample data at this device's site, ending at `end`.
pub(super) fn fill(repo: &mut Repo, spec: &SampleSpec, end: Timestamp) -> Result<SampleReport> {
    let me = repo.me()?;
    let warehouse = site::first_warehouse(repo.db(), &me.site)?;
    let days = i64::from(spec.days.max(1));
    let start = end - SignedDuration::from_hours(24 * days);
    let mut rng = Lcg(42);
    let mut report = SampleReport::default();

    // The catalogue and customers, in one change (customers in `org`, as old books
    // keep them: the sample is one writer and the parties document stays free).
    let items: Vec<(ItemId, Money)> = (0..spec.items)
        .map(|i| {
            (
                ItemId::generate(start),
                Money(i64::from(500 + (i * 37) % 20_000)),
            )
        })
        .collect();
    let customers: Vec<PartyId> = (0..spec.customers)
        .map(|_| PartyId::generate(start))
        .collect();
    let existing_skus = item::list_all(repo.db())?.len();
    repo.write(&DocId::Org, start, |tx| {
        let mut touched = Vec::new();
        for (n, (id, price)) in items.iter().enumerate() {
            let obj = new_record(tx, ITEMS, id.as_str())?;
            tx.put(
                &obj,
                "sku",
                format!("SKU-{:05}", existing_skus + n + 1).as_str(),
            )?;
            tx.put(&obj, "name", format!("Sample item {} 样品", n + 1).as_str())?;
            tx.put(&obj, "unit", "pcs")?;
            tx.put(&obj, "price", price.0)?;
            tx.put(&obj, "low_stock", 20i64)?;
            touched.push(RecordRef::new(ITEMS, id.as_str()));
        }
        for (n, id) in customers.iter().enumerate() {
            let obj = new_record(tx, CUSTOMERS, id.as_str())?;
            tx.put(
                &obj,
                "name",
                format!("Sample customer {} 客户", n + 1).as_str(),
            )?;
            tx.put(&obj, "phone", "")?;
            tx.put(&obj, "address", "")?;
            touched.push(RecordRef::new(CUSTOMERS, id.as_str()));
        }
        Ok(Written::new((), "sample.catalog", touched))
    })?;
    if items.is_empty() {
        return Ok(report);
    }

    let prefix = format!("{}-{}-", me.site, me.code);
    let mut seq = repo.next_seq("order", 0)?;
    let per_order = SignedDuration::from_millis(days * 86_400_000 / i64::from(spec.orders.max(1)));
    let mut at = start;
    let mut month_of_last_receipt = None;
    let mut written = 0u32;
    while written < spec.orders {
        let doc_id = DocId::ops(&me.site, at);
        // Stock arrives at the start of each month, enough for the month's sales.
        let month = crate::doc_id::Month::of(at);
        let receive = month_of_last_receipt != Some(month);
        month_of_last_receipt = Some(month);
        let mut batch = Vec::new();
        while written < spec.orders
            && batch.len() < spec.batch.max(1) as usize
            && DocId::ops(&me.site, at) == doc_id
        {
            let lines: Vec<CheckedLine> = (0..3)
                .map(|k| {
                    let (item, price) =
                        &items[(rng.below(items.len() as u64) as usize + k * 7) % items.len()];
                    CheckedLine {
                        item: item.clone(),
                        qty: 1 + rng.below(5) as i64,
                        price: *price,
                        discount: Money::ZERO,
                    }
                })
                .collect();
            let customer = customers
                .get(rng.below(customers.len() as u64) as usize)
                .cloned();
            batch.push((
                OrderId::generate(at),
                format!("{prefix}{seq:06}"),
                customer,
                lines,
                at,
            ));
            seq += 1;
            written += 1;
            at += per_order;
        }
        let (by, site, wh) = (me.id.clone(), me.site.clone(), warehouse.clone());
        let items_ref = &items;
        let (orders_n, movements_n) = repo.write(&doc_id, at, |tx| {
            let mut touched = Vec::new();
            let mut movements = 0u64;
            if receive {
                let qty = 1_000_000i64 / items_ref.len() as i64 + 100;
                for (item, _) in items_ref {
                    let planned =
                        Planned::simple(MovementKind::Receipt, item.clone(), wh.clone(), qty);
                    touched.push(put_movement(tx, &planned, &by, "", at)?);
                    movements += 1;
                }
            }
            for (id, number, customer, lines, created) in &batch {
                let obj = put_order(
                    tx,
                    &OrderDraft {
                        id,
                        number,
                        kind: OrderKind::Sales,
                        site: &site,
                        by: &by,
                        party: customer.as_ref().map(|c| c.as_str()),
                        warehouse: &wh,
                        note: "",
                        lines,
                    },
                    *created,
                )?;
                let total = Money(lines.iter().map(|l| l.qty * l.price.0).sum());
                put_event(tx, &obj, Status::Submitted, &by, "", Some(total), *created)?;
                put_event(tx, &obj, Status::Approved, &by, "", None, *created)?;
                put_event(tx, &obj, Status::Shipped, &by, "", None, *created)?;
                let (_, order) = order_in(tx, id)?;
                let moved = put_fulfilment(tx, &order, MovementKind::Issue, -1, &by, *created)?;
                movements += moved.len() as u64;
                touched.extend(moved);
                touched.push(RecordRef::new(ORDERS, id.as_str()));
            }
            let mut w = Written::new((batch.len() as u64, movements), "sample.orders", touched);
            w.meta.push(("seq.order".into(), (seq - 1).to_string()));
            Ok(w)
        })?;
        report.orders += orders_n;
        report.movements += movements_n;
        report.documents += u64::from(receive);
    }

    // Tasks, spread over the same period.
    let mut task_seq = repo.next_seq("task", 0)?;
    let per_task = SignedDuration::from_millis(days * 86_400_000 / i64::from(spec.tasks.max(1)));
    let mut at = start;
    let mut done = 0u32;
    while done < spec.tasks {
        let doc_id = DocId::ops(&me.site, at);
        let mut batch = Vec::new();
        while done < spec.tasks
            && batch.len() < spec.batch.max(1) as usize
            && DocId::ops(&me.site, at) == doc_id
        {
            batch.push((TaskId::generate(at), format!("{prefix}T{task_seq:06}"), at));
            task_seq += 1;
            done += 1;
            at += per_task;
        }
        let (by, site) = (me.id.clone(), me.site.clone());
        let n = repo.write(&doc_id, at, |tx| {
            let mut touched = Vec::new();
            for (i, (id, number, created)) in batch.iter().enumerate() {
                let due = created.to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
                let title = format!("Follow up {number} 跟进");
                let draft = TaskDraft {
                    id,
                    number,
                    site: &site,
                    by: &by,
                    title: &title,
                    description: "",
                    owner: if i % 3 == 0 { "Li Wei" } else { "Zhao Lei" },
                    due: Some(&due),
                    priority: Priority::Normal,
                    status: if i % 4 == 0 {
                        TaskStatus::Todo
                    } else {
                        TaskStatus::Done
                    },
                    link: "",
                };
                touched.push(put_task(tx, &draft, *created)?);
            }
            let mut w = Written::new(batch.len() as u64, "sample.tasks", touched);
            w.meta.push(("seq.task".into(), (task_seq - 1).to_string()));
            Ok(w)
        })?;
        report.tasks += n;
    }
    // Months written are compacted now rather than by the next writes.
    repo.compact()?;
    repo.forget_all();
    Ok(report)
}
