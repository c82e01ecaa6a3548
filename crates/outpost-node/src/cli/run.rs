//! Runs one parsed command against the node.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use outpost_core::{
    DeviceId, ExportScope, Money, NewLine, NewOrder, NewOrg, OrderKind, PartyKind, SiteCode,
    WarehouseCode,
};
use outpost_node::i18n::Msg;
use outpost_node::{KeyGuard, Node, Result, Unlock};
use serde_json::json;

use super::args::*;
use super::out::{Out, when};
use super::out::{outln, outp};
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

pub(super) fn wh(code: &str) -> Result<WarehouseCode> {
    core(WarehouseCode::parse(code))
}

/// What unlocks the book of `dir`: `--passphrase-file` (or OUTPOST_PASSPHRASE_FILE),
/// else OUTPOST_PASSPHRASE, else, when its keys are sealed and a person is at the
/// terminal, the passphrase asked for there.
fn unlock(dir: &Path, passphrase_file: Option<&Path>, out: &Out) -> Result<Unlock> {
    let given = match passphrase_file {
        Some(file) => Unlock::from_file(file)?,
        None => Unlock::from_env()?,
    };
    if given.has_passphrase()
        || !outpost_node::secrets::is_sealed(dir)
        || !std::io::stdin().is_terminal()
    {
        return Ok(given);
    }
    Ok(Unlock::with_passphrase(&ask(out, Msg::AskPassphrase)?))
}

/// Asks for a secret on the terminal without echoing it.
fn ask(out: &Out, prompt: Msg) -> Result<zeroize::Zeroizing<String>> {
    rpassword::prompt_password(format!("{}: ", prompt.text(out.lang)))
        .map(zeroize::Zeroizing::new)
        .map_err(|source| outpost_node::Error::File {
            path: PathBuf::from("/dev/tty"),
            source,
        })
}

/// Runs `command`.
pub fn run(cli: Cli, out: &Out) -> Result<()> {
    let dir = data_dir(cli.data_dir)?;
    let unlock = unlock(&dir, cli.passphrase_file.as_deref(), out)?;
    match cli.command {
        Command::Init(args) => init(&dir, args, &unlock, out),
        Command::Serve(args) => super::serve::serve(&dir, args, &unlock, out),
        Command::Join {
            code,
            name,
            request: Some(file),
        } => super::net::request_to_join(&dir, &code, &name, &file, &unlock, out),
        Command::Join {
            code,
            name,
            request: None,
        } => super::serve::join(&dir, &code, &name, &unlock, out),
        Command::Backup {
            check: Some(BackupCmd::Verify { file }),
            ..
        } => verify_backup(&file, out),
        Command::Backup {
            check: Some(BackupCmd::Passphrase),
            ..
        } => {
            let node = Node::open(&dir, &unlock)?;
            let passphrase = new_secret(
                out,
                Msg::AskBackupPassphrase,
                Msg::AskBackupPassphraseAgain,
                outpost_node::BACKUP_PASSPHRASE_ENV,
            )?;
            node.set_backup_passphrase(&passphrase)?;
            out.say(Msg::BackupPassphraseSet, &[]);
            Ok(())
        }
        Command::Restore { file } => restore(&dir, &file, &unlock, out),
        Command::Passphrase(PassphraseCmd::Change { none, keyring }) => {
            let node = Node::open(&dir, &unlock)?;
            change_passphrase(&node, none, keyring, out)
        }
        command => {
            let node = Node::open(&dir, &unlock)?;
            dispatch(&node, command, out)
        }
    }
}

/// The backup passphrase that opens a backup: OUTPOST_BACKUP_PASSPHRASE, else asked on a
/// terminal; none otherwise.
fn backup_passphrase(out: &Out) -> Result<Option<zeroize::Zeroizing<String>>> {
    if let Ok(text) = std::env::var(outpost_node::BACKUP_PASSPHRASE_ENV) {
        return Ok(Some(zeroize::Zeroizing::new(text)));
    }
    if std::io::stdin().is_terminal() {
        return Ok(Some(ask(out, Msg::AskBackupPassphrase)?));
    }
    Ok(None)
}

