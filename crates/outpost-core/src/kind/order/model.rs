//! An order as read from its document: lines, status events, the lifecycle and the fold.
//!
//! An order's status is never stored: it is the fold of its append-only status events by a
//! fixed precedence (cancelled > paid > invoiced > shipped/received > approved > submitted >
//! draft), so concurrent events from two offices settle the same way everywhere.

use automerge::ReadDoc;
use serde::Serialize;

use crate::code::{SiteCode, WarehouseCode};
use crate::id::{DeviceId, ItemId, LineId, OrderId, PartyId};
use crate::money::Money;
use crate::schema::{RawConflict, RecordReader, View};
use crate::text::text_enum;

text_enum!(
    /// Selling to a customer or buying from a supplier.
    OrderKind, "order kind" {
        /// Sales order: shipping it issues stock.
        Sales = "sales",
        /// Purchase order: receiving it receives stock.
        Purchase = "purchase",
    }
);

text_enum!(
    /// Where an order stands, folded from its events.
    Status, "status" {
        /// Being written; lines and parties may change.
        Draft = "draft",
        /// Sent for approval; lines frozen.
        Submitted = "submitted",
        /// Approved.
        Approved = "approved",
        /// Goods left the warehouse (sales).
        Shipped = "shipped",
        /// Goods arrived (purchase).
        Received = "received",
        /// Invoice issued or booked.
        Invoiced = "invoiced",
        /// Settled.
        Paid = "paid",
        /// Cancelled; beats every other event.
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// A step a person takes on an order.
    Action, "action" {
        /// Draft → submitted.
        Submit = "submit",
        /// Submitted → approved.
        Approve = "approve",
        /// Approved sales order → shipped (issues stock).
        Ship = "ship",
        /// Approved purchase order → received (receives stock).
        Receive = "receive",
        /// Shipped or received → invoiced.
        Invoice = "invoice",
        /// Invoiced → paid.
        Pay = "pay",
        /// Draft, submitted or approved → cancelled.
        Cancel = "cancel",
    }
);

impl Status {
    /// Precedence in the fold: the highest-ranked event wins.
    pub fn rank(self) -> u8 {
        match self {
            Status::Draft => 0,
            Status::Submitted => 1,
            Status::Approved => 2,
            Status::Shipped | Status::Received => 3,
            Status::Invoiced => 4,
            Status::Paid => 5,
            Status::Cancelled => 6,
        }
    }

    /// Whether lines and parties are still editable.
    pub fn is_draft(self) -> bool {
        self == Status::Draft
    }
}

impl Action {
    /// The status this action records.
    pub fn target(self) -> Status {
        match self {
            Action::Submit => Status::Submitted,
            Action::Approve => Status::Approved,
            Action::Ship => Status::Shipped,
            Action::Receive => Status::Received,
            Action::Invoice => Status::Invoiced,
            Action::Pay => Status::Paid,
            Action::Cancel => Status::Cancelled,
        }
    }

    /// Whether this action may be taken on an order of `kind` that is `status` now.
    pub fn allowed(self, kind: OrderKind, status: Status) -> bool {
        match self {
            Action::Submit => status == Status::Draft,
            Action::Approve => status == Status::Submitted,
            Action::Ship => kind == OrderKind::Sales && status == Status::Approved,
            Action::Receive => kind == OrderKind::Purchase && status == Status::Approved,
            Action::Invoice => matches!(status, Status::Shipped | Status::Received),
            Action::Pay => status == Status::Invoiced,
            Action::Cancel => {
                matches!(status, Status::Draft | Status::Submitted | Status::Approved)
            }
        }
    }

    /// The past participle used in messages ("shipped").
    pub fn past(self) -> &'static str {
        match self {
            Action::Submit => "submitted",
            Action::Approve => "approved",
            Action::Ship => "shipped",
            Action::Receive => "received",
            Action::Invoice => "invoiced",
            Action::Pay => "paid",
            Action::Cancel => "cancelled",
        }
    }
}

