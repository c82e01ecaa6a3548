//! The organisation document: settings, sites, warehouses, devices, items and parties.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType};
use jiff::Timestamp;

use super::{Book, Written};
use crate::code::{DeviceCode, SiteCode, WarehouseCode};
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::id::{DeviceId, ItemId, PartyId};
use crate::money::Money;
use crate::org::{PartyKind, Role};
use crate::record::RecordRef;
use crate::schema::{View, collection, collection_obj};
use crate::text::{MAX_NAME, MAX_TEXT, optional, required};

/// A new catalogue item.
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

/// A new customer or supplier.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewParty {
    /// Customer or supplier.
    pub kind: PartyKind,
    /// Name, unique among parties of its kind.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
}

/// Changes to a customer or supplier; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PartyEdit {
    /// New name, unique among parties of its kind (orders show it: they refer by id).
    pub name: Option<String>,
    /// New phone (empty clears it).
    pub phone: Option<String>,
    /// New address (empty clears it).
    pub address: Option<String>,
}

/// The collection of the parties document that holds parties of `kind`.
fn party_collection(kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Customer => collection::CUSTOMERS,
        PartyKind::Supplier => collection::SUPPLIERS,
    }
}

pub(super) fn put_settings(tx: &mut Transaction<'_>, name: &str, currency: &str) -> Result<()> {
    let settings = collection_obj(tx, collection::SETTINGS)?;
    tx.put(&settings, "name", name)?;
    tx.put(&settings, "currency", currency)?;
    Ok(())
}

pub(super) fn new_record(tx: &mut Transaction<'_>, coll: &str, key: &str) -> Result<ObjId> {
    let parent = collection_obj(tx, coll)?;
    Ok(tx.put_object(&parent, key, ObjType::Map)?)
}

pub(super) fn put_site(
    tx: &mut Transaction<'_>,
    code: &SiteCode,
    name: &str,
) -> Result<Vec<RecordRef>> {
    let name = required("site name", name, MAX_NAME)?;
    let site = new_record(tx, collection::SITES, code.as_str())?;
    tx.put(&site, "name", name.as_str())?;
    // Every site starts with one warehouse, `<SITE>1`.
    let wh_code = WarehouseCode::parse(&format!("{code}1"))?;
    let wh = new_record(tx, collection::WAREHOUSES, wh_code.as_str())?;
    tx.put(&wh, "site", code.as_str())?;
    tx.put(&wh, "name", format!("{name} 1").as_str())?;
    Ok(vec![
        RecordRef::new(collection::SITES, code.as_str()),
        RecordRef::new(collection::WAREHOUSES, wh_code.as_str()),
    ])
}

pub(super) fn put_device(
    tx: &mut Transaction<'_>,
    id: &DeviceId,
    code: &DeviceCode,
    name: &str,
    site: &SiteCode,
    role: Role,
    at: Timestamp,
) -> Result<Vec<RecordRef>> {
    let name = required("device name", name, MAX_NAME)?;
    let dev = new_record(tx, collection::DEVICES, id.as_str())?;
    tx.put(&dev, "code", code.as_str())?;
    tx.put(&dev, "site", site.as_str())?;
    tx.put(&dev, "joined_at", at.as_millisecond())?;
    tx.put(&dev, "name", name.as_str())?;
    tx.put(&dev, "role", role.as_str())?;
    tx.put(&dev, "revoked", false)?;
    Ok(vec![RecordRef::new(collection::DEVICES, id.as_str())])
}

