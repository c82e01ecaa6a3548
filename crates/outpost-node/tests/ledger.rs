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
        // BJ is a branch: its finance keeps BJ's books, not those of SH (the head office's).
        let sites = f.json(&["site", "list"]);
        let head: Vec<_> = sites
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["head_office"] == true)
            .map(|s| s["code"].as_str().unwrap())
            .collect();
        eqnice!(vec!["SH"], head);
        assert!(zh.ok(&["site", "list"]).contains("总部"));
        let err = f.fails(&[
            "ledger", "post", "--site", "SH", "--line", "1001:d:1", "--line", "6001:c:1",
        ]);
        assert!(err.contains("keeps the books of BJ only"), "{err}");
        let err = zh.fails(&[
            "ledger", "post", "--site", "SH", "--line", "1001:d:1", "--line", "6001:c:1",
        ]);
        assert!(err.contains("只能处理 BJ 的账务"), "{err}");
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
        let err = b.fails(&["ledger", "list"]);
        assert!(err.contains("may not"), "{err}");
    }
);

outposttest!(
    the_head_office_keeps_the_chart_and_every_site_uses_it,
    |dir, _cmd| {
        let (a, _b) = two_offices(&dir);
        let f = dir.device("f");
        admit_by_file(&dir, &a, &f, "finance", "BJ", "Qian Li");
        let mut zh = a.clone();
        zh.lang = "zh".into();

        // HQ's admin adds a bank account under 1002 and a 1.5% rate.
        let added = a.json(&["ledger", "account", "add", "100201", "工商银行"]);
        eqnice!("1002", added["parent"]);
        let err = zh.fails(&["ledger", "account", "add", "100201", "again"]);
        assert!(err.contains("100201"), "{err}");
        let err = a.fails(&["ledger", "account", "add", "9999", "x"]);
        assert!(err.contains("100201"), "an example of the form: {err}");
        a.ok(&["ledger", "rate", "add", "1.5"]);
        assert!(a.ok(&["ledger", "rates"]).contains("1.5%"));
        assert!(zh.ok(&["ledger", "accounts"]).contains("工商银行"));

        // A branch's finance may not change the chart, and uses it once it arrives.
        carry(&dir, &a, &f);
        let err = f.fails(&["ledger", "account", "add", "100202", "建设银行"]);
        assert!(err.contains("may not change chart"), "{err}");
        let posted = f.json(&[
            "ledger",
            "post",
            "--line",
            "100201:d:50.00",
            "--line",
            "4001:c:50.00",
        ]);
        let number = posted["number"].as_str().unwrap().to_string();
        assert!(f.ok(&["ledger", "show", &number]).contains("工商银行"));
        let invoiced = f.json(&[
            "invoice", "new", "--party", "Acme", "--net", "100.00", "--rate", "1.5",
        ]);
        let shown = f.json(&["invoice", "show", invoiced["number"].as_str().unwrap()]);
        eqnice!(150, shown["tax"]);

        // Retired, it is offered no more; what was posted on it stays.
        a.ok(&["ledger", "account", "retire", "100201"]);
        carry(&dir, &a, &f);
        let err = f.fails(&[
            "ledger",
            "post",
            "--line",
            "100201:d:1.00",
            "--line",
            "4001:c:1.00",
        ]);
        assert!(err.contains("no longer in use"), "{err}");
        let tb = f.json(&["ledger", "balances", "--site", "BJ"]);
        let rows = tb["rows"].as_array().unwrap();
        assert!(rows.iter().any(|r| r["account"]["code"] == "100201"));
        let accounts = f.json(&["ledger", "accounts"]);
        let icbc = accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == "100201")
            .unwrap()
            .clone();
        eqnice!(false, icbc["active"]);
    }
);

