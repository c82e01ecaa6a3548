//! Money in integer minor units (fen). Never floats.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, Rule};

/// An amount of money in fen (1/100 yuan).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Money(pub i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// Parses `1234.56`, `1,234.5`, `¥12` or `-3.07` into fen, exactly.
    pub fn parse(text: &str) -> Result<Money> {
        let bad = || Error::invalid("amount", text, Rule::Format { example: "1234.56" });
        let trimmed = text.trim();
        let (negative, rest) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let rest = rest.trim_start_matches(['¥', '￥']).replace(',', "");
        let (whole, frac) = match rest.split_once('.') {
            Some((w, f)) => (w, f),
            None => (rest.as_str(), ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2
        {
            return Err(bad());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let frac: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        let fen = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(bad)?;
        Ok(Money(if negative { -fen } else { fen }))
    }

    /// Adds, refusing overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// The plain decimal form without currency sign or separators: `-1234.56`.
    pub fn to_plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// `¥1,234.56`, negative as `-¥1,234.56`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}¥{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(Money::parse("1234.56").unwrap(), Money(123_456));
        assert_eq!(Money::parse("¥1,234.5").unwrap(), Money(123_450));
        assert_eq!(Money::parse("12").unwrap(), Money(1200));
        assert_eq!(Money::parse("-0.07").unwrap(), Money(-7));
        assert_eq!(Money::parse(".5").unwrap(), Money(50));
        for bad in [
            "",
            "abc",
            "1.234",
            "1e3",
            "--1",
            "99999999999999999999",
            ".",
        ] {
            assert!(Money::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_with_grouping() {
        assert_eq!(Money(123_456).to_string(), "¥1,234.56");
        assert_eq!(Money(-5).to_string(), "-¥0.05");
        assert_eq!(Money(100_000_000).to_string(), "¥1,000,000.00");
    }

    proptest! {
        #[test]
        fn plain_form_round_trips(fen in -1_000_000_000_000i64..1_000_000_000_000) {
            prop_assert_eq!(Money::parse(&Money(fen).to_plain()).unwrap(), Money(fen));
            prop_assert_eq!(Money::parse(&Money(fen).to_string()).unwrap(), Money(fen));
        }
    }
}
