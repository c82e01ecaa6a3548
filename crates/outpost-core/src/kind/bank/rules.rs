//! The rules a bank line keeps when it arrives from elsewhere: imported whole by one
//! change of a member who may bill, for its document's site and month, by its author,
//! through a money account, with an amount; afterwards only its match is set.

use crate::access;
use crate::kind::billing::MAX_AMOUNT;
use crate::kind::billing::MONEY_ACCOUNTS;
use crate::rules::{
    Broken, Context, RecordChange, Scalar, Write, broken, dated_in_doc_month, names_author,
    of_doc_site,
};

/// Fields written when a line is imported.
const FIELDS: &[&str] = &[
    "site",
    "account",
    "date",
    "amount",
    "counterparty",
    "reference",
    "memo",
    "batch",
    "imported_at",
    "imported_by",
    "payment",
];

/// Checks what `change` does to one bank line.
pub(super) fn check(cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
    if !cx
        .doc_id
        .site()
        .is_some_and(|site| access::may_keep_books_of(cx.author, site))
    {
        return Err(broken(format!(
            "a bank line written by a {} of {}, who may not reconcile here",
            cx.author.role, cx.author.site
        )));
    }
    let puts_text = |op: &crate::rules::RecordOp| matches!(op.write, Write::Put(Scalar::Text(_)));
    if !change.made {
        let only_match = change
            .ops
            .iter()
            .all(|op| op.path.is_empty() && op.key.as_deref() == Some("payment") && puts_text(op));
        return if only_match {
            Ok(())
        } else {
            Err(broken("it changes a bank line other than by matching it"))
        };
    }
    for op in &change.ops {
        let key = op.key.as_deref().unwrap_or_default();
        if !op.path.is_empty() || !FIELDS.contains(&key) || matches!(op.write, Write::Make) {
            return Err(broken(format!("a bank line with a field {key}")));
        }
    }
    let fields = change.fields();
    of_doc_site(cx, &fields, "a bank line")?;
    names_author(cx, &fields, "imported_by", "a bank line")?;
    let text = |k: &str| fields.get(k).and_then(|v| v.text()).unwrap_or_default();
    dated_in_doc_month(cx, &fields, "a bank line")?;
    if !MONEY_ACCOUNTS.contains(&text("account")) {
        return Err(broken("a bank line of an account that holds no money"));
    }
    match fields.get("amount") {
        Some(Scalar::Int(a)) if *a != 0 && a.abs() <= MAX_AMOUNT => Ok(()),
        _ => Err(broken("a bank line without an amount")),
    }
}
