//! Reports written to files people open elsewhere: the trial balance and the ageing as CSV
//! (UTF-8 with a byte order mark, so Excel shows Chinese names) or as an Excel workbook,
//! and the journal as Beancount text for an accountant's own tools.
//!
//! The book keeps money in fen; a workbook's numbers are yuan as spreadsheet numbers
//! (doubles, exact to the fen far beyond any amount a book holds), so sums and formulas
//! work in Excel. CSV and Beancount carry the exact decimal text.

use std::path::Path;

use outpost_core::{
    Account, AccountClass, AgeingRow, BalanceSheet, EntryRow, IncomeStatement, Money, SalesBy,
    SalesRow, StatementLine, TrialBalance, ValuationRow,
};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::i18n::{Lang, Msg};

/// What an export wrote.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Exported {
    /// The file written.
    pub path: String,
    /// Rows (accounts or entries) in it.
    pub rows: usize,
}

/// A trial balance file's format, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TableFormat {
    /// `.csv`.
    Csv,
    /// `.xlsx`.
    Xlsx,
}

impl TableFormat {
    /// The format `path`'s extension names.
    pub(crate) fn of(path: &Path) -> Result<TableFormat> {
        match extension(path).as_deref() {
            Some("csv") => Ok(TableFormat::Csv),
            Some("xlsx") => Ok(TableFormat::Xlsx),
            _ => Err(Error::ReportFormat {
                path: path.to_path_buf(),
                expected: ".csv, .xlsx",
            }),
        }
    }
}

/// Checks that `path` names a Beancount file.
pub(crate) fn check_beancount_path(path: &Path) -> Result<()> {
    match extension(path).as_deref() {
        Some("beancount" | "bean") => Ok(()),
        _ => Err(Error::ReportFormat {
            path: path.to_path_buf(),
            expected: ".beancount, .bean",
        }),
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// The account's name in `lang`.
fn name(account: &Account, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &account.name_zh,
        Lang::En => &account.name_en,
    }
}

/// The column headings of a trial balance, in `lang`.
fn headings(lang: Lang) -> [&'static str; 5] {
    [
        Msg::ColCode.text(lang),
        Msg::ColAccount.text(lang),
        Msg::ColDebit.text(lang),
        Msg::ColCredit.text(lang),
        Msg::ColBalance.text(lang),
    ]
}

/// One cell of a report's table.
#[derive(Clone, Debug)]
pub(crate) enum Cell {
    /// Text.
    Text(String),
    /// Money: exact decimal text in CSV, a number in yuan in a workbook.
    Money(Money),
}

/// A report as a table: headings, rows, and a last row of totals.
pub(crate) struct Sheet<'a> {
    /// The column headings.
    pub headings: Vec<&'a str>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
    /// The totals row (shown bold in a workbook).
    pub totals: Vec<Cell>,
}

impl Sheet<'_> {
    /// The table as CSV (UTF-8 with a byte order mark, so Excel reads Chinese).
    pub(crate) fn csv(&self) -> Result<Vec<u8>> {
        let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let failed = |e: csv::Error| Error::Report(e.to_string());
        out.write_record(&self.headings).map_err(failed)?;
        for row in self.rows.iter().chain([&self.totals]) {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    Cell::Money(m) => m.to_plain(),
                })
                .collect();
            out.write_record(&cells).map_err(failed)?;
        }
        out.into_inner().map_err(|e| Error::Report(e.to_string()))
    }

    /// The table as an Excel workbook of one sheet under `title`; money as numbers in
    /// yuan formatted `#,##0.00`; the second column wide (names).
    pub(crate) fn xlsx(&self, title: &str) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let failed = |e: rust_xlsxwriter::XlsxError| Error::Report(e.to_string());
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("#,##0.00");
        let money_bold = money.clone().set_bold();
        sheet
            .write_string_with_format(0, 0, title, &bold)
            .map_err(failed)?;
        for (col, heading) in self.headings.iter().enumerate() {
            sheet
                .write_string_with_format(1, col as u16, *heading, &bold)
                .map_err(failed)?;
        }
        let rows = self.rows.iter().map(|r| (r, false));
        for (i, (cells, total)) in rows.chain([(&self.totals, true)]).enumerate() {
            let row = 2 + i as u32;
            for (col, cell) in cells.iter().enumerate() {
                let col = col as u16;
                match (cell, total) {
                    (Cell::Text(t), _) if t.is_empty() => Ok(()),
                    (Cell::Text(t), false) => sheet.write_string(row, col, t).map(drop),
                    (Cell::Text(t), true) => {
                        sheet.write_string_with_format(row, col, t, &bold).map(drop)
                    }
                    (Cell::Money(m), total) => sheet
                        .write_number_with_format(
                            row,
                            col,
                            m.0 as f64 / 100.0,
                            if total { &money_bold } else { &money },
                        )
                        .map(drop),
                }
                .map_err(failed)?;
            }
        }
        sheet.set_column_width(1, 28).map_err(failed)?;
        for col in 2..self.headings.len() as u16 {
            sheet.set_column_width(col, 16).map_err(failed)?;
        }
        book.save_to_buffer().map_err(failed)
    }

    /// The table in `format`, under `title` in a workbook.
    pub(crate) fn write(&self, format: TableFormat, title: &str) -> Result<Vec<u8>> {
        match format {
            TableFormat::Csv => self.csv(),
            TableFormat::Xlsx => self.xlsx(title),
        }
    }
}