/// One line of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Line {
    /// Random id.
    pub id: LineId,
    /// The item.
    pub item: ItemId,
    /// Quantity in the item's smallest unit.
    pub qty: i64,
    /// Unit price.
    pub price: Money,
    /// Discount on the whole line.
    pub discount: Money,
    /// When the line was added (ms); orders lines by entry.
    pub added_at_ms: i64,
    /// Position among the lines when it was added; breaks ties of `added_at_ms`.
    pub pos: i64,
}

impl Line {
    /// qty × price − discount, saturating rather than overflowing.
    pub fn amount(&self) -> Money {
        Money(
            self.qty
                .saturating_mul(self.price.0)
                .saturating_sub(self.discount.0),
        )
    }
}

/// An append-only status event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusEvent {
    /// The status it records.
    pub status: Status,
    /// When (ms).
    pub at_ms: i64,
    /// Which device recorded it.
    pub device: DeviceId,
    /// Optional remark.
    pub note: String,
    /// The order total when it was submitted (only on submit events).
    pub total: Option<Money>,
}

/// A sales or purchase order as read from its document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Order {
    /// Random id.
    pub id: OrderId,
    /// Human number, e.g. `SH-A3-000127`.
    pub number: String,
    /// Sales or purchase.
    pub kind: OrderKind,
    /// The site that owns it.
    pub site: SiteCode,
    /// When it was created (ms).
    pub created_at_ms: i64,
    /// The device that created it.
    pub created_by: DeviceId,
    /// Customer (sales) or supplier (purchase).
    pub party: Option<PartyId>,
    /// Warehouse it ships from or receives into.
    pub warehouse: WarehouseCode,
    /// Free remark.
    pub note: String,
    /// Lines in entry order.
    pub lines: Vec<Line>,
    /// Status events in time order.
    pub events: Vec<StatusEvent>,
}

impl Order {
    /// The folded status.
    pub fn status(&self) -> Status {
        fold_status(self.kind, &self.events)
    }

    /// Sum of line amounts.
    pub fn total(&self) -> Money {
        Money(
            self.lines
                .iter()
                .fold(0i64, |sum, l| sum.saturating_add(l.amount().0)),
        )
    }

    /// The total recorded by the earliest submit event, if submitted.
    pub fn submitted_total(&self) -> Option<Money> {
        self.events
            .iter()
            .filter(|e| e.status == Status::Submitted)
            .min_by_key(|e| (e.at_ms, e.device.clone()))
            .and_then(|e| e.total)
    }

    /// Ordered quantity per item (for shipping and invariant checks).
    pub fn qty_by_item(&self) -> std::collections::BTreeMap<ItemId, i64> {
        let mut out = std::collections::BTreeMap::new();
        for line in &self.lines {
            *out.entry(line.item.clone()).or_insert(0) += line.qty;
        }
        out
    }
}

/// Folds status events by precedence. Shipped and received share a rank; the order's kind
/// says which it is.
pub fn fold_status(kind: OrderKind, events: &[StatusEvent]) -> Status {
    fold_statuses(kind, events.iter().map(|e| e.status))
}

/// [`fold_status`] over bare statuses.
pub(crate) fn fold_statuses(kind: OrderKind, statuses: impl Iterator<Item = Status>) -> Status {
    let top = statuses.max_by_key(|s| s.rank()).unwrap_or(Status::Draft);
    match (top, kind) {
        (Status::Shipped | Status::Received, OrderKind::Sales) => Status::Shipped,
        (Status::Shipped | Status::Received, OrderKind::Purchase) => Status::Received,
        (other, _) => other,
    }
}

