//! The catalogue: items with their SKU, unit, list price and low-stock threshold, in `org`
//! (written by admins). Every field is a register: two offices changing one price at once
//! is a conflict a person settles.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ReadDoc};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::Serialize;

use super::{Collection, Names};
use crate::doc_id::{DocId, DocKind};
use crate::error::{Error, Result, Rule};
use crate::exception::{ExceptionRow, push_rows};
use crate::form;
use crate::id::ItemId;
use crate::money::Money;
use crate::record::RecordRef;
use crate::repo::{Repo, Written};
use crate::schema::{RawConflict, RecordReader, View, is_conflicted, new_record, record_obj};
use crate::text::{MAX_NAME, optional, required};

/// The collection of items.
pub(crate) const ITEMS: &str = "items";
/// Longest SKU.
const MAX_SKU: usize = 64;
/// Longest unit.
const MAX_UNIT: usize = 32;

/// A catalogue item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Item {
    /// Random id.
    pub id: ItemId,
    /// Stock-keeping unit code.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Unit of its smallest quantity (pcs, kg, box).
    pub unit: String,
    /// List price per unit.
    pub price: Money,
    /// Stock at or below this level is flagged low.
    pub low_stock: i64,
    /// The state of the catalogue this was read at; a form filled from it sends it back.
    pub version: String,
}

/// A new catalogue item (the CLI's and tests' typed form of [`ItemForm`]).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    /// Stock-keeping unit, unique in the catalogue.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Unit (pcs, kg, box).
    pub unit: String,
    /// List price per unit.
    pub price: Money,
    /// Low-stock threshold.
    pub low_stock: i64,
}

/// Changes to an item; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ItemEdit {
    /// New SKU (unique; orders refer to the item by id, so they follow).
    pub sku: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New unit.
    pub unit: Option<String>,
    /// New list price.
    pub price: Option<Money>,
    /// New low-stock threshold.
    pub low_stock: Option<i64>,
}

/// The item form as typed: every field as text. Saving it adds the item, or changes only
/// the fields that differ from the stored item (an unchanged field written again would
/// become a conflict with another office's edit of it).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ItemForm {
    /// The item edited (its SKU or id); `None` adds a new one.
    pub item: Option<String>,
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// List price, e.g. `35.00`.
    pub price: String,
    /// Low-stock threshold, a whole number.
    pub low_stock: String,
    /// The item's `version` when the form was filled: only fields typed since then are
    /// written, so an edit another office made meanwhile to a field left alone stays.
    pub version: Option<String>,
}

/// The item kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[Collection {
            name: ITEMS,
            record: "item",
            docs: &[DocKind::Org],
        }]
    }

    fn tables(&self) -> &'static str {
        "CREATE TABLE IF NOT EXISTS items (
             id TEXT PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL,
             price INTEGER NOT NULL, low_stock INTEGER NOT NULL) STRICT;
         CREATE INDEX IF NOT EXISTS items_by_sku ON items(sku);"
    }

    fn table_names(&self) -> &'static [&'static str] {
        &["items"]
    }

    fn project(
        &self,
        db: &Connection,
        _doc_id: &DocId,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: Option<ObjId>,
        c: &mut Vec<RawConflict>,
    ) -> Result<()> {
        db.prepare_cached("DELETE FROM items WHERE id = ?1")?
            .execute([&rec.key])?;
        if let Some(i) = obj.and_then(|obj| read_item(view, &rec.key, obj, c)) {
            db.prepare_cached("INSERT INTO items VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![
                    i.id.as_str(),
                    i.sku,
                    i.name,
                    i.unit,
                    i.price.0,
                    i.low_stock
                ])?;
        }
        Ok(())
    }

    fn locate(&self, db: &Connection, key: &str) -> Result<Option<(RecordRef, DocId)>> {
        Ok(resolve(db, key)
            .ok()
            .map(|i| (RecordRef::new(ITEMS, i.id.as_str()), DocId::Org)))
    }

    fn label(&self, db: &Connection, rec: &RecordRef) -> Result<Option<String>> {
        Ok(find(db, "id = ?1", params![rec.key])?.map(|i| i.sku))
    }

    fn fields(
        &self,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: ObjId,
        _names: &Names,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(i) = read_item(view, &rec.key, obj, &mut Vec::new()) {
            out.insert("sku".into(), i.sku);
            out.insert("name".into(), i.name);
            out.insert("unit".into(), i.unit);
            out.insert("price".into(), i.price.to_string());
            out.insert("low_stock".into(), i.low_stock.to_string());
        }
        out
    }

    fn exceptions(
        &self,
        db: &Connection,
        _stock_site: Option<&crate::code::SiteCode>,
        out: &mut Vec<ExceptionRow>,
    ) -> Result<()> {
        push_rows(
            db,
            "duplicate_sku",
            "SELECT sku, 1, count(*), NULL FROM items GROUP BY sku COLLATE NOCASE HAVING count(*) > 1 ORDER BY 1",
            [],
            out,
        )
    }
}