/// The trial balance as a table: one row per account, then the totals.
pub(crate) fn trial_balance_sheet(tb: &TrialBalance, lang: Lang) -> Sheet<'static> {
    let text = |t: &str| Cell::Text(t.to_string());
    Sheet {
        headings: headings(lang).to_vec(),
        rows: tb
            .rows
            .iter()
            .map(|r| {
                vec![
                    text(&r.account.code),
                    text(name(&r.account, lang)),
                    Cell::Money(r.debit),
                    Cell::Money(r.credit),
                    Cell::Money(r.balance),
                ]
            })
            .collect(),
        totals: vec![
            text(""),
            text(Msg::ColTotal.text(lang)),
            Cell::Money(tb.debit),
            Cell::Money(tb.credit),
            text(""),
        ],
    }
}

/// Receivables (or payables) ageing as a table: one row per party, then the totals.
pub(crate) fn ageing_sheet(rows: &[AgeingRow], lang: Lang) -> Sheet<'static> {
    let mut sums = [Money::ZERO; 7];
    for r in rows {
        for (sum, m) in sums.iter_mut().zip(r.figures()) {
            sum.0 += m.0;
        }
    }
    let line = |first: String, figures: [Money; 7]| {
        std::iter::once(Cell::Text(first))
            .chain(figures.into_iter().map(Cell::Money))
            .collect()
    };
    Sheet {
        headings: crate::i18n::AGEING_COLUMNS
            .iter()
            .map(|m| m.text(lang))
            .collect(),
        rows: rows
            .iter()
            .map(|r| line(r.party.clone(), r.figures()))
            .collect(),
        totals: line(Msg::ColTotal.text(lang).to_string(), sums),
    }
}

/// The stock at cost as a table: one row per site and item, then the total value.
pub(crate) fn valuation_sheet(rows: &[ValuationRow], lang: Lang) -> Sheet<'static> {
    let text = |t: &str| Cell::Text(t.to_string());
    Sheet {
        headings: crate::i18n::VALUATION_COLUMNS
            .iter()
            .map(|m| m.text(lang))
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    text(&r.site),
                    text(&r.sku),
                    text(&r.name),
                    Cell::Text(r.qty.to_string()),
                    Cell::Money(r.unit_cost),
                    Cell::Money(r.value),
                ]
            })
            .collect(),
        totals: vec![
            text(Msg::ColTotal.text(lang)),
            text(""),
            text(""),
            text(""),
            text(""),
            Cell::Money(Money(rows.iter().map(|r| r.value.0).sum())),
        ],
    }
}

/// Sales as a table: one row per item (SKU, name), customer or site, then the totals.
pub(crate) fn sales_sheet(rows: &[SalesRow], by: SalesBy, lang: Lang) -> Sheet<'static> {
    let figures = |qty: i64, net: Money, cost: Money, margin: Money| {
        [
            Cell::Text(qty.to_string()),
            Cell::Money(net),
            Cell::Money(cost),
            Cell::Money(margin),
        ]
    };
    let sum = |f: fn(&SalesRow) -> i64| rows.iter().map(f).sum::<i64>();
    Sheet {
        headings: crate::i18n::sales_columns(by)
            .iter()
            .map(|m| m.text(lang))
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                [Cell::Text(r.key.clone()), Cell::Text(r.name.clone())]
                    .into_iter()
                    .chain(figures(r.qty, r.net, r.cost, r.margin))
                    .collect()
            })
            .collect(),
        totals: [
            Cell::Text(Msg::ColTotal.text(lang).to_string()),
            Cell::Text(String::new()),
        ]
        .into_iter()
        .chain(figures(
            sum(|r| r.qty),
            Money(sum(|r| r.net.0)),
            Money(sum(|r| r.cost.0)),
            Money(sum(|r| r.margin.0)),
        ))
        .collect(),
    }
}

