//! Runs one parsed command against the node.

use std::path::{Path, PathBuf};

use outpost_core::{
    Action, DeviceId, ExportScope, JoinAs, LineEdit, Money, MovementFilter, NewItem, NewLine,
    NewOrder, NewOrg, NewParty, NewTask, OrderEdit, OrderFilter, OrderKind, PartyKind, Priority,
    Role, Rule, SiteCode, Status, StockMove, TaskEdit, TaskFilter, TaskStatus, WarehouseCode,
};
use outpost_node::i18n::Msg;
use outpost_node::{Node, Result};
use serde_json::json;

use super::args::*;
use super::out::{Out, money, when};
use super::table::Table;

fn data_dir(cli_dir: Option<PathBuf>) -> Result<PathBuf> {
    cli_dir
        .or_else(outpost_node::default_data_dir)
        .ok_or_else(|| outpost_node::Error::DataDir {
            path: PathBuf::from("~"),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no home directory"),
        })
}

fn core<T>(r: outpost_core::Result<T>) -> Result<T> {
    Ok(r?)
}

/// Parses `SKU:QTY[:PRICE[:DISCOUNT]]`.
fn parse_line(text: &str) -> Result<NewLine> {
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

fn wh(code: &str) -> Result<WarehouseCode> {
    core(WarehouseCode::parse(code))
}

/// Runs `command`.
pub fn run(cli: Cli, out: &Out) -> Result<()> {
    let dir = data_dir(cli.data_dir)?;
    match cli.command {
        Command::Init(args) => init(&dir, args, out),
        Command::Bench(args) => super::bench::run(args, out),
        command => {
            let node = Node::open(&dir)?;
            dispatch(&node, command, out)
        }
    }
}

fn init(dir: &Path, args: InitArgs, out: &Out) -> Result<()> {
    let site = SiteCode::parse(&args.site)?;
    let node = match (&args.org, &args.join_bundle) {
        (_, Some(bundle)) => {
            let role = Role::parse(&args.role)?;
            Node::join_bundle(
                dir,
                bundle,
                JoinAs {
                    site,
                    device_name: args.name.clone(),
                    role,
                },
            )?
        }
        (org, None) => {
            let org = NewOrg {
                name: org.clone().unwrap_or_default(),
                site_name: args.site_name.clone().unwrap_or_else(|| site.to_string()),
                site,
                device_name: args.name.clone(),
            };
            Node::create(dir, org)?
        }
    };
    let me = node.me()?;
    let org = node.with_book(|b| Ok(b.org_id().to_string()))?;
    let msg = if args.join_bundle.is_some() {
        Msg::Joined
    } else {
        Msg::OrgCreated
    };
    out.say(
        msg,
        &[("org", &org), ("device", &me.code), ("site", &me.site)],
    );
    out.json(&json!({"org": org, "device": me}));
    Ok(())
}

fn dispatch(node: &Node, command: Command, out: &Out) -> Result<()> {
    match command {
        Command::Init(_) | Command::Bench(_) => Ok(()),
        Command::Whoami => {
            let me = node.me()?;
            out.json(&me);
            let mut t = Table::new(out.headers(&[
                Msg::ColCode,
                Msg::ColName,
                Msg::ColSite,
                Msg::ColRole,
                Msg::ColId,
            ]));
            t.row(vec![
                me.code.to_string(),
                me.name.clone(),
                me.site.to_string(),
                out.word(me.role.as_str()),
                me.id.to_string(),
            ]);
            if !out.json {
                print!("{}", t.render());
                println!(
                    "{}: {}",
                    Msg::LabelDataDir.text(out.lang),
                    node.data_dir().display()
                );
            }
            Ok(())
        }
        Command::Devices => {
            let devices = node.devices()?;
            let mut t = Table::new(out.headers(&[
                Msg::ColCode,
                Msg::ColName,
                Msg::ColSite,
                Msg::ColRole,
                Msg::ColId,
            ]));
            for d in &devices {
                t.row(vec![
                    d.code.to_string(),
                    d.name.clone(),
                    d.site.to_string(),
                    out.word(d.role.as_str()),
                    d.id.to_string(),
                ]);
            }
            out.table(&devices, t, devices.is_empty());
            Ok(())
        }
        Command::Site(SiteCmd::Add { code, name }) => {
            let code = SiteCode::parse(&code)?;
            node.add_site(&code, &name)?;
            out.say(
                Msg::SiteAdded,
                &[("site", &code), ("warehouse", &format!("{code}1"))],
            );
            out.json(&json!({"site": code}));
            Ok(())
        }
        Command::Site(SiteCmd::List) => {
            let sites = node.sites()?;
            let mut t = Table::new(out.headers(&[Msg::ColCode, Msg::ColName]));
            for s in &sites {
                t.row(vec![s.code.to_string(), s.name.clone()]);
            }
            out.table(&sites, t, sites.is_empty());
            Ok(())
        }
        Command::Warehouse(WarehouseCmd::Add { code, site, name }) => {
            let code = wh(&code)?;
            node.add_warehouse(&code, &SiteCode::parse(&site)?, &name)?;
            out.say(Msg::WarehouseAdded, &[("warehouse", &code)]);
            out.json(&json!({"warehouse": code}));
            Ok(())
        }
        Command::Warehouse(WarehouseCmd::List) => {
            let list = node.warehouses()?;
            let mut t = Table::new(out.headers(&[Msg::ColCode, Msg::ColSite, Msg::ColName]));
            for w in &list {
                t.row(vec![w.code.to_string(), w.site.to_string(), w.name.clone()]);
            }
            out.table(&list, t, list.is_empty());
            Ok(())
        }
        Command::Item(cmd) => item(node, cmd, out),
        Command::Customer(cmd) => party(node, PartyKind::Customer, cmd, out),
        Command::Supplier(cmd) => party(node, PartyKind::Supplier, cmd, out),
        Command::Order(cmd) => order(node, cmd, out),
        Command::Stock(cmd) => stock(node, cmd, out),
        Command::Task(cmd) => task(node, cmd, out),
        Command::Conflicts(cmd) => conflicts(node, cmd, out),
        Command::History { record } => {
            let entries = node.history(&record)?;
            let mut t = Table::new(out.headers(&[
                Msg::ColAt,
                Msg::ColDevice,
                Msg::ColAction,
                Msg::ColChanges,
            ]));
            for e in &entries {
                let changes: Vec<String> = e
                    .fields
                    .iter()
                    .map(|f| format!("{}: {} → {}", f.field, shown(&f.old), shown(&f.new)))
                    .collect();
                t.row(vec![
                    when(e.at_ms),
                    e.device.clone(),
                    e.action.clone(),
                    changes.join("; "),
                ]);
            }
            out.table(&entries, t, entries.is_empty());
            Ok(())
        }
        Command::Exceptions => {
            let list = node.exceptions()?;
            if list.is_empty() && !out.json {
                out.say(Msg::NoExceptions, &[]);
                return Ok(());
            }
            let mut t = Table::new(out.headers(&[
                Msg::ColKind,
                Msg::ColSubject,
                Msg::ColExpected,
                Msg::ColActual,
            ]));
            for e in &list {
                let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
                t.row(vec![
                    exception_text(out, e.kind),
                    e.subject.clone(),
                    opt(e.expected),
                    opt(e.actual),
                ]);
            }
            out.table(&list, t, false);
            Ok(())
        }
        Command::Bundle(BundleCmd::Export { file, for_device }) => {
            let scope = match for_device {
                // A device code as people see it (K7M), or its full id.
                Some(d) => match node
                    .devices()?
                    .into_iter()
                    .find(|dev| dev.code.as_str().eq_ignore_ascii_case(d.trim()))
                {
                    Some(dev) => ExportScope::For(dev.id),
                    None => ExportScope::For(DeviceId::parse(&d)?),
                },
                None => ExportScope::Everything,
            };
            let bytes = node.export_bundle(&file, &scope)?;
            out.say(
                Msg::BundleWritten,
                &[("file", &file.display()), ("bytes", &bytes)],
            );
            out.json(&json!({"file": file, "bytes": bytes}));
            Ok(())
        }
        Command::Bundle(BundleCmd::Import { file }) => {
            let report = node.import_bundle(&file)?;
            let device = node
                .devices()?
                .into_iter()
                .find(|d| d.id.as_str() == report.from_device)
                .map(|d| d.code.to_string())
                .unwrap_or_else(|| report.from_device.chars().take(8).collect());
            out.say(
                Msg::BundleImported,
                &[
                    ("new", &report.new_changes),
                    ("device", &device),
                    ("records", &report.records.len()),
                    ("waiting", &report.waiting),
                ],
            );
            out.say(
                Msg::AfterMerge,
                &[
                    ("conflicts", &report.conflicts),
                    ("exceptions", &report.exceptions),
                ],
            );
            out.json(&report);
            Ok(())
        }
        Command::Dump => {
            print!("{}", node.dump()?);
            Ok(())
        }
        Command::Rebuild => {
            node.rebuild()?;
            out.say(Msg::Rebuilt, &[]);
            out.json(&json!({"rebuilt": true}));
            Ok(())
        }
        Command::WriteLoop { count, sku } => {
            for _ in 0..count {
                let (number, _) = node.create_order(NewOrder {
                    kind: OrderKind::Sales,
                    party: None,
                    warehouse: None,
                    note: String::new(),
                    lines: vec![NewLine {
                        item: sku.clone(),
                        qty: 1,
                        price: None,
                        discount: Money::ZERO,
                    }],
                })?;
                // Printed only after the commit: every printed number must survive a crash.
                println!("{number}");
            }
            Ok(())
        }
    }
}

fn shown(v: &str) -> String {
    if v.is_empty() {
        "∅".to_string()
    } else {
        v.to_string()
    }
}

fn exception_text(out: &Out, kind: &str) -> String {
    let msg = match kind {
        "negative_stock" => Msg::ExNegativeStock,
        "duplicate_number" => Msg::ExDuplicateNumber,
        "duplicate_device_code" => Msg::ExDuplicateDevice,
        "duplicate_sku" => Msg::ExDuplicateSku,
        "changed_after_submit" => Msg::ExChangedAfterSubmit,
        "order_stock_mismatch" => Msg::ExOrderStock,
        "transfer_mismatch" => Msg::ExTransfer,
        other => return other.to_string(),
    };
    msg.text(out.lang).to_string()
}

fn item(node: &Node, cmd: ItemCmd, out: &Out) -> Result<()> {
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
            node.edit_item(&sku, name.as_deref(), price, low_stock)?;
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

fn party(node: &Node, kind: PartyKind, cmd: PartyCmd, out: &Out) -> Result<()> {
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

fn order(node: &Node, cmd: OrderCmd, out: &Out) -> Result<()> {
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
            limit,
            page,
        } => {
            let filter = OrderFilter {
                status: status.as_deref().map(Status::parse).transpose()?,
                site: site.as_deref().map(SiteCode::parse).transpose()?,
                kind: kind.as_deref().map(OrderKind::parse).transpose()?,
                search,
                limit: Some(limit),
                offset: page.saturating_sub(1).saturating_mul(limit),
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
            println!(
                "{} {}  ·  {}  ·  {}  ·  {}",
                l(Msg::LabelOrder),
                d.row.number,
                out.word(d.row.kind.as_str()),
                out.word(d.row.status.as_str()),
                money(d.row.total)
            );
            println!(
                "{}: {}  ·  {}: {}  ·  {}: {}",
                l(Msg::ColParty),
                d.row.party,
                l(Msg::ColWarehouse),
                d.row.warehouse,
                l(Msg::LabelCreatedBy),
                d.created_by
            );
            if !d.note.is_empty() {
                println!("{}: {}", l(Msg::LabelNote), d.note);
            }
            println!();
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
            print!("{}", t.render());
            if !d.events.is_empty() {
                println!("\n{}:", l(Msg::LabelEvents));
                for e in &d.events {
                    println!(
                        "  {}  {}  {}  {}",
                        when(e.at_ms),
                        out.word(e.status.as_str()),
                        e.device,
                        e.note
                    );
                }
            }
            if !d.conflicts.is_empty() {
                println!("\n{}:", l(Msg::LabelConflicts));
                print_conflicts(out, &d.conflicts);
            }
        }
    }
    Ok(())
}

fn stock(node: &Node, cmd: StockCmd, out: &Out) -> Result<()> {
    let recorded = |transfer: Option<outpost_core::TransferId>| {
        match &transfer {
            Some(t) => out.say(Msg::TransferSent, &[("transfer", t)]),
            None => out.say(Msg::StockRecorded, &[]),
        }
        out.json(&json!({"recorded": true, "transfer": transfer}));
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
                let flag = if r.is_low {
                    Msg::Yes.text(out.lang).to_string()
                } else {
                    String::new()
                };
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

fn task(node: &Node, cmd: TaskCmd, out: &Out) -> Result<()> {
    let updated = |number: &str| {
        out.say(Msg::TaskUpdated, &[("number", &number)]);
        out.json(&json!({"task": number}));
    };
    match cmd {
        TaskCmd::New {
            title,
            description,
            owner,
            due,
            priority,
            link,
        } => {
            let priority = priority.as_deref().map(Priority::parse).transpose()?;
            let (number, id) = node.create_task(NewTask {
                title,
                description,
                owner,
                due,
                priority,
                link,
            })?;
            out.say(Msg::TaskCreated, &[("number", &number)]);
            out.json(&json!({"number": number, "id": id}));
        }
        TaskCmd::Assign { task, owner } => {
            node.edit_task(
                &task,
                TaskEdit {
                    owner: Some(owner),
                    ..Default::default()
                },
            )?;
            updated(&task);
        }
        TaskCmd::Status { task, status } => {
            node.edit_task(
                &task,
                TaskEdit {
                    status: Some(TaskStatus::parse(&status)?),
                    ..Default::default()
                },
            )?;
            updated(&task);
        }
        TaskCmd::Edit {
            task,
            title,
            description,
            due,
            priority,
            link,
        } => {
            let priority = priority.as_deref().map(Priority::parse).transpose()?;
            node.edit_task(
                &task,
                TaskEdit {
                    title,
                    description,
                    due,
                    priority,
                    link,
                    ..Default::default()
                },
            )?;
            updated(&task);
        }
        TaskCmd::Comment { task, text } => {
            node.comment_task(&task, &text)?;
            out.say(Msg::CommentAdded, &[("number", &task)]);
            out.json(&json!({"task": task}));
        }
        TaskCmd::List {
            status,
            owner,
            mine,
            overdue,
        } => {
            let owner = if mine { Some(node.me()?.name) } else { owner };
            let today = jiff::Zoned::now().date().to_string();
            let filter = TaskFilter {
                status: status.as_deref().map(TaskStatus::parse).transpose()?,
                owner,
                overdue_on: overdue.then_some(today),
            };
            let rows = node.tasks(&filter)?;
            let mut t = Table::new(out.headers(&[
                Msg::ColNumber,
                Msg::ColTitle,
                Msg::ColOwner,
                Msg::ColDue,
                Msg::ColPriority,
                Msg::ColStatus,
                Msg::ColComments,
            ]))
            .right(&[6]);
            for r in &rows {
                t.row(vec![
                    r.number.clone(),
                    r.title.clone(),
                    r.owner.clone(),
                    r.due.clone().unwrap_or_default(),
                    out.word(&r.priority),
                    out.word(&r.status),
                    r.comments.len().to_string(),
                ]);
            }
            out.table(&rows, t, rows.is_empty());
        }
        TaskCmd::Show { task } => {
            let r = node.task(&task)?;
            if out.json {
                out.json(&r);
                return Ok(());
            }
            println!("{}  {}", r.number, r.title);
            println!(
                "{}: {}  ·  {}: {}  ·  {}: {}  ·  {}: {}",
                Msg::ColOwner.text(out.lang),
                r.owner,
                Msg::ColDue.text(out.lang),
                r.due.clone().unwrap_or_default(),
                Msg::ColPriority.text(out.lang),
                out.word(&r.priority),
                Msg::ColStatus.text(out.lang),
                out.word(&r.status),
            );
            if !r.description.is_empty() {
                println!("{}", r.description);
            }
            for (at, device, text) in &r.comments {
                println!("  {}  {}: {}", when(*at), device, text);
            }
        }
    }
    Ok(())
}

fn print_conflicts(out: &Out, list: &[outpost_core::ConflictRow]) {
    for c in list {
        println!(
            "{}",
            outpost_node::i18n::fill(
                out.lang,
                Msg::ConflictHeading,
                &[
                    ("kind", &out.word(&c.kind)),
                    ("record", &c.label),
                    ("field", &c.field)
                ]
            )
        );
        for (i, choice) in c.choices.iter().enumerate() {
            let value = match &choice.value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!(
                "{}",
                outpost_node::i18n::fill(
                    out.lang,
                    Msg::ChoiceLine,
                    &[
                        ("n", &(i + 1)),
                        ("value", &value),
                        ("device", &choice.device),
                        ("at", &when(choice.at_ms))
                    ]
                )
            );
        }
    }
}

fn conflicts(node: &Node, cmd: ConflictsCmd, out: &Out) -> Result<()> {
    match cmd {
        ConflictsCmd::List => {
            let list = node.conflicts()?;
            if out.json {
                out.json(&list);
            } else if list.is_empty() {
                out.say(Msg::NoConflicts, &[]);
            } else {
                print_conflicts(out, &list);
                out.say(Msg::ResolveHint, &[]);
            }
        }
        ConflictsCmd::Resolve {
            record,
            field,
            choice,
        } => {
            node.resolve_conflict(&record, &field, choice)?;
            out.say(
                Msg::ConflictResolved,
                &[("record", &record), ("field", &field)],
            );
            out.json(&json!({"record": record, "field": field, "choice": choice}));
        }
    }
    Ok(())
}
