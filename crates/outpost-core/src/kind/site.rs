//! Sites (offices) and their warehouses, in `org` (written by admins).

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ObjId, ReadDoc};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Collection;
use crate::code::{SiteCode, WarehouseCode};
use crate::doc_id::{DocId, DocKind};
use crate::error::{Error, Result};
use crate::record::RecordRef;
use crate::repo::{Repo, Written};
use crate::schema::{RawConflict, RecordReader, View, new_record};
use crate::text::{MAX_NAME, required};

/// The collection of sites.
pub(crate) const SITES: &str = "sites";
/// The collection of warehouses.
pub(crate) const WAREHOUSES: &str = "warehouses";

/// An office of the organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Site {
    /// Short code, e.g. `SH`.
    pub code: SiteCode,
    /// Display name.
    pub name: String,
    /// Whether it is the head office: its finance staff post and close for every site,
    /// a branch's for their own (the founding site, fixed when the organisation is made).
    pub head_office: bool,
}

/// A stock location belonging to one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Warehouse {
    /// Code unique in the organisation, e.g. `SH1`.
    pub code: WarehouseCode,
    /// The site it belongs to.
    pub site: SiteCode,
    /// Display name.
    pub name: String,
}

/// The site kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[
            Collection {
                name: SITES,
                record: "site",
                docs: &[DocKind::Org],
            },
            Collection {
                name: WAREHOUSES,
                record: "warehouse",
                docs: &[DocKind::Org],
            },
        ]
    }

    fn tables(&self) -> &'static str {
        "CREATE TABLE IF NOT EXISTS sites (
             code TEXT PRIMARY KEY, name TEXT NOT NULL,
             head_office INTEGER NOT NULL DEFAULT 0) STRICT;
         CREATE TABLE IF NOT EXISTS warehouses (
             code TEXT PRIMARY KEY, site TEXT NOT NULL, name TEXT NOT NULL) STRICT;"
    }

    fn table_names(&self) -> &'static [&'static str] {
        &["sites", "warehouses"]
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
        let key = rec.key.as_str();
        if rec.collection == SITES {
            db.prepare_cached("DELETE FROM sites WHERE code = ?1")?
                .execute([key])?;
            if let Some(s) = obj.and_then(|obj| read_site(view, key, obj, c)) {
                db.prepare_cached("INSERT INTO sites VALUES (?1, ?2, ?3)")?
                    .execute(params![s.code.as_str(), s.name, s.head_office])?;
            }
        } else {
            db.prepare_cached("DELETE FROM warehouses WHERE code = ?1")?
                .execute([key])?;
            if let Some(w) = obj.and_then(|obj| read_warehouse(view, key, obj, c)) {
                db.prepare_cached("INSERT INTO warehouses VALUES (?1, ?2, ?3)")?
                    .execute(params![w.code.as_str(), w.site.as_str(), w.name])?;
            }
        }
        Ok(())
    }
}

fn read_site<R: ReadDoc>(
    v: View<'_, R>,
    code: &str,
    obj: ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Site> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Site {
        code: SiteCode::parse(code).ok()?,
        name: r.text("name").unwrap_or_default(),
        head_office: r.flag(HEAD_OFFICE),
    })
}

/// The site field marking the head office.
const HEAD_OFFICE: &str = "head_office";

fn read_warehouse<R: ReadDoc>(
    v: View<'_, R>,
    code: &str,
    obj: ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Warehouse> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Warehouse {
        code: WarehouseCode::parse(code).ok()?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        name: r.text("name").unwrap_or_default(),
    })
}

/// Writes a new site and its first warehouse `<SITE>1`; the organisation's founding site
/// is its head office.
pub(crate) fn put_site(
    tx: &mut Transaction<'_>,
    code: &SiteCode,
    name: &str,
    head_office: bool,
) -> Result<Vec<RecordRef>> {
    let name = required("site name", name, MAX_NAME)?;
    let site = new_record(tx, SITES, code.as_str())?;
    tx.put(&site, "name", name.as_str())?;
    if head_office {
        tx.put(&site, HEAD_OFFICE, true)?;
    }
    let wh_code = WarehouseCode::parse(&format!("{code}1"))?;
    let wh = new_record(tx, WAREHOUSES, wh_code.as_str())?;
    tx.put(&wh, "site", code.as_str())?;
    tx.put(&wh, "name", format!("{name} 1").as_str())?;
    Ok(vec![
        RecordRef::new(SITES, code.as_str()),
        RecordRef::new(WAREHOUSES, wh_code.as_str()),
    ])
}