/// A device code derived from the device id, moved on until it clashes with no known
/// device: three characters such as `K7M`.
///
/// A device joining from a bundle registers itself offline, so two devices joining at the
/// same time from copies of one bundle cannot see each other's code. Three characters make
/// a clash unlikely (1 in ~23,000 per pair), and a clash that does happen is listed as an
/// exception; codes handed out by an admin with an invite are unique by construction.
pub(super) fn free_device_code(id: &DeviceId, taken: &[String]) -> Result<DeviceCode> {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let seed = id.as_str().bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    for attempt in 0..4096u64 {
        let n = seed.wrapping_add(attempt.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut code = String::new();
        code.push(char::from(LETTERS[(n % 24) as usize]));
        code.push(char::from(ALNUM[((n >> 8) % 32) as usize]));
        code.push(char::from(ALNUM[((n >> 16) % 32) as usize]));
        if !taken.iter().any(|t| t == &code) {
            return DeviceCode::parse(&code);
        }
    }
    Err(Error::invalid("device code", id, Rule::Exhausted))
}

impl Book {
    /// Adds a site (with its first warehouse `<CODE>1`).
    pub fn add_site(&mut self, code: &SiteCode, name: &str, at: Timestamp) -> Result<()> {
        if self.sites()?.iter().any(|s| &s.code == code) {
            return Err(Error::Duplicate {
                kind: "site",
                key: code.to_string(),
            });
        }
        let code = code.clone();
        let name = name.to_string();
        self.write(&DocId::Org, at, |tx| {
            Ok(Written::new((), "site.add", put_site(tx, &code, &name)?))
        })
    }

    /// Adds a warehouse to a site.
    pub fn add_warehouse(
        &mut self,
        code: &WarehouseCode,
        site: &SiteCode,
        name: &str,
        at: Timestamp,
    ) -> Result<()> {
        self.site_exists(site)?;
        let name = required("warehouse name", name, MAX_NAME)?;
        if self.warehouses()?.iter().any(|w| &w.code == code) {
            return Err(Error::Duplicate {
                kind: "warehouse",
                key: code.to_string(),
            });
        }
        let (code, site) = (code.clone(), site.clone());
        self.write(&DocId::Org, at, |tx| {
            let wh = new_record(tx, collection::WAREHOUSES, code.as_str())?;
            tx.put(&wh, "site", site.as_str())?;
            tx.put(&wh, "name", name.as_str())?;
            Ok(Written::new(
                (),
                "warehouse.add",
                vec![RecordRef::new(collection::WAREHOUSES, code.as_str())],
            ))
        })
    }

    /// Adds an item to the catalogue; the SKU must be new.
    pub fn add_item(&mut self, item: NewItem, at: Timestamp) -> Result<ItemId> {
        let sku = required("sku", &item.sku, 64)?;
        let name = required("item name", &item.name, MAX_NAME)?;
        let unit = optional("unit", &item.unit, 32)?;
        if item.price.0 < 0 {
            return Err(Error::invalid("price", item.price, Rule::Negative));
        }
        if item.low_stock < 0 {
            return Err(Error::invalid(
                "low-stock threshold",
                item.low_stock,
                Rule::Negative,
            ));
        }
        if self.item_by_sku(&sku)?.is_some() {
            return Err(Error::Duplicate {
                kind: "sku",
                key: sku,
            });
        }
        let id = ItemId::generate(at);
        let key = id.clone();
        self.write(&DocId::Org, at, |tx| {
            let obj = new_record(tx, collection::ITEMS, key.as_str())?;
            tx.put(&obj, "sku", sku.as_str())?;
            tx.put(&obj, "name", name.as_str())?;
            tx.put(&obj, "unit", unit.as_str())?;
            tx.put(&obj, "price", item.price.0)?;
            tx.put(&obj, "low_stock", item.low_stock)?;
            Ok(Written::new(
                key.clone(),
                "item.add",
                vec![RecordRef::new(collection::ITEMS, key.as_str())],
            ))
        })?;
        Ok(id)
    }

    /// Changes an item's price, name or threshold (registers: concurrent edits conflict).
    pub fn edit_item(
        &mut self,
        sku: &str,
        name: Option<&str>,
        price: Option<Money>,
        low_stock: Option<i64>,
        at: Timestamp,
    ) -> Result<()> {
        let item = self.resolve_item(sku)?;
        let name = name
            .map(|n| required("item name", n, MAX_NAME))
            .transpose()?;
        if price.is_some_and(|p| p.0 < 0) || low_stock.is_some_and(|l| l < 0) {
            return Err(Error::invalid("item", sku, Rule::Negative));
        }
        self.write(&DocId::Org, at, |tx| {
            let coll = collection_obj(tx, collection::ITEMS)?;
            let obj = View::now(&*tx)
                .child_map(&coll, item.id.as_str())
                .ok_or_else(|| Error::not_found("item", item.sku.as_str()))?;
            if let Some(name) = &name {
                tx.put(&obj, "name", name.as_str())?;
            }
            if let Some(price) = price {
                tx.put(&obj, "price", price.0)?;
            }
            if let Some(low) = low_stock {
                tx.put(&obj, "low_stock", low)?;
            }
            Ok(Written::new(
                (),
                "item.edit",
                vec![RecordRef::new(collection::ITEMS, item.id.as_str())],
            ))
        })
    }

    /// Adds a customer or supplier; the name must be new among its kind.
    pub fn add_party(&mut self, party: NewParty, at: Timestamp) -> Result<PartyId> {
        let name = required("name", &party.name, MAX_NAME)?;
        let phone = optional("phone", &party.phone, 64)?;
        let address = optional("address", &party.address, MAX_TEXT)?;
        if self.party_by_name(party.kind, &name)?.is_some() {
            return Err(Error::Duplicate {
                kind: party.kind.as_str(),
                key: name,
            });
        }
        let id = PartyId::generate(at);
        let coll = party_collection(party.kind);
        let key = id.clone();
        self.write(&DocId::Parties, at, |tx| {
            let obj = new_record(tx, coll, key.as_str())?;
            tx.put(&obj, "name", name.as_str())?;
            tx.put(&obj, "phone", phone.as_str())?;
            tx.put(&obj, "address", address.as_str())?;
            Ok(Written::new(
                (),
                "party.add",
                vec![RecordRef::new(coll, key.as_str())],
            ))
        })?;
        Ok(id)
    }

    /// Changes a customer's or supplier's name, phone or address (registers: concurrent
    /// edits of one field conflict and are shown).
    pub fn edit_party(
        &mut self,
        kind: PartyKind,
        key: &str,
        edit: PartyEdit,
        at: Timestamp,
    ) -> Result<()> {
        let party = self.resolve_party(kind, key)?;
        let name = edit
            .name
            .as_deref()
            .map(|n| required("name", n, MAX_NAME))
            .transpose()?;
        let phone = edit
            .phone
            .as_deref()
            .map(|p| optional("phone", p, 64))
            .transpose()?;
        let address = edit
            .address
            .as_deref()
            .map(|a| optional("address", a, MAX_TEXT))
            .transpose()?;
        if let Some(name) = &name
            && let Some(other) = self.party_by_name(kind, name)?
            && other.id != party.id
        {
            return Err(Error::Duplicate {
                kind: kind.as_str(),
                key: name.clone(),
            });
        }
        let coll = party_collection(kind);
        self.write(&DocId::Parties, at, |tx| {
            let records = collection_obj(tx, coll)?;
            let obj = View::now(&*tx)
                .child_map(&records, party.id.as_str())
                .ok_or_else(|| Error::not_found(kind.as_str(), party.name.as_str()))?;
            for (field, value) in [("name", &name), ("phone", &phone), ("address", &address)] {
                if let Some(value) = value {
                    tx.put(&obj, field, value.as_str())?;
                }
            }
            Ok(Written::new(
                (),
                "party.edit",
                vec![RecordRef::new(coll, party.id.as_str())],
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_codes_avoid_taken_ones() {
        let id = DeviceId::random();
        let first = free_device_code(&id, &[]).unwrap();
        let second = free_device_code(&id, &[first.to_string()]).unwrap();
        assert_ne!(first, second);
        assert_eq!(first.as_str().len(), 3);
    }
}
