//! The rules an added account or VAT rate keeps when it arrives from elsewhere: a
//! sub-account code of a preset account (or a rate within 0–100% that is not preset),
//! made once by its author with what it needs; afterwards only renamed (accounts) or made
//! active or inactive. Who may write the chart at all the screen asked already.

use super::{ACCOUNTS, PRESET_RATES, sub_account_of};
use crate::kind::billing::MAX_RATE_BP;
use crate::rules::{Broken, Context, RecordChange, Scalar, Write, broken, names_author};
use crate::text::MAX_NAME;

/// Checks what `change` does to one added account or rate.
pub(super) fn check(cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
    let account = change.rec.collection == ACCOUNTS;
    let what = if account { "an account" } else { "a VAT rate" };
    let key = change.rec.key.as_str();
    if account && sub_account_of(key).is_none() {
        return Err(broken(format!(
            "an account {key}, which is no sub-account of a preset account"
        )));
    }
    if !account {
        match key.parse::<i64>() {
            Ok(bp) if (0..=MAX_RATE_BP).contains(&bp) && !PRESET_RATES.contains(&bp) => {}
            _ => return Err(broken(format!("a VAT rate {key}"))),
        }
    }
    let later: &[&str] = if account {
        &["name", "active"]
    } else {
        &["active"]
    };
    let made: &[&str] = if account {
        &["name", "active", "created_at", "created_by"]
    } else {
        &["active", "created_at", "created_by"]
    };
    let allowed = if change.made { made } else { later };
    for op in &change.ops {
        let field = op.key.as_deref().unwrap_or_default();
        if !op.path.is_empty() || !allowed.contains(&field) || matches!(op.write, Write::Make) {
            return Err(broken(format!("{what} with a field {field}")));
        }
        let typed = matches!(
            (field, &op.write),
            ("name" | "created_by", Write::Put(Scalar::Text(_)))
                | ("created_at", Write::Put(Scalar::Int(_)))
                | ("active", Write::Put(Scalar::Other))
        );
        if !typed {
            return Err(broken(format!("{what} whose {field} is of another type")));
        }
    }
    let fields = change.fields();
    if let Some(name) = fields.get("name").and_then(|n| n.text())
        && (name.trim().is_empty() || name.chars().count() > MAX_NAME)
    {
        return Err(broken(format!("{what} without a name")));
    }
    if change.made {
        names_author(cx, &fields, "created_by", what)?;
        if account && !fields.contains_key("name") {
            return Err(broken(format!("{what} without a name")));
        }
    }
    Ok(())
}