/// The journal as a table: one row per line of each entry (date, number, site, memo,
/// counterparty, account, debit, credit), then the totals.
pub(crate) fn journal_sheet(entries: &[EntryRow], chart: &[Account], lang: Lang) -> Sheet<'static> {
    let text = |t: &str| Cell::Text(t.to_string());
    let account_name = |code: &str| {
        chart
            .iter()
            .find(|a| a.code == code)
            .map_or(String::new(), |a| name(a, lang).to_string())
    };
    let mut rows = Vec::new();
    let (mut debit, mut credit) = (0, 0);
    for e in entries {
        for l in &e.lines {
            debit += l.debit.0;
            credit += l.credit.0;
            rows.push(vec![
                text(&e.date),
                text(&e.number),
                text(&e.site),
                text(&e.memo),
                text(&e.counterparty),
                text(&l.account),
                Cell::Text(account_name(&l.account)),
                Cell::Money(l.debit),
                Cell::Money(l.credit),
            ]);
        }
    }
    let mut totals = vec![text(Msg::ColTotal.text(lang))];
    totals.extend(std::iter::repeat_with(|| text("")).take(6));
    totals.extend([Cell::Money(Money(debit)), Cell::Money(Money(credit))]);
    Sheet {
        headings: crate::i18n::JOURNAL_COLUMNS
            .iter()
            .map(|m| m.text(lang))
            .collect(),
        rows,
        totals,
    }
}

/// The Beancount account an account of the chart maps to (`Assets:1002-BankDeposits`).
fn beancount_account(a: &Account) -> String {
    let root = match a.class {
        // Production cost is work in progress: an asset until it becomes goods.
        AccountClass::Asset | AccountClass::Cost => "Assets",
        AccountClass::Liability => "Liabilities",
        AccountClass::Equity => "Equity",
        AccountClass::Income => "Income",
        AccountClass::Expense => "Expenses",
    };
    let words: String = a
        .name_en
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    // An added account named in Chinese only is its code alone.
    if words.is_empty() {
        format!("{root}:{}", a.code)
    } else {
        format!("{root}:{}-{words}", a.code)
    }
}

/// Text inside a Beancount string: one line, quotes and backslashes escaped.
fn quoted(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!(
        "\"{}\"",
        one_line.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// The journal as a Beancount ledger: the accounts it uses opened on its first day, then
/// each entry as a transaction (debits positive, credits negative, in CNY) carrying its
/// number and site as metadata. Entries are written oldest first.
pub(crate) fn journal_beancount(org: &str, entries: &[EntryRow], chart: &[Account]) -> String {
    let mut sorted: Vec<&EntryRow> = entries.iter().collect();
    sorted.sort_by(|a, b| (&a.date, &a.number).cmp(&(&b.date, &b.number)));
    let mut out = format!(
        "; Outpost journal of {org}\noption \"title\" {}\noption \"operating_currency\" \"CNY\"\n\n",
        quoted(org)
    );
    let used: std::collections::BTreeSet<&str> = sorted
        .iter()
        .flat_map(|e| e.lines.iter().map(|l| l.account.as_str()))
        .collect();
    if let Some(first) = sorted.first() {
        for a in chart.iter().filter(|a| used.contains(a.code.as_str())) {
            out.push_str(&format!(
                "{} open {} CNY\n",
                first.date,
                beancount_account(a)
            ));
        }
        out.push('\n');
    }
    for e in sorted {
        out.push_str(&format!(
            "{} * {} {}\n  number: {}\n  site: {}\n",
            e.date,
            quoted(&e.counterparty),
            quoted(&e.memo),
            quoted(&e.number),
            quoted(&e.site)
        ));
        for l in &e.lines {
            let Some(account) = chart.iter().find(|a| a.code == l.account) else {
                continue;
            };
            let amount = Money(l.debit.0 - l.credit.0);
            out.push_str(&format!(
                "  {} {} CNY\n",
                beancount_account(account),
                amount.to_plain()
            ));
        }
        out.push('\n');
    }
    out
}

/// A statement as a table: each section's heading, its accounts and its total, then the
/// closing line (`last`: its label and amount).
pub(crate) fn statement_sheet(
    sections: &[(Msg, &[StatementLine], Money)],
    last: (Msg, Money),
    lang: Lang,
) -> Sheet<'static> {
    let text = |t: &str| Cell::Text(t.to_string());
    let mut rows = Vec::new();
    for (heading, lines, total) in sections {
        rows.push(vec![text(""), text(heading.text(lang)), text("")]);
        for l in *lines {
            rows.push(vec![
                text(&l.account.code),
                text(name(&l.account, lang)),
                Cell::Money(l.amount),
            ]);
        }
        rows.push(vec![
            text(""),
            text(Msg::ColTotal.text(lang)),
            Cell::Money(*total),
        ]);
    }
    Sheet {
        headings: vec![
            Msg::ColCode.text(lang),
            Msg::ColAccount.text(lang),
            Msg::ColAmount.text(lang),
        ],
        rows,
        totals: vec![text(""), text(last.0.text(lang)), Cell::Money(last.1)],
    }
}

/// The balance sheet as a table.
pub(crate) fn balance_sheet_sheet(b: &BalanceSheet, lang: Lang) -> Sheet<'static> {
    statement_sheet(
        &[
            (Msg::SecAssets, &b.assets, b.total_assets),
            (Msg::SecLiabilities, &b.liabilities, b.total_liabilities),
            (Msg::SecEquity, &b.equity, b.total_equity),
        ],
        (Msg::SecProfit, b.profit),
        lang,
    )
}

