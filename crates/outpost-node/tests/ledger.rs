//! The journal from the command line: finance posts balanced entries, reverses them,
//! reads trial balances; what does not balance is refused in the user's language and
//! writes nothing; a clerk may not post, and never receives the ledger.

use crate::util::{admit_by_file, carry, two_offices};

outposttest!(
    finance_posts_reverses_and_balances_entries_a_clerk_never_sees,
    |dir, _cmd| {
        let (a, b) = two_offices(&dir);
        let f = dir.device("f");
        admit_by_file(&dir, &a, &f, "finance", "BJ", "Qian Li");

        // The chart of accounts, in both languages.
        let chart = f.json(&["ledger", "accounts"]);
        assert!(
            chart
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["code"] == "1122")
        );
        let mut zh = f.clone();
        zh.lang = "zh".into();
        assert!(zh.ok(&["ledger", "accounts"]).contains("应收账款"));

        // A sale on account at BJ: 113.00 with 13% VAT.
        let posted = f.json(&[
            "ledger",
            "post",
            "--site",
            "BJ",
            "--memo",
            "sale to Acme",
            "--counterparty",
            "Acme",
            "--line",
            "1122:debit:113.00",
            "--line",
            "6001:credit:100.00",
            "--line",
            "2221:贷:13.00",
        ]);
        let number = posted["number"].as_str().unwrap().to_string();
        assert!(number.starts_with("BJ-"), "{number}");
        let shown = f.json(&["ledger", "show", &number]);
        eqnice!(11300, shown["total"]);
        eqnice!(3, shown["lines"].as_array().unwrap().len());
        assert!(
            f.ok(&["ledger", "show", &number])
                .contains("Accounts receivable")
        );

        // Unbalanced, unknown account, a malformed line: refused, nothing written.
        let before = f.dump();
        let err = f.fails(&[
            "ledger",
            "post",
            "--line",
            "1122:debit:10.00",
            "--line",
            "6001:credit:9.99",
        ]);
        assert!(err.contains("must balance"), "{err}");
        let err = zh.fails(&[
            "ledger",
            "post",
            "--line",
            "1122:debit:10.00",
            "--line",
            "6001:credit:9.99",
        ]);
        assert!(err.contains("借贷平衡"), "{err}");
        let err = f.fails(&[
            "ledger",
            "post",
            "--line",
            "9999:debit:1",
            "--line",
            "6001:credit:1",
        ]);
        assert!(err.contains("9999"), "{err}");
        let err = f.fails(&["ledger", "post", "--line", "1122=10", "--line", "6001:c:10"]);
        assert!(err.contains("1002:debit:113.00"), "{err}");
        eqnice!(before, f.dump());

        // A clerk may not post.
        let err = b.fails(&["ledger", "post", "--line", "1001:d:1", "--line", "6001:c:1"]);
        assert!(err.contains("may not change"), "{err}");

        // The trial balance balances; a reversal brings the accounts back to zero, once.
        let tb = f.json(&["ledger", "balances", "--site", "BJ"]);
        eqnice!(tb["debit"], tb["credit"]);
        eqnice!(11300, tb["debit"]);
        let reversal = f.json(&["ledger", "reverse", &number]);
        eqnice!(number.as_str(), reversal["reverses"]);
        let err = f.fails(&["ledger", "reverse", &number]);
        assert!(err.contains("reversed already"), "{err}");
        let tb = f.json(&["ledger", "balances"]);
        for row in tb["rows"].as_array().unwrap() {
            eqnice!(0, row["balance"]);
        }

        // HQ's admin receives the journal; the clerk does not.
        carry(&dir, &f, &a);
        carry(&dir, &a, &b);
        eqnice!(
            2,
            a.json(&["ledger", "list", "--site", "BJ"])
                .as_array()
                .unwrap()
                .len()
        );
        eqnice!(0, b.json(&["ledger", "list"]).as_array().unwrap().len());
    }
);
