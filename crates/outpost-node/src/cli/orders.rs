//! `outpost order …`: orders from draft to paid.

use outpost_core::{
    Action, LineEdit, Money, NewLine, NewOrder, OrderEdit, OrderFilter, OrderKind, OrderSort, Rule,
    SiteCode, Status,
};
use outpost_node::i18n::Msg;
use outpost_node::{Node, Result};
use serde_json::json;

use super::args::*;
use super::conflicts::print_conflicts;
use super::out::{Out, money, when};
use super::out::{outln, outp};
use super::run::wh;
use super::table::Table;

/// Parses `SKU:QTY[:PRICE[:DISCOUNT]]`.
pub(super) fn parse_line(text: &str) -> Result<NewLine> {
    let bad = || {
        outpost_core::Error::invalid(
            "line",
            text,
            Rule::Format {
                example: "SKU:QTY[:PRICE[:DISCOUNT]]",
            },
        )
        .into()
    };
    let mut parts = text.split(':');
    let (Some(sku), Some(qty)) = (parts.next(), parts.next()) else {
        return Err(bad());
    };
    let qty: i64 = qty.trim().parse().map_err(|_| bad())?;
    let price = parts
        .next()
        .filter(|p| !p.is_empty())
        .map(Money::parse)
        .transpose()?;
    let discount = parts
        .next()
        .map(Money::parse)
        .transpose()?
        .unwrap_or(Money::ZERO);
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(NewLine {
        item: sku.to_string(),
        qty,
        price,
        discount,
    })
}

