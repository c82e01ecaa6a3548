//! A journal entry: written whole once, never changed (a mistake is corrected by a
//! reversing entry), its lines balanced.

use automerge::ReadDoc;

use crate::code::SiteCode;
use crate::id::{DeviceId, EntryId};
use crate::schema::{RawConflict, RecordReader, View};

/// Most lines one entry may have.
pub const MAX_LINES: usize = 200;
/// Largest amount on one line, in fen (ten trillion yuan): a whole entry's sum stays far
/// inside `i64`.
pub const MAX_LINE_AMOUNT: i64 = 1_000_000_000_000_000;

/// One line of an entry: an account debited or credited (exactly one side non-zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The account's code.
    pub account: String,
    /// Debit in fen (0 on a credit line).
    pub debit: i64,
    /// Credit in fen (0 on a debit line).
    pub credit: i64,
}

/// A journal entry as read from its document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Random id (or derived from the event it posts).
    pub id: EntryId,
    /// Human number, e.g. `SH-A3-J000012`.
    pub number: String,
    /// The site whose books it is in.
    pub site: SiteCode,
    /// Its accounting date `YYYY-MM-DD` (in its document's month).
    pub date: String,
    /// What it is for.
    pub memo: String,
    /// The customer, supplier or other party, if any.
    pub counterparty: String,
    /// A linked record (an order or invoice number), free text.
    pub link: String,
    /// The entry this one reverses, if it is a reversal.
    pub reverses: Option<EntryId>,
    /// When it was written (ms).
    pub created_at_ms: i64,
    /// The device that wrote it.
    pub created_by: DeviceId,
    /// Its lines, in the order written.
    pub lines: Vec<Line>,
}