pub(super) fn read_order<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Order> {
    let mut r = RecordReader::new(v, obj.clone(), c);
    let mut order = Order {
        id: OrderId::from_stored(id.to_string()),
        number: r.fact_text("number")?,
        kind: OrderKind::parse(&r.fact_text("kind")?).ok()?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        created_at_ms: r.fact_int("created_at")?,
        created_by: DeviceId::parse(&r.fact_text("created_by")?).ok()?,
        party: r
            .text("party")
            .filter(|p| !p.is_empty())
            .map(PartyId::from_stored),
        warehouse: WarehouseCode::parse(&r.text("warehouse")?).ok()?,
        note: r.text("note").unwrap_or_default(),
        lines: Vec::new(),
        events: Vec::new(),
    };
    if let Some(lines) = r.child_map("lines") {
        for (line_id, line_obj) in v.map_children(&lines) {
            let line = r.nested(line_obj, &format!("lines/{line_id}"), |lr| {
                if lr.flag("removed") {
                    return None;
                }
                Some(Line {
                    id: LineId::from_stored(line_id.clone()),
                    added_at_ms: lr.fact_int("added_at")?,
                    pos: lr.fact_int("pos").unwrap_or(0),
                    item: ItemId::from_stored(lr.text("item")?),
                    qty: lr.int("qty")?,
                    price: Money(lr.int("price").unwrap_or(0)),
                    discount: Money(lr.int("discount").unwrap_or(0)),
                })
            });
            order.lines.extend(line);
        }
    }
    order
        .lines
        .sort_by(|a, b| (a.added_at_ms, a.pos, &a.id).cmp(&(b.added_at_ms, b.pos, &b.id)));
    if let Some(events) = r.child_list("events") {
        // Events are facts, each written once: read in one pass per event.
        for (i, ev) in v.list_maps(&events).into_iter().enumerate() {
            let event = r.nested(ev, &format!("events/{i}"), |er| {
                Some(StatusEvent {
                    status: Status::parse(&er.fact_text("status")?).ok()?,
                    at_ms: er.fact_int("at")?,
                    device: DeviceId::parse(&er.fact_text("by")?).ok()?,
                    note: er.fact_text("note").unwrap_or_default(),
                    total: er.fact_int("total").map(Money),
                })
            });
            order.events.extend(event);
        }
    }
    order
        .events
        .sort_by(|a, b| (a.at_ms, &a.device, a.status).cmp(&(b.at_ms, &b.device, b.status)));
    Some(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(status: Status) -> StatusEvent {
        StatusEvent {
            status,
            at_ms: 0,
            device: DeviceId::random(),
            note: String::new(),
            total: None,
        }
    }

    #[test]
    fn fold_by_precedence() {
        use Status::*;
        assert_eq!(fold_status(OrderKind::Sales, &[]), Draft);
        assert_eq!(
            fold_status(OrderKind::Sales, &[ev(Submitted), ev(Approved)]),
            Approved
        );
        assert_eq!(
            fold_status(OrderKind::Sales, &[ev(Shipped), ev(Cancelled)]),
            Cancelled
        );
        assert_eq!(
            fold_status(OrderKind::Purchase, &[ev(Received), ev(Invoiced)]),
            Invoiced
        );
        assert_eq!(fold_status(OrderKind::Purchase, &[ev(Shipped)]), Received);
    }

    #[test]
    fn transitions_follow_the_lifecycle() {
        use Action::*;
        assert!(Submit.allowed(OrderKind::Sales, Status::Draft));
        assert!(!Approve.allowed(OrderKind::Sales, Status::Draft));
        assert!(Ship.allowed(OrderKind::Sales, Status::Approved));
        assert!(!Ship.allowed(OrderKind::Purchase, Status::Approved));
        assert!(Receive.allowed(OrderKind::Purchase, Status::Approved));
        assert!(!Cancel.allowed(OrderKind::Sales, Status::Shipped));
        assert!(!Pay.allowed(OrderKind::Sales, Status::Shipped));
        assert!(Pay.allowed(OrderKind::Sales, Status::Invoiced));
    }
}
