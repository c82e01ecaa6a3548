//! The stock entry form as typed: one form for every operation, every field as text.

use jiff::Timestamp;

use super::{SentTransfer, Stock, StockMove};
use crate::code::WarehouseCode;
use crate::error::Result;
use crate::form::{self, MAX_QTY};
use crate::text::text_enum;

text_enum!(
    /// Which stock operation a form records.
    StockOp, "stock operation" {
        /// Goods arrived.
        Receive = "receive",
        /// Goods left.
        Issue = "issue",
        /// Goods sent to another warehouse.
        Transfer = "transfer",
        /// A stock count.
        Count = "count",
        /// A transfer from another site arrived.
        ReceiveTransfer = "receive_transfer",
    }
);

/// A stock operation as typed into the stock screen's form.
#[derive(Clone, Debug, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct StockEntry {
    /// The operation.
    pub op: StockOp,
    /// SKU or id (every operation but receiving a transfer).
    pub item: String,
    /// The warehouse (the source of a transfer).
    pub warehouse: String,
    /// The destination warehouse of a transfer.
    pub to: String,
    /// Quantity (counted quantity for a count; empty for the quantity sent when receiving
    /// a transfer).
    pub qty: String,
    /// The transfer being received.
    pub transfer: String,
    /// Remark.
    pub note: String,
}

fn warehouse(text: &str) -> Result<WarehouseCode> {
    WarehouseCode::parse(text)
}

impl StockEntry {
    /// The operation this form describes, every field checked.
    pub fn to_move(&self) -> Result<StockMove> {
        let note = self.note.clone();
        Ok(match self.op {
            StockOp::Receive => StockMove::Receive {
                item: self.item.clone(),
                warehouse: warehouse(&self.warehouse)?,
                qty: form::qty(&self.qty)?,
                note,
            },
            StockOp::Issue => StockMove::Issue {
                item: self.item.clone(),
                warehouse: warehouse(&self.warehouse)?,
                qty: form::qty(&self.qty)?,
                note,
            },
            StockOp::Transfer => StockMove::Transfer {
                item: self.item.clone(),
                from: warehouse(&self.warehouse)?,
                to: warehouse(&self.to)?,
                qty: form::qty(&self.qty)?,
                note,
            },
            StockOp::Count => StockMove::Count {
                item: self.item.clone(),
                warehouse: warehouse(&self.warehouse)?,
                counted: form::whole("counted quantity", &self.qty, 0, MAX_QTY)?,
                note,
            },
            StockOp::ReceiveTransfer => StockMove::ReceiveTransfer {
                transfer: self.transfer.clone(),
                qty: if self.qty.trim().is_empty() {
                    None
                } else {
                    Some(form::qty(&self.qty)?)
                },
                note,
            },
        })
    }
}

impl Stock<'_> {
    /// Records the operation typed into the stock form.
    pub fn record_entry(
        &mut self,
        entry: &StockEntry,
        at: Timestamp,
    ) -> Result<Option<SentTransfer>> {
        let mv = entry.to_move()?;
        self.record(mv, at)
    }
}
