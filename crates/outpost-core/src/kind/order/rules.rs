//! The rules an order keeps when a change arrives from elsewhere: the header and lines
//! change only while the order is a draft, status events are only appended and follow
//! the lifecycle, events and the order name their real author, and an order draws on a
//! warehouse of its own site.

use super::model::{Action, OrderKind, Status, fold_statuses};
use crate::form::{MAX_PRICE, MAX_QTY};
use crate::rules::{
    Broken, Context, RecordChange, Scalar, Seg, Write, append_only, broken, in_range, names_author,
    of_doc_site,
};

/// Fields of an order's own object, set when it is made.
const MADE_FIELDS: &[&str] = &[
    "number",
    "kind",
    "site",
    "created_at",
    "created_by",
    "party",
    "warehouse",
    "note",
    "lines",
    "events",
];
/// Fields of a draft order's header that an edit may change.
const EDITABLE: &[&str] = &["party", "warehouse", "note"];
/// Fields of a line.
const LINE_FIELDS: &[&str] = &[
    "added_at", "pos", "item", "qty", "price", "discount", "removed",
];
/// Fields of a status event.
const EVENT_FIELDS: &[&str] = &["status", "at", "by", "note", "total"];

/// Checks what `change` does to one order.
pub(super) fn check(cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
    let fields = change.fields();
    let kind = if change.made {
        fields
            .get("kind")
            .and_then(|k| k.text())
            .map(str::to_string)
    } else {
        cx.past.text(&change.rec, "kind")
    };
    let kind = kind
        .and_then(|k| OrderKind::parse(&k).ok())
        .ok_or_else(|| broken("an order without a kind"))?;
    let before = if change.made {
        Status::Draft
    } else {
        let past = cx.past.list_texts(&change.rec, "events", "status");
        fold_statuses(kind, past.iter().filter_map(|s| Status::parse(s).ok()))
    };
    let mut header_or_lines = false;
    for op in &change.ops {
        match (op.path.as_slice(), op.key.as_deref()) {
            ([], Some(key)) => {
                let allowed = if change.made { MADE_FIELDS } else { EDITABLE };
                if !allowed.contains(&key) {
                    return Err(broken(format!("it changes an order's {key}")));
                }
                header_or_lines |= !change.made;
            }
            ([Seg::Key(l)], Some(_)) if l == "lines" => {
                if !matches!(op.write, Write::Make) {
                    return Err(broken("it puts a value in place of an order line"));
                }
                header_or_lines |= !change.made;
            }
            ([Seg::Key(l), Seg::Key(_)], Some(key)) if l == "lines" => {
                check_line_field(key, &op.write)?;
                header_or_lines |= !(change.made && op.on_new);
            }
            _ => match append_only(op, "events", EVENT_FIELDS, "an order's status event") {
                Some(checked) => checked?,
                None => return Err(broken("it writes where an order has nothing")),
            },
        }
    }
    if header_or_lines && before != Status::Draft {
        return Err(broken(format!(
            "it edits an order that is {} (lines and header freeze at submit)",
            before.as_str()
        )));
    }
    if change.made {
        check_made(cx, &fields)?;
    }
    if let Some(warehouse) = fields.get("warehouse") {
        check_warehouse(cx, warehouse)?;
    }
    check_events(cx, change, kind, before)
}

/// A new order belongs to its document's site and names its author as its creator.
fn check_made(
    cx: &Context<'_>,
    fields: &std::collections::BTreeMap<&str, &Scalar>,
) -> Result<(), Broken> {
    of_doc_site(cx, fields, "an order")?;
    names_author(cx, fields, "created_by", "an order")
}

/// The warehouse an order draws on is one of its own site's.
fn check_warehouse(cx: &Context<'_>, warehouse: &Scalar) -> Result<(), Broken> {
    let code = warehouse
        .text()
        .and_then(|w| crate::code::WarehouseCode::parse(w).ok())
        .ok_or_else(|| broken("an order's warehouse is not a warehouse code"))?;
    let Ok(site) = cx.warehouses.site_of(cx.db, &code) else {
        return Err(Broken::Unknown(crate::rules::HOLD_UNKNOWN_WAREHOUSE));
    };
    if Some(&site) != cx.doc_id.site() {
        return Err(broken(format!(
            "an order draws on {code}, a warehouse of another site"
        )));
    }
    Ok(())
}

fn check_line_field(key: &str, write: &Write) -> Result<(), Broken> {
    if !LINE_FIELDS.contains(&key) {
        return Err(broken(format!("an order line with a field {key}")));
    }
    let Write::Put(value) = write else {
        return Err(broken(format!("an order line's {key} is not a value")));
    };
    match key {
        "qty" => in_range("a line's quantity", value, 1..=MAX_QTY),
        "price" => in_range("a line's price", value, 0..=MAX_PRICE),
        "discount" => in_range("a line's discount", value, 0..=MAX_PRICE),
        _ => Ok(()),
    }
}

/// Each appended event takes a step the lifecycle allows from where the order stood,
/// and names the change's author.
fn check_events(
    cx: &Context<'_>,
    change: &RecordChange,
    kind: OrderKind,
    before: Status,
) -> Result<(), Broken> {
    let mut seen = vec![before];
    for event in change.appended("events") {
        let status = event
            .get("status")
            .and_then(|s| s.text())
            .and_then(|s| Status::parse(s).ok())
            .ok_or_else(|| broken("an order event without a status"))?;
        let now = fold_statuses(kind, seen.iter().copied());
        let allowed = Action::ALL
            .iter()
            .any(|a| a.target() == status && a.allowed(kind, now));
        if !allowed {
            return Err(broken(format!(
                "an order that is {} cannot become {}",
                now.as_str(),
                status.as_str()
            )));
        }
        if !cx
            .doc_id
            .site()
            .is_some_and(|site| crate::access::may_take_step(cx.author, site, status))
        {
            let who = if matches!(status, Status::Invoiced | Status::Paid) {
                "who may not bill here"
            } else {
                "who may not take that step"
            };
            return Err(broken(format!(
                "an order marked {} by a {} of {}, {who}",
                status.as_str(),
                cx.author.role,
                cx.author.site
            )));
        }
        names_author(cx, &event, "by", "an order event")?;
        seen.push(status);
    }
    Ok(())
}
