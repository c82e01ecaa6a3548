//! `outpost item|customer|supplier`: the catalogue and parties.

use outpost_core::{Money, NewItem, NewParty, PartyEdit, PartyKind};
use outpost_node::i18n::Msg;
use outpost_node::{Node, Result};
use serde_json::json;

use super::args::*;
use super::out::{Out, money};
use super::table::Table;

pub(super) fn item(node: &Node, cmd: ItemCmd, out: &Out) -> Result<()> {
    match cmd {
        ItemCmd::Add {
            sku,
            name,
            unit,
            price,
            low_stock,
        } => {
            let price = Money::parse(&price)?;
            let id = node.add_item(NewItem {
                sku: sku.clone(),
                name,
                unit,
                price,
                low_stock,
            })?;
            out.say(Msg::ItemAdded, &[("sku", &sku)]);
            out.json(&json!({"id": id, "sku": sku}));
        }
        ItemCmd::Edit {
            sku,
            name,
            price,
            low_stock,
        } => {
            let price = price.as_deref().map(Money::parse).transpose()?;
            let edit = outpost_core::ItemEdit {
                name,
                price,
                low_stock,
                ..outpost_core::ItemEdit::default()
            };
            node.edit_item(&sku, edit)?;
            out.say(Msg::ItemUpdated, &[("sku", &sku)]);
            out.json(&json!({"sku": sku}));
        }
        ItemCmd::List => {
            let items = node.items()?;
            let mut t = Table::new(out.headers(&[
                Msg::ColSku,
                Msg::ColName,
                Msg::ColUnit,
                Msg::ColPrice,
                Msg::ColThreshold,
            ]))
            .right(&[3, 4]);
            for i in &items {
                t.row(vec![
                    i.sku.clone(),
                    i.name.clone(),
                    i.unit.clone(),
                    money(i.price),
                    i.low_stock.to_string(),
                ]);
            }
            out.table(&items, t, items.is_empty());
        }
    }
    Ok(())
}

pub(super) fn party(node: &Node, kind: PartyKind, cmd: PartyCmd, out: &Out) -> Result<()> {
    match cmd {
        PartyCmd::Add {
            name,
            phone,
            address,
        } => {
            let id = node.add_party(NewParty {
                kind,
                name: name.clone(),
                phone,
                address,
            })?;
            out.say(Msg::PartyAdded, &[("name", &name)]);
            out.json(&json!({"id": id, "name": name}));
        }
        PartyCmd::Edit {
            name,
            new_name,
            phone,
            address,
        } => {
            let edit = PartyEdit {
                name: new_name,
                phone,
                address,
            };
            node.edit_party(kind, &name, edit)?;
            out.say(Msg::PartyUpdated, &[("name", &name)]);
            out.json(&json!({"name": name}));
        }
        PartyCmd::List => {
            let list = node.parties(kind)?;
            let mut t = Table::new(out.headers(&[Msg::ColName, Msg::ColPhone]));
            for p in &list {
                t.row(vec![p.name.clone(), p.phone.clone()]);
            }
            out.table(&list, t, list.is_empty());
        }
    }
    Ok(())
}