/// The income statement as a table.
pub(crate) fn income_sheet(i: &IncomeStatement, lang: Lang) -> Sheet<'static> {
    statement_sheet(
        &[
            (Msg::SecIncome, &i.income, i.total_income),
            (Msg::SecExpenses, &i.expenses, i.total_expenses),
        ],
        (Msg::SecProfit, i.profit),
        lang,
    )
}

impl crate::Node {
    /// Writes `sheet` to `path` in the format its name says, titled with the
    /// organisation's name and `title`.
    fn export_sheet(
        &self,
        sheet: &Sheet<'_>,
        title: Msg,
        path: &Path,
        lang: Lang,
    ) -> Result<Exported> {
        let format = TableFormat::of(path)?;
        let title = format!("{}: {}", self.org_name()?, title.text(lang));
        crate::file::write_atomically(path, &sheet.write(format, &title)?)?;
        Ok(Exported {
            path: path.display().to_string(),
            rows: sheet.rows.len(),
        })
    }

    /// Writes the balance sheet to `path` (`.csv` or `.xlsx`), in `lang`.
    pub fn export_balance_sheet(
        &self,
        filter: &outpost_core::BalanceFilter,
        path: &Path,
        lang: Lang,
    ) -> Result<Exported> {
        TableFormat::of(path)?;
        let sheet = balance_sheet_sheet(&self.balance_sheet(filter)?, lang);
        self.export_sheet(&sheet, Msg::BalanceSheetTitle, path, lang)
    }

    /// Writes the stock at cost to `path` (`.csv` or `.xlsx`), in `lang`.
    pub fn export_stock_valuation(
        &self,
        filter: &outpost_core::BalanceFilter,
        path: &Path,
        lang: Lang,
    ) -> Result<Exported> {
        TableFormat::of(path)?;
        let sheet = valuation_sheet(&self.stock_valuation(filter)?, lang);
        self.export_sheet(&sheet, Msg::StockValuationTitle, path, lang)
    }

    /// Writes the sales `filter` selects to `path` (`.csv` or `.xlsx`), in `lang`.
    pub fn export_sales(
        &self,
        filter: &outpost_core::SalesFilter,
        path: &Path,
        lang: Lang,
    ) -> Result<Exported> {
        TableFormat::of(path)?;
        let by = filter.by.unwrap_or(SalesBy::Item);
        let sheet = sales_sheet(&self.sales(filter)?, by, lang);
        self.export_sheet(&sheet, Msg::SalesTitle, path, lang)
    }

