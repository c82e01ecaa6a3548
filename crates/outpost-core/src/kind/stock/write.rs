//! Recording stock operations: receipts, issues, transfers between warehouses and counts.

use automerge::ObjType;
use automerge::transaction::{Transactable, Transaction};
use jiff::Timestamp;
use rusqlite::OptionalExtension;

use super::{MOVEMENTS, MovementKind, Stock};
use crate::access::{self, Device};
use crate::code::{SiteCode, WarehouseCode};
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::form::MAX_QTY;
use crate::id::{DeviceId, ItemId, MovementId, OrderId, TransferId};
use crate::kind::{item, site};
use crate::record::RecordRef;
use crate::repo::Written;
use crate::schema::collection_obj;
use crate::text::{MAX_TEXT, optional};

/// A stock operation a warehouse person records.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StockMove {
    /// Goods arrived (not against a purchase order).
    Receive {
        /// SKU or id.
        item: String,
        /// Into this warehouse.
        warehouse: WarehouseCode,
        /// Quantity, > 0.
        qty: i64,
        /// Remark.
        note: String,
    },
    /// Goods left (not against a sales order).
    Issue {
        /// SKU or id.
        item: String,
        /// From this warehouse.
        warehouse: WarehouseCode,
        /// Quantity, > 0.
        qty: i64,
        /// Remark.
        note: String,
    },
    /// Send goods to another warehouse. Within one site both ends are recorded at once;
    /// to another site the goods are in transit until that site receives the transfer.
    Transfer {
        /// SKU or id.
        item: String,
        /// Source warehouse.
        from: WarehouseCode,
        /// Destination warehouse.
        to: WarehouseCode,
        /// Quantity, > 0.
        qty: i64,
        /// Remark.
        note: String,
    },
    /// Record the arrival of a transfer from another site.
    ReceiveTransfer {
        /// The transfer id printed when it was sent.
        transfer: String,
        /// Quantity actually received; the quantity sent if `None`.
        qty: Option<i64>,
        /// Remark.
        note: String,
    },
    /// A stock count: the difference from the level becomes an adjustment.
    Count {
        /// SKU or id.
        item: String,
        /// Counted warehouse.
        warehouse: WarehouseCode,
        /// Quantity counted, ≥ 0.
        counted: i64,
        /// Remark.
        note: String,
    },
}

/// A transfer just recorded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SentTransfer {
    /// Its id, to quote when receiving it.
    pub id: TransferId,
    /// True when it goes to another site, which records the arrival.
    pub in_transit: bool,
}

/// What a stock operation will write, and where.
struct Plan {
    /// The site the operation is recorded for (who may record it).
    site: SiteCode,
    /// The document it goes in: the site's operations, or for goods between two sites the
    /// transfers both of them read.
    doc: DocId,
    movements: Vec<Planned>,
    note: String,
    transfer: Option<TransferId>,
}

/// One movement to write.
pub(crate) struct Planned {
    pub kind: MovementKind,
    pub item: ItemId,
    pub warehouse: WarehouseCode,
    pub qty: i64,
    pub order: Option<OrderId>,
    pub transfer: Option<TransferId>,
    pub counterpart: Option<WarehouseCode>,
}

impl Planned {
    /// A movement of `qty` of `item` at `warehouse`, linked to nothing.
    pub fn simple(kind: MovementKind, item: ItemId, warehouse: WarehouseCode, qty: i64) -> Planned {
        Planned {
            kind,
            item,
            warehouse,
            qty,
            order: None,
            transfer: None,
            counterpart: None,
        }
    }
}

fn check_qty(qty: i64) -> Result<()> {
    if (1..=MAX_QTY).contains(&qty) {
        Ok(())
    } else {
        Err(Error::invalid("quantity", qty, Rule::range(1, MAX_QTY)))
    }
}

