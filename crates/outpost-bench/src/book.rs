//! The book's figures: durable writes, the busy year, cold open, lists, bundles.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use outpost_core::{
    Action, Book, DeviceKey, ExportScope, Money, NewLine, NewOrder, NewOrg, OrderFilter, OrderKind,
    Role, SampleSpec, SiteCode, Status, StockMove, Timestamp, WarehouseCode,
};
use outpost_node::{Node, Result, Unlock};
use serde_json::{Value, json};

use crate::{Args, Part};

pub(crate) fn org() -> Result<NewOrg> {
    Ok(NewOrg {
        name: "Bench Trading".into(),
        site: SiteCode::parse("SH")?,
        site_name: "Shanghai".into(),
        device_name: "Bench".into(),
    })
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Peak resident memory (VmHWM) of this process, or of `pid`, in MB.
pub(crate) fn peak_rss_mb(pid: Option<u32>) -> f64 {
    let status = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_string(),
    };
    std::fs::read_to_string(status)
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn tempdir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "outpost-bench-{}-{}",
        std::process::id(),
        Timestamp::now().as_millisecond()
    ));
    std::fs::create_dir_all(&dir).map_err(|source| outpost_node::Error::DataDir {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

/// Runs the benchmarks and prints their figures.
pub(crate) fn run(args: Args) -> Result<()> {
    if let Some(dir) = &args.cold_open {
        return cold_open_child(dir, args.plain);
    }
    let scratch = tempdir()?;
    let mut report = serde_json::Map::new();
    match args.only {
        None => {
            book_figures(&args, &scratch, &mut report)?;
            sync_figures(&args, &scratch, &mut report)?;
        }
        Some(Part::Book) => book_figures(&args, &scratch, &mut report)?,
        Some(Part::Sync) => sync_figures(&args, &scratch, &mut report)?,
        Some(Part::Ledger) => {
            eprintln!("bench: a year of journal entries at ten sites…");
            report.insert(
                "ledger_year".into(),
                crate::ledger::ledger_year(&scratch.join("ledger"), args.entries)?,
            );
        }
        Some(Part::Bundle) => {
            eprintln!("bench: a 30-day bundle…");
            report.insert(
                "bundle_30_days".into(),
                bundle_30_days(&scratch.join("bundle"), args.bundle_orders)?,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let report = Value::Object(report);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print_report(&report);
    }
    Ok(())
}

fn sync_figures(
    args: &Args,
    scratch: &Path,
    report: &mut serde_json::Map<String, Value>,
) -> Result<()> {
    eprintln!("bench: catch-up after 30 days offline…");
    let (catch_up, propagation) = crate::sync::catch_up_and_propagation(
        &scratch.join("catch-up"),
        args.bundle_orders,
        args.propagations,
    )?;
    report.insert("sync_catch_up".into(), catch_up);
    report.insert("sync_propagation".into(), propagation);
    if args.offices > 0 {
        eprintln!("bench: offices through one HQ…");
        report.insert(
            "sync_offices".into(),
            crate::sync::offices_through_hq(
                &scratch.join("offices"),
                args.offices,
                args.months,
                args.bundle_orders,
            )?,
        );
    }
    Ok(())
}

fn book_figures(
    args: &Args,
    scratch: &Path,
    report: &mut serde_json::Map<String, Value>,
) -> Result<()> {
    eprintln!("bench: durable writes…");
    report.insert(
        "durable_write".into(),
        durable_write(&scratch.join("writes"), args.writes)?,
    );
    let dataset = args.dataset.clone().unwrap_or_else(|| scratch.join("year"));
    eprintln!("bench: order saves, plain and encrypted book…");
    report.insert(
        "encryption_cost".into(),
        encryption_cost(&scratch.join("encryption"), args.writes)?,
    );
    eprintln!("bench: a busy year at {} …", dataset.display());
    report.insert("year_dataset".into(), year_dataset(&dataset, args.orders)?);
    eprintln!("bench: cold open…");
    report.insert("cold_open".into(), cold_open(&dataset, false)?);
    // The year as generated is fragmented (a year of small writes); a copy made by
    // exporting it is compact. Encrypted against plain, both compact: the copy, and the
    // copy encrypted again the way an older plain book is converted.
    let plain = scratch.join("year-plain");
    plain_copy(&dataset, &plain)?;
    report.insert("cold_open_plain".into(), cold_open(&plain, true)?);
    let reencrypted = scratch.join("year-reencrypted");
    plain_copy(&dataset, &reencrypted)?;
    outpost_core::encrypt_plain_book(
        &reencrypted.join(outpost_node::DB_FILE),
        &outpost_node::secrets::book_key(&reencrypted, &Unlock::none())?,
    )?;
    report.insert("cold_open_compact".into(), cold_open(&reencrypted, false)?);
    eprintln!("bench: a backup of the busy year…");
    report.insert(
        "backup_year".into(),
        backup_year(&dataset, &scratch.join("usb"))?,
    );
    eprintln!("bench: order list page…");
    report.insert("order_list_page".into(), list_page(&dataset)?);
    eprintln!("bench: saving in a busy year, then what needs me…");
    report.insert("busy_save".into(), busy_save(&dataset)?);
    eprintln!("bench: signatures…");
    report.insert("signatures".into(), crate::signing::signature_cost(12_000)?);
    eprintln!("bench: a 30-day bundle…");
    report.insert(
        "bundle_30_days".into(),
        bundle_30_days(&scratch.join("bundle"), args.bundle_orders)?,
    );
    Ok(())
}

fn print_report(r: &Value) {
    if r.get("durable_write").is_some() {
        print_book_report(r);
    }
    if r.get("durable_write").is_none() && r.get("bundle_30_days").is_some() {
        print_bundle_report(r);
    }
    if r.get("ledger_year").is_some() {
        crate::ledger::print_ledger_report(r);
    }
    if r.get("sync_catch_up").is_some() {
        print_sync_report(r);
    }
}

pub(crate) fn fmt_figure(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| v.to_string(), |x| format!("{x:.2}"))
}

fn print_sync_report(r: &Value) {
    let f = fmt_figure;
    let c = &r["sync_catch_up"];
    println!(
        "Catch-up after 30 days offline ({} orders, {} documents) over loopback: {} ms (median of offices: {}; first frame after {} ms), {} frames; wire {} KB (sent {} KB, received {} KB) vs Automerge bundle {} KB = {}×",
        c["orders"],
        c["documents"],
        f(&c["ms"]),
        c["runs_ms"]
            .as_array()
            .map(|runs| runs.iter().map(f).collect::<Vec<_>>().join(" / "))
            .unwrap_or_default(),
        f(&c["link_ms"]),
        c["frames"],
        f(&c["wire_kb"]),
        f(&c["sent_kb"]),
        f(&c["received_kb"]),
        f(&c["bundle_kb"]),
        f(&c["wire_over_bundle"])
    );
    println!(
        "  the month at HQ beforehand ({} orders created, submitted, approved and shipped one by one, durable): {} s",
        c["orders"],
        f(&c["hq_month_s"])
    );
    let p = &r["sync_propagation"];
    println!(
        "Propagation of one change to a connected peer, n={}: p50 {} ms  p99 {} ms  max {} ms",
        p["n"],
        f(&p["p50_ms"]),
        f(&p["p99_ms"]),
        f(&p["max_ms"])
    );
    let o = &r["sync_offices"];
    if o.is_null() {
        return;
    }
    println!(
        "{} offices × {} months × {} orders through one HQ process: converged in {} s, HQ peak RSS {} MB",
        o["offices"],
        o["months"],
        o["orders_per_month"],
        f(&o["converge_s"]),
        f(&o["hq_peak_rss_mb"])
    );
}

fn print_book_report(r: &Value) {
    let f = fmt_figure;
    let w = &r["durable_write"];
    println!(
        "Durable write (sales order, 3 lines, committed, projections updated), n={}",
        w["n"]
    );
    println!(
        "  order save      p50 {} ms   p99 {} ms   max {} ms",
        f(&w["p50_ms"]),
        f(&w["p99_ms"]),
        f(&w["max_ms"])
    );
    println!(
        "  raw SQLite 300 B insert  p50 {} ms   p99 {} ms",
        f(&w["raw_p50_ms"]),
        f(&w["raw_p99_ms"])
    );
    println!(
        "  ratio p99 {}×   p50 {}×",
        f(&w["ratio_p99"]),
        f(&w["ratio_p50"])
    );
    let e = &r["encryption_cost"];
    println!(
        "Order save, plain vs encrypted book file (taken in turns), n={}: plain p50 {} ms  p99 {} ms; encrypted p50 {} ms  p99 {} ms; ratio p99 {}×  p50 {}×",
        e["n"],
        f(&e["plain_p50_ms"]),
        f(&e["plain_p99_ms"]),
        f(&e["encrypted_p50_ms"]),
        f(&e["encrypted_p99_ms"]),
        f(&e["ratio_p99"]),
        f(&e["ratio_p50"])
    );
    let y = &r["year_dataset"];
    println!(
        "Busy year: {} orders, {} movements, {} tasks, {} MB on disk (generated in {} s; reused if present)",
        y["orders"],
        y["movements"],
        y["tasks"],
        f(&y["disk_mb"]),
        f(&y["generate_s"])
    );
    let c = &r["cold_open"];
    println!(
        "Cold open + first order page (the year as generated): {} ms (open {} ms), peak RSS {} MB, page cache {}",
        f(&c["total_ms"]),
        f(&c["open_ms"]),
        f(&c["peak_rss_mb"]),
        c["page_cache"]
    );
    for (key, what) in [
        ("cold_open_plain", "a compact copy, not encrypted"),
        ("cold_open_compact", "the same copy encrypted"),
    ] {
        let c = &r[key];
        println!(
            "  {what}: {} ms (open {} ms), peak RSS {} MB",
            f(&c["total_ms"]),
            f(&c["open_ms"]),
            f(&c["peak_rss_mb"]),
        );
    }
    let k = &r["backup_year"];
    println!(
        "Backup of the busy year (encrypted, written, synced, read back and checked): {} s, {} MB, {} changes; checking alone with the passphrase {} s; restore into an empty data dir {} s",
        f(&k["backup_s"]),
        f(&k["mb"]),
        k["changes"],
        f(&k["verify_s"]),
        f(&k["restore_s"])
    );
    let l = &r["order_list_page"];
    println!(
        "Order list page (50 rows, status+site filter, by date), n={}: p50 {} ms  p99 {} ms",
        l["n"],
        f(&l["p50_ms"]),
        f(&l["p99_ms"])
    );
    let s = &r["busy_save"];
    println!(
        "Save in the busy year, then the today screen, n={}: save p50 {} ms  p99 {} ms; today p50 {} ms  p99 {} ms",
        s["n"],
        f(&s["save_p50_ms"]),
        f(&s["save_p99_ms"]),
        f(&s["today_p50_ms"]),
        f(&s["today_p99_ms"])
    );
    crate::signing::print(&r["signatures"]);
    print_bundle_report(r);
}

fn print_bundle_report(r: &Value) {
    let f = fmt_figure;
    let b = &r["bundle_30_days"];
    println!(
        "30-day bundle: {} orders, {} changes: file {} KB, raw changes {} KB ({}× smaller); export {} ms, import {} ms",
        b["orders"],
        b["changes"],
        f(&b["file_kb"]),
        f(&b["raw_kb"]),
        f(&b["raw_over_file"]),
        f(&b["export_ms"]),
        f(&b["import_ms"])
    );
    println!("  imports (best of these): {} ms", b["import_runs_ms"]);
}

fn sales(lines: &[(&str, i64)]) -> NewOrder {
    NewOrder {
        kind: OrderKind::Sales,
        party: Some("Acme".into()),
        warehouse: None,
        note: String::new(),
        lines: lines
            .iter()
            .map(|(sku, qty)| NewLine {
                item: (*sku).into(),
                qty: *qty,
                price: None,
                discount: Money::ZERO,
            })
            .collect(),
    }
}

fn durable_write(dir: &Path, n: u32) -> Result<Value> {
    let node = Node::create(dir, org()?, &Unlock::none())?;
    for sku in ["A", "B", "C"] {
        node.add_item(outpost_core::NewItem {
            sku: sku.into(),
            name: sku.into(),
            unit: "pcs".into(),
            price: Money(1000),
            low_stock: 0,
        })?;
    }
    node.add_party(outpost_core::NewParty {
        kind: outpost_core::PartyKind::Customer,
        name: "Acme".into(),
        phone: String::new(),
        address: String::new(),
    })?;
    let mut times = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let t = Instant::now();
        node.create_order(sales(&[("A", 1), ("B", 2), ("C", 3)]))?;
        times.push(t.elapsed());
    }
    times.sort();
    // The floor: one 300-byte row per transaction, same file settings.
    let raw = raw_sqlite(&dir.join("raw.sqlite3"), n).map_err(outpost_core::Error::from)?;
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    let (r50, r99) = (percentile(&raw, 0.5), percentile(&raw, 0.99));
    Ok(json!({
        "n": n, "p50_ms": p50, "p99_ms": p99, "max_ms": percentile(&times, 1.0),
        "raw_p50_ms": r50, "raw_p99_ms": r99, "ratio_p50": p50 / r50, "ratio_p99": p99 / r99,
    }))
}

/// Order saves on a plain book file and on an encrypted one, taken in turns (one on each)
/// so that both see the same moments of this VM's noise.
fn encryption_cost(dir: &Path, n: u32) -> Result<Value> {
    std::fs::create_dir_all(dir).map_err(|source| outpost_node::Error::DataDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let keys = [
        outpost_core::BookKey::unencrypted(),
        outpost_core::BookKey::generate()?,
    ];
    let mut books = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let at = Timestamp::now();
        let path = dir.join(format!("book{i}.sqlite3"));
        let mut book = Book::create(&path, key, org()?, DeviceKey::generate()?, at)?;
        crate::sync::catalogue(&mut book, at)?;
        books.push(book);
    }
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..n {
        for (book, times) in books.iter_mut().zip(times.iter_mut()) {
            let t = Instant::now();
            book.orders()
                .create(sales(&[("A", 1), ("B", 2), ("C", 3)]), Timestamp::now())?;
            times.push(t.elapsed());
        }
    }
    let [mut plain, mut encrypted] = times;
    plain.sort();
    encrypted.sort();
    let p = |t: &[Duration], q| percentile(t, q);
    Ok(json!({
        "n": n,
        "plain_p50_ms": p(&plain, 0.5), "plain_p99_ms": p(&plain, 0.99),
        "encrypted_p50_ms": p(&encrypted, 0.5), "encrypted_p99_ms": p(&encrypted, 0.99),
        "ratio_p50": p(&encrypted, 0.5) / p(&plain, 0.5),
        "ratio_p99": p(&encrypted, 0.99) / p(&plain, 0.99),
    }))
}

/// A plain (unencrypted) copy of the data set at `from`: its book exported out of
/// SQLCipher, its secrets as they are (the plain child reads the device key from them).
fn plain_copy(from: &Path, to: &Path) -> Result<()> {
    let io = |source| outpost_node::Error::DataDir {
        path: to.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(to).map_err(io)?;
    std::fs::copy(
        from.join(outpost_node::secrets::SECRETS_FILE),
        to.join(outpost_node::secrets::SECRETS_FILE),
    )
    .map_err(io)?;
    let key = outpost_node::secrets::book_key(from, &Unlock::none())?;
    let hex: String = key
        .bytes()
        .into_iter()
        .flatten()
        .map(|b| format!("{b:02x}"))
        .collect();
    let plain = to.join(outpost_node::DB_FILE);
    let _ = std::fs::remove_file(&plain);
    let db = rusqlite::Connection::open(from.join(outpost_node::DB_FILE))
        .map_err(outpost_core::Error::from)?;
    let export = || -> rusqlite::Result<()> {
        db.pragma_update(None, "key", format!("x'{hex}'"))?;
        let version: i64 = db.pragma_query_value(None, "user_version", |r| r.get(0))?;
        db.execute(
            "ATTACH DATABASE ?1 AS plain KEY ''",
            [plain.to_string_lossy()],
        )?;
        db.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))?;
        db.execute_batch(&format!(
            "PRAGMA plain.user_version = {version}; DETACH plain;"
        ))
    };
    export().map_err(outpost_core::Error::from)?;
    Ok(())
}

fn raw_sqlite(path: &Path, n: u32) -> rusqlite::Result<Vec<Duration>> {
    let db = rusqlite::Connection::open(path)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "FULL")?;
    db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")?;
    let row = vec![7u8; 300];
    let mut times = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let t = Instant::now();
        let tx = db.unchecked_transaction()?;
        tx.execute("INSERT INTO t(data) VALUES (?1)", [&row])?;
        tx.commit()?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok(times)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn year_dataset(dir: &Path, orders: u32) -> Result<Value> {
    let mut generate_s = 0.0;
    if !dir.join(outpost_node::DB_FILE).exists() {
        let node = Node::create(dir, org()?, &Unlock::none())?;
        let spec = SampleSpec {
            items: 200,
            customers: 100,
            orders,
            tasks: orders / 10,
            days: 365,
            batch: 200,
        };
        let t = Instant::now();
        node.with_book(|b| b.fill_sample(&spec, Timestamp::now()))?;
        generate_s = t.elapsed().as_secs_f64();
    }
    let node = Node::open(dir, &Unlock::none())?;
    let counts = node.with_book(|b| {
        let orders = b.orders().total()?;
        let movements = b
            .stock()
            .movements(&outpost_core::MovementFilter {
                limit: Some(u32::MAX),
                ..Default::default()
            })?
            .len();
        let tasks = b.tasks().list(&outpost_core::TaskFilter::default())?.len();
        Ok((orders, movements, tasks))
    })?;
    Ok(json!({
        "orders": counts.0, "movements": counts.1, "tasks": counts.2,
        "disk_mb": dir_size(dir) as f64 / 1_048_576.0, "generate_s": generate_s,
    }))
}

/// Measures opening in a fresh process, so its peak memory is the open's alone; with the
/// page cache dropped first where allowed (root), so the disk is read for real.
fn cold_open(dir: &Path, plain: bool) -> Result<Value> {
    // Asks the kernel to drop clean caches only; where not allowed the figure is warm.
    let dropped = std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok();
    let exe = std::env::current_exe().map_err(|source| outpost_node::Error::File {
        path: "outpost".into(),
        source,
    })?;
    let output = Command::new(exe)
        .args(["--cold-open"])
        .arg(dir)
        .args(plain.then_some("--plain"))
        .output()
        .map_err(|source| outpost_node::Error::File {
            path: dir.to_path_buf(),
            source,
        })?;
    let mut figures: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| json!({"error": String::from_utf8_lossy(&output.stderr)}));
    figures["page_cache"] = json!(if dropped { "dropped" } else { "warm" });
    Ok(figures)
}

