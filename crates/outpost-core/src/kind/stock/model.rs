//! A stock movement: an append-only fact; a warehouse's level of an item is their sum.

use automerge::ReadDoc;
use serde::Serialize;

use crate::code::WarehouseCode;
use crate::id::{DeviceId, ItemId, MovementId, OrderId, TransferId};
use crate::schema::{RawConflict, RecordReader, View};
use crate::text::text_enum;

text_enum!(
    /// Why stock moved.
    MovementKind, "movement kind" {
        /// Goods received (a purchase order or a loose receipt).
        Receipt = "receipt",
        /// Goods issued (a sales order or a loose issue).
        Issue = "issue",
        /// Sent to another warehouse; in transit until received there.
        TransferOut = "transfer_out",
        /// Arrived from another warehouse.
        TransferIn = "transfer_in",
        /// A stock count's correction.
        CountAdjustment = "count_adjustment",
    }
);

/// One movement. `qty` is signed: positive adds to the warehouse, negative takes away.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Movement {
    /// Random id.
    pub id: MovementId,
    /// Why.
    pub kind: MovementKind,
    /// Which item.
    pub item: ItemId,
    /// Where.
    pub warehouse: WarehouseCode,
    /// Signed quantity in the item's smallest unit.
    pub qty: i64,
    /// When (ms).
    pub at_ms: i64,
    /// The device that recorded it.
    pub device: DeviceId,
    /// The order it fulfils, if any.
    pub order: Option<OrderId>,
    /// The transfer it belongs to, if any.
    pub transfer: Option<TransferId>,
    /// For a transfer out, the destination warehouse.
    pub counterpart: Option<WarehouseCode>,
    /// Free remark.
    pub note: String,
}

pub(super) fn read_movement<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Movement> {
    let r = RecordReader::new(v, obj, c);
    Some(Movement {
        id: MovementId::from_stored(id.to_string()),
        kind: MovementKind::parse(&r.fact_text("kind")?).ok()?,
        item: ItemId::from_stored(r.fact_text("item")?),
        warehouse: WarehouseCode::parse(&r.fact_text("warehouse")?).ok()?,
        qty: r.fact_int("qty")?,
        at_ms: r.fact_int("at")?,
        device: DeviceId::parse(&r.fact_text("by")?).ok()?,
        order: r.fact_text("order").map(OrderId::from_stored),
        transfer: r.fact_text("transfer").map(TransferId::from_stored),
        counterpart: r
            .fact_text("counterpart")
            .and_then(|w| WarehouseCode::parse(&w).ok()),
        note: r.fact_text("note").unwrap_or_default(),
    })
}
