//! The layout holds: the desktop shell reaches the book only through the Node (it depends
//! on outpost-node and on no crate below it), and the network crate knows no book.

use std::collections::BTreeMap;
use std::process::Command;

/// Each workspace package with the names of its normal (not dev, not build) dependencies.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str().map(String::from))
                .collect();
            (p["name"].as_str().expect("name").to_string(), deps)
        })
        .collect()
}

#[test]
fn the_desktop_depends_on_the_node_and_nothing_below_it() {
    let deps = dependencies();
    let desktop = &deps["outpost-desktop"];
    assert!(desktop.iter().any(|d| d == "outpost-node"), "{desktop:?}");
    for below in ["outpost-core", "outpost-sync"] {
        assert!(
            !desktop.iter().any(|d| d == below),
            "the shell depends on {below}"
        );
    }
    let sync = &deps["outpost-sync"];
    assert!(
        !sync.iter().any(|d| d == "outpost-core"),
        "the network depends on the book"
    );
    let core = &deps["outpost-core"];
    for above in ["outpost-sync", "outpost-node", "tauri"] {
        assert!(
            !core.iter().any(|d| d == above),
            "the book depends on {above}"
        );
    }
}
