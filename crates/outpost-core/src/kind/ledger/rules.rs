//! The rules a journal entry keeps when it arrives from elsewhere: made whole by one
//! change and never touched after; its site is its document's, its date in its
//! document's month, its author the change's; its lines balanced on accounts of the chart.

use super::model::{Line, lines_problem};
use crate::rules::{
    Broken, Context, RecordChange, Scalar, Write, append_only, broken, dated_in_doc_month,
    names_author, of_doc_site,
};

/// Fields written when an entry is made.
const FIELDS: &[&str] = &[
    "number",
    "site",
    "date",
    "created_at",
    "created_by",
    "memo",
    "counterparty",
    "link",
    "reverses",
    "lines",
];
/// Fields of a line.
const LINE_FIELDS: &[&str] = &["account", "debit", "credit"];

/// Checks what `change` does to one entry.
pub(super) fn check(cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
    if !change.made {
        return Err(broken(
            "it changes a posted journal entry (a posted entry is corrected by a reversal)",
        ));
    }
    for op in &change.ops {
        if let Some(checked) = append_only(op, "lines", LINE_FIELDS, "a journal entry's line") {
            checked?;
            continue;
        }
        let key = op.key.as_deref().unwrap_or_default();
        let is_list = key == "lines" && matches!(op.write, Write::Make);
        if !op.path.is_empty() || !FIELDS.contains(&key) || (key == "lines" && !is_list) {
            return Err(broken(format!("a journal entry with a field {key}")));
        }
    }
    let fields = change.fields();
    of_doc_site(cx, &fields, "a journal entry")?;
    names_author(cx, &fields, "created_by", "a journal entry")?;
    dated_in_doc_month(cx, &fields, "a journal entry")?;
    let lines: Vec<Line> = change
        .appended("lines")
        .iter()
        .map(|l| {
            let int = |k: &str| match l.get(k) {
                Some(Scalar::Int(v)) => *v,
                _ => -1,
            };
            Line {
                account: l
                    .get("account")
                    .and_then(|a| a.text())
                    .unwrap_or_default()
                    .to_string(),
                debit: int("debit"),
                credit: int("credit"),
            }
        })
        .collect();
    match lines_problem(&lines, crate::kind::chart::known_in(cx.db)) {
        Some(super::model::LinesProblem::AccountNotYetKnown(_)) => {
            Err(Broken::Unknown(crate::rules::HOLD_UNKNOWN_ACCOUNT))
        }
        Some(problem) => Err(broken(problem.reason())),
        None => Ok(()),
    }
}

/// Fields written when a month is closed.
const CLOSE_FIELDS: &[&str] = &[
    "site",
    "month",
    "closed_at",
    "closed_by",
    "entries",
    "balances",
];
/// Fields of a balance kept at close.
const BALANCE_FIELDS: &[&str] = &["account", "debit", "credit"];

/// Checks what `change` does to one month's close: written whole once, by a member who
/// writes the ledger, for its document's site and month, by its author.
pub(super) fn check_close(cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
    let ledger = crate::doc_id::DocId::Ledger {
        site: cx
            .doc_id
            .site()
            .cloned()
            .ok_or_else(|| broken("a close outside a site's document"))?,
        month: cx
            .doc_id
            .month()
            .ok_or_else(|| broken("a close outside a monthly document"))?,
    };
    if !crate::access::may_author(cx.author, &ledger) {
        return Err(broken(format!(
            "a month closed by a {}, who may not write the ledger",
            cx.author.role
        )));
    }
    if !change.made {
        return Err(broken("it changes a month's close"));
    }
    for op in &change.ops {
        if let Some(checked) = append_only(op, "balances", BALANCE_FIELDS, "a close's balance") {
            checked?;
            continue;
        }
        let key = op.key.as_deref().unwrap_or_default();
        let entry_id = matches!(op.path.as_slice(), [crate::rules::Seg::Key(l)] if l == "entries")
            && op.key.is_none()
            && op.insert
            && matches!(op.write, Write::Put(Scalar::Text(_)));
        if entry_id {
            continue;
        }
        let makes_list = matches!(key, "entries" | "balances") && matches!(op.write, Write::Make);
        if !op.path.is_empty()
            || !CLOSE_FIELDS.contains(&key)
            || (matches!(key, "entries" | "balances") && !makes_list)
        {
            return Err(broken(format!("a close with a field {key}")));
        }
    }
    let fields = change.fields();
    of_doc_site(cx, &fields, "a close")?;
    names_author(cx, &fields, "closed_by", "a close")?;
    let month = fields.get("month").and_then(|m| m.text());
    if month != cx.doc_id.month().map(|m| m.to_string()).as_deref() {
        return Err(broken("a close of another month than its document's"));
    }
    Ok(())
}
