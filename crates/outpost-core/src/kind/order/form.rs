//! The order form as typed: every field as text, parsed here. Saving it is one change
//! (the new order, or the fields and lines typed since the form was filled, and the
//! submit if asked); a preview gives the amounts and totals while the clerk types.

use jiff::Timestamp;
use serde::Serialize;

use super::Orders;
use super::edit::{Desired, DesiredLine};
use super::layout::CheckedLine;
use super::model::OrderKind;
use super::query::head;
use crate::code::{SiteCode, WarehouseCode};
use crate::error::{Error, Result};
use crate::form;
use crate::id::{LineId, OrderId};
use crate::kind::item::{self, Item};
use crate::money::Money;
use crate::text::{MAX_TEXT, optional};

/// One line of the order form, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct LineForm {
    /// The stored line this row edits; `None` for a row added in the form.
    pub id: Option<String>,
    /// The item as typed: its SKU, `SKU · name`, or enough of its name to be the only one.
    pub item: String,
    /// Quantity.
    pub qty: String,
    /// Unit price; empty for the item's list price.
    pub price: String,
    /// Discount on the line; empty for none.
    pub discount: String,
}

impl LineForm {
    /// A row left as the form starts it (no item, no price, quantity 1 or empty) is not
    /// a line.
    fn is_untouched(&self) -> bool {
        self.item.trim().is_empty()
            && matches!(self.qty.trim(), "" | "1")
            && self.price.trim().is_empty()
            && self.discount.trim().is_empty()
    }
}

/// The order form as typed.
#[derive(Clone, Debug, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct OrderForm {
    /// The draft edited (its number or id); `None` creates an order.
    pub order: Option<String>,
    /// Sales or purchase (fixed once the order exists).
    pub kind: OrderKind,
    /// Customer or supplier by name or id; empty for none yet.
    pub party: String,
    /// Warehouse code; empty for the site's first.
    pub warehouse: String,
    /// Remark.
    pub note: String,
    /// The rows, in order.
    pub lines: Vec<LineForm>,
    /// Submit for approval in the same change.
    pub submit: bool,
    /// The order's `version` when the form was filled (see [`super::OrderDetail`]).
    pub version: Option<String>,
}

/// What a row of the form comes to, as the clerk types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LinePreview {
    /// The item the row names, once it names exactly one.
    pub sku: Option<String>,
    /// That item's list price (what an empty price field means).
    pub list_price: Option<Money>,
    /// qty × price − discount, once every field reads.
    pub amount: Option<Money>,
    /// Whether the row counts as a line (an untouched row does not).
    pub is_line: bool,
    /// Whether the row is a line that cannot be saved as typed.
    pub is_invalid: bool,
}

/// The form's amounts as typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderPreview {
    /// One per row of the form.
    pub lines: Vec<LinePreview>,
    /// Sum of the rows that read.
    pub total: Money,
    /// How many rows do not read yet.
    pub invalid: u32,
}

/// The item a row names: exactly its SKU, the `SKU · name` the item list offers, or a
/// piece of the name that only one item has.
pub(crate) fn typed_item(items: &[Item], text: &str) -> Option<Item> {
    let lower = text.trim().to_lowercase();
    if lower.is_empty() {
        return None;
    }
    let by = |f: &dyn Fn(&Item) -> bool| items.iter().find(|i| f(i)).cloned();
    by(&|i| i.sku.to_lowercase() == lower)
        .or_else(|| by(&|i| format!("{} · {}", i.sku, i.name).to_lowercase() == lower))
        .or_else(|| {
            let mut named = items
                .iter()
                .filter(|i| i.name.to_lowercase().contains(&lower));
            match (named.next(), named.next()) {
                (Some(one), None) => Some(one.clone()),
                _ => None,
            }
        })
}

