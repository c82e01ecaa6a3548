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

    /// The month `date` falls in.
    pub fn of_date(date: jiff::civil::Date) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Months since January of year 0: a number to compare months by.
    pub fn ordinal(&self) -> i32 {
        i32::from(self.year) * 12 + i32::from(self.month) - 1
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
    /// The accounts and VAT rates an organisation adds to the preset chart: read by every
    /// member (every device judges invoices and entries that name them), written by
    /// finance of the head office, managers and admins.
    Chart,
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
    /// One site's invoices, credit notes, receipts and payments for one month: written by
    /// finance, read by the site's clerks too (what a customer owes), never the ledger.
    Billing {
        /// The site.
        site: SiteCode,
        /// The month.
        month: Month,
    },
    /// Goods sent from one site to another in one month: each transfer out and its
    /// receipt, readable by both sites (and nobody else site-bound), so the destination
    /// sees what is on its way and records its arrival where the sender sees it.
    Transfers {
        /// The sending site.
        from: SiteCode,
        /// The receiving site.
        to: SiteCode,
        /// The month the goods were sent.
        month: Month,
    },
    /// People's notes on one site's operations in one month (acknowledged exceptions),
    /// read and written as its operations are. A document kind of its own because the
    /// genesis of `ops` documents is fixed (devices of every build must make the same).
    Notes {
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
    /// `chart`.
    Chart,
    /// `ops/<site>/<month>`.
    Ops,
    /// `ledger/<site>/<month>`.
    Ledger,
    /// `transfers/<from>/<to>/<month>`.
    Transfers,
    /// `billing/<site>/<month>`.
    Billing,
    /// `notes/<site>/<month>`.
    Notes,
}

impl DocId {
    /// What kind of document this is.
    pub fn kind(&self) -> DocKind {
        match self {
            DocId::Org => DocKind::Org,
            DocId::Parties => DocKind::Parties,
            DocId::Chart => DocKind::Chart,
            DocId::Ops { .. } => DocKind::Ops,
            DocId::Ledger { .. } => DocKind::Ledger,
            DocId::Transfers { .. } => DocKind::Transfers,
            DocId::Billing { .. } => DocKind::Billing,
            DocId::Notes { .. } => DocKind::Notes,
        }
    }

    /// The ops document of `site` for the month of `at`.
    pub fn ops(site: &SiteCode, at: Timestamp) -> DocId {
        DocId::Ops {
            site: site.clone(),
            month: Month::of(at),
        }
    }

    /// The document of transfers from `from` to `to` sent in the month of `at`.
    pub fn transfers(from: &SiteCode, to: &SiteCode, at: Timestamp) -> DocId {
        DocId::Transfers {
            from: from.clone(),
            to: to.clone(),
            month: Month::of(at),
        }
    }

    /// Parses `org`, `parties`, `ops/SH/2026-11`, `ledger/SH/2026-11`, `billing/SH/2026-11`,
    /// `notes/SH/2026-11` or `transfers/SH/BJ/2026-11`.
    pub fn parse(text: &str) -> Result<DocId> {
        match text {
            "org" => return Ok(DocId::Org),
            "parties" => return Ok(DocId::Parties),
            "chart" => return Ok(DocId::Chart),
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
        // Codes are parsed strictly: the text must be exactly the id it parses to.
        let site = |code: &str| match SiteCode::parse(code) {
            Ok(site) if site.as_str() == code => Ok(site),
            _ => Err(bad()),
        };
        let parts: Vec<&str> = text.split('/').collect();
        let doc = match parts.as_slice() {
            ["ops", s, m] => DocId::Ops {
                site: site(s)?,
                month: Month::parse(m).map_err(|_| bad())?,
            },
            ["ledger", s, m] => DocId::Ledger {
                site: site(s)?,
                month: Month::parse(m).map_err(|_| bad())?,
            },
            ["billing", s, m] => DocId::Billing {
                site: site(s)?,
                month: Month::parse(m).map_err(|_| bad())?,
            },
            ["notes", s, m] => DocId::Notes {
                site: site(s)?,
                month: Month::parse(m).map_err(|_| bad())?,
            },
            ["transfers", from, to, m] if from != to => DocId::Transfers {
                from: site(from)?,
                to: site(to)?,
                month: Month::parse(m).map_err(|_| bad())?,
            },
            _ => return Err(bad()),
        };
        Ok(doc)
    }

    /// The month of a monthly document.
    pub fn month(&self) -> Option<Month> {
        match self {
            DocId::Org | DocId::Parties | DocId::Chart => None,
            DocId::Ops { month, .. }
            | DocId::Ledger { month, .. }
            | DocId::Billing { month, .. }
            | DocId::Notes { month, .. }
            | DocId::Transfers { month, .. } => Some(*month),
        }
    }

    /// Every site the document names.
    pub fn sites(&self) -> Vec<&SiteCode> {
        match self {
            DocId::Org | DocId::Parties | DocId::Chart => Vec::new(),
            DocId::Ops { site, .. }
            | DocId::Ledger { site, .. }
            | DocId::Billing { site, .. }
            | DocId::Notes { site, .. } => vec![site],
            DocId::Transfers { from, to, .. } => vec![from, to],
        }
    }

    /// The site this document belongs to, if any (for transfers, the sending site).
    pub fn site(&self) -> Option<&SiteCode> {
        match self {
            DocId::Org | DocId::Parties | DocId::Chart => None,
            DocId::Ops { site, .. }
            | DocId::Ledger { site, .. }
            | DocId::Billing { site, .. }
            | DocId::Notes { site, .. } => Some(site),
            DocId::Transfers { from, .. } => Some(from),
        }
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocId::Org => f.write_str("org"),
            DocId::Parties => f.write_str("parties"),
            DocId::Chart => f.write_str("chart"),
            DocId::Ops { site, month } => write!(f, "ops/{site}/{month}"),
            DocId::Ledger { site, month } => write!(f, "ledger/{site}/{month}"),
            DocId::Billing { site, month } => write!(f, "billing/{site}/{month}"),
            DocId::Notes { site, month } => write!(f, "notes/{site}/{month}"),
            DocId::Transfers { from, to, month } => write!(f, "transfers/{from}/{to}/{month}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_ids_round_trip() {
        for text in [
            "org",
            "parties",
            "ops/SH/2026-11",
            "ledger/BJ/2025-01",
            "transfers/SH/BJ/2026-12",
        ] {
            assert_eq!(DocId::parse(text).unwrap().to_string(), text);
        }
        for bad in [
            "",
            "ops",
            "ops/SH",
            "ops/sh/2026-11",
            "ops/SH/2026-13",
            "x/SH/2026-01",
            "transfers/SH/SH/2026-01",
            "transfers/SH/2026-01",
            "transfers/SH/bj/2026-01",
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
