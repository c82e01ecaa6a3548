//! Reading a bank statement exported as CSV: UTF-8 (with or without a byte order mark) or
//! GBK, the columns found by their headings (as Chinese and English banks name them) or
//! named by the user. A file with any bad row yields every row's error and no line: a
//! statement is imported whole or not at all.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::money::Money;

/// Most lines one statement may hold.
pub const MAX_STATEMENT_LINES: usize = 20_000;
/// Largest statement file read, in bytes.
pub const MAX_STATEMENT_BYTES: usize = 16 * 1024 * 1024;

/// Which columns hold what: a heading (as in the file's first row) or a 1-based column
/// number. Empty fields are found by the usual headings.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct StatementColumns {
    /// The booking date.
    pub date: String,
    /// A signed amount (money in above zero), when the bank gives one column.
    pub amount: String,
    /// Money in, when the bank gives two columns.
    pub credit: String,
    /// Money out, when the bank gives two columns.
    pub debit: String,
    /// The other party's name.
    pub counterparty: String,
    /// The bank's reference of the transaction.
    pub reference: String,
    /// The bank's description.
    pub memo: String,
}

/// One transaction of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    /// Booking date.
    pub date: jiff::civil::Date,
    /// Money in (above zero) or out (below zero).
    pub amount: Money,
    /// The other party.
    pub counterparty: String,
    /// The bank's reference.
    pub reference: String,
    /// The bank's description.
    pub memo: String,
}

/// Headings banks use, lower-case, for each field.
const DATE: &[&str] = &[
    "交易日期",
    "记账日期",
    "日期",
    "date",
    "booking date",
    "value date",
];
const AMOUNT: &[&str] = &["交易金额", "金额", "amount"];
const CREDIT: &[&str] = &[
    "收入金额",
    "收入",
    "贷方金额",
    "贷方发生额",
    "credit",
    "money in",
];
const DEBIT: &[&str] = &[
    "支出金额",
    "支出",
    "借方金额",
    "借方发生额",
    "debit",
    "money out",
];
const PARTY: &[&str] = &[
    "对方户名",
    "对方名称",
    "对方账户名称",
    "对方",
    "counterparty",
    "payee",
    "payer",
];
const REFERENCE: &[&str] = &[
    "交易流水号",
    "流水号",
    "凭证号",
    "reference",
    "transaction id",
];
const MEMO: &[&str] = &[
    "摘要",
    "用途",
    "附言",
    "交易类型",
    "memo",
    "description",
    "details",
];

/// Decodes a statement's bytes: UTF-8 (a byte order mark is dropped), else GBK.
pub fn decode(bytes: &[u8]) -> Result<String> {
    if bytes.len() > MAX_STATEMENT_BYTES {
        return Err(Error::Statement(vec![format!(
            "the file is larger than {} MiB",
            MAX_STATEMENT_BYTES / 1024 / 1024
        )]));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, bad) = encoding_rs::GBK.decode(bytes);
    if bad {
        return Err(Error::Statement(vec![
            "the file is neither UTF-8 nor GBK text".to_string(),
        ]));
    }
    Ok(text.into_owned())
}

/// Where a field is: the column index, if the file has it.
fn find(headers: &[String], typed: &str, names: &[&str], field: &str) -> Result<Option<usize>> {
    let typed = typed.trim();
    if !typed.is_empty() {
        if let Ok(n) = typed.parse::<usize>()
            && (1..=headers.len()).contains(&n)
        {
            return Ok(Some(n - 1));
        }
        return headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(typed))
            .map(Some)
            .ok_or_else(|| {
                Error::Statement(vec![format!(
                    "no column {typed:?} for the {field} (the file has: {})",
                    headers.join(", ")
                )])
            });
    }
    Ok(headers
        .iter()
        .position(|h| names.contains(&h.to_lowercase().as_str())))
}

/// A date as banks write it: `2026-12-03`, `2026/12/03`, `20261203`, maybe with a time.
fn parse_date(text: &str) -> Option<jiff::civil::Date> {
    let day = text.trim().split([' ', 'T']).next()?.replace('/', "-");
    if let Ok(d) = day.parse() {
        return Some(d);
    }
    if day.len() == 8 && day.chars().all(|c| c.is_ascii_digit()) {
        return format!("{}-{}-{}", &day[..4], &day[4..6], &day[6..])
            .parse()
            .ok();
    }
    None
}

/// An amount as banks write it: `1,234.56`, `-12.00`, `¥1,234.56`, `+500`; empty is none.
fn parse_amount(text: &str) -> Result<Option<Money>> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '¥' | '￥' | ' ' | '+'))
        .collect();
    if cleaned.is_empty() || cleaned == "-" {
        return Ok(None);
    }
    Money::parse(&cleaned).map(Some)
}