/// Reads one row: its item, quantity, price and discount.
fn read_line(items: &[Item], l: &LineForm) -> Result<CheckedLine> {
    let item = typed_item(items, &l.item).ok_or_else(|| Error::NotFound {
        kind: "item",
        key: l.item.trim().to_string(),
    })?;
    let qty = form::qty(&l.qty)?;
    let price = form::optional_money("price", &l.price)?.unwrap_or(item.price);
    let discount = form::optional_money("discount", &l.discount)?.unwrap_or(Money::ZERO);
    form::check_amounts(qty, price, discount)?;
    Ok(CheckedLine {
        item: item.id,
        qty,
        price,
        discount,
    })
}

impl Orders<'_> {
    /// What the form comes to as typed: each row's amount and the total. Writes nothing.
    pub fn preview(&self, form: &OrderForm) -> Result<OrderPreview> {
        let items = item::list_all(self.repo.db())?;
        let mut total = Money::ZERO;
        let mut invalid = 0;
        let lines = form
            .lines
            .iter()
            .map(|l| {
                let named = typed_item(&items, &l.item);
                let is_line = !l.is_untouched();
                let amount = read_line(&items, l)
                    .ok()
                    .map(|c| Money(c.qty.saturating_mul(c.price.0).saturating_sub(c.discount.0)));
                match amount {
                    Some(a) => total = Money(total.0.saturating_add(a.0)),
                    None if is_line => invalid += 1,
                    None => {}
                }
                LinePreview {
                    sku: named.as_ref().map(|i| i.sku.clone()),
                    list_price: named.map(|i| i.price),
                    amount,
                    is_line,
                    is_invalid: is_line && amount.is_none(),
                }
            })
            .collect();
        Ok(OrderPreview {
            lines,
            total,
            invalid,
        })
    }

    /// Saves the order form in one change: a new order, or the header fields and lines
    /// typed since the form was filled (fields left alone are not written, so they never
    /// become conflicts), and the submit when asked. Returns the number and id.
    pub fn save(&mut self, form: OrderForm, at: Timestamp) -> Result<(String, OrderId)> {
        let items = item::list_all(self.repo.db())?;
        let mut lines = Vec::new();
        for (i, l) in form.lines.iter().enumerate() {
            if l.is_untouched() {
                continue;
            }
            let line = read_line(&items, l).map_err(|e| Error::Line {
                line: i + 1,
                source: Box::new(e),
            })?;
            let id =
                l.id.as_deref()
                    .filter(|id| !id.is_empty())
                    .map(|id| LineId::from_stored(id.to_string()));
            lines.push(DesiredLine {
                id,
                line,
                named: [false; 4],
            });
        }
        let note = optional("note", &form.note, MAX_TEXT)?;
        let warehouse = Some(form.warehouse.trim())
            .filter(|w| !w.is_empty())
            .map(WarehouseCode::parse)
            .transpose()?;
        let Some(key) = form.order.as_deref().filter(|k| !k.trim().is_empty()) else {
            let me = self.repo.me()?;
            let desired = Desired {
                party: self.typed_party(form.kind, &form.party)?,
                warehouse: self.warehouse_for(&me.site, warehouse.as_ref())?,
                note,
                lines,
                named: [false; 3],
            };
            return self.insert(form.kind, desired, form.submit, at);
        };
        let (current, doc_id) = self.draft(key)?;
        let base = match form.version.as_deref() {
            Some(v) => self.stored(&doc_id, &current.id, Some(v))?,
            None => current.clone(),
        };
        let site = SiteCode::from_stored(head(self.repo.db(), key)?.0.site);
        let desired = Desired {
            party: self.typed_party(current.kind, &form.party)?,
            warehouse: match &warehouse {
                Some(w) => self.warehouse_for(&site, Some(w))?,
                None => current.warehouse.clone(),
            },
            note,
            lines,
            named: [false; 3],
        };
        let action = if form.submit {
            "order.submit"
        } else {
            "order.edit"
        };
        self.apply(&doc_id, &base, &current, &desired, form.submit, action, at)?;
        Ok((current.number, current.id))
    }

    /// The party id an order form names (by name or id), `None` when left empty.
    fn typed_party(&self, kind: OrderKind, text: &str) -> Result<Option<String>> {
        Some(text.trim())
            .filter(|t| !t.is_empty())
            .map(|p| self.party_for(kind, p))
            .transpose()
    }
}
