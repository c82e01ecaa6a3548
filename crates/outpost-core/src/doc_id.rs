//! Document ids: `org`, `ops/<site>/<yyyy-mm>`, `ledger/<site>/<yyyy-mm>`.

use std::fmt;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::code::SiteCode;
use crate::error::{Error, Result, Rule};

/// A calendar month (UTC), the period of an `ops` or `ledger` document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Year, e.g. 2026.
    pub year: i16,
    /// Month 1..=12.
    pub month: i8,
}

impl Month {
    /// The UTC month containing `at`.
    pub fn of(at: Timestamp) -> Month {
        let date = at.to_zoned(TimeZone::UTC).date();
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Parses `2026-11`.
    pub fn parse(text: &str) -> Result<Month> {
        let bad = || Error::invalid("month", text, Rule::Format { example: "2026-11" });
        let (y, m) = text.split_once('-').ok_or_else(bad)?;
        let year: i16 = y.parse().map_err(|_| bad())?;
        let month: i8 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(1970..=9999).contains(&year) || m.len() != 2 {
            return Err(bad());
        }
        Ok(Month { year, month })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Names one Automerge document of the book: the unit of storage, replication and access.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocId {
    /// The organisation: sites, warehouses, devices, catalogue (and the customers and
    /// suppliers of books made before `parties`). Written by admins.
    Org,
    /// Customers and suppliers: read by every member, written by everyone but auditors,
    /// so a clerk can add the customer of the order being typed.
    Parties,
    /// One site's operations for one month: orders, movements, tasks.
    Ops {
        /// The site.
        site: SiteCode,
        /// The month.
        month: Month,
    },
    /// One site's journal for one month (finance; reserved for the ledger work).
    Ledger {
        /// The site.
        site: SiteCode,
        /// The month.
        month: Month,
    },
}

/// The kinds of document: which collections a document holds depends on its kind only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// `org`.
    Org,
    /// `parties`.
    Parties,
    /// `ops/<site>/<month>`.
    Ops,
    /// `ledger/<site>/<month>`.
    Ledger,
}

impl DocId {
    /// What kind of document this is.
    pub fn kind(&self) -> DocKind {
        match self {
            DocId::Org => DocKind::Org,
            DocId::Parties => DocKind::Parties,
            DocId::Ops { .. } => DocKind::Ops,
            DocId::Ledger { .. } => DocKind::Ledger,
        }
    }

    /// The ops document of `site` for the month of `at`.
    pub fn ops(site: &SiteCode, at: Timestamp) -> DocId {
        DocId::Ops {
            site: site.clone(),
            month: Month::of(at),
        }
    }

    /// Parses `org`, `parties`, `ops/SH/2026-11` or `ledger/SH/2026-11`.
    pub fn parse(text: &str) -> Result<DocId> {
        match text {
            "org" => return Ok(DocId::Org),
            "parties" => return Ok(DocId::Parties),
            _ => {}
        }
        let bad = || {
            Error::invalid(
                "document id",
                text,
                Rule::Format {
                    example: "ops/SH/2026-11",
                },
            )
        };
        let mut parts = text.split('/');
        let (Some(kind), Some(site), Some(month), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let site = SiteCode::parse(site).map_err(|_| bad())?;
        if site.as_str() != text.split('/').nth(1).unwrap_or_default() {
            return Err(bad());
        }
        let month = Month::parse(month).map_err(|_| bad())?;
        match kind {
            "ops" => Ok(DocId::Ops { site, month }),
            "ledger" => Ok(DocId::Ledger { site, month }),
            _ => Err(bad()),
        }
    }

    /// The site this document belongs to, if any.
    pub fn site(&self) -> Option<&SiteCode> {
        match self {
            DocId::Org | DocId::Parties => None,
            DocId::Ops { site, .. } | DocId::Ledger { site, .. } => Some(site),
        }
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocId::Org => f.write_str("org"),
            DocId::Parties => f.write_str("parties"),
            DocId::Ops { site, month } => write!(f, "ops/{site}/{month}"),
            DocId::Ledger { site, month } => write!(f, "ledger/{site}/{month}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_ids_round_trip() {
        for text in ["org", "parties", "ops/SH/2026-11", "ledger/BJ/2025-01"] {
            assert_eq!(DocId::parse(text).unwrap().to_string(), text);
        }
        for bad in [
            "",
            "ops",
            "ops/SH",
            "ops/sh/2026-11",
            "ops/SH/2026-13",
            "x/SH/2026-01",
        ] {
            assert!(DocId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn month_of_timestamp() {
        let at: Timestamp = "2026-11-30T23:59:59Z".parse().unwrap();
        assert_eq!(Month::of(at).to_string(), "2026-11");
    }
}