outposttest!(
    finance_invoices_takes_payments_and_ages_what_customers_owe,
    |dir, _cmd| {
        let (a, b) = two_offices(&dir);
        let mut zh = a.clone();
        zh.lang = "zh".into();
        // A service invoice at 6%, special VAT invoice; then a part payment.
        let issued = a.json(&[
            "invoice",
            "new",
            "--party",
            "Acme",
            "--net",
            "1000.00",
            "--rate",
            "6",
            "--special",
        ]);
        let number = issued["number"].as_str().unwrap().to_string();
        eqnice!(106000, issued["gross"]);
        assert!(
            zh.ok(&["invoice", "show", &number]).contains("专票 6%"),
            "shown in Chinese"
        );
        let before = a.dump();
        let err = a.fails(&["pay", "record", "--invoice", &format!("{number}:2000.00")]);
        assert!(err.contains("more than"), "{err}");
        let err = zh.fails(&["pay", "record", "--invoice", &format!("{number}:2000.00")]);
        assert!(err.contains("超过"), "{err}");
        eqnice!(before, a.dump());
        let paid = a.json(&[
            "pay",
            "record",
            "--invoice",
            &format!("{number}:600.00"),
            "--ref",
            "CMB-1",
        ]);
        eqnice!(60000, paid["amount"]);
        let open = a.json(&["invoice", "list", "--open"]);
        eqnice!(46000, open[0]["outstanding"]);
        // The invoice and the receipt posted their own entries.
        let journal = a.json(&["ledger", "list"]);
        let sources: Vec<&str> = journal
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["source"].as_str())
            .collect();
        eqnice!(2, sources.len());
        let tb = a.json(&["ledger", "balances"]);
        let receivable = tb["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["account"]["code"] == "1122")
            .unwrap()["balance"]
            .clone();
        eqnice!(46000, receivable);
        // Ageing: not yet due today, 31–60 days late two months on.
        let ageing = a.json(&["report", "ageing"]);
        eqnice!(46000, ageing[0]["current"]);
        let due = open[0]["due"].as_str().unwrap();
        let later: jiff::civil::Date = due.parse().unwrap();
        let later = (later + jiff::Span::new().days(40)).to_string();
        let ageing = a.json(&["report", "ageing", "--as-of", &later]);
        eqnice!(46000, ageing[0]["days_31_60"]);
        // The same ageing to a workbook, read back; to CSV for Excel, in Chinese.
        let xlsx = dir.path().join("ageing.xlsx");
        a.ok(&[
            "report",
            "ageing",
            "--as-of",
            &later,
            "--out",
            xlsx.to_str().unwrap(),
        ]);
        use calamine::{Data, Reader};
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        // Title, headings, Acme, totals.
        eqnice!(4, rows.len());
        eqnice!("Acme", rows[2][0].to_string());
        eqnice!(Data::Float(460.0), rows[2][3].clone());
        eqnice!(Data::Float(460.0), rows[3][7].clone());
        let csv = dir.path().join("ageing.csv");
        zh.ok(&[
            "report",
            "ageing",
            "--as-of",
            &later,
            "--out",
            csv.to_str().unwrap(),
        ]);
        let text = String::from_utf8(std::fs::read(&csv).unwrap()[3..].to_vec()).unwrap();
        assert!(
            text.starts_with("往来单位,未到期,1–30 天,31–60 天"),
            "{text}"
        );
        assert!(
            text.contains("Acme,0.00,0.00,460.00,0.00,0.00,0.00,460.00"),
            "{text}"
        );
        // The statements: assets = liabilities + equity + the profit earned.
        let sheet = a.json(&["report", "balance-sheet"]);
        eqnice!(106000, sheet["total_assets"]);
        eqnice!(6000, sheet["total_liabilities"]);
        eqnice!(100000, sheet["profit"]);
        let income = dir.path().join("income.csv");
        a.ok(&["report", "income", "--out", income.to_str().unwrap()]);
        let text = String::from_utf8(std::fs::read(&income).unwrap()[3..].to_vec()).unwrap();
        assert!(
            text.contains("6001,Revenue from main operations,1000.00"),
            "{text}"
        );
        assert!(
            text.trim_end().ends_with(",Profit of the period,1000.00"),
            "{text}"
        );

        // A credit note of the whole invoice after a part was paid: the customer is owed
        // the payment back, shown as an exception until someone acts.
        a.ok(&["invoice", "credit", &number, "--memo", "returned"]);
        eqnice!(
            -60000,
            a.json(&["invoice", "list", "--open"])[0]["outstanding"]
        );
        let exceptions = a.json(&["exceptions"]);
        assert!(
            exceptions
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "invoice_overpaid" && e["subject"] == number.as_str()),
            "{exceptions}"
        );
        let err = b.fails(&["invoice", "new", "--party", "Acme", "--net", "1.00"]);
        assert!(err.contains("may not"), "{err}");
    }
);

