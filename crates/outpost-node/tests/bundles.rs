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
    let report = carry(&dir, &a, &b);
    // BJ's clerk sees the goods on their way (not SH's own orders and stock: the bundle
    // made for it does not carry them), receives them and sells some.
    eqnice!(serde_json::json!([]), report["left_out"]);
    b.fails(&["order", "show", &sh_order]);
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
    let bj1 = ["stock", "levels", "--warehouse", "BJ1"];
    eqnice!(a.json(&bj1), b.json(&bj1));
    let bj_shown = ["order", "show", bj_order.as_str()];
    eqnice!(a.json(&bj_shown), b.json(&bj_shown));
    // Importing the same bundle twice changes nothing.
    let file = dir.path().join("again.bundle");
    a.ok(&["bundle", "export", "--for", &b_code, file.to_str().unwrap()]);
    let again = b.json(&["bundle", "import", file.to_str().unwrap()]);
    eqnice!(0, again["new_changes"].as_i64().unwrap());
    // A bundle for b carries only what b lacks (and may read).
    a.ok(&["customer", "add", "Beta Foods"]);
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
    let customers = ["customer", "list"];
    eqnice!(a.json(&customers), b.json(&customers));
});

outposttest!(a_backup_remembers_its_folder_and_is_no_bundle, |dir, a| {
    a.ok(&["init", "--org", "Demo", "--site", "SH", "--name", "Li Wei"]);
    a.set_backup_passphrase("in the safe");
    a.ok(&[
        "item", "add", "--sku", "TEA", "--name", "Tea", "--price", "35.00",
    ]);
    // No folder yet: a clear refusal naming what to give.
    let err = a.fails(&["backup"]);
    assert!(err.contains("no backup folder"), "{err}");

    let usb = dir.path().join("usb");
    let first = a.json(&["backup", usb.to_str().unwrap()]);
    let file = std::path::PathBuf::from(first["path"].as_str().unwrap());
    assert!(file.starts_with(&usb), "{first}");
    eqnice!(
        std::fs::metadata(&file).unwrap().len(),
        first["bytes"].as_u64().unwrap()
    );
    // The next backup goes to the same folder without naming it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = a.json(&["backup"]);
    eqnice!(first["dir"], second["dir"]);
    assert_ne!(first["path"], second["path"]);
    eqnice!(2, std::fs::read_dir(&usb).unwrap().count());

    // A damaged record is only a reminder lost: a folder given still works.
    std::fs::write(
        a.data_dir.join(outpost_node::LAST_BACKUP_FILE),
        b"{not json",
    )
    .unwrap();
    assert!(a.fails(&["backup"]).contains("no backup folder"));
    let other = dir.path().join("shared");
    a.ok(&["backup", other.to_str().unwrap()]);

    // A backup is this device's (its key is in it, encrypted): no other device
    // imports it or starts from it as from a bundle.
    let b = dir.device("b");
    crate::util::admit_by_file(&dir, &a, &b, "manager", "SH", "Spare");
    let third = a.json(&["backup"]);
    let path = third["path"].as_str().unwrap();
    let err = b.fails(&["bundle", "import", path]);
    assert!(err.contains("bundle mark"), "{err}");
    let c = dir.device("c");
    let err = c.fails(&["init", "--join-bundle", path]);
    assert!(err.contains("bundle mark"), "{err}");
    assert!(!c.data_dir.join(outpost_node::DB_FILE).exists());
});

outposttest!(
    a_relative_path_given_to_a_serving_node_is_the_callers,
    |dir, a| {
        a.ok(&["init", "--org", "Demo", "--site", "SH", "--name", "Li Wei"]);
        a.set_backup_passphrase("in the safe");
        let _serving = crate::network::Serving::start(&a);
        let caller = dir.path().join("desk");
        std::fs::create_dir_all(&caller).unwrap();
        // Run from `caller`: the serving node, which runs the command, has another cwd.
        let run_in_caller = |args: &[&str]| {
            let out = a.command(args).current_dir(&caller).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{args:?}: {stderr}");
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
        };
        let backup = run_in_caller(&["--json", "backup", "usb"]);
        let path = std::path::PathBuf::from(backup["path"].as_str().unwrap());
        assert!(path.starts_with(caller.join("usb")), "{backup}");
        assert!(path.exists());
        run_in_caller(&["--json", "bundle", "export", "all.bundle"]);
        assert!(caller.join("all.bundle").exists());
    }
);

outposttest!(
    a_customer_edited_at_one_office_reads_the_same_at_the_other,
    |dir, _a| {
        let (a, b) = two_offices(&dir);
        b.ok(&[
            "customer", "edit", "Acme", "--name", "Acme Ltd", "--phone", "010-8888",
        ]);
        // A name another customer has is refused and changes nothing.
        b.ok(&["customer", "add", "Beta"]);
        let before = b.dump();
        let err = b.fails(&["customer", "edit", "Beta", "--name", "acme ltd"]);
        assert!(
            err.contains("Acme Ltd") || err.contains("acme ltd"),
            "{err}"
        );
        eqnice!(before, b.dump());
        carry(&dir, &b, &a);
        let customers = a.json(&["customer", "list"]);
        let acme = customers
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Acme Ltd")
            .unwrap_or_else(|| panic!("{customers}"));
        eqnice!("010-8888", acme["phone"].as_str().unwrap());
    }
);

outposttest!(
    a_revoked_devices_late_change_is_held_until_an_admin_decides,
    |dir, _cmd| {
        let (a, b) = two_offices(&dir);
        let receive = |device: &crate::util::Device, qty: &str| {
            device.ok(&[
                "stock",
                "receive",
                "--item",
                "TEA",
                "--warehouse",
                "BJ1",
                "--qty",
                qty,
            ]);
        };
        receive(&b, "5");
        carry(&dir, &b, &a);
        let b_code = b.json(&["whoami"])["code"].as_str().unwrap().to_string();
        a.ok(&["member", "revoke", &b_code]);
        // B has not heard: it goes on writing, and its bundle reaches A.
        receive(&b, "7");
        let report = carry(&dir, &b, &a);
        eqnice!(1, report["held"].as_array().unwrap().len());
        let bj1 = || a.json(&["stock", "levels", "--warehouse", "BJ1"])[0]["qty"].clone();
        eqnice!(serde_json::json!(5), bj1());
        let held = a.json(&["member", "held"]);
        eqnice!(1, held.as_array().unwrap().len());
        eqnice!(
            1,
            a.json(&["sync", "status"])["held"]
                .as_array()
                .unwrap()
                .len()
        );
        let hash = held[0]["hash"].as_str().unwrap().to_string();
        // A clerk may not decide; an admin accepts and the change applies.
        let err = b.fails(&["member", "accept", &hash]);
        assert!(
            err.contains("not permitted") || err.contains("may not"),
            "{err}"
        );
        a.ok(&["member", "accept", &hash]);
        eqnice!(serde_json::json!(12), bj1());
        eqnice!(0, a.json(&["member", "held"]).as_array().unwrap().len());
    }
);
