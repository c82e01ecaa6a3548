//! The benchmark binary prints every figure of the book on a small data set (it asserts
//! nothing itself, so this checks it still measures what docs/performance.md records).

use std::process::Command;

#[test]
fn the_book_figures_are_all_printed() {
    let dataset = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_outpost-bench"))
        .args([
            "--only", "book", "--json", "--orders", "400", "--writes", "20",
        ])
        .args(["--bundle-orders", "30", "--dataset"])
        .arg(dataset.path().join("year"))
        .output()
        .expect("outpost-bench runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON figures");
    for key in [
        "durable_write",
        "year_dataset",
        "cold_open",
        "order_list_page",
        "bundle_30_days",
    ] {
        assert!(report.get(key).is_some(), "{key} missing: {report}");
    }
    assert_eq!(report["year_dataset"]["orders"].as_i64(), Some(400));
    assert_eq!(report["cold_open"]["rows"].as_i64(), Some(50));
    assert!(report["durable_write"]["p99_ms"].as_f64().unwrap_or(0.0) > 0.0);
    assert_eq!(
        report["bundle_30_days"]["new_changes"].as_i64(),
        Some(30 * 4)
    );
}