/// Where `bean-check` is: BEAN_CHECK, else where `make deps` installs it, else the PATH.
fn bean_check() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("BEAN_CHECK") {
        return path.into();
    }
    let installed = std::path::Path::new(&std::env::var("HOME").unwrap_or_default())
        .join(".cache/outpost/beancount/bin/bean-check");
    if installed.exists() {
        return installed;
    }
    "bean-check".into()
}

outposttest!(
    stock_at_cost_and_sales_from_the_cli_shipments_post_their_cost_and_the_reports_export,
    |dir, _cmd| {
        let (a, _b) = two_offices(&dir);
        // Ten cups at 8.00 and ten at 10.00: 9.00 on average.
        for price in ["8.00", "10.00"] {
            let po = a.json(&[
                "order",
                "new",
                "--purchase",
                "--supplier",
                "Hangzhou Tea Co",
                "--line",
                &format!("CUP:10:{price}"),
            ]);
            let po = po["number"].as_str().unwrap().to_string();
            for step in ["submit", "approve", "receive"] {
                a.ok(&["order", step, &po]);
            }
        }
        let sale = a.json(&["order", "new", "--customer", "Acme", "--line", "CUP:4"]);
        let sale = sale["number"].as_str().unwrap().to_string();
        for step in ["submit", "approve", "ship"] {
            a.ok(&["order", step, &sale]);
        }
        let stock = a.json(&["report", "stock", "--site", "SH"]);
        eqnice!(1, stock.as_array().unwrap().len());
        eqnice!("CUP", stock[0]["sku"]);
        eqnice!(16, stock[0]["qty"]);
        eqnice!(900, stock[0]["unit_cost"]);
        eqnice!(14400, stock[0]["value"]);
        // The shipment posted its cost of sales, linked to its order; each receipt its
        // goods against what is owed to the supplier.
        let journal = a.json(&["ledger", "list"]);
        let movements: Vec<_> = journal
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["source"] == "movement")
            .collect();
        eqnice!(3, movements.len());
        let cost = movements
            .iter()
            .find(|e| e["link"] == sale.as_str())
            .unwrap();
        eqnice!(3600, cost["total"]);
        let mut received: Vec<i64> = movements
            .iter()
            .filter(|e| e["link"] != sale.as_str())
            .map(|e| e["total"].as_i64().unwrap())
            .collect();
        received.sort();
        eqnice!(vec![8000, 10000], received);
        // Sales: 4 cups at 12.50 that cost 9.00 each.
        let sales = a.json(&["report", "sales", "--by", "customer"]);
        eqnice!(1, sales.as_array().unwrap().len());
        eqnice!("Acme", sales[0]["key"]);
        eqnice!(4, sales[0]["qty"]);
        eqnice!(5000, sales[0]["net"]);
        eqnice!(3600, sales[0]["cost"]);
        eqnice!(1400, sales[0]["margin"]);
        let err = a.fails(&["report", "sales", "--by", "colour"]);
        assert!(err.contains("colour"), "{err}");
        let sales_book = dir.path().join("sales.xlsx");
        a.ok(&["report", "sales", "--out", sales_book.to_str().unwrap()]);
        let mut zh = a.clone();
        zh.lang = "zh".into();
        assert!(zh.ok(&["report", "stock"]).contains("单位成本"));
        assert!(zh.ok(&["report", "sales", "--by", "site"]).contains("毛利"));
        // To a workbook, read back; to CSV for Excel.
        let xlsx = dir.path().join("stock.xlsx");
        a.ok(&["report", "stock", "--out", xlsx.to_str().unwrap()]);
        use calamine::{Data, Reader};
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        // Title, headings, CUP at SH, totals.
        eqnice!(4, rows.len());
        eqnice!("CUP", rows[2][1].to_string());
        eqnice!(Data::Float(9.0), rows[2][4].clone());
        eqnice!(Data::Float(144.0), rows[3][5].clone());
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&sales_book).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        // Title, headings, CUP, totals: net, cost, margin in yuan.
        eqnice!(4, rows.len());
        eqnice!("CUP", rows[2][0].to_string());
        eqnice!(
            vec![Data::Float(50.0), Data::Float(36.0), Data::Float(14.0)],
            rows[3][3..6].to_vec()
        );
        let csv = dir.path().join("stock.csv");
        zh.ok(&["report", "stock", "--out", csv.to_str().unwrap()]);
        let text = String::from_utf8(std::fs::read(&csv).unwrap()[3..].to_vec()).unwrap();
        assert!(
            text.starts_with("站点,编码,名称,数量,单位成本,金额"),
            "{text}"
        );
        assert!(text.contains("SH,CUP,Tea cup,16,9.00,144.00"), "{text}");
    }
);