/// `outpost backup schedule [DIR] [--every H] [--keep N] [--off]`.
fn backup_schedule(
    node: &Node,
    dir: Option<PathBuf>,
    every: u32,
    keep: u32,
    off: bool,
    out: &Out,
) -> Result<()> {
    if off {
        node.set_backup_schedule(None)?;
    } else if let Some(dir) = dir {
        node.set_backup_schedule(Some(&outpost_node::BackupSchedule {
            dir: dir.display().to_string(),
            every_hours: every,
            keep,
        }))?;
    }
    let schedule = node.backup_schedule();
    match &schedule {
        Some(s) => out.say(
            Msg::BackupScheduled,
            &[
                ("dir", &s.dir),
                ("hours", &s.every_hours),
                ("keep", &s.keep),
            ],
        ),
        None => out.say(Msg::BackupNotScheduled, &[]),
    }
    out.json(&schedule);
    Ok(())
}

/// Env variable of the passphrase a bundle is sealed with.
const BUNDLE_PASSPHRASE_ENV: &str = "OUTPOST_BUNDLE_PASSPHRASE";

/// The command with its bundle passphrase resolved, where it needs one: an export
/// `--passphrase` (OUTPOST_BUNDLE_PASSPHRASE, or asked twice), an import of a bundle
/// sealed with one (OUTPOST_BUNDLE_PASSPHRASE, or asked; none if neither: the import then
/// says what it needs).
pub fn resolve_bundle_secret(command: Command, out: &Out) -> Result<Command> {
    let secret = match &command {
        Command::Bundle(BundleCmd::Export {
            passphrase: true, ..
        }) => Some(new_secret(
            out,
            Msg::AskBundlePassphrase,
            Msg::AskBundlePassphraseAgain,
            BUNDLE_PASSPHRASE_ENV,
        )?),
        Command::Bundle(BundleCmd::Import { file, .. })
            if outpost_node::bundle_needs_passphrase(file) =>
        {
            match std::env::var(BUNDLE_PASSPHRASE_ENV) {
                Ok(text) => Some(zeroize::Zeroizing::new(text)),
                Err(_) if std::io::stdin().is_terminal() => {
                    Some(ask(out, Msg::AskBundlePassphrase)?)
                }
                Err(_) => None,
            }
        }
        _ => None,
    };
    Ok(command.with_bundle_secret(secret.map(|s| s.to_string())))
}

/// `outpost restore FILE`: this device back from its backup, in an empty data dir.
fn restore(dir: &Path, file: &Path, unlock: &Unlock, out: &Out) -> Result<()> {
    let passphrase = backup_passphrase(out)?;
    let node = Node::restore(dir, file, passphrase.as_deref().map(String::as_str), unlock)?;
    let me = node.me()?;
    out.say(
        Msg::Restored,
        &[
            ("device", &me.code),
            ("org", &node.org_name()?),
            ("site", &me.site),
        ],
    );
    let catch_up = node.catch_up()?;
    if catch_up.is_some() {
        out.say(Msg::RestoredCatchingUp, &[]);
    }
    out.json(&json!({"device": me.id, "code": me.code, "catch_up": catch_up}));
    Ok(())
}

/// `outpost backup verify FILE`: what the backup holds and whether it would restore.
fn verify_backup(file: &Path, out: &Out) -> Result<()> {
    let head = outpost_node::backup_needs_passphrase(file)?;
    let passphrase = if head { backup_passphrase(out)? } else { None };
    let check = outpost_node::verify_backup(file, passphrase.as_deref().map(String::as_str))?;
    out.json(&check);
    let s = &check.summary;
    out.say(
        Msg::BackupChecked,
        &[
            ("file", &file.display()),
            ("org", &s.org),
            ("written", &when(check.written_at_ms)),
            ("documents", &s.documents),
            ("changes", &s.changes),
        ],
    );
    if check.is_good() {
        out.say(Msg::BackupGood, &[]);
        Ok(())
    } else {
        Err(outpost_node::Error::BackupUnusable {
            path: file.to_path_buf(),
            unsigned: check.unsigned,
            incomplete: check.incomplete.len(),
        })
    }
}