/// Every site, by code.
pub fn list(db: &Connection) -> Result<Vec<Site>> {
    let mut stmt = db.prepare_cached("SELECT code, name, head_office FROM sites ORDER BY code")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Site {
                code: SiteCode::from_stored(r.get(0)?),
                name: r.get(1)?,
                head_office: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Every warehouse, by code.
pub fn warehouses(db: &Connection) -> Result<Vec<Warehouse>> {
    let mut stmt = db.prepare_cached("SELECT code, site, name FROM warehouses ORDER BY code")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Warehouse {
                code: WarehouseCode::from_stored(r.get(0)?),
                site: SiteCode::from_stored(r.get(1)?),
                name: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// An error unless `site` exists.
pub(crate) fn exists(db: &Connection, site: &SiteCode) -> Result<()> {
    let found: Option<String> = db
        .prepare_cached("SELECT code FROM sites WHERE code = ?1")?
        .query_row([site.as_str()], |r| r.get(0))
        .optional()?;
    match found {
        Some(_) => Ok(()),
        None => Err(Error::not_found("site", site.as_str())),
    }
}

/// The site a warehouse belongs to.
pub(crate) fn warehouse_site(db: &Connection, code: &WarehouseCode) -> Result<SiteCode> {
    let site: Option<String> = db
        .prepare_cached("SELECT site FROM warehouses WHERE code = ?1")?
        .query_row([code.as_str()], |r| r.get(0))
        .optional()?;
    site.map(SiteCode::from_stored)
        .ok_or_else(|| Error::not_found("warehouse", code.as_str()))
}

/// The sites of warehouses as found, for a batch of changes judged together: a month's
/// orders and movements name a handful of warehouses ten thousand times. Only what was
/// found is kept (an unknown warehouse is looked up again).
#[derive(Default)]
pub(crate) struct WarehouseSites(std::cell::RefCell<std::collections::HashMap<String, SiteCode>>);

impl WarehouseSites {
    /// [`warehouse_site`], remembered.
    pub fn site_of(&self, db: &Connection, code: &WarehouseCode) -> Result<SiteCode> {
        if let Some(site) = self.0.borrow().get(code.as_str()) {
            return Ok(site.clone());
        }
        let site = warehouse_site(db, code)?;
        self.0
            .borrow_mut()
            .insert(code.as_str().to_string(), site.clone());
        Ok(site)
    }
}

/// The first warehouse of `site` (where its orders ship from unless they say otherwise).
pub(crate) fn first_warehouse(db: &Connection, site: &SiteCode) -> Result<WarehouseCode> {
    let code: Option<String> = db
        .prepare_cached("SELECT code FROM warehouses WHERE site = ?1 ORDER BY code LIMIT 1")?
        .query_row([site.as_str()], |r| r.get(0))
        .optional()?;
    code.map(WarehouseCode::from_stored)
        .ok_or_else(|| Error::not_found("warehouse of site", site.as_str()))
}

/// Sites and warehouses: [`crate::Book::sites`].
pub struct Sites<'a> {
    pub(crate) repo: &'a mut Repo,
}

impl Sites<'_> {
    /// Every site.
    pub fn list(&self) -> Result<Vec<Site>> {
        list(self.repo.db())
    }

    /// Every warehouse.
    pub fn warehouses(&self) -> Result<Vec<Warehouse>> {
        warehouses(self.repo.db())
    }

    /// Adds a site (with its first warehouse `<CODE>1`).
    pub fn add(&mut self, code: &SiteCode, name: &str, at: Timestamp) -> Result<()> {
        if exists(self.repo.db(), code).is_ok() {
            return Err(Error::Duplicate {
                kind: "site",
                key: code.to_string(),
            });
        }
        self.repo.write(&DocId::Org, at, |tx| {
            Ok(Written::new(
                (),
                "site.add",
                put_site(tx, code, name, false)?,
            ))
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
        exists(self.repo.db(), site)?;
        let name = required("warehouse name", name, MAX_NAME)?;
        if warehouse_site(self.repo.db(), code).is_ok() {
            return Err(Error::Duplicate {
                kind: "warehouse",
                key: code.to_string(),
            });
        }
        self.repo.write(&DocId::Org, at, |tx| {
            let wh = new_record(tx, WAREHOUSES, code.as_str())?;
            tx.put(&wh, "site", site.as_str())?;
            tx.put(&wh, "name", name.as_str())?;
            Ok(Written::new(
                (),
                "warehouse.add",
                vec![RecordRef::new(WAREHOUSES, code.as_str())],
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Within a batch a warehouse's site is looked up once; a warehouse not found is
    /// looked up again (it may arrive in the same merge).
    #[test]
    fn warehouse_sites_remember_what_was_found_and_only_that() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE warehouses (code TEXT PRIMARY KEY, site TEXT NOT NULL, name TEXT NOT NULL);
             INSERT INTO warehouses VALUES ('SH1', 'SH', 'Shanghai');",
        )
        .unwrap();
        let sites = WarehouseSites::default();
        let sh1 = WarehouseCode::parse("SH1").unwrap();
        let bj1 = WarehouseCode::parse("BJ1").unwrap();
        assert_eq!(sites.site_of(&db, &sh1).unwrap().as_str(), "SH");
        assert!(sites.site_of(&db, &bj1).is_err());
        db.execute_batch(
            "UPDATE warehouses SET site = 'XX' WHERE code = 'SH1';
             INSERT INTO warehouses VALUES ('BJ1', 'BJ', 'Beijing');",
        )
        .unwrap();
        assert_eq!(sites.site_of(&db, &sh1).unwrap().as_str(), "SH");
        assert_eq!(sites.site_of(&db, &bj1).unwrap().as_str(), "BJ");
    }
}