pub(super) fn order(node: &Node, cmd: OrderCmd, out: &Out) -> Result<()> {
    let act = |args: ActArgs, action: Action| -> Result<()> {
        let status = node.act_on_order(&args.order, action, &args.note)?;
        out.say(
            Msg::OrderNowStatus,
            &[
                ("number", &args.order),
                ("status", &out.word(status.as_str())),
            ],
        );
        out.json(&json!({"order": args.order, "status": status}));
        Ok(())
    };
    match cmd {
        OrderCmd::New {
            purchase,
            party,
            warehouse,
            note,
            lines,
        } => {
            let kind = if purchase {
                OrderKind::Purchase
            } else {
                OrderKind::Sales
            };
            let lines = lines
                .iter()
                .map(|l| parse_line(l))
                .collect::<Result<Vec<_>>>()?;
            let warehouse = warehouse.as_deref().map(wh).transpose()?;
            let (number, id) = node.create_order(NewOrder {
                kind,
                party,
                warehouse,
                note,
                lines,
            })?;
            out.say(Msg::OrderCreated, &[("number", &number)]);
            out.json(&json!({"number": number, "id": id}));
        }
        OrderCmd::Edit {
            order,
            party,
            warehouse,
            note,
        } => {
            let warehouse = warehouse.as_deref().map(wh).transpose()?;
            node.edit_order(
                &order,
                OrderEdit {
                    party,
                    warehouse,
                    note,
                },
            )?;
            out.say(Msg::OrderUpdated, &[("number", &order)]);
            out.json(&json!({"order": order}));
        }
        OrderCmd::Line(args) => {
            let price = args.price.as_deref().map(Money::parse).transpose()?;
            let discount = args.discount.as_deref().map(Money::parse).transpose()?;
            let edit = match (args.add, args.set, args.remove) {
                (Some(sku), None, None) => LineEdit::Add(NewLine {
                    item: sku,
                    qty: args.qty.unwrap_or(1),
                    price,
                    discount: discount.unwrap_or(Money::ZERO),
                }),
                (None, Some(line), None) => LineEdit::Set {
                    line,
                    item: args.item,
                    qty: args.qty,
                    price,
                    discount,
                },
                (None, None, Some(line)) => LineEdit::Remove { line },
                _ => {
                    return Err(outpost_core::Error::invalid(
                        "line",
                        &args.order,
                        Rule::Format {
                            example: "--add SKU | --set N | --remove N",
                        },
                    )
                    .into());
                }
            };
            node.edit_lines(&args.order, edit)?;
            out.say(Msg::OrderUpdated, &[("number", &args.order)]);
            out.json(&json!({"order": args.order}));
        }
        OrderCmd::Submit(a) => act(a, Action::Submit)?,
        OrderCmd::Approve(a) => act(a, Action::Approve)?,
        OrderCmd::Ship(a) => act(a, Action::Ship)?,
        OrderCmd::Receive(a) => act(a, Action::Receive)?,
        OrderCmd::Invoice(a) => act(a, Action::Invoice)?,
        OrderCmd::Pay(a) => act(a, Action::Pay)?,
        OrderCmd::Cancel(a) => act(a, Action::Cancel)?,
        OrderCmd::List {
            status,
            site,
            kind,
            search,
            sort,
            asc,
            limit,
            page,
        } => {
            let filter = OrderFilter {
                sort: sort.as_deref().map(OrderSort::parse).transpose()?,
                ascending: asc,
                status: status.as_deref().map(Status::parse).transpose()?,
                site: site.as_deref().map(SiteCode::parse).transpose()?,
                kind: kind.as_deref().map(OrderKind::parse).transpose()?,
                search,
                limit: Some(limit),
                offset: page.saturating_sub(1).saturating_mul(limit),
                ..OrderFilter::default()
            };
            let rows = node.orders(&filter)?;
            let mut t = Table::new(out.headers(&[
                Msg::ColNumber,
                Msg::ColKind,
                Msg::ColParty,
                Msg::ColStatus,
                Msg::ColTotal,
                Msg::ColLines,
                Msg::ColWarehouse,
                Msg::ColCreated,
            ]))
            .right(&[4, 5]);
            for r in &rows {
                t.row(vec![
                    r.number.clone(),
                    out.word(r.kind.as_str()),
                    r.party.clone(),
                    out.word(r.status.as_str()),
                    money(r.total),
                    r.lines.to_string(),
                    r.warehouse.clone(),
                    when(r.created_at_ms),
                ]);
            }
            out.table(&rows, t, rows.is_empty());
        }
        OrderCmd::Show { order } => {
            let d = node.order(&order)?;
            if out.json {
                out.json(&d);
                return Ok(());
            }
            let l = |m: Msg| m.text(out.lang);
            outln!(
                out,
                "{} {}  ·  {}  ·  {}  ·  {}",
                l(Msg::LabelOrder),
                d.row.number,
                out.word(d.row.kind.as_str()),
                out.word(d.row.status.as_str()),
                money(d.row.total)
            );
            outln!(
                out,
                "{}: {}  ·  {}: {}  ·  {}: {}",
                l(Msg::ColParty),
                d.row.party,
                l(Msg::ColWarehouse),
                d.row.warehouse,
                l(Msg::LabelCreatedBy),
                d.created_by
            );
            if !d.note.is_empty() {
                outln!(out, "{}: {}", l(Msg::LabelNote), d.note);
            }
            outln!(out);
            let mut t = Table::new(out.headers(&[
                Msg::ColNumber,
                Msg::ColSku,
                Msg::ColName,
                Msg::ColQty,
                Msg::ColPrice,
                Msg::ColDiscount,
                Msg::ColAmount,
            ]))
            .right(&[0, 3, 4, 5, 6]);
            for li in &d.line_items {
                t.row(vec![
                    li.no.to_string(),
                    li.sku.clone(),
                    li.name.clone(),
                    li.qty.to_string(),
                    money(li.price),
                    money(li.discount),
                    money(li.amount),
                ]);
            }
            outp!(out, "{}", t.render());
            if !d.events.is_empty() {
                outln!(out, "\n{}:", l(Msg::LabelEvents));
                for e in &d.events {
                    outln!(
                        out,
                        "  {}  {}  {}  {}",
                        when(e.at_ms),
                        out.word(e.status.as_str()),
                        e.device,
                        e.note
                    );
                }
            }
            if !d.conflicts.is_empty() {
                outln!(out, "\n{}:", l(Msg::LabelConflicts));
                print_conflicts(out, &d.conflicts);
            }
        }
    }
    Ok(())
}