fn read_item<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Item> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Item {
        id: ItemId::from_stored(id.to_string()),
        sku: r.text("sku")?,
        name: r.text("name").unwrap_or_default(),
        unit: r.text("unit").unwrap_or_default(),
        price: Money(r.int("price").unwrap_or(0)),
        low_stock: r.int("low_stock").unwrap_or(0),
        version: String::new(),
    })
}

fn find(db: &Connection, cond: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Option<Item>> {
    Ok(list_where(db, cond, args)?.into_iter().next())
}

fn list_where(db: &Connection, cond: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Item>> {
    let sql = format!(
        "SELECT id, sku, name, unit, price, low_stock,
                coalesce((SELECT hex(heads) FROM doc_heads WHERE doc = 'org'), '')
         FROM items WHERE {cond} ORDER BY sku, id"
    );
    let mut stmt = db.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(args, |r| {
            Ok(Item {
                id: ItemId::from_stored(r.get(0)?),
                sku: r.get(1)?,
                name: r.get(2)?,
                unit: r.get(3)?,
                price: Money(r.get(4)?),
                low_stock: r.get(5)?,
                version: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The whole catalogue, by SKU.
pub(crate) fn list_all(db: &Connection) -> Result<Vec<Item>> {
    list_where(db, "1", params![])
}

/// An item by exact SKU (case-insensitive).
pub(crate) fn by_sku(db: &Connection, sku: &str) -> Result<Option<Item>> {
    find(db, "sku = ?1 COLLATE NOCASE", params![sku.trim()])
}

/// An item by SKU or id; an error naming it if there is none.
pub(crate) fn resolve(db: &Connection, key: &str) -> Result<Item> {
    if let Some(item) = by_sku(db, key)? {
        return Ok(item);
    }
    find(db, "id = ?1", params![key.trim()])?.ok_or_else(|| Error::not_found("item", key))
}

/// Every item's id with its SKU (history shows items by SKU).
pub(crate) fn names(db: &Connection) -> Result<Names> {
    Ok(list_all(db)?
        .into_iter()
        .map(|i| (i.id.to_string(), i.sku))
        .collect())
}

/// An item's fields, checked.
struct Checked {
    sku: String,
    name: String,
    unit: String,
    price: Money,
    low_stock: i64,
}

impl Checked {
    fn of(sku: &str, name: &str, unit: &str, price: Money, low_stock: i64) -> Result<Checked> {
        if price.0 < 0 {
            return Err(Error::invalid("price", price, Rule::Negative));
        }
        if low_stock < 0 {
            return Err(Error::invalid(
                "low-stock threshold",
                low_stock,
                Rule::Negative,
            ));
        }
        Ok(Checked {
            sku: required("sku", sku, MAX_SKU)?,
            name: required("item name", name, MAX_NAME)?,
            unit: optional("unit", unit, MAX_UNIT)?,
            price,
            low_stock,
        })
    }

    fn of_form(form: &ItemForm) -> Result<Checked> {
        let price = form::money("price", &form.price)?;
        let low_stock = if form.low_stock.trim().is_empty() {
            0
        } else {
            form::whole("low-stock threshold", &form.low_stock, 0, form::MAX_QTY)?
        };
        Checked::of(&form.sku, &form.name, &form.unit, price, low_stock)
    }
}

/// The catalogue: [`crate::Book::items`].
pub struct Items<'a> {
    pub(crate) repo: &'a mut Repo,
}

impl Items<'_> {
    /// The catalogue, by SKU.
    pub fn list(&self) -> Result<Vec<Item>> {
        list_all(self.repo.db())
    }

    /// An item by exact SKU (case-insensitive).
    pub fn by_sku(&self, sku: &str) -> Result<Option<Item>> {
        by_sku(self.repo.db(), sku)
    }

    /// An item by SKU or id; an error naming it if there is none.
    pub fn resolve(&self, key: &str) -> Result<Item> {
        resolve(self.repo.db(), key)
    }

    /// Adds an item to the catalogue; the SKU must be new.
    pub fn add(&mut self, item: NewItem, at: Timestamp) -> Result<ItemId> {
        let checked = Checked::of(
            &item.sku,
            &item.name,
            &item.unit,
            item.price,
            item.low_stock,
        )?;
        self.insert(checked, at)
    }

    /// Changes an item's fields (registers: concurrent edits conflict). Only fields that
    /// differ from the stored item are written; an edit that changes nothing writes nothing.
    pub fn edit(&mut self, key: &str, edit: ItemEdit, at: Timestamp) -> Result<()> {
        let current = self.resolve(key)?;
        let checked = Checked::of(
            edit.sku.as_deref().unwrap_or(&current.sku),
            edit.name.as_deref().unwrap_or(&current.name),
            edit.unit.as_deref().unwrap_or(&current.unit),
            edit.price.unwrap_or(current.price),
            edit.low_stock.unwrap_or(current.low_stock),
        )?;
        let typed = [
            edit.sku.is_some(),
            edit.name.is_some(),
            edit.unit.is_some(),
            edit.price.is_some(),
            edit.low_stock.is_some(),
        ];
        self.update(current, typed, checked, at)
    }

    /// Saves the item form: adds the item, or writes the fields that changed.
    pub fn save(&mut self, form: ItemForm, at: Timestamp) -> Result<ItemId> {
        let checked = Checked::of_form(&form)?;
        match form.item.as_deref().filter(|k| !k.trim().is_empty()) {
            None => self.insert(checked, at),
            Some(key) => {
                let current = self.resolve(key)?;
                let id = current.id.clone();
                let base = match form.version.as_deref() {
                    Some(v) => self.at_version(&current, v)?,
                    None => current.clone(),
                };
                let typed = [
                    base.sku != checked.sku,
                    base.name != checked.name,
                    base.unit != checked.unit,
                    base.price != checked.price,
                    base.low_stock != checked.low_stock,
                ];
                self.update(current, typed, checked, at)?;
                Ok(id)
            }
        }
    }

    fn insert(&mut self, item: Checked, at: Timestamp) -> Result<ItemId> {
        if self.by_sku(&item.sku)?.is_some() {
            return Err(Error::Duplicate {
                kind: "sku",
                key: item.sku,
            });
        }
        let id = ItemId::generate(at);
        self.repo.write(&DocId::Org, at, |tx| {
            let obj = new_record(tx, ITEMS, id.as_str())?;
            tx.put(&obj, "sku", item.sku.as_str())?;
            tx.put(&obj, "name", item.name.as_str())?;
            tx.put(&obj, "unit", item.unit.as_str())?;
            tx.put(&obj, "price", item.price.0)?;
            tx.put(&obj, "low_stock", item.low_stock)?;
            Ok(Written::new(
                (),
                "item.add",
                vec![RecordRef::new(ITEMS, id.as_str())],
            ))
        })?;
        Ok(id)
    }

    /// `current` as it was at `version` (itself if that state is unknown here).
    fn at_version(&mut self, current: &Item, version: &str) -> Result<Item> {
        let id = current.id.as_str();
        Ok(self
            .repo
            .record_at(&DocId::Org, ITEMS, id, Some(version), |view, obj| {
                read_item(view, id, obj, &mut Vec::new())
            })?
            .unwrap_or_else(|| current.clone()))
    }

    /// Writes the fields of `new` the person typed (sku, name, unit, price, low stock)
    /// that differ from what is stored now or are in conflict (typing the value shown
    /// settles it).
    fn update(
        &mut self,
        current: Item,
        typed: [bool; 5],
        new: Checked,
        at: Timestamp,
    ) -> Result<()> {
        if !new.sku.eq_ignore_ascii_case(&current.sku)
            && let Some(other) = self.by_sku(&new.sku)?
            && other.id != current.id
        {
            return Err(Error::Duplicate {
                kind: "sku",
                key: new.sku,
            });
        }
        let id = current.id.clone();
        self.repo.write(&DocId::Org, at, |tx| {
            let obj = record_obj(&*tx, ITEMS, id.as_str())
                .ok_or_else(|| Error::not_found("item", current.sku.as_str()))?;
            let write = |typed: bool, changed: bool, field: &str| {
                typed && (changed || is_conflicted(&*tx, &obj, field))
            };
            let puts = [
                write(typed[0], current.sku != new.sku, "sku"),
                write(typed[1], current.name != new.name, "name"),
                write(typed[2], current.unit != new.unit, "unit"),
                write(typed[3], current.price != new.price, "price"),
                write(typed[4], current.low_stock != new.low_stock, "low_stock"),
            ];
            for (put, field, value) in [
                (puts[0], "sku", &new.sku),
                (puts[1], "name", &new.name),
                (puts[2], "unit", &new.unit),
            ] {
                if put {
                    tx.put(&obj, field, value.as_str())?;
                }
            }
            if puts[3] {
                tx.put(&obj, "price", new.price.0)?;
            }
            if puts[4] {
                tx.put(&obj, "low_stock", new.low_stock)?;
            }
            Ok(Written::new(
                (),
                "item.edit",
                vec![RecordRef::new(ITEMS, id.as_str())],
            ))
        })
    }
}