fn cold_open_child(dir: &Path, plain: bool) -> Result<()> {
    let filter = OrderFilter {
        limit: Some(50),
        ..Default::default()
    };
    let t = Instant::now();
    let (open_ms, rows) = if plain {
        // The book as it was before encryption: the core's open on a plain file (a node
        // would encrypt it first).
        let key = outpost_node::identity::Identity::load(dir, &Unlock::none())?.signing_key()?;
        let mut book = Book::open(
            &dir.join(outpost_node::DB_FILE),
            &outpost_core::BookKey::unencrypted(),
            key,
        )?;
        let open_ms = t.elapsed().as_secs_f64() * 1000.0;
        (open_ms, book.orders().list(&filter)?)
    } else {
        let node = Node::open(dir, &Unlock::none())?;
        let open_ms = t.elapsed().as_secs_f64() * 1000.0;
        (open_ms, node.orders(&filter)?)
    };
    let total_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{}",
        json!({"open_ms": open_ms, "total_ms": total_ms, "rows": rows.len(), "peak_rss_mb": peak_rss_mb(None)})
    );
    Ok(())
}

/// A backup of the busy year into a folder (the whole book bundled, encrypted, written and
/// synced, then read back and checked: every signature, every document whole); the same
/// file checked again with the backup passphrase, as on another machine; and a restore of
/// it into an empty data dir (the broken laptop's office back at work).
fn backup_year(dir: &Path, to: &Path) -> Result<Value> {
    const PASSPHRASE: &str = "bench backup passphrase";
    let written = {
        let node = Node::open(dir, &Unlock::none())?;
        node.set_backup_passphrase(PASSPHRASE)?;
        let t = Instant::now();
        let written = node.backup(to)?;
        (written, t.elapsed().as_secs_f64())
    };
    let (written, backup_s) = written;
    let t = Instant::now();
    let check = outpost_node::verify_backup(Path::new(&written.path), Some(PASSPHRASE))?;
    let verify_s = t.elapsed().as_secs_f64();
    let restored = to.join("restored");
    let t = Instant::now();
    let node = Node::restore(
        &restored,
        Path::new(&written.path),
        Some(PASSPHRASE),
        &Unlock::none(),
    )?;
    let restore_s = t.elapsed().as_secs_f64();
    drop(node);
    std::fs::remove_dir_all(&restored).map_err(|e| outpost_node::Error::Bench(e.to_string()))?;
    Ok(json!({
        "backup_s": backup_s, "verify_s": verify_s, "restore_s": restore_s,
        "mb": written.bytes as f64 / 1_048_576.0, "changes": check.summary.changes,
    }))
}