outposttest!(
    reports_open_elsewhere_csv_for_excel_a_workbook_equal_to_the_report_and_beancount_that_checks,
    |dir, _cmd| {
        let (a, _b) = two_offices(&dir);
        for lines in [
            [
                "1122:debit:113.00",
                "6001:credit:100.00",
                "2221:credit:13.00",
            ],
            ["1002:debit:113.00", "1122:credit:113.00", "1001:debit:0.01"],
        ] {
            let mut args = vec![
                "ledger",
                "post",
                "--memo",
                "Acme \"first\" order",
                "--counterparty",
                "Acme",
            ];
            for l in &lines {
                args.extend(["--line", l]);
            }
            if lines[2].starts_with("1001") {
                // Unbalanced on purpose: refused; post the two balanced lines only.
                a.fails(&args);
                args.truncate(args.len() - 2);
            }
            a.ok(&args);
        }
        let tb = a.json(&["ledger", "balances"]);

        // CSV: a byte order mark, headings in the user's language, one row per account.
        let mut zh = a.clone();
        zh.lang = "zh".into();
        let csv = dir.path().join("tb.csv");
        zh.ok(&["report", "trial-balance", "--out", csv.to_str().unwrap()]);
        let bytes = std::fs::read(&csv).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.starts_with("代码,科目,借方,贷方,余额\n"), "{text}");
        assert!(text.contains("1122,应收账款,113.00,113.00,0.00"), "{text}");

        // The workbook read back equals the report.
        let xlsx = dir.path().join("tb.xlsx");
        let written = a.json(&["report", "trial-balance", "--out", xlsx.to_str().unwrap()]);
        eqnice!(
            tb["rows"].as_array().unwrap().len(),
            written["rows"].as_u64().unwrap() as usize
        );
        use calamine::{Data, Reader};
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        let fen = |d: &Data| match d {
            Data::Float(f) => (f * 100.0).round() as i64,
            other => panic!("not a number: {other:?}"),
        };
        let accounts = tb["rows"].as_array().unwrap();
        // Title, headings, the accounts, totals.
        eqnice!(accounts.len() + 3, rows.len());
        for (row, account) in rows[2..].iter().zip(accounts) {
            eqnice!(
                account["account"]["code"].as_str().unwrap(),
                row[0].to_string()
            );
            eqnice!(
                account["account"]["name_en"].as_str().unwrap(),
                row[1].to_string()
            );
            eqnice!(account["debit"].as_i64().unwrap(), fen(&row[2]));
            eqnice!(account["credit"].as_i64().unwrap(), fen(&row[3]));
            eqnice!(account["balance"].as_i64().unwrap(), fen(&row[4]));
        }
        let totals = rows.last().unwrap();
        eqnice!(tb["debit"].as_i64().unwrap(), fen(&totals[2]));
        eqnice!(tb["credit"].as_i64().unwrap(), fen(&totals[3]));

        // The journal as Beancount passes bean-check.
        let bean = dir.path().join("journal.beancount");
        a.ok(&["report", "journal", "--out", bean.to_str().unwrap()]);
        let checked = std::process::Command::new(bean_check())
            .arg(&bean)
            .output()
            .expect("bean-check (make deps installs it)");
        assert!(
            checked.status.success(),
            "bean-check: {}\n{}",
            String::from_utf8_lossy(&checked.stderr),
            std::fs::read_to_string(&bean).unwrap()
        );

        // The journal's lines to a workbook: every line, debits = credits.
        let lines_book = dir.path().join("journal.xlsx");
        a.ok(&["report", "journal", "--out", lines_book.to_str().unwrap()]);
        let journal = a.json(&["ledger", "list"]);
        let line_count: usize = journal
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["lines"].as_array().unwrap().len())
            .sum();
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&lines_book).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        // Title, headings, the lines, totals.
        eqnice!(line_count + 3, rows.len());
        let totals = rows.last().unwrap();
        eqnice!(fen(&totals[7]), fen(&totals[8]));
        assert!(fen(&totals[7]) > 0);

        // A name no format has: refused, nothing written.
        let pdf = dir.path().join("tb.pdf");
        let err = a.fails(&["report", "trial-balance", "--out", pdf.to_str().unwrap()]);
        assert!(err.contains(".csv, .xlsx"), "{err}");
        assert!(!pdf.exists());
        let err = a.fails(&["report", "journal", "--out", pdf.to_str().unwrap()]);
        assert!(err.contains(".beancount"), "{err}");
        assert!(!pdf.exists());
    }
);

