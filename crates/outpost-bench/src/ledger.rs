//! Finance figures: trial balances over a year of journal entries at ten sites.

use std::path::Path;
use std::time::{Duration, Instant};

use outpost_core::{
    AgeingFilter, BalanceFilter, EntryFilter, Money, NewAllocation, NewEntry, NewEntryLine,
    NewInvoice, NewParty, NewPayment, PartyKind, SiteCode, Timestamp,
};
use outpost_node::{Node, Result, Unlock};
use serde_json::{Value, json};

use crate::book::{org, percentile};

/// Sites of the data set: the organisation's own and nine branches.
const SITES: [&str; 10] = ["SH", "BJ", "GZ", "SZ", "CD", "WH", "HZ", "NJ", "XA", "TJ"];

/// Debit, credit and VAT accounts of the entries: sales on account with VAT, receipts,
/// purchases, wages.
fn lines(kind: u32, fen: i64) -> Vec<NewEntryLine> {
    let line = |account: &str, debit: i64, credit: i64| NewEntryLine {
        account: account.into(),
        debit: Money(debit),
        credit: Money(credit),
    };
    let tax = fen * 13 / 100;
    match kind % 4 {
        0 => vec![
            line("1122", fen + tax, 0),
            line("6001", 0, fen),
            line("2221", 0, tax),
        ],
        1 => vec![line("1002", fen, 0), line("1122", 0, fen)],
        2 => vec![
            line("1405", fen, 0),
            line("2221", tax, 0),
            line("2202", 0, fen + tax),
        ],
        _ => vec![line("6602", fen, 0), line("2211", 0, fen)],
    }
}

/// Times `f` `runs` times; p50 and p99 in ms.
fn timed(runs: u32, mut f: impl FnMut() -> Result<()>) -> Result<(f64, f64)> {
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((percentile(&times, 0.5), percentile(&times, 0.99)))
}

