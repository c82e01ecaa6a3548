//! `outpost ledger …`: the journal, its chart of accounts and trial balances.

use outpost_core::{
    AgeingFilter, BalanceFilter, EntryFilter, EntryRow, Money, NewEntry, NewEntryLine, OrderKind,
    PeriodFilter, SalesBy, SalesFilter, StatementLine,
};
use outpost_node::i18n::{Lang, Msg};
use outpost_node::{Node, Result};
use serde_json::json;

use super::args::*;
use super::out::{Out, outln};
use super::table::Table;

pub(super) fn ledger(node: &Node, cmd: LedgerCmd, out: &Out) -> Result<()> {
    match cmd {
        LedgerCmd::Accounts => {
            let chart = node.chart()?;
            out.json(&json!(chart));
            let mut t = Table::new(out.headers(&[
                Msg::ColCode,
                Msg::ColName,
                Msg::ColClass,
                Msg::ColInUse,
            ]));
            for a in &chart {
                t.row(vec![
                    a.code.clone(),
                    account_name(out.lang, &a.code, &chart),
                    out.word(a.class.as_str()),
                    out.flag(a.active),
                ]);
            }
            print(out, &t);
        }
        LedgerCmd::Account(cmd) => {
            let code = match cmd {
                AccountCmd::Add { code, name } => {
                    let added = node.add_account(&code, &name)?;
                    out.json(&json!(added));
                    code
                }
                AccountCmd::Rename { code, name } => {
                    node.rename_account(&code, &name)?;
                    code
                }
                AccountCmd::Retire { code } => {
                    node.set_account_active(&code, false)?;
                    code
                }
                AccountCmd::Restore { code } => {
                    node.set_account_active(&code, true)?;
                    code
                }
            };
            out.say(Msg::ChartSaved, &[("what", &code)]);
        }
        LedgerCmd::Rates => {
            let rates = node.vat_rates()?;
            out.json(&json!(rates));
            let mut t = Table::new(out.headers(&[Msg::ColRate, Msg::ColPreset, Msg::ColInUse]));
            for r in &rates {
                t.row(vec![
                    format!("{}%", r.percent),
                    out.flag(r.preset),
                    out.flag(r.active),
                ]);
            }
            print(out, &t);
        }
        LedgerCmd::Rate(cmd) => {
            let rate = match cmd {
                RateCmd::Add { rate } => {
                    let added = node.add_rate(&rate)?;
                    out.json(&json!(added));
                    rate
                }
                RateCmd::Retire { rate } => {
                    node.set_rate_active(&rate, false)?;
                    rate
                }
                RateCmd::Restore { rate } => {
                    node.set_rate_active(&rate, true)?;
                    rate
                }
            };
            out.say(
                Msg::ChartSaved,
                &[("what", &format!("{}%", rate.trim_end_matches('%')))],
            );
        }
        LedgerCmd::Post {
            lines,
            site,
            date,
            memo,
            counterparty,
            link,
        } => {
            let lines = lines
                .iter()
                .map(|l| parse_line(l))
                .collect::<Result<Vec<_>>>()?;
            let (number, id) = node.post_entry(NewEntry {
                site,
                date,
                memo,
                counterparty,
                link,
                lines,
            })?;
            out.say(Msg::EntryPosted, &[("number", &number)]);
            out.json(&json!({"number": number, "id": id}));
        }
        LedgerCmd::List {
            site,
            month,
            account,
        } => {
            let rows = node.entries(&EntryFilter {
                site,
                month,
                account,
            })?;
            out.json(&json!(rows));
            let mut t = Table::new(out.headers(&[
                Msg::ColNumber,
                Msg::ColDate,
                Msg::ColSite,
                Msg::ColMemo,
                Msg::ColParty,
                Msg::ColTotal,
            ]))
            .right(&[5]);
            for r in &rows {
                t.row(vec![
                    r.number.clone(),
                    r.date.clone(),
                    r.site.clone(),
                    r.memo.clone(),
                    r.counterparty.clone(),
                    r.total.to_string(),
                ]);
            }
            print(out, &t);
        }
        LedgerCmd::Show { entry } => {
            let row = node.entry(&entry)?;
            out.json(&json!(row));
            show(node, out, &row)?;
        }
        LedgerCmd::Reverse { entry, date } => {
            let (number, id) = node.reverse_entry(&entry, date.as_deref())?;
            out.say(
                Msg::EntryReversed,
                &[("entry", &entry.as_str()), ("number", &number)],
            );
            out.json(&json!({"number": number, "id": id, "reverses": entry}));
        }
        LedgerCmd::Balances { site, through } => {
            let tb = node.trial_balance(&BalanceFilter { site, through })?;
            out.json(&json!(tb));
            let chart = node.chart()?;
            let mut t = Table::new(out.headers(&[
                Msg::ColCode,
                Msg::ColAccount,
                Msg::ColDebit,
                Msg::ColCredit,
                Msg::ColBalance,
            ]))
            .right(&[2, 3, 4]);
            for r in &tb.rows {
                t.row(vec![
                    r.account.code.to_string(),
                    account_name(out.lang, &r.account.code, &chart),
                    r.debit.to_string(),
                    r.credit.to_string(),
                    r.balance.to_string(),
                ]);
            }
            print(out, &t);
            out.say(
                Msg::TrialBalanced,
                &[("debit", &tb.debit), ("credit", &tb.credit)],
            );
            if tb.eliminated.0 > 0 {
                out.say(Msg::TrialEliminated, &[("amount", &tb.eliminated)]);
            }
        }
    }
    Ok(())
}

