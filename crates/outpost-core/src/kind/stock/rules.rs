//! The rules a stock movement keeps when a change arrives from elsewhere: it is a fact,
//! written once whole and never changed; its quantity has its kind's sign and a sane
//! size; it names its real author and a warehouse of a site its document belongs to.

use super::model::MovementKind;
use crate::code::WarehouseCode;
use crate::form::MAX_QTY;
use crate::rules::{Broken, Context, RecordChange, Scalar, Write, broken, names_author};

/// Fields of a movement.
const FIELDS: &[&str] = &[
    "kind",
    "item",
    "warehouse",
    "qty",
    "at",
    "by",
    "order",
    "transfer",
    "counterpart",
    "note",
];

/// Checks what `change` does to one movement.
pub(super) fn check(cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
    if !change.made {
        return Err(broken("it changes a stock movement (movements are facts)"));
    }
    for op in &change.ops {
        let key = op.key.as_deref().unwrap_or_default();
        if !op.path.is_empty() || !FIELDS.contains(&key) || !matches!(op.write, Write::Put(_)) {
            return Err(broken(format!("a stock movement with a field {key}")));
        }
    }
    let fields = change.fields();
    let text = |k: &str| fields.get(k).and_then(|v| v.text());
    let kind = text("kind")
        .and_then(|k| MovementKind::parse(k).ok())
        .ok_or_else(|| broken("a stock movement without a kind"))?;
    let qty = match fields.get("qty") {
        Some(Scalar::Int(q)) => *q,
        _ => return Err(broken("a stock movement without a quantity")),
    };
    let sign_ok = match kind {
        MovementKind::Receipt | MovementKind::TransferIn => qty > 0,
        MovementKind::Issue | MovementKind::TransferOut => qty < 0,
        MovementKind::CountAdjustment => qty != 0,
    };
    if !sign_ok || qty.unsigned_abs() > MAX_QTY.unsigned_abs() {
        return Err(broken(format!(
            "a {} of {qty} (the sign or size is wrong)",
            kind.as_str()
        )));
    }
    names_author(cx, &fields, "by", "a stock movement")?;
    let code = text("warehouse")
        .and_then(|w| WarehouseCode::parse(w).ok())
        .ok_or_else(|| broken("a stock movement without a warehouse"))?;
    let Ok(site) = cx.warehouses.site_of(cx.db, &code) else {
        return Err(Broken::Unknown(crate::rules::HOLD_UNKNOWN_WAREHOUSE));
    };
    if !cx.doc_id.sites().contains(&&site) {
        return Err(broken(format!(
            "a stock movement at {code}, a warehouse of a site {} does not hold",
            cx.doc_id
        )));
    }
    Ok(())
}
