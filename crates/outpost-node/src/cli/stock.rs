//! `outpost stock …`: receipts, issues, transfers, counts and levels.

use outpost_core::{MovementFilter, Rule, StockMove};
use outpost_node::i18n::Msg;
use outpost_node::{Node, Result};
use serde_json::json;

use super::args::*;
use super::out::{Out, when};
use super::run::wh;
use super::table::Table;

pub(super) fn stock(node: &Node, cmd: StockCmd, out: &Out) -> Result<()> {
    let recorded = |transfer: Option<outpost_core::SentTransfer>| {
        match &transfer {
            Some(t) if t.in_transit => out.say(Msg::TransferSent, &[("transfer", &t.id)]),
            Some(t) => out.say(Msg::TransferDone, &[("transfer", &t.id)]),
            None => out.say(Msg::StockRecorded, &[]),
        }
        let id = transfer.as_ref().map(|t| t.id.to_string());
        let in_transit = transfer.as_ref().is_some_and(|t| t.in_transit);
        out.json(&json!({"recorded": true, "transfer": id, "in_transit": in_transit}));
    };
    match cmd {
        StockCmd::Receive {
            item,
            warehouse,
            qty,
            transfer,
            note,
        } => {
            let mv = match (transfer, item, warehouse, qty) {
                (Some(transfer), _, _, qty) => StockMove::ReceiveTransfer {
                    transfer,
                    qty,
                    note,
                },
                (None, Some(item), Some(warehouse), Some(qty)) => StockMove::Receive {
                    item,
                    warehouse: wh(&warehouse)?,
                    qty,
                    note,
                },
                _ => {
                    return Err(outpost_core::Error::invalid(
                        "receipt",
                        "",
                        Rule::Format {
                            example: "--item SKU --warehouse SH1 --qty 5 | --transfer ID",
                        },
                    )
                    .into());
                }
            };
            recorded(node.move_stock(mv)?);
        }
        StockCmd::Issue {
            item,
            warehouse,
            qty,
            note,
        } => {
            recorded(node.move_stock(StockMove::Issue {
                item,
                warehouse: wh(&warehouse)?,
                qty,
                note,
            })?);
        }
        StockCmd::Transfer {
            item,
            from,
            to,
            qty,
            note,
        } => {
            recorded(node.move_stock(StockMove::Transfer {
                item,
                from: wh(&from)?,
                to: wh(&to)?,
                qty,
                note,
            })?);
        }
        StockCmd::Count {
            item,
            warehouse,
            counted,
            note,
        } => {
            recorded(node.move_stock(StockMove::Count {
                item,
                warehouse: wh(&warehouse)?,
                counted,
                note,
            })?);
        }
        StockCmd::Levels { warehouse, low } => {
            let warehouse = warehouse.as_deref().map(wh).transpose()?;
            let mut rows = node.levels(warehouse.as_ref())?;
            if low {
                rows.retain(|r| r.is_low);
            }
            let mut t = Table::new(out.headers(&[
                Msg::ColSku,
                Msg::ColName,
                Msg::ColWarehouse,
                Msg::ColQty,
                Msg::ColUnit,
                Msg::ColLow,
            ]))
            .right(&[3]);
            for r in &rows {
                let flag = out.flag(r.is_low);
                t.row(vec![
                    r.sku.clone(),
                    r.name.clone(),
                    r.warehouse.clone(),
                    r.qty.to_string(),
                    r.unit.clone(),
                    flag,
                ]);
            }
            out.table(&rows, t, rows.is_empty());
        }
        StockCmd::Movements {
            item,
            warehouse,
            limit,
        } => {
            let filter = MovementFilter {
                item,
                warehouse: warehouse.as_deref().map(wh).transpose()?,
                limit: Some(limit),
            };
            let rows = node.movements(&filter)?;
            let mut t = Table::new(out.headers(&[
                Msg::ColAt,
                Msg::ColKind,
                Msg::ColSku,
                Msg::ColWarehouse,
                Msg::ColQty,
                Msg::ColOrder,
                Msg::ColDevice,
                Msg::ColNote,
            ]))
            .right(&[4]);
            for m in &rows {
                t.row(vec![
                    when(m.at_ms),
                    out.word(&m.kind),
                    m.sku.clone(),
                    m.warehouse.clone(),
                    m.qty.to_string(),
                    m.order
                        .clone()
                        .or_else(|| m.transfer.clone())
                        .unwrap_or_default(),
                    m.device.clone(),
                    m.note.clone(),
                ]);
            }
            out.table(&rows, t, rows.is_empty());
        }
        StockCmd::Transit => {
            let rows = node.transfers_in_transit()?;
            let mut t = Table::new(out.headers(&[
                Msg::ColTransfer,
                Msg::ColSku,
                Msg::ColFrom,
                Msg::ColTo,
                Msg::ColQty,
            ]))
            .right(&[4]);
            for r in &rows {
                t.row(vec![
                    r.transfer.clone(),
                    r.sku.clone(),
                    r.from.clone(),
                    r.to.clone(),
                    r.qty.to_string(),
                ]);
            }
            out.table(&rows, t, rows.is_empty());
        }
    }
    Ok(())
}