pub(super) fn read_entry<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Entry> {
    let r = RecordReader::new(v, obj.clone(), c);
    let lines = v
        .child_list(&obj, "lines")
        .map(|list| {
            v.list_maps(&list)
                .iter()
                .filter_map(|l| {
                    Some(Line {
                        account: v.str(l, "account")?,
                        debit: v.int(l, "debit")?,
                        credit: v.int(l, "credit")?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Entry {
        id: EntryId::from_stored(id.to_string()),
        number: r.fact_text("number")?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        date: r.fact_text("date")?,
        memo: r.fact_text("memo").unwrap_or_default(),
        counterparty: r.fact_text("counterparty").unwrap_or_default(),
        link: r.fact_text("link").unwrap_or_default(),
        reverses: r
            .fact_text("reverses")
            .filter(|s| !s.is_empty())
            .map(EntryId::from_stored),
        created_at_ms: r.fact_int("created_at")?,
        created_by: DeviceId::parse(&r.fact_text("created_by")?).ok()?,
        lines,
    })
}

/// What is wrong with an entry's lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LinesProblem {
    /// Fewer than two lines, or more than [`MAX_LINES`].
    Count(usize),
    /// An account no chart can have.
    UnknownAccount(String),
    /// A sub-account this device's chart does not know yet (the chart document may
    /// bring it).
    AccountNotYetKnown(String),
    /// An amount below zero or above [`MAX_LINE_AMOUNT`].
    AmountOutOfRange(i64),
    /// A line with both a debit and a credit, or neither.
    OneSide(String),
    /// Debits and credits differ (fen).
    Unbalanced { debit: i64, credit: i64 },
}

impl LinesProblem {
    /// The book's error for a local write.
    pub(crate) fn error(self) -> crate::Error {
        use crate::error::{Error, Rule};
        match self {
            LinesProblem::Count(n) => {
                Error::invalid("number of lines", n, Rule::range(2, MAX_LINES))
            }
            LinesProblem::UnknownAccount(code) | LinesProblem::AccountNotYetKnown(code) => {
                Error::not_found("account", code)
            }
            LinesProblem::AmountOutOfRange(a) => Error::invalid(
                "amount",
                crate::Money(a),
                Rule::range(crate::Money(0), crate::Money(MAX_LINE_AMOUNT)),
            ),
            LinesProblem::OneSide(account) => Error::invalid(
                "line",
                account,
                Rule::Format {
                    example: "1002:debit:100.00",
                },
            ),
            LinesProblem::Unbalanced { debit, credit } => Error::Unbalanced {
                debit: crate::Money(debit),
                credit: crate::Money(credit),
            },
        }
    }

    /// The reason a change from elsewhere is refused.
    pub(crate) fn reason(&self) -> String {
        match self {
            LinesProblem::Count(n) => format!("a journal entry with {n} lines"),
            LinesProblem::UnknownAccount(code) => {
                format!("a journal entry names account {code}, which is not in the chart")
            }
            LinesProblem::AccountNotYetKnown(code) => {
                format!("a journal entry names account {code}, not in this device's chart yet")
            }
            LinesProblem::AmountOutOfRange(_) => "a journal entry amount out of range".into(),
            LinesProblem::OneSide(_) => {
                "a journal entry line with both a debit and a credit, or neither".into()
            }
            LinesProblem::Unbalanced { .. } => "a journal entry that does not balance".into(),
        }
    }
}

/// What is wrong with a set of lines, if anything: the one check of balance and amounts,
/// made by the local write and by every device judging an entry from elsewhere; `known`
/// says whether the chart knows an account.
pub(crate) fn lines_problem(
    lines: &[Line],
    known: impl Fn(&str) -> crate::kind::chart::Known,
) -> Option<LinesProblem> {
    use crate::kind::chart::Known;
    if !(2..=MAX_LINES).contains(&lines.len()) {
        return Some(LinesProblem::Count(lines.len()));
    }
    let (mut debit, mut credit) = (0i64, 0i64);
    for line in lines {
        match known(&line.account) {
            Known::Yes => {}
            Known::NotYet => return Some(LinesProblem::AccountNotYetKnown(line.account.clone())),
            Known::Never => return Some(LinesProblem::UnknownAccount(line.account.clone())),
        }
        for amount in [line.debit, line.credit] {
            if !(0..=MAX_LINE_AMOUNT).contains(&amount) {
                return Some(LinesProblem::AmountOutOfRange(amount));
            }
        }
        if (line.debit == 0) == (line.credit == 0) {
            return Some(LinesProblem::OneSide(line.account.clone()));
        }
        // At most 200 lines of at most 10^15: no overflow.
        debit += line.debit;
        credit += line.credit;
    }
    (debit != credit).then_some(LinesProblem::Unbalanced { debit, credit })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(account: &str, debit: i64, credit: i64) -> Line {
        Line {
            account: account.into(),
            debit,
            credit,
        }
    }

    #[test]
    fn only_balanced_lines_on_known_accounts_pass() {
        use crate::kind::chart::{Known, preset_known, sub_account_of};
        let preset = preset_known;
        // A chart that has added nothing yet.
        let unsynced = |code: &str| match preset_known(code) {
            Known::Yes => Known::Yes,
            _ if sub_account_of(code).is_some() => Known::NotYet,
            _ => Known::Never,
        };
        assert_eq!(
            lines_problem(&[line("1002", 100, 0), line("6001", 0, 100)], preset),
            None
        );
        assert_eq!(
            lines_problem(&[line("100201", 100, 0), line("6001", 0, 100)], unsynced),
            Some(LinesProblem::AccountNotYetKnown("100201".into()))
        );
        assert_eq!(
            lines_problem(&[line("100201", 100, 0), line("6001", 0, 100)], preset),
            Some(LinesProblem::UnknownAccount("100201".into()))
        );
        for bad in [
            vec![line("1002", 100, 0)],
            vec![line("1002", 100, 0), line("6001", 0, 99)],
            vec![line("1002", 100, 0), line("9999", 0, 100)],
            vec![line("1002", 100, 100), line("6001", 0, 0)],
            vec![line("1002", -5, 0), line("6001", 0, -5)],
            vec![
                line("1002", MAX_LINE_AMOUNT + 1, 0),
                line("6001", 0, MAX_LINE_AMOUNT + 1),
            ],
        ] {
            assert!(lines_problem(&bad, preset).is_some(), "{bad:?}");
        }
    }
}
