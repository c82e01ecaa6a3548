//! Sync figures with real nodes over loopback TCP: catch-up after 30 days offline,
//! propagation of one change to a connected peer, and ten offices converging through one
//! HQ process (its time and peak memory). Prints; asserts nothing.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use outpost_core::{
    Action, Book, ChangeHash, DocId, Money, NewItem, NewLine, NewOrder, NewParty, OrderKind,
    PartyKind, Role, SiteCode, StockMove, Timestamp, WarehouseCode,
};
use outpost_node::{Error, Event, NetConfig, Node, Result, Unlock};
use serde_json::{Value, json};

const SKUS: [&str; 3] = ["A", "B", "C"];

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::DataDir {
        path: path.to_path_buf(),
        source,
    }
}

fn loopback() -> Result<NetConfig> {
    let addr = "/ip4/127.0.0.1/tcp/0";
    Ok(NetConfig {
        listen: vec![addr.parse().map_err(|_| Error::Address(addr.into()))?],
        mdns: false,
        relay: false,
    })
}

fn runtime(dir: &Path) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| io_error(dir, e))
}

type Heads = BTreeMap<DocId, Vec<ChangeHash>>;

fn heads(node: &Node) -> Result<Heads> {
    node.with_book(|b| Ok(b.sync().doc_heads()?.into_iter().collect()))
}

/// Whether `office` holds exactly HQ's state of every document it may read.
fn caught_up(office: &Node, hq: &Heads) -> Result<bool> {
    let me = office.me()?;
    let mine = heads(office)?;
    Ok(hq
        .iter()
        .filter(|(doc, _)| outpost_core::access::may_read(&me, doc))
        .all(|(doc, h)| mine.get(doc) == Some(h)))
}

