//! Real `outpost serve` processes on loopback: invites, sync both ways, store and forward
//! through HQ, access per document, revocation.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Device, Dir};

/// A running `outpost serve`; stopped with SIGTERM when dropped.
pub(crate) struct Serving {
    child: Child,
}

impl Serving {
    pub(crate) fn start(device: &Device) -> Serving {
        Serving::start_with(device, &[])
    }

    /// Serves with extra `serve` options.
    pub(crate) fn start_with(device: &Device, extra: &[&str]) -> Serving {
        let mut args = vec!["serve", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns"];
        args.extend_from_slice(extra);
        let mut child = device
            .command(&args)
            .stdout(Stdio::piped())
            .env("OUTPOST_LOG", "info")
            .stderr(std::fs::File::create(device.data_dir.with_extension("log")).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // Wait until it listens.
        loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if line.starts_with("listening ") {
                break;
            }
        }
        // Keep draining stdout so the node never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Serving { child }
    }

    fn stop(mut self) {
        self.terminate();
    }

    /// The serving process's resident memory (kB), from /proc.
    pub(crate) fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    fn terminate(&mut self) {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// Polls `f` until it holds (sync is asynchronous); fails the test after 20 s.
pub(crate) fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for: {what}");
}

pub(crate) fn invite(admin: &Device, role: &str, site: &str, expires: &str) -> String {
    let v = admin.json(&[
        "invite",
        "new",
        "--role",
        role,
        "--site",
        site,
        "--expires",
        expires,
    ]);
    v["code"].as_str().unwrap().to_string()
}

pub(crate) fn skus(device: &Device) -> Vec<String> {
    let v = device.json(&["item", "list"]);
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn order_numbers(device: &Device) -> Vec<String> {
    let v: Value = device.json(&["order", "list"]);
    let mut n: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

/// HQ (admin, SH) with a second site BJ and one item, serving.
pub(crate) fn hq(dir: &Dir) -> (Device, Serving) {
    let hq = dir.device("hq");
    hq.ok(&["init", "--org", "Acme", "--site", "SH", "--name", "HQ"]);
    hq.ok(&["site", "add", "BJ", "Beijing"]);
    hq.ok(&[
        "item", "add", "--sku", "TEA", "--name", "Tea", "--unit", "box", "--price", "10",
    ]);
    hq.ok(&["customer", "add", "Shop"]);
    let serving = Serving::start(&hq);
    (hq, serving)
}

/// HQ serving, with an SH clerk ("sh") and a BJ manager ("mgr") joined, not serving.
fn hq_sh_clerk_and_manager(dir: &Dir) -> (Device, Serving, Device, Device) {
    let (hq, serving) = hq(dir);
    let sh = joined(dir, &hq, "sh", "clerk", "SH", "Wang");
    let mgr = joined(dir, &hq, "mgr", "manager", "BJ", "Zhou");
    (hq, serving, sh, mgr)
}

/// Device `name` of `dir`, joined with a fresh invite from `hq` (not serving).
pub(crate) fn joined(
    dir: &Dir,
    hq: &Device,
    name: &str,
    role: &str,
    site: &str,
    person: &str,
) -> Device {
    let device = dir.device(name);
    device.ok(&["join", &invite(hq, role, site, "1h"), "--name", person]);
    device
}

outposttest!(
    invites_admit_once_and_offices_sync_both_ways,
    |dir, _device| {
        let (hq, _hq_serving) = hq(&dir);
        let code = invite(&hq, "clerk", "BJ", "1h");
        let bj = dir.device("bj");
        let joined = bj.json(&["join", &code, "--name", "Li"]);
        assert_eq!(joined["role"], "clerk");
        assert_eq!(joined["site"], "BJ");

        // The code works once.
        let again = dir.device("again");
        let err = again.fails(&["join", &code, "--name", "Zhao"]);
        assert!(err.contains("used already"), "{err}");
        // An expired code is refused with a clear message.
        let short = invite(&hq, "clerk", "BJ", "1s");
        std::thread::sleep(Duration::from_millis(1500));
        let err = again.fails(&["join", &short, "--name", "Zhao"]);
        assert!(err.contains("expired"), "{err}");
        // A damaged code is refused before anything is dialled.
        let err = again.fails(&["join", "outpost-invite-xyz", "--name", "Zhao"]);
        assert!(err.contains("malformed invite code"), "{err}");

        let _bj_serving = Serving::start(&bj);
        // HQ's catalogue reaches the office; the office's order reaches HQ.
        eventually("the item at BJ", || skus(&bj) == ["TEA"]);
        hq.ok(&[
            "item", "add", "--sku", "RICE", "--name", "Rice", "--unit", "bag", "--price", "5",
        ]);
        eventually("a new item pushed to BJ", || skus(&bj).len() == 2);
        hq.ok(&[
            "stock",
            "receive",
            "--warehouse",
            "BJ1",
            "--item",
            "TEA",
            "--qty",
            "10",
        ]);
        let out = bj.ok(&["order", "new", "--party", "Shop", "--line", "TEA:2"]);
        assert!(out.contains("BJ-"), "{out}");
        eventually("BJ's order at HQ", || {
            order_numbers(&hq) == order_numbers(&bj)
        });
        let peers = hq.json(&["peers"]);
        assert_eq!(peers.as_array().unwrap().len(), 1, "{peers}");
        assert_eq!(peers[0]["name"], "Li");
    }
);

outposttest!(
    offices_never_online_together_converge_through_hq,
    |dir, _device| {
        let (hq, _hq_serving, sh, mgr) = hq_sh_clerk_and_manager(&dir);
        let bj = dir.device("bj");
        bj.ok(&["join", &invite(&hq, "clerk", "BJ", "1h"), "--name", "Li"]);

        // The SH clerk records an order, syncs with HQ, and goes offline.
        let sh_serving = Serving::start(&sh);
        eventually("catalogue at SH", || skus(&sh) == ["TEA"]);
        sh.ok(&["order", "new", "--party", "Shop", "--line", "TEA:1"]);
        eventually("SH's order at HQ", || {
            order_numbers(&hq) == order_numbers(&sh)
        });
        eventually("HQ acknowledged every SH change", || {
            sh.json(&["sync", "status"])["unseen_total"] == 0
        });
        sh_serving.stop();

        // The manager comes online later and gets it from HQ; edits; goes offline.
        let mgr_serving = Serving::start(&mgr);
        let number = order_numbers(&sh)[0].clone();
        eventually("SH's order at the manager", || {
            order_numbers(&mgr) == [number.clone()]
        });
        mgr.ok(&["order", "edit", &number, "--note", "priority"]);
        eventually("the manager's edit at HQ", || {
            hq.json(&["order", "show", &number])["note"] == "priority"
        });
        mgr_serving.stop();

        // SH comes back and gets the manager's edit, never having met the manager.
        let sh_serving = Serving::start(&sh);
        eventually("the manager's edit at SH", || {
            sh.json(&["order", "show", &number])["note"] == "priority"
        });
        sh_serving.stop();

        // A BJ clerk gets nothing of SH's operations: no SH order, no ops/SH document.
        hq.ok(&[
            "stock",
            "receive",
            "--warehouse",
            "BJ1",
            "--item",
            "TEA",
            "--qty",
            "3",
        ]);
        let _bj_serving = Serving::start(&bj);
        eventually("BJ's stock at BJ", || {
            bj.json(&["stock", "levels"])
                .as_array()
                .is_some_and(|a| a.len() == 1)
        });
        assert!(order_numbers(&bj).is_empty());
        assert!(
            !bj.dump().contains("ops/SH"),
            "a BJ clerk holds an SH document"
        );
        assert!(hq.dump().contains("ops/SH"));
    }
);

outposttest!(a_revoked_member_is_cut_off, |dir, _device| {
    let (hq, _hq_serving) = hq(&dir);
    let bj = dir.device("bj");
    bj.ok(&["join", &invite(&hq, "clerk", "BJ", "1h"), "--name", "Li"]);
    let _bj_serving = Serving::start(&bj);
    eventually("catalogue at BJ", || skus(&bj) == ["TEA"]);
    let code = bj.json(&["whoami"])["code"].as_str().unwrap().to_string();
    let revoked = hq.json(&["member", "revoke", &code]);
    assert_eq!(revoked["revoked"], true);
    eventually("the link closed", || {
        hq.json(&["peers"]).as_array().unwrap().is_empty()
    });
    // HQ's new changes no longer reach it, and its new changes do not reach HQ.
    hq.ok(&[
        "item", "add", "--sku", "RICE", "--name", "Rice", "--unit", "bag", "--price", "5",
    ]);
    hq.ok(&[
        "stock",
        "receive",
        "--warehouse",
        "BJ1",
        "--item",
        "TEA",
        "--qty",
        "5",
    ]);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(skus(&bj), ["TEA"]);
    let before = order_numbers(&hq);
    let _ = bj.output(&["order", "new", "--party", "Shop", "--line", "TEA:1"]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(order_numbers(&hq), before);
});

outposttest!(
    offices_meet_through_the_hq_relay_and_sync_without_hq,
    |dir, _device| {
        let (_hq, hq_serving, sh, mgr) = hq_sh_clerk_and_manager(&dir);
        // Neither knows the other's address (no mDNS): only HQ's. Offices do not relay
        // (as in the desktop app): a relay's own addresses count as confirmed, which keeps
        // them from hole punching.
        let _sh_serving = Serving::start_with(&sh, &["--no-relay"]);
        let _mgr_serving = Serving::start_with(&mgr, &["--no-relay"]);
        eventually("catalogue at SH", || skus(&sh) == ["TEA"]);
        let sh_code = sh.json(&["whoami"])["code"].clone();
        let link_to_sh = |mgr: &Device| -> Vec<String> {
            let peers = mgr.json(&["peers"]);
            peers
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["device"] == sh_code)
                .flat_map(|p| p["addrs"].as_array().unwrap().clone())
                .map(|a| a.as_str().unwrap().to_string())
                .collect()
        };
        eventually("a direct link between the offices", || {
            link_to_sh(&mgr).iter().any(|a| !a.contains("p2p-circuit"))
        });
        // HQ goes down; the offices keep syncing over the link they made.
        hq_serving.stop();
        sh.ok(&["order", "new", "--party", "Shop", "--line", "TEA:1"]);
        eventually("SH's order at the manager without HQ", || {
            order_numbers(&mgr) == order_numbers(&sh)
        });
    }
);

outposttest!(
    a_transfer_reaches_a_clerk_of_the_destination_and_no_third_site,
    |dir, _device| {
        let (hq, _hq_serving) = hq(&dir);
        hq.ok(&["site", "add", "GZ", "Guangzhou"]);
        let bj = joined(&dir, &hq, "bj", "clerk", "BJ", "Li");
        let gz = joined(&dir, &hq, "gz", "clerk", "GZ", "Chen");
        let _bj_serving = Serving::start(&bj);
        let _gz_serving = Serving::start(&gz);
        hq.ok(&[
            "stock",
            "receive",
            "--warehouse",
            "SH1",
            "--item",
            "TEA",
            "--qty",
            "10",
        ]);
        let sent = hq.json(&[
            "stock", "transfer", "--item", "TEA", "--from", "SH1", "--to", "BJ1", "--qty", "3",
        ]);
        let transfer = sent["transfer"].as_str().unwrap().to_string();
        // The BJ clerk sees the goods on their way and records what arrived: two boxes.
        eventually("the transfer in transit at BJ", || {
            bj.json(&["stock", "transit"]).as_array().unwrap().len() == 1
        });
        bj.ok(&[
            "stock",
            "receive",
            "--transfer",
            &transfer,
            "--qty",
            "2",
            "--note",
            "one box crushed",
        ]);
        eventually("the arrival at HQ", || {
            hq.json(&["stock", "transit"])
                .as_array()
                .unwrap()
                .is_empty()
        });
        // Both sites agree on what arrived, and both see the short receipt.
        let bj1 = ["stock", "levels", "--warehouse", "BJ1"];
        assert_eq!(hq.json(&bj1), bj.json(&bj1));
        assert_eq!(hq.json(&bj1)[0]["qty"], 2);
        for device in [&hq, &bj] {
            let exceptions = device.json(&["exceptions"]);
            let kinds: Vec<&str> = exceptions
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["kind"].as_str().unwrap())
                .collect();
            assert_eq!(kinds, ["transfer_mismatch"], "{exceptions}");
        }
        // A clerk of a third site sees neither side (though it hears of what HQ wrote
        // after the transfer).
        hq.ok(&[
            "item", "add", "--sku", "RICE", "--name", "Rice", "--unit", "bag", "--price", "5",
        ]);
        eventually("GZ in step with HQ's catalogue", || skus(&gz).len() == 2);
        assert!(
            gz.json(&["stock", "transit"])
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert!(!gz.dump().contains("transfers/"), "GZ holds a transfer");
    }
);
