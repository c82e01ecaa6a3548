//! The organisation document's records: sites, warehouses, devices, items, customers and
//! suppliers.

use automerge::ReadDoc;
use serde::Serialize;

use crate::code::{DeviceCode, SiteCode, WarehouseCode};
use crate::id::{DeviceId, ItemId, PartyId};
use crate::money::Money;
use crate::schema::{RawConflict, RecordReader, View};
use crate::text::text_enum;

text_enum!(
    /// What a device's member may do.
    Role, "role" {
        /// Manages the organisation, devices and invites.
        Admin = "admin",
        /// Approves and watches every site.
        Manager = "manager",
        /// Keeps the ledger.
        Finance = "finance",
        /// Enters orders and tasks at a site.
        Clerk = "clerk",
        /// Receives, issues and counts stock at a site.
        Warehouse = "warehouse",
        /// Reads everything, writes nothing.
        Auditor = "auditor",
    }
);

text_enum!(
    /// Whether a party buys from us or sells to us.
    PartyKind, "party kind" {
        /// Buys from us (sales orders).
        Customer = "customer",
        /// Sells to us (purchase orders).
        Supplier = "supplier",
    }
);

/// An office of the organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Site {
    /// Short code, e.g. `SH`.
    pub code: SiteCode,
    /// Display name.
    pub name: String,
}

/// A stock location belonging to one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warehouse {
    /// Code unique in the organisation, e.g. `SH1`.
    pub code: WarehouseCode,
    /// The site it belongs to.
    pub site: SiteCode,
    /// Display name.
    pub name: String,
}

/// A device of a member: who writes, from where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Device {
    /// The device id (its Automerge actor).
    pub id: DeviceId,
    /// Short code used in human numbers.
    pub code: DeviceCode,
    /// The person or machine name.
    pub name: String,
    /// Home site.
    pub site: SiteCode,
    /// Role of its member.
    pub role: Role,
    /// When it joined (ms).
    pub joined_at_ms: i64,
    /// Whether it has been revoked.
    pub revoked: bool,
    /// When it was revoked (ms); its changes made before then still count.
    pub revoked_at_ms: Option<i64>,
}

/// A one-time invite to join as a member with a role at a site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Invite {
    /// The invite's one-time peer id (derived from its secret; the secret is not kept).
    pub id: String,
    /// Role of the member it makes.
    pub role: Role,
    /// Home site of the member it makes.
    pub site: SiteCode,
    /// Who made it.
    pub created_by: DeviceId,
    /// When it was made (ms).
    pub created_at_ms: i64,
    /// When it stops working (ms).
    pub expires_at_ms: i64,
    /// The device that joined with it, once used.
    pub used_by: Option<DeviceId>,
}

/// A catalogue item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
}

/// A customer or supplier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Party {
    /// Random id.
    pub id: PartyId,
    /// Customer or supplier.
    pub kind: PartyKind,
    /// Display name.
    pub name: String,
    /// Phone, free text.
    pub phone: String,
    /// Address, free text.
    pub address: String,
}

pub(crate) fn read_site<R: ReadDoc>(
    v: View<'_, R>,
    code: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Site> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Site {
        code: SiteCode::parse(code).ok()?,
        name: r.text("name").unwrap_or_default(),
    })
}

pub(crate) fn read_warehouse<R: ReadDoc>(
    v: View<'_, R>,
    code: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Warehouse> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Warehouse {
        code: WarehouseCode::parse(code).ok()?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        name: r.text("name").unwrap_or_default(),
    })
}

pub(crate) fn read_device<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Device> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Device {
        id: DeviceId::parse(id).ok()?,
        code: DeviceCode::parse(&r.fact_text("code")?).ok()?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        joined_at_ms: r.fact_int("joined_at")?,
        name: r.text("name").unwrap_or_default(),
        role: Role::parse(&r.text("role")?).ok()?,
        revoked: r.flag("revoked"),
        revoked_at_ms: r.int("revoked_at"),
    })
}

pub(crate) fn read_invite<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Invite> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Invite {
        id: id.to_string(),
        role: Role::parse(&r.fact_text("role")?).ok()?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        created_by: DeviceId::parse(&r.fact_text("created_by")?).ok()?,
        created_at_ms: r.fact_int("created_at")?,
        expires_at_ms: r.fact_int("expires_at")?,
        used_by: r.text("used_by").and_then(|d| DeviceId::parse(&d).ok()),
    })
}

pub(crate) fn read_item<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: automerge::ObjId,
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
    })
}

pub(crate) fn read_party<R: ReadDoc>(
    v: View<'_, R>,
    kind: PartyKind,
    id: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Party> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Party {
        id: PartyId::from_stored(id.to_string()),
        kind,
        name: r.text("name")?,
        phone: r.text("phone").unwrap_or_default(),
        address: r.text("address").unwrap_or_default(),
    })
}
