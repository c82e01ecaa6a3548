use crate::util::{carry, two_offices};

outposttest!(two_sites_exchange_bundles_both_ways, |dir, _cmd| {
    let (a, b) = two_offices(&dir);
    let b_code = b.json(&["whoami"])["code"].as_str().unwrap().to_string();
    a.ok(&[
        "stock",
        "receive",
        "--item",
        "CUP",
        "--warehouse",
        "SH1",
        "--qty",
        "50",
    ]);
    let transfer = a.json(&[
        "stock", "transfer", "--item", "CUP", "--from", "SH1", "--to", "BJ1", "--qty", "20",
    ]);
    let transfer = transfer["transfer"].as_str().unwrap().to_string();
    let sh_order = a.json(&["order", "new", "--customer", "Acme", "--line", "CUP:2"])["number"]
        .as_str()
        .unwrap()
        .to_string();
    carry(&dir, &a, &b);
    // BJ sees SH's order and the goods in transit, receives them and sells some.
    eqnice!(
        sh_order,
        b.json(&["order", "show", &sh_order])["number"]
            .as_str()
            .unwrap()
    );
    eqnice!(1, b.json(&["stock", "transit"]).as_array().unwrap().len());
    b.ok(&["stock", "receive", "--transfer", &transfer]);
    let bj_order = b.json(&["order", "new", "--customer", "Acme", "--line", "CUP:5"])["number"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(bj_order.starts_with("BJ-"), "{bj_order}");
    b.ok(&["order", "submit", &bj_order]);
    let report = carry(&dir, &b, &a);
    assert!(report["new_changes"].as_i64().unwrap() >= 3, "{report}");
    eqnice!(
        "submitted",
        a.json(&["order", "show", &bj_order])["status"]
            .as_str()
            .unwrap()
    );
    eqnice!(0, a.json(&["stock", "transit"]).as_array().unwrap().len());
    eqnice!(2, a.json(&["order", "list"]).as_array().unwrap().len());
    eqnice!(a.dump(), b.dump());
    // Importing the same bundle twice changes nothing.
    let file = dir.path().join("again.bundle");
    a.ok(&["bundle", "export", file.to_str().unwrap()]);
    let again = b.json(&["bundle", "import", file.to_str().unwrap()]);
    eqnice!(0, again["new_changes"].as_i64().unwrap());
    // A bundle for b carries only what b lacks.
    a.ok(&["order", "new", "--customer", "Acme", "--line", "TEA:1"]);
    let full = dir.path().join("full.bundle");
    let delta = dir.path().join("delta.bundle");
    let full_bytes = a.json(&["bundle", "export", full.to_str().unwrap()])["bytes"]
        .as_u64()
        .unwrap();
    let delta_bytes = a.json(&[
        "bundle",
        "export",
        delta.to_str().unwrap(),
        "--for",
        &b_code,
    ])["bytes"]
        .as_u64()
        .unwrap();
    assert!(
        delta_bytes * 2 < full_bytes,
        "{delta_bytes} vs {full_bytes}"
    );
    eqnice!(
        1,
        b.json(&["bundle", "import", delta.to_str().unwrap()])["new_changes"]
            .as_i64()
            .unwrap()
    );
    eqnice!(a.dump(), b.dump());
});