/// Reads a statement. Every bad row is named (`row 5: …`, counting the heading as row 1);
/// if any is bad, no line is returned.
pub fn parse(text: &str, columns: &StatementColumns) -> Result<Vec<StatementLine>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Statement(vec![format!("row 1: {e}")]))?
        .iter()
        .map(str::to_string)
        .collect();
    let date = find(&headers, &columns.date, DATE, "date")?;
    let amount = find(&headers, &columns.amount, AMOUNT, "amount")?;
    let credit = find(&headers, &columns.credit, CREDIT, "money in")?;
    let debit = find(&headers, &columns.debit, DEBIT, "money out")?;
    let party = find(&headers, &columns.counterparty, PARTY, "counterparty")?;
    let reference = find(&headers, &columns.reference, REFERENCE, "reference")?;
    let memo = find(&headers, &columns.memo, MEMO, "memo")?;
    let Some(date) = date else {
        return Err(Error::Statement(vec![format!(
            "no date column (the file has: {})",
            headers.join(", ")
        )]));
    };
    if amount.is_none() && credit.is_none() && debit.is_none() {
        return Err(Error::Statement(vec![format!(
            "no amount column, nor money in and out (the file has: {})",
            headers.join(", ")
        )]));
    }
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("row {row}: {e}"));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").to_string();
        let line = (|| -> std::result::Result<StatementLine, String> {
            let day = cell(Some(date));
            let date = parse_date(&day).ok_or(format!("the date {day:?} is not a date"))?;
            let money = |c: Option<usize>| {
                let text = cell(c);
                parse_amount(&text).map_err(|_| format!("the amount {text:?} is not a number"))
            };
            let amount = match amount {
                Some(_) => money(amount)?.unwrap_or(Money::ZERO),
                None => {
                    let inflow = money(credit)?.unwrap_or(Money::ZERO);
                    let outflow = money(debit)?.unwrap_or(Money::ZERO);
                    Money(inflow.0.abs() - outflow.0.abs())
                }
            };
            if amount.0 == 0 {
                return Err("no amount".into());
            }
            Ok(StatementLine {
                date,
                amount,
                counterparty: cell(party),
                reference: cell(reference),
                memo: cell(memo),
            })
        })();
        match line {
            Ok(l) => lines.push(l),
            Err(why) => problems.push(format!("row {row}: {why}")),
        }
        if lines.len() + problems.len() > MAX_STATEMENT_LINES {
            problems.push(format!("more than {MAX_STATEMENT_LINES} rows"));
            break;
        }
    }
    if !problems.is_empty() {
        return Err(Error::Statement(problems));
    }
    if lines.is_empty() {
        return Err(Error::Statement(vec![
            "the file holds no transaction".into(),
        ]));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_banks_gbk_file_with_money_in_and_out_columns() {
        let text = "交易日期,交易流水号,收入金额,支出金额,余额,对方户名,摘要\n\
                    2026-12-01,CMB001,\"1,130.00\",,9999.00,上海甲公司,货款\n\
                    20261202,CMB002,,250.50,9748.50,房东,房租\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let decoded = decode(&gbk).unwrap();
        let lines = parse(&decoded, &StatementColumns::default()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].amount, Money(113_000));
        assert_eq!(lines[0].counterparty, "上海甲公司");
        assert_eq!(lines[0].reference, "CMB001");
        assert_eq!(lines[1].amount, Money(-25_050));
        assert_eq!(lines[1].date.to_string(), "2026-12-02");
        assert_eq!(lines[1].memo, "房租");
    }

    #[test]
    fn columns_named_by_the_user_and_a_bom() {
        let text = "\u{feff}Booked,Value,Who,Ref\n2026/12/03,-12.00,Shop,R1\n";
        let decoded = decode(text.as_bytes()).unwrap();
        let columns = StatementColumns {
            date: "Booked".into(),
            amount: "2".into(),
            counterparty: "who".into(),
            reference: "Ref".into(),
            ..StatementColumns::default()
        };
        let lines = parse(&decoded, &columns).unwrap();
        assert_eq!(lines[0].amount, Money(-1_200));
        assert_eq!(lines[0].counterparty, "Shop");
    }

    #[test]
    fn bad_rows_are_each_named_and_nothing_is_read() {
        let text = "日期,金额\n2026-12-01,10.00\n2026-13-01,5\nyesterday,1x\n2026-12-02,\n";
        let Err(Error::Statement(problems)) = parse(text, &StatementColumns::default()) else {
            panic!("refused");
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("row 3:"), "{problems:?}");
        assert!(problems[1].starts_with("row 4:"), "{problems:?}");
        assert!(problems[2].contains("no amount"), "{problems:?}");
        let err = parse("Foo,Bar\n1,2\n", &StatementColumns::default()).unwrap_err();
        assert!(err.to_string().contains("no date column"), "{err}");
        let err = decode(&[0xff, 0xfe, 0x80, 0x81, 0xff]).unwrap_err();
        assert!(err.to_string().contains("neither UTF-8 nor GBK"), "{err}");
    }
}