fn print(out: &Out, t: &Table) {
    if !out.json {
        outln!(out, "{}", t.render());
    }
}

/// An entry with its lines.
fn show(node: &Node, out: &Out, row: &EntryRow) -> Result<()> {
    if out.json {
        return Ok(());
    }
    outln!(
        out,
        "{}  {}  {}  {}",
        row.number,
        row.date,
        row.site,
        row.memo
    );
    if !row.counterparty.is_empty() {
        outln!(
            out,
            "{}: {}",
            Msg::ColParty.text(out.lang),
            row.counterparty
        );
    }
    let chart = node.chart()?;
    let mut t =
        Table::new(out.headers(&[Msg::ColCode, Msg::ColAccount, Msg::ColDebit, Msg::ColCredit]))
            .right(&[2, 3]);
    let shown = |m: Money| {
        if m == Money::ZERO {
            String::new()
        } else {
            m.to_string()
        }
    };
    for l in &row.lines {
        t.row(vec![
            l.account.clone(),
            account_name(out.lang, &l.account, &chart),
            shown(l.debit),
            shown(l.credit),
        ]);
    }
    outln!(out, "{}", t.render());
    Ok(())
}

/// The account's name in the language of messages.
fn account_name(lang: Lang, code: &str, chart: &[outpost_core::Account]) -> String {
    chart
        .iter()
        .find(|a| a.code == code)
        .map(|a| match lang {
            Lang::Zh => a.name_zh.to_string(),
            Lang::En => a.name_en.to_string(),
        })
        .unwrap_or_default()
}