/// A new secret: from the environment variable `env`, else asked twice on a terminal
/// (`prompt`, then `again`), else the first line of stdin.
fn new_secret(out: &Out, prompt: Msg, again: Msg, env: &str) -> Result<zeroize::Zeroizing<String>> {
    if let Ok(text) = std::env::var(env) {
        return Ok(zeroize::Zeroizing::new(text));
    }
    if std::io::stdin().is_terminal() {
        let first = ask(out, prompt)?;
        if first != ask(out, again)? {
            return Err(outpost_node::Error::PassphrasesDiffer);
        }
        return Ok(first);
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|source| outpost_node::Error::File {
            path: PathBuf::from("-"),
            source,
        })?;
    Ok(line)
}

/// `outpost passphrase change`: the new passphrase from OUTPOST_NEW_PASSPHRASE, asked
/// twice on a terminal, or the first line of stdin; `--none` keeps the keys owner-only,
/// `--keyring` in the system keyring.
fn change_passphrase(node: &Node, none: bool, keyring: bool, out: &Out) -> Result<()> {
    let new = if keyring {
        Unlock::keyring()
    } else if none {
        Unlock::owner_only()
    } else {
        let text = new_secret(
            out,
            Msg::AskNewPassphrase,
            Msg::AskPassphraseAgain,
            "OUTPOST_NEW_PASSPHRASE",
        )?;
        Unlock::with_passphrase(&text)
    };
    if !none && !keyring && !new.has_passphrase() {
        return Err(outpost_node::Error::PassphraseEmpty);
    }
    node.change_passphrase(&new)?;
    out.say(
        match node.key_guard() {
            KeyGuard::Keyring => Msg::KeysInKeyring,
            KeyGuard::OwnerOnly => Msg::PassphraseRemoved,
            KeyGuard::Passphrase => Msg::PassphraseChanged,
        },
        &[],
    );
    out.json(&json!({"sealed": node.is_sealed(), "keys": node.key_guard()}));
    Ok(())
}

