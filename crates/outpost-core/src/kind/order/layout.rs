//! How an order sits in its `ops` document: the record, its lines (a map by line id, so
//! concurrent additions never collide), its status events (an append-only list) and the
//! stock movements that fulfil it.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType};
use jiff::Timestamp;

use super::ORDERS;
use super::model::{Order, OrderKind, Status, read_order};
use crate::code::{SiteCode, WarehouseCode};
use crate::error::{Error, Result};
use crate::id::{DeviceId, ItemId, LineId, OrderId};
use crate::kind::stock::{MovementKind, Planned, put_movement};
use crate::money::Money;
use crate::record::RecordRef;
use crate::schema::{View, collection_obj};

/// A line checked against the catalogue, ready to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CheckedLine {
    pub item: ItemId,
    pub qty: i64,
    pub price: Money,
    pub discount: Money,
}

/// A new order, checked and numbered, ready to write.
pub(crate) struct OrderDraft<'a> {
    pub id: &'a OrderId,
    pub number: &'a str,
    pub kind: OrderKind,
    pub site: &'a SiteCode,
    pub by: &'a DeviceId,
    pub party: Option<&'a str>,
    pub warehouse: &'a WarehouseCode,
    pub note: &'a str,
    pub lines: &'a [CheckedLine],
}

/// Writes a new draft order; returns its object.
pub(crate) fn put_order(
    tx: &mut Transaction<'_>,
    d: &OrderDraft<'_>,
    at: Timestamp,
) -> Result<ObjId> {
    let orders = collection_obj(tx, ORDERS)?;
    let obj = tx.put_object(&orders, d.id.as_str(), ObjType::Map)?;
    tx.put(&obj, "number", d.number)?;
    tx.put(&obj, "kind", d.kind.as_str())?;
    tx.put(&obj, "site", d.site.as_str())?;
    tx.put(&obj, "created_at", at.as_millisecond())?;
    tx.put(&obj, "created_by", d.by.as_str())?;
    tx.put(&obj, "party", d.party.unwrap_or(""))?;
    tx.put(&obj, "warehouse", d.warehouse.as_str())?;
    tx.put(&obj, "note", d.note)?;
    let lines_obj = tx.put_object(&obj, "lines", ObjType::Map)?;
    tx.put_object(&obj, "events", ObjType::List)?;
    for (pos, line) in d.lines.iter().enumerate() {
        put_line(tx, &lines_obj, line, pos as i64, at)?;
    }
    Ok(obj)
}

/// Appends a status event to an order.
pub(crate) fn put_event(
    tx: &mut Transaction<'_>,
    order: &ObjId,
    status: Status,
    by: &DeviceId,
    note: &str,
    total: Option<Money>,
    at: Timestamp,
) -> Result<()> {
    let events = View::now(&*tx)
        .child_list(order, "events")
        .ok_or_else(|| Error::corrupt("order", "order has no events list"))?;
    let len = View::now(&*tx).length(&events);
    let ev = tx.insert_object(&events, len, ObjType::Map)?;
    tx.put(&ev, "status", status.as_str())?;
    tx.put(&ev, "at", at.as_millisecond())?;
    tx.put(&ev, "by", by.as_str())?;
    if !note.is_empty() {
        tx.put(&ev, "note", note)?;
    }
    if let Some(total) = total {
        tx.put(&ev, "total", total.0)?;
    }
    Ok(())
}

/// Writes the stock movements that fulfil an order (negative `sign` for a shipment).
pub(crate) fn put_fulfilment(
    tx: &mut Transaction<'_>,
    order: &Order,
    kind: MovementKind,
    sign: i64,
    by: &DeviceId,
    at: Timestamp,
) -> Result<Vec<RecordRef>> {
    order
        .qty_by_item()
        .into_iter()
        .map(|(item, qty)| {
            let planned = Planned {
                order: Some(order.id.clone()),
                ..Planned::simple(kind, item, order.warehouse.clone(), sign * qty)
            };
            put_movement(tx, &planned, by, "", at)
        })
        .collect()
}

pub(super) fn put_line(
    tx: &mut Transaction<'_>,
    lines: &ObjId,
    line: &CheckedLine,
    pos: i64,
    at: Timestamp,
) -> Result<LineId> {
    let id = LineId::generate(at);
    let obj = tx.put_object(lines, id.as_str(), ObjType::Map)?;
    tx.put(&obj, "added_at", at.as_millisecond())?;
    tx.put(&obj, "pos", pos)?;
    tx.put(&obj, "item", line.item.as_str())?;
    tx.put(&obj, "qty", line.qty)?;
    tx.put(&obj, "price", line.price.0)?;
    tx.put(&obj, "discount", line.discount.0)?;
    Ok(id)
}

/// The order object and its current state, read inside a transaction.
pub(crate) fn order_in(tx: &Transaction<'_>, id: &OrderId) -> Result<(ObjId, Order)> {
    let orders = collection_obj(tx, ORDERS)?;
    let view = View::now(tx);
    let obj = view
        .child_map(&orders, id.as_str())
        .ok_or_else(|| Error::not_found("order", id.as_str()))?;
    let order = read_order(view, id.as_str(), obj.clone(), &mut Vec::new())
        .ok_or_else(|| Error::corrupt("order", format!("order {id} is unreadable")))?;
    Ok((obj, order))
}

pub(super) fn order_ref(id: &OrderId) -> RecordRef {
    RecordRef::new(ORDERS, id.as_str())
}
