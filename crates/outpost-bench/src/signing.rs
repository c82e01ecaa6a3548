//! What signed changes cost: signing one change, and checking a 30-day catch-up's worth
//! of them as every device does on arrival (batch verification on two threads) and one by
//! one (what a relay would pay without batching).

use std::time::Instant;

use outpost_core::sign::{Signed, verify_all};
use outpost_core::{ChangeHash, DeviceKey};
use outpost_node::Result;
use serde_json::{Value, json};

/// Signs `n` change hashes from 10 authors and verifies them; per-change figures in µs.
pub(crate) fn signature_cost(n: usize) -> Result<Value> {
    let keys: Vec<DeviceKey> = (0..10)
        .map(|_| DeviceKey::generate())
        .collect::<outpost_core::Result<_>>()?;
    let actors: Vec<_> = keys.iter().map(|k| k.device_id().actor()).collect();
    let hashes: Vec<ChangeHash> = (0..n)
        .map(|i| {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&(i as u64).to_le_bytes());
            ChangeHash(bytes)
        })
        .collect();
    let t = Instant::now();
    let sigs: Vec<[u8; 64]> = hashes
        .iter()
        .enumerate()
        .map(|(i, h)| keys[i % keys.len()].sign(h))
        .collect();
    let sign_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let signed: Vec<Signed<'_>> = hashes
        .iter()
        .zip(&sigs)
        .enumerate()
        .map(|(i, (hash, sig))| Signed {
            hash: *hash,
            actor: &actors[i % actors.len()],
            sig: Some(sig),
        })
        .collect();
    let t = Instant::now();
    let bad = verify_all(&signed).iter().filter(|v| v.is_some()).count();
    let batch_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let mut one_by_one_bad = 0;
    for s in &signed {
        one_by_one_bad += verify_all(std::slice::from_ref(s))
            .iter()
            .filter(|v| v.is_some())
            .count();
    }
    let single_ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok(json!({
        "n": n, "bad": bad + one_by_one_bad,
        "sign_us": sign_us,
        "verify_batch_ms": batch_ms, "verify_batch_us": batch_ms * 1000.0 / n as f64,
        "verify_single_ms": single_ms, "verify_single_us": single_ms * 1000.0 / n as f64,
    }))
}

/// Prints the figures of [`signature_cost`].
pub(crate) fn print(s: &Value) {
    let f = crate::book::fmt_figure;
    println!(
        "Signatures, {} changes: sign {} µs each; verify all {} ms ({} µs each, batched on two threads), one by one {} ms ({} µs each)",
        s["n"],
        f(&s["sign_us"]),
        f(&s["verify_batch_ms"]),
        f(&s["verify_batch_us"]),
        f(&s["verify_single_ms"]),
        f(&s["verify_single_us"])
    );
}