async fn wait_until(
    what: &str,
    limit: Duration,
    mut done: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let deadline = Instant::now() + limit;
    while !done()? {
        if Instant::now() > deadline {
            return Err(Error::Timeout(what.to_string()));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// The middle of `values` (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn sales() -> NewOrder {
    NewOrder {
        kind: OrderKind::Sales,
        party: Some("Acme".into()),
        warehouse: None,
        note: String::new(),
        lines: SKUS
            .iter()
            .zip(1..)
            .map(|(sku, qty)| NewLine {
                item: (*sku).into(),
                qty,
                price: None,
                discount: Money::ZERO,
            })
            .collect(),
    }
}

/// The benchmarks' catalogue: items A, B and C at 10.00, and the customer Acme.
pub(crate) fn catalogue(book: &mut Book, at: Timestamp) -> outpost_core::Result<()> {
    for sku in SKUS {
        book.items().add(
            NewItem {
                sku: sku.into(),
                name: sku.into(),
                unit: "pcs".into(),
                price: Money(1000),
                low_stock: 0,
            },
            at,
        )?;
    }
    book.parties().add(
        NewParty {
            kind: PartyKind::Customer,
            name: "Acme".into(),
            phone: String::new(),
            address: String::new(),
        },
        at,
    )?;
    Ok(())
}

/// A month of a busy site: stock received, then `orders` sales orders each created,
/// submitted, approved and shipped (3 lines, 3 movements), spread over the 30 days that
/// end `ago` days before now.
fn busy_month(book: &mut Book, site: &str, orders: u32, ago: i64) -> outpost_core::Result<()> {
    let start = Timestamp::now() - jiff::SignedDuration::from_hours(24 * (30 + ago));
    let warehouse = WarehouseCode::parse(&format!("{site}1"))?;
    for sku in SKUS {
        book.stock().record(
            StockMove::Receive {
                item: sku.into(),
                warehouse: warehouse.clone(),
                qty: 1_000_000,
                note: String::new(),
            },
            start,
        )?;
    }
    let step = jiff::SignedDuration::from_secs(30 * 86_400 / i64::from(orders.max(1)));
    let mut at = start;
    for _ in 0..orders {
        let (number, _) = book.orders().create(sales(), at)?;
        for action in [Action::Submit, Action::Approve, Action::Ship] {
            book.orders().act(&number, action, "", at)?;
        }
        at += step;
    }
    Ok(())
}

/// Opens a node whose previous instance in this process may still be letting go of the
/// data dir's lock.
async fn reopen(dir: &Path) -> Result<Node> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Node::open(dir, &Unlock::none()) {
            Ok(node) => return Ok(node),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// How many offices catch up on the same month, one after another: one run on this
/// machine varies by a fifth either way, so the figure is their median.
const CATCH_UPS: usize = 3;

/// Catch-up after 30 days offline (the median of [`CATCH_UPS`] offices catching up on
/// the same month, one at a time), then propagation of single changes on the live link.
pub fn catch_up_and_propagation(dir: &Path, orders: u32, changes: u32) -> Result<(Value, Value)> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let rt = runtime(dir)?;
    rt.block_on(async {
        let hq = Arc::new(Node::create(
            &dir.join("hq"),
            crate::book::org()?,
            &Unlock::none(),
        )?);
        hq.with_book(|b| catalogue(b, Timestamp::now()))?;
        hq.start_network(loopback()?)?;
        wait_until("HQ to listen", Duration::from_secs(10), || {
            Ok(!hq.listen_addrs().is_empty())
        })
        .await?;
        let site = SiteCode::parse("SH")?;
        let mut office_dirs = Vec::with_capacity(CATCH_UPS);
        let mut office_before = Heads::new();
        for i in 0..CATCH_UPS {
            let invite =
                hq.create_invite(Role::Clerk, &site, jiff::SignedDuration::from_secs(3600))?;
            let office_dir = dir.join(format!("office-{i}"));
            let (office, _) =
                Node::join(&office_dir, &invite.code, "Field office", &Unlock::none()).await?;
            let office = Arc::new(office);
            office.start_network(loopback()?)?;
            let hq_heads = heads(&hq)?;
            wait_until("first sync", Duration::from_secs(60), || {
                caught_up(&office, &hq_heads)
            })
            .await?;
            office_before = heads(&office)?;
            office.close();
            office_dirs.push(office_dir);
        }

        // Thirty days at the office's site while the office is offline.
        eprintln!("bench: 30 days of work ({orders} orders)…");
        let month = Instant::now();
        hq.with_book(|b| busy_month(b, "SH", orders, 0))?;
        let month_s = month.elapsed().as_secs_f64();
        let hq_heads = heads(&hq)?;
        let mut bundle_bytes = 0usize;
        let mut docs = 0usize;
        for doc in hq_heads.keys() {
            let since = office_before.get(doc).cloned().unwrap_or_default();
            if office_before.get(doc) != hq_heads.get(doc) {
                docs += 1;
                bundle_bytes +=
                    hq.with_book(|b| Ok(b.sync().changes_bundle(doc, &since)?.len()))?;
            }
        }

        eprintln!("bench: catch-up…");
        let mut runs_ms = Vec::with_capacity(CATCH_UPS);
        let mut links_ms = Vec::with_capacity(CATCH_UPS);
        let mut office = None;
        for office_dir in &office_dirs {
            if let Some(done) = office.take() {
                Arc::<Node>::as_ref(&done).close();
            }
            let next = Arc::new(reopen(office_dir).await?);
            let t = Instant::now();
            next.start_network(loopback()?)?;
            // When the first sync frame passed: what came before is dialling and handshakes.
            let mut link_ms = None;
            wait_until("catch-up", Duration::from_secs(300), || {
                if link_ms.is_none() && next.peers()?.iter().any(|p| p.frames > 0) {
                    link_ms = Some(t.elapsed().as_secs_f64() * 1000.0);
                }
                caught_up(&next, &hq_heads)
            })
            .await?;
            runs_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            links_ms.push(link_ms.unwrap_or(f64::NAN));
            office = Some(next);
        }
        let office = office.ok_or_else(|| Error::Timeout("an office to catch up".into()))?;
        let link = office.peers()?.into_iter().next();
        let (sent, received, frames) = link
            .map(|p| (p.bytes_sent, p.bytes_received, p.frames))
            .unwrap_or_default();
        let wire = sent + received;
        let catch_up = json!({
            "orders": orders, "documents": docs, "ms": median(&runs_ms), "runs_ms": runs_ms,
            "hq_month_s": month_s,
            "link_ms": median(&links_ms),
            "frames": frames, "wire_kb": wire as f64 / 1024.0,
            "sent_kb": sent as f64 / 1024.0, "received_kb": received as f64 / 1024.0,
            "bundle_kb": bundle_bytes as f64 / 1024.0,
            "wire_over_bundle": wire as f64 / bundle_bytes.max(1) as f64,
        });

        eprintln!("bench: propagation of {changes} changes…");
        let mut events = hq.subscribe();
        let mut samples = Vec::with_capacity(changes as usize);
        for _ in 0..changes {
            while events.try_recv().is_ok() {}
            let t = Instant::now();
            office.create_order(sales())?;
            loop {
                match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
                    Ok(Ok(Event::Synced { .. })) => break,
                    Ok(Ok(_)) | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
                    _ => return Err(Error::Timeout("a change at HQ".into())),
                }
            }
            samples.push(t.elapsed());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        samples.sort();
        let propagation = json!({
            "n": changes,
            "p50_ms": crate::book::percentile(&samples, 0.50),
            "p99_ms": crate::book::percentile(&samples, 0.99),
            "max_ms": crate::book::percentile(&samples, 1.0),
        });
        Ok((catch_up, propagation))
    })
}

/// The HQ node as its own process (`outpost serve`), so its memory is its own.
struct HqProcess {
    child: Child,
    dir: PathBuf,
}

impl HqProcess {
    fn outpost(dir: &Path, args: &[&str]) -> Result<String> {
        let exe = crate::outpost_bin(dir)?;
        let out = Command::new(exe)
            .env("OUTPOST_DATA_DIR", dir)
            .env("OUTPOST_LANG", "en")
            .args(args)
            .output()
            .map_err(|e| io_error(dir, e))?;
        if !out.status.success() {
            return Err(Error::Bench(format!(
                "outpost {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn start(dir: &Path, sites: &[String]) -> Result<HqProcess> {
        Self::outpost(
            dir,
            &["init", "--org", "Bench", "--site", "HQ", "--name", "HQ"],
        )?;
        for site in sites {
            Self::outpost(dir, &["site", "add", site, site])?;
        }
        for sku in SKUS {
            Self::outpost(
                dir,
                &["item", "add", "--sku", sku, "--name", sku, "--price", "10"],
            )?;
        }
        Self::outpost(dir, &["customer", "add", "Acme"])?;
        let exe = crate::outpost_bin(dir)?;
        let mut child = Command::new(exe)
            .env("OUTPOST_DATA_DIR", dir)
            .args([
                "serve",
                "--listen",
                "/ip4/127.0.0.1/tcp/0",
                "--no-mdns",
                "--no-relay",
            ])
            .stdout(Stdio::piped())
            .stderr(
                std::fs::File::create(dir.join("serve.log"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .map_err(|e| io_error(dir, e))?;
        if let Some(stdout) = child.stdout.take() {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref() {
                if line
                    .map_err(|e| io_error(dir, e))?
                    .starts_with("listening ")
                {
                    break;
                }
            }
            std::thread::spawn(move || for _ in lines {});
        }
        Ok(HqProcess {
            child,
            dir: dir.to_path_buf(),
        })
    }

    fn json(&self, args: &[&str]) -> Result<Value> {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = Self::outpost(&self.dir, &all)?;
        serde_json::from_str(&text).map_err(|e| Error::Bench(format!("{args:?}: {e}")))
    }

    fn heads(&self) -> Result<BTreeMap<String, Vec<String>>> {
        let status = self.json(&["sync", "status"])?;
        Ok(status["documents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let heads = d["heads"]
                    .as_array()?
                    .iter()
                    .filter_map(|h| h.as_str().map(String::from));
                Some((d["doc"].as_str()?.to_string(), heads.collect()))
            })
            .collect())
    }
}

impl Drop for HqProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// `offices` offices, each `months` months of work (`orders` orders a month) made offline,
/// come online together and converge through one HQ process.
pub fn offices_through_hq(dir: &Path, offices: u32, months: u32, orders: u32) -> Result<Value> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let sites: Vec<String> = (1..=offices).map(|i| format!("O{i}")).collect();
    let hq = HqProcess::start(&dir.join("hq"), &sites)?;
    let rt = runtime(dir)?;
    rt.block_on(async {
        let mut nodes = Vec::new();
        for site in &sites {
            let code = hq.json(&["invite", "new", "--role", "clerk", "--site", site])?;
            let code = code["code"].as_str().unwrap_or_default().to_string();
            let (node, _) = Node::join(&dir.join(site), &code, site, &Unlock::none()).await?;
            for month in (0..months).rev() {
                eprintln!("bench: month -{month} at {site} ({orders} orders)…");
                node.with_book(|b| busy_month(b, site, orders, 30 * i64::from(month)))?;
            }
            nodes.push(Arc::new(node));
        }
        let want: Vec<BTreeMap<String, Vec<String>>> = nodes
            .iter()
            .map(|n| {
                Ok(heads(n)?
                    .into_iter()
                    .map(|(d, h)| {
                        let mut h: Vec<String> = h.iter().map(|x| x.to_string()).collect();
                        h.sort();
                        (d.to_string(), h)
                    })
                    .collect())
            })
            .collect::<Result<_>>()?;
        eprintln!("bench: {offices} offices online…");
        let t = Instant::now();
        for node in &nodes {
            node.start_network(loopback()?)?;
        }
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let at_hq = hq.heads()?;
            let done = want.iter().all(|office| {
                office
                    .iter()
                    .filter(|(d, _)| d.as_str() != "org")
                    .all(|(d, h)| at_hq.get(d) == Some(h))
            });
            if done {
                break;
            }
            if Instant::now() > deadline {
                return Err(Error::Timeout("the offices to converge at HQ".into()));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let converge_s = t.elapsed().as_secs_f64();
        Ok(json!({
            "offices": offices, "months": months, "orders_per_month": orders,
            "converge_s": converge_s, "hq_peak_rss_mb": crate::book::peak_rss_mb(Some(hq.child.id())),
        }))
    })
}