fn list_page(dir: &Path) -> Result<Value> {
    let node = Node::open(dir, &Unlock::none())?;
    let n = 500;
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let filter = OrderFilter {
            status: Some(Status::Shipped),
            site: Some(SiteCode::parse("SH")?),
            limit: Some(50),
            offset: (i as u32 % 20) * 50,
            ..Default::default()
        };
        let t = Instant::now();
        let rows = node.orders(&filter)?;
        times.push(t.elapsed());
        std::hint::black_box(rows);
    }
    times.sort();
    Ok(json!({"n": n, "p50_ms": percentile(&times, 0.5), "p99_ms": percentile(&times, 0.99)}))
}

/// What a clerk waits for in a busy year: saving an order, then the today screen the
/// window re-reads after every change (exceptions included, which once rescanned the year).
fn busy_save(dir: &Path) -> Result<Value> {
    let node = Node::open(dir, &Unlock::none())?;
    let item = node.with_book(|b| b.items().list())?[0].sku.clone();
    let date = Timestamp::now().strftime("%Y-%m-%d").to_string();
    node.today(&date)?;
    let n = 50;
    let (mut saves, mut todays) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let t = Instant::now();
        let mut order = sales(&[(item.as_str(), 1), (item.as_str(), 2)]);
        order.party = None;
        node.create_order(order)?;
        saves.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(node.today(&date)?);
        todays.push(t.elapsed());
    }
    saves.sort();
    todays.sort();
    Ok(json!({
        "n": n,
        "save_p50_ms": percentile(&saves, 0.5), "save_p99_ms": percentile(&saves, 0.99),
        "today_p50_ms": percentile(&todays, 0.5), "today_p99_ms": percentile(&todays, 0.99),
    }))
}

