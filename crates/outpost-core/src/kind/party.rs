//! Customers and suppliers, in `parties`: read by every member and written by everyone
//! but auditors, so a clerk can add the customer of the order being typed (books made
//! before `parties` keep theirs in `org`). Name, phone and address are registers.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ReadDoc};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::Serialize;

use super::{Collection, Names};
use crate::doc_id::{DocId, DocKind};
use crate::error::{Error, Result};
use crate::id::PartyId;
use crate::record::RecordRef;
use crate::repo::{Repo, Written};
use crate::schema::{RawConflict, RecordReader, View, is_conflicted, new_record, record_obj};
use crate::text::{MAX_NAME, MAX_TEXT, optional, required, text_enum};

/// The collection of customers.
pub(crate) const CUSTOMERS: &str = "customers";
/// The collection of suppliers.
pub(crate) const SUPPLIERS: &str = "suppliers";
/// Longest phone.
const MAX_PHONE: usize = 64;

text_enum!(
    /// Whether a party buys from us or sells to us.
    PartyKind, "party kind" {
        /// Buys from us (sales orders).
        Customer = "customer",
        /// Sells to us (purchase orders).
        Supplier = "supplier",
    }
);

impl PartyKind {
    fn collection(self) -> &'static str {
        match self {
            PartyKind::Customer => CUSTOMERS,
            PartyKind::Supplier => SUPPLIERS,
        }
    }
}

/// A customer or supplier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// The state of the parties this was read at; a form filled from it sends it back.
    pub version: String,
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

/// The customer or supplier form as typed. Saving it adds the party, or writes only the
/// fields typed since the form was filled.
#[derive(Clone, Debug, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PartyForm {
    /// The party edited (its name or id); `None` adds a new one.
    pub party: Option<String>,
    /// Customer or supplier.
    pub kind: PartyKind,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// The party's `version` when the form was filled.
    pub version: Option<String>,
}

/// The party kind, as the book drives it.
pub(crate) struct Kind;

const DOCS: &[DocKind] = &[DocKind::Org, DocKind::Parties];

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[
            Collection {
                name: CUSTOMERS,
                record: "customer",
                docs: DOCS,
            },
            Collection {
                name: SUPPLIERS,
                record: "supplier",
                docs: DOCS,
            },
        ]
    }

    fn tables(&self) -> &'static str {
        "CREATE TABLE IF NOT EXISTS parties (
             id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL,
             address TEXT NOT NULL) STRICT;"
    }

    fn table_names(&self) -> &'static [&'static str] {
        &["parties"]
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
        let kind = kind_of(&rec.collection);
        db.prepare_cached("DELETE FROM parties WHERE id = ?1")?
            .execute([&rec.key])?;
        if let Some(p) = obj.and_then(|obj| read_party(view, kind, &rec.key, obj, c)) {
            db.prepare_cached("INSERT INTO parties VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![
                    p.id.as_str(),
                    p.kind.as_str(),
                    p.name,
                    p.phone,
                    p.address
                ])?;
        }
        Ok(())
    }

    fn locate(&self, db: &Connection, key: &str) -> Result<Option<(RecordRef, DocId)>> {
        for kind in PartyKind::ALL {
            if let Ok(p) = resolve(db, *kind, key) {
                let rec = RecordRef::new(kind.collection(), p.id.as_str());
                return Ok(Some((rec, DocId::Parties)));
            }
        }
        Ok(None)
    }

    fn label(&self, db: &Connection, rec: &RecordRef) -> Result<Option<String>> {
        Ok(list_where(db, "id = ?1", params![rec.key])?
            .pop()
            .map(|p| p.name))
    }

    fn fields(
        &self,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: ObjId,
        _names: &Names,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let kind = kind_of(&rec.collection);
        if let Some(p) = read_party(view, kind, &rec.key, obj, &mut Vec::new()) {
            out.insert("name".into(), p.name);
            out.insert("phone".into(), p.phone);
            out.insert("address".into(), p.address);
        }
        out
    }
}

