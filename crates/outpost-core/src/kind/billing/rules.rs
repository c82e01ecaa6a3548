//! The rules an invoice or a payment keeps when it arrives from elsewhere: made whole by
//! one change of a member who may bill (an invoice's tax number may be typed later), for
//! its document's site and month, by its author, with figures that add up.

use super::model::{Direction, MAX_REFS, VatKind, invoice_problem, payment_problem};
use crate::access;
use crate::kind::order::OrderKind;
use crate::rules::{
    Broken, Context, RecordChange, Scalar, Seg, Write, append_only, broken, dated_in_doc_month,
    names_author, of_doc_site,
};

/// Fields written when an invoice is made.
const INVOICE_FIELDS: &[&str] = &[
    "number",
    "site",
    "kind",
    "party",
    "orders",
    "date",
    "due",
    "vat",
    "rate_bp",
    "net",
    "tax",
    "gross",
    "corrects",
    "tax_no",
    "memo",
    "created_at",
    "created_by",
];
/// Fields written when a payment is made.
const PAYMENT_FIELDS: &[&str] = &[
    "number",
    "site",
    "direction",
    "party",
    "date",
    "amount",
    "account",
    "reference",
    "memo",
    "created_at",
    "created_by",
    "allocations",
];
/// Fields of an allocation.
const ALLOCATION_FIELDS: &[&str] = &["invoice", "amount"];

/// Checks what `change` does to one invoice or payment.
pub(super) fn check(cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
    let invoice = change.rec.collection == super::INVOICES;
    let what = if invoice { "an invoice" } else { "a payment" };
    if !cx
        .doc_id
        .site()
        .is_some_and(|site| access::may_keep_books_of(cx.author, site))
    {
        return Err(broken(format!(
            "{what} written by a {} of {}, who may not bill here",
            cx.author.role, cx.author.site
        )));
    }
    if !change.made {
        // Only an invoice's tax authority number is typed after it was issued.
        let only_tax_no = invoice
            && change.ops.iter().all(|op| {
                op.path.is_empty()
                    && op.key.as_deref() == Some("tax_no")
                    && matches!(op.write, Write::Put(Scalar::Text(_)))
            });
        return if only_tax_no {
            Ok(())
        } else {
            Err(broken(format!("it changes {what} after it was written")))
        };
    }
    let fields_allowed = if invoice {
        INVOICE_FIELDS
    } else {
        PAYMENT_FIELDS
    };
    let mut refs = 0;
    for op in &change.ops {
        if !invoice {
            if let Some(checked) = append_only(
                op,
                "allocations",
                ALLOCATION_FIELDS,
                "a payment's allocation",
            ) {
                checked?;
                continue;
            }
        } else if matches!(op.path.as_slice(), [Seg::Key(l)] if l == "orders") {
            if op.key.is_none()
                && op.insert
                && op.on_new
                && matches!(op.write, Write::Put(Scalar::Text(_)))
            {
                refs += 1;
                continue;
            }
            return Err(broken("an invoice's orders rewritten"));
        }
        let key = op.key.as_deref().unwrap_or_default();
        let list = if invoice { "orders" } else { "allocations" };
        let makes_list = key == list && matches!(op.write, Write::Make);
        if !op.path.is_empty() || !fields_allowed.contains(&key) || (key == list && !makes_list) {
            return Err(broken(format!("{what} with a field {key}")));
        }
    }
    let fields = change.fields();
    of_doc_site(cx, &fields, what)?;
    names_author(cx, &fields, "created_by", what)?;
    let text = |k: &str| fields.get(k).and_then(|v| v.text()).unwrap_or_default();
    let int = |k: &str| match fields.get(k) {
        Some(Scalar::Int(v)) => Some(*v),
        _ => None,
    };
    dated_in_doc_month(cx, &fields, what)?;
    if text("party").is_empty() {
        return Err(broken(format!("{what} for no party")));
    }
    let problem = if invoice {
        let due_ok = text("due").parse::<jiff::civil::Date>().is_ok();
        let known = OrderKind::parse(text("kind")).is_ok() && VatKind::parse(text("vat")).is_ok();
        if !due_ok || !known || refs > MAX_REFS {
            return Err(broken(
                "an invoice with a bad due date, kind, VAT kind or orders",
            ));
        }
        match (int("net"), int("tax"), int("gross"), int("rate_bp")) {
            (Some(net), Some(tax), Some(gross), Some(rate)) => {
                // A rate the chart document adds may not be here yet: wait for it.
                if crate::kind::chart::rate_known(cx.db, rate)
                    .unwrap_or(crate::kind::chart::Known::NotYet)
                    == crate::kind::chart::Known::NotYet
                {
                    return Err(Broken::Unknown(crate::rules::HOLD_UNKNOWN_ACCOUNT));
                }
                invoice_problem(net, tax, gross, rate, !text("corrects").is_empty())
            }
            _ => Some("missing figures".into()),
        }
    } else {
        if Direction::parse(text("direction")).is_err() {
            return Err(broken("a payment neither received nor paid"));
        }
        let allocations: Vec<i64> = change
            .appended("allocations")
            .iter()
            .map(|a| match a.get("amount") {
                Some(Scalar::Int(v)) if a.get("invoice").and_then(|i| i.text()).is_some() => *v,
                _ => -1,
            })
            .collect();
        match int("amount") {
            Some(amount) => payment_problem(amount, text("account"), &allocations),
            None => Some("missing figures".into()),
        }
    };
    match problem {
        Some(p) => Err(broken(format!("{what} with {p}"))),
        None => Ok(()),
    }
}