/// A field office 30 days offline: 3,000 orders through the real per-action API, each
/// created, submitted, approved and shipped; then the bundle for the office that lacks them.
fn bundle_30_days(dir: &Path, orders: u32) -> Result<Value> {
    std::fs::create_dir_all(dir).map_err(|source| outpost_node::Error::DataDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let start = Timestamp::now() - jiff::SignedDuration::from_hours(24 * 31);
    let at_rest = outpost_core::BookKey::generate()?;
    let mut a = Book::create(
        &dir.join("a.sqlite3"),
        &at_rest,
        org()?,
        DeviceKey::generate()?,
        start,
    )?;
    crate::sync::catalogue(&mut a, start)?;
    let wh = WarehouseCode::parse("SH1")?;
    for sku in ["A", "B", "C"] {
        a.stock().record(
            StockMove::Receive {
                item: sku.into(),
                warehouse: wh.clone(),
                qty: 100_000,
                note: String::new(),
            },
            start,
        )?;
    }
    // HQ's manager, admitted with an invite like any device.
    let hq = DeviceKey::generate()?;
    let invite = DeviceKey::generate()?.device_id();
    let site = SiteCode::parse("SH")?;
    let week = jiff::SignedDuration::from_hours(24 * 7);
    a.members()
        .invite(invite.as_str(), Role::Manager, &site, week, start)?;
    a.members()
        .admit(invite.as_str(), &hq.device_id(), "HQ", start)?
        .map_err(|r| outpost_node::Error::Bench(r.to_string()))?;
    let setup = a.export_bundle(&ExportScope::For(hq.device_id()), start)?;
    let mut b = Book::join(&dir.join("b.sqlite3"), &at_rest, &setup, hq.clone(), start)?;
    let back = b.export_bundle(&ExportScope::Everything, start)?;
    a.import_bundle(&back, start)?;
    let step = jiff::SignedDuration::from_secs(30 * 86_400 / i64::from(orders));
    let mut at = start;
    for _ in 0..orders {
        let (number, _) = a
            .orders()
            .create(sales(&[("A", 1), ("B", 2), ("C", 3)]), at)?;
        for action in [Action::Submit, Action::Approve, Action::Ship] {
            a.orders().act(&number, action, "", at)?;
        }
        at += step;
    }
    let t = Instant::now();
    let bytes = a.export_bundle(&ExportScope::For(b.device_id().clone()), at)?;
    let export_ms = t.elapsed().as_secs_f64() * 1000.0;
    let summary = outpost_core::inspect_bundle(&bytes)?;
    // The same import into copies of the same book, three times: this VM's timings
    // wander by a third from one run to the next, the best of three much less.
    let key = hq;
    drop(b);
    let io = |source| outpost_node::Error::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    let mut imports = Vec::new();
    let mut new_changes = 0;
    for i in 0..3 {
        let copy = dir.join(format!("b{i}.sqlite3"));
        std::fs::copy(dir.join("b.sqlite3"), &copy).map_err(io)?;
        let mut book = Book::open(&copy, &at_rest, key.clone())?;
        let t = Instant::now();
        new_changes = book.import_bundle(&bytes, at)?.new_changes;
        imports.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let import_ms = imports.iter().copied().fold(f64::INFINITY, f64::min);
    Ok(json!({
        "orders": orders, "changes": summary.changes, "new_changes": new_changes,
        "file_kb": bytes.len() as f64 / 1024.0, "raw_kb": summary.raw_change_bytes as f64 / 1024.0,
        "raw_over_file": summary.raw_change_bytes as f64 / bytes.len() as f64,
        "export_ms": export_ms, "import_ms": import_ms, "import_runs_ms": imports,
    }))
}
