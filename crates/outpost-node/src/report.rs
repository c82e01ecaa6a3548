//! Reports written to files people open elsewhere: the trial balance as CSV (UTF-8 with a
//! byte order mark, so Excel shows Chinese names) or as an Excel workbook, and the journal
//! as Beancount text for an accountant's own tools.
//!
//! The book keeps money in fen; a workbook's numbers are yuan as spreadsheet numbers
//! (doubles, exact to the fen far beyond any amount a book holds), so sums and formulas
//! work in Excel. CSV and Beancount carry the exact decimal text.

use std::path::Path;

use outpost_core::{Account, AccountClass, EntryRow, Money, TrialBalance};
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
fn name(account: &Account, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => account.name_zh,
        Lang::En => account.name_en,
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

/// The trial balance as CSV: a heading row, one row per account, a totals row.
pub(crate) fn trial_balance_csv(tb: &TrialBalance, lang: Lang) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let failed = |e: csv::Error| Error::Report(e.to_string());
    out.write_record(headings(lang)).map_err(failed)?;
    for r in &tb.rows {
        out.write_record([
            r.account.code,
            name(&r.account, lang),
            &r.debit.to_plain(),
            &r.credit.to_plain(),
            &r.balance.to_plain(),
        ])
        .map_err(failed)?;
    }
    out.write_record([
        "",
        Msg::ColTotal.text(lang),
        &tb.debit.to_plain(),
        &tb.credit.to_plain(),
        "",
    ])
    .map_err(failed)?;
    out.into_inner().map_err(|e| Error::Report(e.to_string()))
}

/// The trial balance as an Excel workbook of one sheet: headings, one row per account,
/// a totals row; amounts as numbers in yuan.
pub(crate) fn trial_balance_xlsx(tb: &TrialBalance, lang: Lang, title: &str) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| Error::Report(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let money_bold = money.clone().set_bold();
    let yuan = |m: Money| m.0 as f64 / 100.0;
    sheet
        .write_string_with_format(0, 0, title, &bold)
        .map_err(failed)?;
    for (col, heading) in headings(lang).iter().enumerate() {
        sheet
            .write_string_with_format(1, col as u16, *heading, &bold)
            .map_err(failed)?;
    }
    let mut row = 2u32;
    for r in &tb.rows {
        sheet.write_string(row, 0, r.account.code).map_err(failed)?;
        sheet
            .write_string(row, 1, name(&r.account, lang))
            .map_err(failed)?;
        for (col, m) in [(2u16, r.debit), (3, r.credit), (4, r.balance)] {
            sheet
                .write_number_with_format(row, col, yuan(m), &money)
                .map_err(failed)?;
        }
        row += 1;
    }
    sheet
        .write_string_with_format(row, 1, Msg::ColTotal.text(lang), &bold)
        .map_err(failed)?;
    for (col, m) in [(2u16, tb.debit), (3, tb.credit)] {
        sheet
            .write_number_with_format(row, col, yuan(m), &money_bold)
            .map_err(failed)?;
    }
    sheet.set_column_width(1, 28).map_err(failed)?;
    for col in 2..=4 {
        sheet.set_column_width(col, 16).map_err(failed)?;
    }
    book.save_to_buffer().map_err(failed)
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
    format!("{root}:{}-{words}", a.code)
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
        for a in chart.iter().filter(|a| used.contains(a.code)) {
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

impl crate::Node {
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
        let bytes = match format {
            TableFormat::Csv => trial_balance_csv(&tb, lang)?,
            TableFormat::Xlsx => {
                let scope = filter
                    .site
                    .clone()
                    .unwrap_or_else(|| Msg::AllSites.text(lang).to_string());
                let title = crate::i18n::fill(
                    lang,
                    Msg::TrialBalanceTitle,
                    &[("org", &self.org_name()?), ("scope", &scope)],
                );
                trial_balance_xlsx(&tb, lang, &title)?
            }
        };
        crate::file::write_atomically(path, &bytes)?;
        Ok(Exported {
            path: path.display().to_string(),
            rows: tb.rows.len(),
        })
    }

    /// Writes the journal entries `filter` selects to `path` as a Beancount ledger.
    pub fn export_journal(
        &self,
        filter: &outpost_core::EntryFilter,
        path: &Path,
    ) -> Result<Exported> {
        check_beancount_path(path)?;
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
        let bank = outpost_core::Account {
            code: "1002",
            name_zh: "银行存款",
            name_en: "Bank deposits",
            class: AccountClass::Asset,
            normal: outpost_core::Side::Debit,
        };
        assert_eq!(beancount_account(&bank), "Assets:1002-BankDeposits");
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