/// Writes one movement: the only place movements are written.
pub(crate) fn put_movement(
    tx: &mut Transaction<'_>,
    p: &Planned,
    by: &DeviceId,
    note: &str,
    at: Timestamp,
) -> Result<RecordRef> {
    let movements = collection_obj(tx, MOVEMENTS)?;
    let id = MovementId::generate(at);
    let m = tx.put_object(&movements, id.as_str(), ObjType::Map)?;
    tx.put(&m, "kind", p.kind.as_str())?;
    tx.put(&m, "item", p.item.as_str())?;
    tx.put(&m, "warehouse", p.warehouse.as_str())?;
    tx.put(&m, "qty", p.qty)?;
    tx.put(&m, "at", at.as_millisecond())?;
    tx.put(&m, "by", by.as_str())?;
    if let Some(o) = &p.order {
        tx.put(&m, "order", o.as_str())?;
    }
    if let Some(t) = &p.transfer {
        tx.put(&m, "transfer", t.as_str())?;
    }
    if let Some(c) = &p.counterpart {
        tx.put(&m, "counterpart", c.as_str())?;
    }
    if !note.is_empty() {
        tx.put(&m, "note", note)?;
    }
    Ok(RecordRef::new(MOVEMENTS, id.as_str()))
}

impl Stock<'_> {
    fn enough(&self, item: &item::Item, warehouse: &WarehouseCode, qty: i64) -> Result<()> {
        let available = self.level(&item.id, warehouse)?;
        if available < qty {
            return Err(Error::InsufficientStock {
                sku: item.sku.clone(),
                warehouse: warehouse.to_string(),
                available,
                requested: qty,
            });
        }
        Ok(())
    }

    /// Records a stock operation. For a transfer, says its id and whether the goods are
    /// now in transit (to another site) or already received (within the site).
    pub fn record(&mut self, mv: StockMove, at: Timestamp) -> Result<Option<SentTransfer>> {
        let Plan {
            site,
            doc: doc_id,
            movements: planned,
            note,
            transfer,
        } = self.plan(mv, at)?;
        let me = self.acting_for(&site)?;
        let note = optional("note", &note, MAX_TEXT)?;
        let transfer = transfer.map(|id| SentTransfer {
            in_transit: !planned.iter().any(|p| p.kind == MovementKind::TransferIn),
            id,
        });
        self.repo.write(&doc_id, at, |tx| {
            let touched = planned
                .iter()
                .map(|p| put_movement(tx, p, &me.id, &note, at))
                .collect::<Result<Vec<_>>>()?;
            Ok(Written::new((), "stock.move", touched))
        })?;
        Ok(transfer)
    }

    fn plan(&self, mv: StockMove, at: Timestamp) -> Result<Plan> {
        Ok(match mv {
            StockMove::Receive {
                item,
                warehouse,
                qty,
                note,
            } => {
                check_qty(qty)?;
                let item = item::resolve(self.repo.db(), &item)?;
                let site = site::warehouse_site(self.repo.db(), &warehouse)?;
                Plan {
                    doc: DocId::ops(&site, at),
                    site,
                    movements: vec![Planned::simple(
                        MovementKind::Receipt,
                        item.id,
                        warehouse,
                        qty,
                    )],
                    note,
                    transfer: None,
                }
            }
            StockMove::Issue {
                item,
                warehouse,
                qty,
                note,
            } => {
                check_qty(qty)?;
                let item = item::resolve(self.repo.db(), &item)?;
                let site = site::warehouse_site(self.repo.db(), &warehouse)?;
                self.enough(&item, &warehouse, qty)?;
                Plan {
                    doc: DocId::ops(&site, at),
                    site,
                    movements: vec![Planned::simple(
                        MovementKind::Issue,
                        item.id,
                        warehouse,
                        -qty,
                    )],
                    note,
                    transfer: None,
                }
            }
            StockMove::Count {
                item,
                warehouse,
                counted,
                note,
            } => {
                if !(0..=MAX_QTY).contains(&counted) {
                    return Err(Error::invalid(
                        "counted quantity",
                        counted,
                        Rule::range(0, MAX_QTY),
                    ));
                }
                let item = item::resolve(self.repo.db(), &item)?;
                let site = site::warehouse_site(self.repo.db(), &warehouse)?;
                let delta = counted - self.level(&item.id, &warehouse)?;
                Plan {
                    doc: DocId::ops(&site, at),
                    site,
                    movements: vec![Planned::simple(
                        MovementKind::CountAdjustment,
                        item.id,
                        warehouse,
                        delta,
                    )],
                    note,
                    transfer: None,
                }
            }
            StockMove::Transfer {
                item,
                from,
                to,
                qty,
                note,
            } => {
                check_qty(qty)?;
                if from == to {
                    return Err(Error::invalid("transfer", &from, Rule::SameWarehouse));
                }
                let item = item::resolve(self.repo.db(), &item)?;
                let from_site = site::warehouse_site(self.repo.db(), &from)?;
                let to_site = site::warehouse_site(self.repo.db(), &to)?;
                self.enough(&item, &from, qty)?;
                let transfer = TransferId::generate(at);
                let mut planned = vec![Planned {
                    kind: MovementKind::TransferOut,
                    item: item.id.clone(),
                    warehouse: from.clone(),
                    qty: -qty,
                    order: None,
                    transfer: Some(transfer.clone()),
                    counterpart: Some(to.clone()),
                }];
                if from_site == to_site {
                    planned.push(Planned {
                        kind: MovementKind::TransferIn,
                        item: item.id,
                        warehouse: to,
                        qty,
                        order: None,
                        transfer: Some(transfer.clone()),
                        counterpart: Some(from),
                    });
                }
                Plan {
                    doc: if from_site == to_site {
                        DocId::ops(&from_site, at)
                    } else {
                        DocId::transfers(&from_site, &to_site, at)
                    },
                    site: from_site,
                    movements: planned,
                    note,
                    transfer: Some(transfer),
                }
            }
            StockMove::ReceiveTransfer {
                transfer,
                qty,
                note,
            } => {
                let sent: Option<(String, String, Option<String>, i64, String)> = self
                    .repo
                    .db()
                    .query_row(
                        "SELECT item, warehouse, counterpart, -qty, doc FROM movements
                         WHERE transfer = ?1 AND kind = 'transfer_out'",
                        [transfer.trim()],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .optional()?;
                let (item, from, to, sent_qty, sent_in) =
                    sent.ok_or_else(|| Error::not_found("transfer", transfer.as_str()))?;
                let to =
                    WarehouseCode::from_stored(to.ok_or_else(|| {
                        Error::not_found("transfer destination", transfer.as_str())
                    })?);
                let received: i64 = self.repo.db().query_row(
                    "SELECT count(*) FROM movements WHERE transfer = ?1 AND kind = 'transfer_in'",
                    [transfer.trim()],
                    |r| r.get(0),
                )?;
                if received > 0 {
                    return Err(Error::Duplicate {
                        kind: "receipt of transfer",
                        key: transfer,
                    });
                }
                let qty = qty.unwrap_or(sent_qty);
                check_qty(qty)?;
                let site = site::warehouse_site(self.repo.db(), &to)?;
                let planned = vec![Planned {
                    kind: MovementKind::TransferIn,
                    item: ItemId::from_stored(item),
                    warehouse: to,
                    qty,
                    order: None,
                    transfer: Some(TransferId::from_stored(transfer.trim().to_string())),
                    counterpart: Some(WarehouseCode::from_stored(from)),
                }];
                // The arrival goes where the sending was recorded, so both sites see it.
                Plan {
                    doc: DocId::parse(&sent_in)?,
                    site,
                    movements: planned,
                    note,
                    transfer: None,
                }
            }
        })
    }
}

impl Stock<'_> {
    /// This device's member if it may record operations for `site`: its own site, or any
    /// site for admins and managers.
    fn acting_for(&self, site: &SiteCode) -> Result<Device> {
        let me = self.repo.me()?;
        if access::may_act_for(&me, site) {
            Ok(me)
        } else {
            Err(Error::WrongSite {
                own: me.site.to_string(),
                other: site.to_string(),
            })
        }
    }
}
