use std::io::BufRead;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::two_offices;

/// A small deterministic pseudo-random sequence (no extra dependency for one test).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

outposttest!(acknowledged_orders_survive_sigkill, |dir, _cmd| {
    let (a, _b) = two_offices(&dir);
    let mut rng = Lcg(std::process::id() as u64);
    let mut acknowledged: Vec<String> = Vec::new();
    for trial in 0..24 {
        let mut child = a
            .command(&["write-loop", "--count", "1000000", "--sku", "TEA"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        });
        // Kill at a random moment: sometimes before the first write, mostly mid-stream.
        let wait = Duration::from_millis(rng.next(400) + if trial % 4 == 0 { 0 } else { 50 });
        let start = Instant::now();
        while start.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        acknowledged.extend(reader.join().unwrap());
    }
    assert!(
        acknowledged.len() > 50,
        "too few writes to mean anything: {}",
        acknowledged.len()
    );
    // Reopen: the database opens cleanly and every acknowledged order is there.
    let mut stored = std::collections::HashSet::new();
    for page in 1.. {
        let rows = a.json(&[
            "order",
            "list",
            "--limit",
            "1000",
            "--page",
            &page.to_string(),
        ]);
        let rows = rows.as_array().unwrap();
        if rows.is_empty() {
            break;
        }
        stored.extend(
            rows.iter()
                .map(|r| r["number"].as_str().unwrap().to_string()),
        );
    }
    let missing: Vec<_> = acknowledged
        .iter()
        .filter(|n| !stored.contains(*n))
        .collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    // Projections agree with the documents after all those crashes.
    let dump = a.dump();
    a.ok(&["rebuild"]);
    eqnice!(dump, a.dump());
    // Numbers kept counting up without reuse.
    let unique: std::collections::HashSet<_> = acknowledged.iter().collect();
    eqnice!(acknowledged.len(), unique.len());
});
