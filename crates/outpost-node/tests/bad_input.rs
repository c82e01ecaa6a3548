use crate::util::two_offices;

outposttest!(
    bad_input_gives_clear_errors_and_changes_nothing,
    |dir, _cmd| {
        let (a, b) = two_offices(&dir);
        let number = a.json(&["order", "new", "--customer", "Acme", "--line", "TEA:1"])["number"]
            .as_str()
            .unwrap()
            .to_string();
        let good = dir.path().join("good.bundle");
        b.ok(&["bundle", "export", good.to_str().unwrap()]);
        let bytes = std::fs::read(&good).unwrap();
        let truncated = dir.path().join("truncated.bundle");
        std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0xff;
        let corrupt = dir.path().join("corrupt.bundle");
        std::fs::write(&corrupt, &flipped).unwrap();
        let garbage = dir.path().join("garbage.bundle");
        std::fs::write(&garbage, b"PK\x03\x04 this is a zip, not a bundle").unwrap();
        let stranger = dir.device("stranger");
        stranger.ok(&["init", "--org", "Other Co", "--site", "SH", "--name", "X"]);
        let foreign = dir.path().join("foreign.bundle");
        stranger.ok(&["bundle", "export", foreign.to_str().unwrap()]);

        let before = a.dump();
        let huge = "x".repeat(100_000);
        let cases: Vec<(Vec<&str>, &str, &str)> = vec![
            (
                vec!["bundle", "import", truncated.to_str().unwrap()],
                "not a valid Outpost bundle",
                "不是有效的 Outpost 数据包",
            ),
            (
                vec!["bundle", "import", corrupt.to_str().unwrap()],
                "not a valid Outpost bundle",
                "不是有效的 Outpost 数据包",
            ),
            (
                vec!["bundle", "import", garbage.to_str().unwrap()],
                "not a valid Outpost bundle",
                "不是有效的 Outpost 数据包",
            ),
            (
                vec!["bundle", "import", foreign.to_str().unwrap()],
                "sealed for other members",
                "是为其他成员加密的",
            ),
            (
                vec!["bundle", "import", "/nonexistent/file"],
                "cannot access",
                "无法访问",
            ),
            (
                vec!["order", "new", "--customer", "Acme", "--line", "TEA:-2"],
                "invalid quantity",
                "数量无效",
            ),
            (
                vec!["order", "new", "--customer", "Acme", "--line", "NOPE:1"],
                "unknown item NOPE",
                "找不到商品 NOPE",
            ),
            (
                vec!["order", "new", "--customer", "Nobody", "--line", "TEA:1"],
                "unknown customer Nobody",
                "找不到客户 Nobody",
            ),
            (
                vec!["order", "new", "--customer", "Acme", "--line", "TEA:1:abc"],
                "invalid amount",
                "金额无效",
            ),
            (
                vec!["order", "new", "--customer", "Acme", "--note", &huge],
                "more than 4000 characters",
                "超过 4000 个字符",
            ),
            (vec!["order", "pay", &number], "cannot be paid", "不能付款"),
            (
                vec!["order", "ship", "SH-A1-999999"],
                "unknown order",
                "找不到订单",
            ),
            (
                vec![
                    "stock",
                    "issue",
                    "--item",
                    "TEA",
                    "--warehouse",
                    "SH1",
                    "--qty",
                    "1",
                ],
                "not enough TEA",
                "库存不足",
            ),
            (
                vec![
                    "stock",
                    "receive",
                    "--item",
                    "TEA",
                    "--warehouse",
                    "XX9",
                    "--qty",
                    "1",
                ],
                "unknown warehouse XX9",
                "找不到仓库 XX9",
            ),
            (
                vec![
                    "item", "add", "--sku", "TEA", "--name", "dup", "--price", "1",
                ],
                "sku TEA already exists",
                "已存在",
            ),
            (
                vec!["conflicts", "resolve", &number, "note", "1"],
                "no open conflict",
                "没有未解决的冲突",
            ),
        ];
        for (args, en, zh) in &cases {
            let stderr = a.fails(args);
            assert!(stderr.contains(en), "{args:?}: {stderr}");
            let mut zh_dev = a.clone();
            zh_dev.lang = "zh".into();
            let stderr = zh_dev.fails(args);
            assert!(
                stderr.contains(zh) && stderr.starts_with("错误"),
                "{args:?}: {stderr}"
            );
        }
        // Not UTF-8 at all.
        use std::os::unix::ffi::OsStrExt;
        let out = a
            .command(&["order", "new", "--note"])
            .arg(std::ffi::OsStr::from_bytes(b"\xff\xfe"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"));
        eqnice!(before, a.dump());
    }
);

outposttest!(a_data_dir_in_use_is_refused, |dir, _cmd| {
    let (a, _b) = two_offices(&dir);
    let mut child = a
        .command(&["write-loop", "--count", "100000", "--sku", "TEA"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the loop has the lock (it has printed a number).
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    lines.next();
    let stderr = a.fails(&["order", "list"]);
    assert!(
        stderr.contains("in use by another Outpost process"),
        "{stderr}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
});

outposttest!(commands_before_init_explain_what_to_do, |_dir, cmd| {
    let stderr = cmd.fails(&["order", "list"]);
    assert!(stderr.contains("outpost init"), "{stderr}");
});