fn init(dir: &Path, args: InitArgs, unlock: &Unlock, out: &Out) -> Result<()> {
    let node = match &args.join_bundle {
        Some(bundle) => Node::join_bundle(dir, bundle, unlock)?,
        None => {
            let site = SiteCode::parse(args.site.as_deref().unwrap_or_default())?;
            let org = NewOrg {
                name: args.org.clone().unwrap_or_default(),
                site_name: args.site_name.clone().unwrap_or_else(|| site.to_string()),
                site,
                device_name: args.name.clone().unwrap_or_default(),
            };
            Node::create(dir, org, unlock)?
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

/// Runs a command against an open node (here, or in a serving node for another process).
pub fn dispatch(node: &Node, command: Command, out: &Out) -> Result<()> {
    match command {
        // Run by `run` itself: they need the data dir, not an open node.
        Command::Init(_)
        | Command::Serve(_)
        | Command::Join { .. }
        | Command::Passphrase(_)
        | Command::Restore { .. }
        | Command::Backup {
            check: Some(BackupCmd::Verify { .. } | BackupCmd::Passphrase),
            ..
        } => Ok(()),
        Command::Backup {
            check:
                Some(BackupCmd::Schedule {
                    dir,
                    every,
                    keep,
                    off,
                }),
            ..
        } => backup_schedule(node, dir, every, keep, off, out),
        Command::Invite(cmd) => super::net::invite(node, cmd, out),
        Command::Member(cmd) => super::net::member(node, cmd, out),
        Command::Peers => super::net::peers(node, out),
        Command::Peer(cmd) => super::net::peer(node, cmd, out),
        Command::Sync(cmd) => super::net::sync(node, cmd, out),
        Command::Whoami => {
            let me = node.me()?;
            let peer = node.identity().peer_id().to_string();
            let mut value = serde_json::to_value(&me).unwrap_or_default();
            value["peer"] = json!(peer);
            value["sealed"] = json!(node.is_sealed());
            value["keys"] = json!(node.key_guard());
            out.json(&value);
            let mut t = Table::new(out.headers(&[
                Msg::ColCode,
                Msg::ColName,
                Msg::ColSite,
                Msg::ColRole,
                Msg::ColPeer,
            ]));
            t.row(vec![
                me.code.to_string(),
                me.name.clone(),
                me.site.to_string(),
                out.word(me.role.as_str()),
                peer,
            ]);
            if !out.json {
                outp!(out, "{}", t.render());
                outln!(
                    out,
                    "{}: {}",
                    Msg::LabelDataDir.text(out.lang),
                    node.data_dir().display()
                );
            }
            out.say(
                match node.key_guard() {
                    KeyGuard::Passphrase => Msg::BookSealed,
                    KeyGuard::Keyring => Msg::BookInKeyring,
                    KeyGuard::OwnerOnly => Msg::BookUnsealed,
                },
                &[],
            );
            Ok(())
        }
        Command::Devices => super::net::members(node, out),
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
            let mut t = Table::new(out.headers(&[Msg::ColCode, Msg::ColName, Msg::ColHeadOffice]));
            for s in &sites {
                t.row(vec![
                    s.code.to_string(),
                    s.name.clone(),
                    out.flag(s.head_office),
                ]);
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
        Command::Item(cmd) => super::catalog::item(node, cmd, out),
        Command::Customer(cmd) => super::catalog::party(node, PartyKind::Customer, cmd, out),
        Command::Supplier(cmd) => super::catalog::party(node, PartyKind::Supplier, cmd, out),
        Command::Order(cmd) => super::orders::order(node, cmd, out),
        Command::Stock(cmd) => super::stock::stock(node, cmd, out),
        Command::Task(cmd) => super::tasks::task(node, cmd, out),
        Command::Ledger(cmd) => super::ledger::ledger(node, cmd, out),
        Command::Invoice(cmd) => super::billing::invoice(node, cmd, out),
        Command::Pay(cmd) => super::billing::pay(node, cmd, out),
        Command::Reconcile(cmd) => super::billing::reconcile(node, cmd, out),
        Command::Close(cmd) => super::ledger::close(node, cmd, out),
        Command::Report(cmd) => super::ledger::report(node, cmd, out),
        Command::Conflicts(cmd) => super::conflicts::conflicts(node, cmd, out),
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
        Command::Exceptions {
            cmd:
                Some(ExceptionsCmd::Ack {
                    kind,
                    subject,
                    note,
                }),
            ..
        } => {
            node.acknowledge(&kind, &subject, &note)?;
            out.say(
                Msg::ExceptionAcknowledged,
                &[("kind", &exception_text(out, &kind)), ("subject", &subject)],
            );
            out.json(&json!({"acknowledged": {"kind": kind, "subject": subject}}));
            Ok(())
        }
        Command::Exceptions {
            cmd: None,
            acknowledged: true,
        } => {
            let list = node.acknowledged_exceptions()?;
            let mut t = Table::new(out.headers(&[
                Msg::ColKind,
                Msg::ColSubject,
                Msg::ColExpected,
                Msg::ColActual,
                Msg::ColNote,
                Msg::ColDevice,
                Msg::ColAt,
            ]));
            for e in &list {
                let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
                let Some(ack) = &e.acknowledged else { continue };
                t.row(vec![
                    exception_text(out, e.kind),
                    e.subject.clone(),
                    opt(e.expected),
                    opt(e.actual),
                    ack.note.clone(),
                    ack.by.clone(),
                    when(ack.at_ms),
                ]);
            }
            out.table(&list, t, list.is_empty());
            Ok(())
        }
        Command::Exceptions { cmd: None, .. } => {
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
                Msg::ColWhatToDo,
            ]));
            for e in &list {
                let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
                t.row(vec![
                    exception_text(out, e.kind),
                    e.subject.clone(),
                    opt(e.expected),
                    opt(e.actual),
                    suggestion_text(out, e.kind),
                ]);
            }
            out.table(&list, t, false);
            Ok(())
        }
        Command::Bundle(BundleCmd::Export {
            file,
            for_device,
            secret,
            ..
        }) => {
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
            let bytes = node.export_bundle(&file, &scope, secret.as_deref())?;
            out.say(
                Msg::BundleWritten,
                &[("file", &file.display()), ("bytes", &bytes)],
            );
            out.json(&json!({"file": file, "bytes": bytes}));
            Ok(())
        }
        Command::Backup { dir, check: None } => {
            let dir = match dir {
                Some(dir) => dir,
                None => node
                    .last_backup()
                    .map(|last| PathBuf::from(last.dir))
                    .ok_or(outpost_node::Error::NoBackupFolder)?,
            };
            let backup = node.backup(&dir)?;
            out.say(
                Msg::BackupWritten,
                &[("file", &backup.path), ("bytes", &backup.bytes)],
            );
            out.json(&backup);
            Ok(())
        }
        Command::Bundle(BundleCmd::Import { file, secret }) => {
            let report = node.import_bundle(&file, secret.as_deref())?;
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
            outp!(out, "{}", node.dump()?);
            Ok(())
        }
        Command::Rebuild => {
            node.rebuild()?;
            out.say(Msg::Rebuilt, &[]);
            out.json(&json!({"rebuilt": true}));
            Ok(())
        }
        Command::Sample {
            orders,
            days,
            items,
            customers,
        } => {
            let spec = outpost_core::SampleSpec {
                items,
                customers,
                orders,
                tasks: orders / 10,
                days,
                batch: 200,
            };
            let report = node.fill_sample(&spec)?;
            out.say(Msg::SampleFilled, &[("orders", &report.orders)]);
            out.json(&report);
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
                outln!(out, "{number}");
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

/// What a person can do about an exception of `kind`.
fn suggestion_text(out: &Out, kind: &str) -> String {
    let msg = match kind {
        "negative_stock" => Msg::DoNegativeStock,
        "duplicate_number" => Msg::DoDuplicateNumber,
        "duplicate_device_code" => Msg::DoDuplicateDevice,
        "duplicate_sku" => Msg::DoDuplicateSku,
        "changed_after_submit" => Msg::DoChangedAfterSubmit,
        "order_stock_mismatch" => Msg::DoOrderStock,
        "transfer_mismatch" => Msg::DoTransfer,
        "transfer_not_received" => Msg::DoTransferLate,
        "intersite_unbalanced" => Msg::DoIntersite,
        "invoice_overpaid" => Msg::DoInvoiceOverpaid,
        "order_invoiced_twice" => Msg::DoInvoicedTwice,
        "posted_after_close" => Msg::DoPostedAfterClose,
        "payment_matched_twice" => Msg::DoMatchedTwice,
        "entry_reversed_twice" => Msg::DoReversedTwice,
        _ => return String::new(),
    };
    msg.text(out.lang).to_string()
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
        "transfer_not_received" => Msg::ExTransferLate,
        "intersite_unbalanced" => Msg::ExIntersite,
        "payment_matched_twice" => Msg::ExMatchedTwice,
        "entry_reversed_twice" => Msg::ExReversedTwice,
        "invoice_overpaid" => Msg::ExInvoiceOverpaid,
        "posted_after_close" => Msg::ExPostedAfterClose,
        "order_invoiced_twice" => Msg::ExInvoicedTwice,
        other => return other.to_string(),
    };
    msg.text(out.lang).to_string()
}