/// Ten sites × twelve months × `per_month` entries (three lines or two each), posted one by
/// one; then the consolidated and one site's trial balance, and one site's month of
/// entries, each timed.
pub(crate) fn ledger_year(dir: &Path, per_month: u32) -> Result<Value> {
    let node = Node::create(dir, org()?, &Unlock::owner_only())?;
    for code in &SITES[1..] {
        node.add_site(&SiteCode::parse(code)?, code)?;
    }
    let t = Instant::now();
    let mut entries = 0u32;
    for (s, site) in SITES.iter().enumerate() {
        for month in 1..=12u32 {
            for i in 0..per_month {
                let day = 1 + i % 28;
                let fen = 10_000 + i64::from((i * 7919 + month * 104_729 + s as u32) % 900_000);
                let entry = NewEntry {
                    site: Some((*site).into()),
                    date: Some(format!("2026-{month:02}-{day:02}")),
                    memo: format!("bench entry {i}"),
                    counterparty: format!("Customer {}", i % 50),
                    link: String::new(),
                    lines: lines(i, fen),
                };
                node.with_book(|b| b.ledger().post(entry, Timestamp::now()))?;
                entries += 1;
            }
        }
    }
    let generate_s = t.elapsed().as_secs_f64();
    // Invoices to twenty customers, a quarter as many as entries, every other one paid:
    // each posts its own entry too.
    let customers: Vec<String> = (0..20).map(|c| format!("Customer {c}")).collect();
    for name in &customers {
        node.with_book(|b| {
            b.parties().add(
                NewParty {
                    kind: PartyKind::Customer,
                    name: name.clone(),
                    phone: String::new(),
                    address: String::new(),
                },
                Timestamp::now(),
            )
        })?;
    }
    let t = Instant::now();
    let mut invoices = 0u32;
    for site in &SITES {
        for month in 1..=12u32 {
            for i in 0..per_month.div_ceil(4) {
                let day = 1 + i % 28;
                let invoice = NewInvoice {
                    site: Some((*site).into()),
                    party: Some(customers[(i as usize) % customers.len()].clone()),
                    net: Some(Money(10_000 + i64::from(i * 7919 % 500_000))),
                    date: Some(format!("2026-{month:02}-{day:02}")),
                    ..NewInvoice::default()
                };
                let (number, _) =
                    node.with_book(|b| b.billing().invoice(invoice, Timestamp::now()))?;
                if i % 2 == 0 {
                    let payment = NewPayment {
                        date: Some(format!("2026-{month:02}-28")),
                        allocations: vec![NewAllocation {
                            invoice: number,
                            amount: None,
                        }],
                        ..NewPayment::default()
                    };
                    node.with_book(|b| b.billing().pay(payment, Timestamp::now()))?;
                }
                invoices += 1;
            }
        }
    }
    let billing_s = t.elapsed().as_secs_f64();
    let all = BalanceFilter::default();
    let one = BalanceFilter {
        site: Some("BJ".into()),
        through: None,
    };
    let month = EntryFilter {
        site: Some("BJ".into()),
        month: Some("2026-06".into()),
        account: None,
    };
    let mut balanced = true;
    let consolidated = timed(20, || {
        let tb = node.trial_balance(&all)?;
        balanced &= tb.debit == tb.credit;
        Ok(())
    })?;
    let site = timed(20, || node.trial_balance(&one).map(drop))?;
    let mid_june = BalanceFilter {
        site: None,
        through: Some("2026-06-15".into()),
    };
    let through = timed(20, || node.trial_balance(&mid_june).map(drop))?;
    let listed = timed(20, || node.entries(&month).map(drop))?;
    let year_end = AgeingFilter {
        as_of: Some("2026-12-31".into()),
        ..AgeingFilter::default()
    };
    let ageing = timed(20, || node.ageing(&year_end).map(drop))?;
    // The year's journal (entries and the invoices' and payments' postings) to a
    // workbook, as finance hands it to an accountant.
    let workbook = dir.join("journal.xlsx");
    let mut rows = 0;
    let export = timed(3, || {
        rows = node
            .export_journal(
                &EntryFilter::default(),
                &workbook,
                outpost_node::i18n::Lang::Zh,
            )?
            .rows;
        Ok(())
    })?;
    let workbook_kb = std::fs::metadata(&workbook).map_or(0, |m| m.len()) / 1024;
    Ok(json!({
        "journal_xlsx_rows": rows, "journal_xlsx_kb": workbook_kb,
        "journal_xlsx_p50_ms": export.0, "journal_xlsx_max_ms": export.1,
        "sites": SITES.len(), "entries": entries, "generate_s": generate_s,
        "invoices": invoices, "billing_s": billing_s,
        "ageing_p50_ms": ageing.0, "ageing_p99_ms": ageing.1,
        "balanced": balanced,
        "consolidated_p50_ms": consolidated.0, "consolidated_p99_ms": consolidated.1,
        "site_p50_ms": site.0, "site_p99_ms": site.1,
        "through_p50_ms": through.0, "through_p99_ms": through.1,
        "month_list_p50_ms": listed.0, "month_list_p99_ms": listed.1,
    }))
}

/// Prints the ledger figures.
pub(crate) fn print_ledger_report(r: &Value) {
    let f = crate::book::fmt_figure;
    let l = &r["ledger_year"];
    println!(
        "Ledger: {} sites × 12 months, {} entries (posted in {} s); trial balance consolidated p50 {} ms / p99 {} ms (balanced: {}), one site p50 {} ms / p99 {} ms, consolidated up to mid-June p50 {} ms / p99 {} ms; one site's month of entries p50 {} ms / p99 {} ms",
        l["sites"],
        l["entries"],
        f(&l["generate_s"]),
        f(&l["consolidated_p50_ms"]),
        f(&l["consolidated_p99_ms"]),
        l["balanced"],
        f(&l["site_p50_ms"]),
        f(&l["site_p99_ms"]),
        f(&l["through_p50_ms"]),
        f(&l["through_p99_ms"]),
        f(&l["month_list_p50_ms"]),
        f(&l["month_list_p99_ms"])
    );
    println!(
        "Billing: {} invoices (half paid, each posting itself; written in {} s); receivables ageing of every site at year end p50 {} ms / p99 {} ms",
        l["invoices"],
        f(&l["billing_s"]),
        f(&l["ageing_p50_ms"]),
        f(&l["ageing_p99_ms"])
    );
    println!(
        "Journal to xlsx: {} lines of the year, {} KB, p50 {} ms / max {} ms (3 runs)",
        l["journal_xlsx_rows"],
        l["journal_xlsx_kb"],
        f(&l["journal_xlsx_p50_ms"]),
        f(&l["journal_xlsx_max_ms"])
    );
}