/// Parses `1002:debit:113.00` (also `d`/`c`, 借/贷).
fn parse_line(text: &str) -> Result<NewEntryLine> {
    let bad = || {
        outpost_node::Error::Core(outpost_core::Error::invalid(
            "line",
            text,
            outpost_core::Rule::Format {
                example: "1002:debit:113.00",
            },
        ))
    };
    let mut parts = text.splitn(3, ':');
    let (Some(account), Some(side), Some(amount)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let amount = Money::parse(amount)?;
    let (debit, credit) = match side.trim().to_lowercase().as_str() {
        "debit" | "d" | "dr" | "借" => (amount, Money::ZERO),
        "credit" | "c" | "cr" | "贷" => (Money::ZERO, amount),
        _ => return Err(bad()),
    };
    Ok(NewEntryLine {
        account: account.trim().to_string(),
        debit,
        credit,
    })
}

/// A statement on screen: each section's accounts and total, then the profit.
fn statement(out: &Out, sections: &[(Msg, &[StatementLine], Money)], profit: Money) {
    let mut t =
        Table::new(out.headers(&[Msg::ColCode, Msg::ColAccount, Msg::ColAmount])).right(&[2]);
    for (heading, lines, total) in sections {
        t.row(vec![
            String::new(),
            heading.text(out.lang).to_string(),
            String::new(),
        ]);
        for l in *lines {
            let name = match out.lang {
                Lang::Zh => &l.account.name_zh,
                Lang::En => &l.account.name_en,
            };
            t.row(vec![
                l.account.code.to_string(),
                name.to_string(),
                l.amount.to_string(),
            ]);
        }
        t.row(vec![
            String::new(),
            Msg::ColTotal.text(out.lang).to_string(),
            total.to_string(),
        ]);
    }
    t.row(vec![
        String::new(),
        Msg::SecProfit.text(out.lang).to_string(),
        profit.to_string(),
    ]);
    print(out, &t);
}

/// `outpost close …`: month ends.
pub(super) fn close(node: &Node, cmd: CloseCmd, out: &Out) -> Result<()> {
    match cmd {
        CloseCmd::Month { month, site } => {
            node.close_month(&site, &month)?;
            out.say(Msg::MonthClosed, &[("month", &month), ("site", &site)]);
            out.json(&json!({"month": month, "site": site}));
        }
        CloseCmd::List => {
            let rows = node.closes()?;
            let mut t = Table::new(out.headers(&[
                Msg::ColSite,
                Msg::ColMonth,
                Msg::ColDevice,
                Msg::ColAt,
                Msg::ColEntries,
                Msg::ColDebit,
            ]))
            .right(&[4, 5]);
            for r in &rows {
                t.row(vec![
                    r.site.clone(),
                    r.month.clone(),
                    r.closed_by.clone(),
                    super::out::when(r.closed_at_ms),
                    r.entries.to_string(),
                    r.debit.to_string(),
                ]);
            }
            out.table(&rows, t, rows.is_empty());
        }
    }
    Ok(())
}

/// `outpost report …`: reports written to files.
pub(super) fn report(node: &Node, cmd: ReportCmd, out: &Out) -> Result<()> {
    let written = match cmd {
        ReportCmd::Ageing {
            out: None,
            payables,
            site,
            as_of,
        } => return super::billing::ageing(node, payables, site, as_of, out),
        ReportCmd::Ageing {
            out: Some(file),
            payables,
            site,
            as_of,
        } => node.export_ageing(
            &AgeingFilter {
                site,
                kind: Some(if payables {
                    OrderKind::Purchase
                } else {
                    OrderKind::Sales
                }),
                as_of,
            },
            &file,
            out.lang,
        )?,
        ReportCmd::TrialBalance {
            out: file,
            site,
            through,
        } => node.export_trial_balance(&BalanceFilter { site, through }, &file, out.lang)?,
        ReportCmd::BalanceSheet {
            out: file,
            site,
            through,
        } => {
            let filter = BalanceFilter { site, through };
            match file {
                Some(file) => node.export_balance_sheet(&filter, &file, out.lang)?,
                None => {
                    let sheet = node.balance_sheet(&filter)?;
                    out.json(&json!(sheet));
                    statement(
                        out,
                        &[
                            (Msg::SecAssets, &sheet.assets, sheet.total_assets),
                            (
                                Msg::SecLiabilities,
                                &sheet.liabilities,
                                sheet.total_liabilities,
                            ),
                            (Msg::SecEquity, &sheet.equity, sheet.total_equity),
                        ],
                        sheet.profit,
                    );
                    return Ok(());
                }
            }
        }
        ReportCmd::Income {
            out: file,
            site,
            from,
            through,
        } => {
            let filter = PeriodFilter {
                site,
                from,
                through,
            };
            match file {
                Some(file) => node.export_income_statement(&filter, &file, out.lang)?,
                None => {
                    let income = node.income_statement(&filter)?;
                    out.json(&json!(income));
                    statement(
                        out,
                        &[
                            (Msg::SecIncome, &income.income, income.total_income),
                            (Msg::SecExpenses, &income.expenses, income.total_expenses),
                        ],
                        income.profit,
                    );
                    return Ok(());
                }
            }
        }
        ReportCmd::Stock {
            out: file,
            site,
            through,
        } => {
            let filter = BalanceFilter { site, through };
            match file {
                Some(file) => node.export_stock_valuation(&filter, &file, out.lang)?,
                None => {
                    let rows = node.stock_valuation(&filter)?;
                    let mut t = Table::new(out.headers(&outpost_node::i18n::VALUATION_COLUMNS))
                        .right(&[3, 4, 5]);
                    for r in &rows {
                        t.row(vec![
                            r.site.clone(),
                            r.sku.clone(),
                            r.name.clone(),
                            r.qty.to_string(),
                            r.unit_cost.to_string(),
                            r.value.to_string(),
                        ]);
                    }
                    out.table(&rows, t, rows.is_empty());
                    return Ok(());
                }
            }
        }
        ReportCmd::Sales {
            out: file,
            by,
            site,
            from,
            through,
        } => {
            let by = SalesBy::parse(&by)?;
            let filter = SalesFilter {
                by: Some(by),
                site,
                from,
                through,
            };
            match file {
                Some(file) => node.export_sales(&filter, &file, out.lang)?,
                None => {
                    let rows = node.sales(&filter)?;
                    let mut t = Table::new(out.headers(&outpost_node::i18n::sales_columns(by)))
                        .right(&[2, 3, 4, 5]);
                    for r in &rows {
                        t.row(vec![
                            r.key.clone(),
                            r.name.clone(),
                            r.qty.to_string(),
                            r.net.to_string(),
                            r.cost.to_string(),
                            r.margin.to_string(),
                        ]);
                    }
                    out.table(&rows, t, rows.is_empty());
                    return Ok(());
                }
            }
        }
        ReportCmd::Journal {
            out: file,
            site,
            month,
        } => node.export_journal(
            &EntryFilter {
                site,
                month,
                account: None,
            },
            &file,
            out.lang,
        )?,
    };
    out.say(
        Msg::ReportWritten,
        &[("rows", &written.rows), ("path", &written.path)],
    );
    out.json(&json!(written));
    Ok(())
}