fn kind_of(collection: &str) -> PartyKind {
    if collection == SUPPLIERS {
        PartyKind::Supplier
    } else {
        PartyKind::Customer
    }
}

fn read_party<R: ReadDoc>(
    v: View<'_, R>,
    kind: PartyKind,
    id: &str,
    obj: ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Party> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Party {
        id: PartyId::from_stored(id.to_string()),
        kind,
        name: r.text("name")?,
        phone: r.text("phone").unwrap_or_default(),
        address: r.text("address").unwrap_or_default(),
        version: String::new(),
    })
}

fn list_where(db: &Connection, cond: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Party>> {
    let sql = format!(
        "SELECT id, kind, name, phone, address,
                coalesce((SELECT hex(heads) FROM doc_heads WHERE doc = 'parties'), '')
         FROM parties WHERE {cond} ORDER BY name, id"
    );
    let mut stmt = db.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(args, |r| {
            Ok(Party {
                id: PartyId::from_stored(r.get(0)?),
                kind: crate::store::parse_col(r.get(1)?, PartyKind::parse)?,
                name: r.get(2)?,
                phone: r.get(3)?,
                address: r.get(4)?,
                version: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A party by exact name (case-insensitive).
pub(crate) fn by_name(db: &Connection, kind: PartyKind, name: &str) -> Result<Option<Party>> {
    Ok(list_where(
        db,
        "kind = ?1 AND name = ?2 COLLATE NOCASE",
        params![kind.as_str(), name.trim()],
    )?
    .into_iter()
    .next())
}

/// A party by name or id.
pub(crate) fn resolve(db: &Connection, kind: PartyKind, key: &str) -> Result<Party> {
    if let Some(p) = by_name(db, kind, key)? {
        return Ok(p);
    }
    list_where(
        db,
        "kind = ?1 AND id = ?2",
        params![kind.as_str(), key.trim()],
    )?
    .into_iter()
    .next()
    .ok_or_else(|| Error::not_found(kind.as_str(), key))
}

/// Every party's id with its name (history shows parties by name).
pub(crate) fn names(db: &Connection) -> Result<Names> {
    Ok(list_where(db, "1", params![])?
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect())
}

/// A party's fields, checked.
struct Checked {
    name: String,
    phone: String,
    address: String,
}

impl Checked {
    fn of(name: &str, phone: &str, address: &str) -> Result<Checked> {
        Ok(Checked {
            name: required("name", name, MAX_NAME)?,
            phone: optional("phone", phone, MAX_PHONE)?,
            address: optional("address", address, MAX_TEXT)?,
        })
    }
}

/// Customers and suppliers: [`crate::Book::parties`].
pub struct Parties<'a> {
    pub(crate) repo: &'a mut Repo,
}

impl Parties<'_> {
    /// Customers or suppliers, by name.
    pub fn list(&self, kind: PartyKind) -> Result<Vec<Party>> {
        list_where(self.repo.db(), "kind = ?1", params![kind.as_str()])
    }

    /// A party by exact name (case-insensitive).
    pub fn by_name(&self, kind: PartyKind, name: &str) -> Result<Option<Party>> {
        by_name(self.repo.db(), kind, name)
    }

    /// A party by name or id.
    pub fn resolve(&self, kind: PartyKind, key: &str) -> Result<Party> {
        resolve(self.repo.db(), kind, key)
    }

    /// Adds a customer or supplier; the name must be new among its kind.
    pub fn add(&mut self, party: NewParty, at: Timestamp) -> Result<PartyId> {
        let checked = Checked::of(&party.name, &party.phone, &party.address)?;
        self.insert(party.kind, checked, at)
    }

    /// Changes a customer's or supplier's name, phone or address (registers: concurrent
    /// edits of one field conflict and are shown). An edit that changes nothing writes
    /// nothing.
    pub fn edit(
        &mut self,
        kind: PartyKind,
        key: &str,
        edit: PartyEdit,
        at: Timestamp,
    ) -> Result<()> {
        let current = self.resolve(kind, key)?;
        let checked = Checked::of(
            edit.name.as_deref().unwrap_or(&current.name),
            edit.phone.as_deref().unwrap_or(&current.phone),
            edit.address.as_deref().unwrap_or(&current.address),
        )?;
        let typed = [
            edit.name.is_some(),
            edit.phone.is_some(),
            edit.address.is_some(),
        ];
        self.update(current, typed, checked, at)
    }

    /// Saves the party form: adds the party, or writes the fields typed since it was read.
    pub fn save(&mut self, form: PartyForm, at: Timestamp) -> Result<PartyId> {
        let checked = Checked::of(&form.name, &form.phone, &form.address)?;
        match form.party.as_deref().filter(|k| !k.trim().is_empty()) {
            None => self.insert(form.kind, checked, at),
            Some(key) => {
                let current = self.resolve(form.kind, key)?;
                let id = current.id.clone();
                let base = match form.version.as_deref() {
                    Some(v) => self.at_version(&current, v)?,
                    None => current.clone(),
                };
                let typed = [
                    base.name != checked.name,
                    base.phone != checked.phone,
                    base.address != checked.address,
                ];
                self.update(current, typed, checked, at)?;
                Ok(id)
            }
        }
    }

    fn insert(&mut self, kind: PartyKind, party: Checked, at: Timestamp) -> Result<PartyId> {
        if self.by_name(kind, &party.name)?.is_some() {
            return Err(Error::Duplicate {
                kind: kind.as_str(),
                key: party.name,
            });
        }
        let id = PartyId::generate(at);
        let coll = kind.collection();
        self.repo.write(&DocId::Parties, at, |tx| {
            let obj = new_record(tx, coll, id.as_str())?;
            tx.put(&obj, "name", party.name.as_str())?;
            tx.put(&obj, "phone", party.phone.as_str())?;
            tx.put(&obj, "address", party.address.as_str())?;
            Ok(Written::new(
                (),
                "party.add",
                vec![RecordRef::new(coll, id.as_str())],
            ))
        })?;
        Ok(id)
    }

    /// `current` as it was at `version` (itself if that state is unknown here).
    fn at_version(&mut self, current: &Party, version: &str) -> Result<Party> {
        let (id, kind) = (current.id.as_str(), current.kind);
        Ok(self
            .repo
            .record_at(
                &DocId::Parties,
                kind.collection(),
                id,
                Some(version),
                |view, obj| read_party(view, kind, id, obj, &mut Vec::new()),
            )?
            .unwrap_or_else(|| current.clone()))
    }

    /// Writes the fields of `new` the person typed (name, phone, address) that differ
    /// from what is stored now or are in conflict (typing the value shown settles it).
    fn update(
        &mut self,
        current: Party,
        typed: [bool; 3],
        new: Checked,
        at: Timestamp,
    ) -> Result<()> {
        let kind = current.kind;
        if new.name != current.name
            && let Some(other) = self.by_name(kind, &new.name)?
            && other.id != current.id
        {
            return Err(Error::Duplicate {
                kind: kind.as_str(),
                key: new.name,
            });
        }
        let coll = kind.collection();
        self.repo.write(&DocId::Parties, at, |tx| {
            let obj = record_obj(&*tx, coll, current.id.as_str())
                .ok_or_else(|| Error::not_found(kind.as_str(), current.name.as_str()))?;
            for (typed, field, now, new) in [
                (typed[0], "name", &current.name, &new.name),
                (typed[1], "phone", &current.phone, &new.phone),
                (typed[2], "address", &current.address, &new.address),
            ] {
                if typed && (now != new || is_conflicted(&*tx, &obj, field)) {
                    tx.put(&obj, field, new.as_str())?;
                }
            }
            Ok(Written::new(
                (),
                "party.edit",
                vec![RecordRef::new(coll, current.id.as_str())],
            ))
        })
    }
}