    /// Writes the income statement to `path` (`.csv` or `.xlsx`), in `lang`.
    pub fn export_income_statement(
        &self,
        filter: &outpost_core::PeriodFilter,
        path: &Path,
        lang: Lang,
    ) -> Result<Exported> {
        TableFormat::of(path)?;
        let sheet = income_sheet(&self.income_statement(filter)?, lang);
        self.export_sheet(&sheet, Msg::IncomeTitle, path, lang)
    }

    /// Writes the trial balance `filter` selects to `path` (`.csv` or `.xlsx`, by its
    /// name), headings and account names in `lang`.
    pub fn export_trial_balance(
        &self,
        filter: &outpost_core::BalanceFilter,
        path: &Path,
        lang: Lang,
    ) -> Result<Exported> {
        let format = TableFormat::of(path)?;
        let tb = self.trial_balance(filter)?;
        let scope = filter
            .site
            .clone()
            .unwrap_or_else(|| Msg::AllSites.text(lang).to_string());
        let title = crate::i18n::fill(
            lang,
            Msg::TrialBalanceTitle,
            &[("org", &self.org_name()?), ("scope", &scope)],
        );
        let bytes = trial_balance_sheet(&tb, lang).write(format, &title)?;
        crate::file::write_atomically(path, &bytes)?;
        Ok(Exported {
            path: path.display().to_string(),
            rows: tb.rows.len(),
        })
    }

    /// Writes the ageing `filter` selects to `path` (`.csv` or `.xlsx`), in `lang`.
    pub fn export_ageing(
        &self,
        filter: &outpost_core::AgeingFilter,
        path: &Path,
        lang: Lang,
    ) -> Result<Exported> {
        let format = TableFormat::of(path)?;
        let rows = self.ageing(filter)?;
        let as_of = filter
            .as_of
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| {
                jiff::Timestamp::now()
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .date()
                    .to_string()
            });
        let title = crate::i18n::fill(
            lang,
            Msg::AgeingTitle,
            &[("org", &self.org_name()?), ("as_of", &as_of)],
        );
        let bytes = ageing_sheet(&rows, lang).write(format, &title)?;
        crate::file::write_atomically(path, &bytes)?;
        Ok(Exported {
            path: path.display().to_string(),
            rows: rows.len(),
        })
    }

    /// Writes the journal entries `filter` selects to `path`: a Beancount ledger
    /// (`.beancount`, `.bean`), or a table of their lines (`.xlsx`, `.csv`) in `lang`.
    pub fn export_journal(
        &self,
        filter: &outpost_core::EntryFilter,
        path: &Path,
        lang: Lang,
    ) -> Result<Exported> {
        if check_beancount_path(path).is_err() {
            if TableFormat::of(path).is_err() {
                return Err(Error::ReportFormat {
                    path: path.to_path_buf(),
                    expected: ".beancount, .bean, .xlsx, .csv",
                });
            }
            let sheet = journal_sheet(&self.entries(filter)?, &self.chart()?, lang);
            return self.export_sheet(&sheet, Msg::JournalTitle, path, lang);
        }
        let entries = self.entries(filter)?;
        let text = journal_beancount(&self.org_name()?, &entries, &self.chart()?);
        crate::file::write_atomically(path, text.as_bytes())?;
        Ok(Exported {
            path: path.display().to_string(),
            rows: entries.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_map_to_valid_beancount_names_and_text_is_quoted() {
        let mut bank = outpost_core::Account {
            code: "1002".into(),
            name_zh: "银行存款".into(),
            name_en: "Bank deposits".into(),
            class: AccountClass::Asset,
            normal: outpost_core::Side::Debit,
            parent: None,
            active: true,
        };
        assert_eq!(beancount_account(&bank), "Assets:1002-BankDeposits");
        bank.code = "100201".into();
        bank.name_en = "工商银行".into();
        assert_eq!(beancount_account(&bank), "Assets:100201");
        assert_eq!(quoted("a \"b\"\\\nc"), "\"a \\\"b\\\"\\\\ c\"");
    }

    #[test]
    fn formats_come_from_the_file_name() {
        assert_eq!(
            TableFormat::of(Path::new("tb.XLSX")).ok(),
            Some(TableFormat::Xlsx)
        );
        assert_eq!(
            TableFormat::of(Path::new("tb.csv")).ok(),
            Some(TableFormat::Csv)
        );
        assert!(TableFormat::of(Path::new("tb.pdf")).is_err());
        assert!(check_beancount_path(Path::new("j.beancount")).is_ok());
        assert!(check_beancount_path(Path::new("j.txt")).is_err());
    }
}