outposttest!(
    finance_imports_a_bank_statement_once_and_turns_a_line_into_a_receipt,
    |dir, _cmd| {
        let (a, _b) = two_offices(&dir);
        let mut zh = a.clone();
        zh.lang = "zh".into();
        let issued = a.json(&["invoice", "new", "--party", "Acme", "--net", "100.00"]);
        let invoice = issued["number"].as_str().unwrap().to_string();
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        let statement = dir.path().join("statement.csv");
        std::fs::write(
            &statement,
            format!(
                "\u{feff}交易日期,收入金额,支出金额,对方户名,交易流水号,摘要\n\
                 {today},113.00,,Acme,R1,货款\n{today},,5.00,,R2,手续费\n"
            ),
        )
        .unwrap();
        let file = statement.to_str().unwrap();
        let done = a.json(&["reconcile", "import", file]);
        eqnice!(2, done["imported"]);
        let again = a.json(&["reconcile", "import", file]);
        eqnice!((0, 2), imported_and_already(&again));

        // A file with a bad row: every bad row named, nothing imported.
        let before = a.dump();
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "日期,金额\n2026-12-01,1.00\n2026-12-99,2.00\n").unwrap();
        let err = a.fails(&["reconcile", "import", bad.to_str().unwrap()]);
        assert!(err.contains("row 3"), "{err}");
        let err = zh.fails(&["reconcile", "import", bad.to_str().unwrap()]);
        assert!(err.contains("无法导入"), "{err}");
        eqnice!(before, a.dump());

        // The sale's line suggests the invoice; receiving it settles the invoice.
        let lines = a.json(&["reconcile", "list", "--unmatched"]);
        let sale = lines
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["reference"] == "R1")
            .unwrap();
        eqnice!(invoice.as_str(), sale["suggestions"][0]["number"]);
        let line = sale["id"].as_str().unwrap().to_string();
        a.ok(&["reconcile", "receive", &line, &invoice]);
        eqnice!(
            0,
            a.json(&["invoice", "list", "--open"])
                .as_array()
                .unwrap()
                .len()
        );
        let open = a.json(&["reconcile", "list", "--unmatched"]);
        eqnice!(1, open.as_array().unwrap().len());
        eqnice!("R2", open[0]["reference"]);
        eqnice!(
            0,
            a.json(&["reconcile", "unmatched"])
                .as_array()
                .unwrap()
                .len()
        );

        // Month end: the month closed, nothing more is dated in it.
        let month = today.to_string()[..7].to_string();
        a.ok(&["close", "month", &month]);
        let err = zh.fails(&["invoice", "new", "--party", "Acme", "--net", "1.00"]);
        assert!(err.contains("已结账"), "{err}");
        let closes = a.json(&["close", "list"]);
        eqnice!(month.as_str(), closes[0]["month"]);
        eqnice!(2, closes[0]["entries"]);
    }
);

/// What an import reports: lines new to the book, lines it held already.
fn imported_and_already(v: &serde_json::Value) -> (i64, i64) {
    (
        v["imported"].as_i64().unwrap(),
        v["already"].as_i64().unwrap(),
    )
}
