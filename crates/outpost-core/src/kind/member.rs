//! Members: the devices registered in `org` (who they are, their role and site, whether
//! revoked) and the invites that admit new ones. Only an admin writes them. Who may read
//! and write what, given a member, is [`crate::access`]'s; this kind keeps the records.

mod layout;
pub(crate) mod revocation;
mod write;

use automerge::{Automerge, ObjId};
use rusqlite::{Connection, params};
use serde::Serialize;

use super::Collection;
use crate::access::{self, Device, Role};
use crate::code::SiteCode;
use crate::doc_id::{DocId, DocKind};
use crate::error::Result;
use crate::exception::{ExceptionRow, push_rows};
use crate::id::DeviceId;
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::schema::{RawConflict, View};

pub(crate) use layout::put_device;
pub use revocation::Decision;
pub use write::{Admitted, INVITE_VALIDITY, InviteRefusal, InviteValidity};

/// The collection of devices.
pub(crate) const DEVICES: &str = "devices";
/// The collection of invites.
pub(crate) const INVITES: &str = "invites";

/// A one-time invite to join as a member with a role at a site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// The member kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[
            Collection {
                name: DEVICES,
                record: "device",
                docs: &[DocKind::Org],
            },
            Collection {
                name: INVITES,
                record: "invite",
                docs: &[DocKind::Org],
            },
        ]
    }

    fn tables(&self) -> &'static str {
        concat!(
            "CREATE TABLE IF NOT EXISTS devices (
             id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, site TEXT NOT NULL,
             role TEXT NOT NULL, joined_at INTEGER NOT NULL, revoked INTEGER NOT NULL,
             revoked_at INTEGER) STRICT;
         CREATE TABLE IF NOT EXISTS invites (
             id TEXT PRIMARY KEY, role TEXT NOT NULL, site TEXT NOT NULL,
             created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
             used_by TEXT) STRICT;",
            "
CREATE TABLE IF NOT EXISTS revoked_through (
    device TEXT NOT NULL, doc TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (device, doc)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS held_decisions (
    hash TEXT PRIMARY KEY, device TEXT NOT NULL, accept INTEGER NOT NULL
) STRICT, WITHOUT ROWID;"
        )
    }

    fn table_names(&self) -> &'static [&'static str] {
        &["devices", "invites", "revoked_through", "held_decisions"]
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
        if rec.collection == DEVICES {
            db.prepare_cached("DELETE FROM devices WHERE id = ?1")?
                .execute([key])?;
            if let Some(d) = obj
                .clone()
                .and_then(|obj| layout::read_device(view, key, obj, c))
            {
                db.prepare_cached("INSERT INTO devices VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?
                    .execute(params![
                        d.id.as_str(),
                        d.code.as_str(),
                        d.name,
                        d.site.as_str(),
                        d.role.as_str(),
                        d.joined_at_ms,
                        d.revoked,
                        d.revoked_at_ms
                    ])?;
            }
            revocation::project(db, view, key, obj.as_ref(), c)?;
        } else {
            db.prepare_cached("DELETE FROM invites WHERE id = ?1")?
                .execute([key])?;
            if let Some(i) = obj.and_then(|obj| layout::read_invite(view, key, obj, c)) {
                db.prepare_cached("INSERT INTO invites VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
                    .execute(params![
                        i.id,
                        i.role.as_str(),
                        i.site.as_str(),
                        i.created_by.as_str(),
                        i.created_at_ms,
                        i.expires_at_ms,
                        i.used_by.as_ref().map(|d| d.as_str())
                    ])?;
            }
        }
        Ok(())
    }

    fn label(&self, db: &Connection, rec: &RecordRef) -> Result<Option<String>> {
        if rec.collection != DEVICES {
            return Ok(None);
        }
        let Ok(id) = DeviceId::parse(&rec.key) else {
            return Ok(None);
        };
        Ok(access::member(db, &id)?.map(|d| d.code.to_string()))
    }

    fn exceptions(
        &self,
        db: &Connection,
        _stock_site: Option<&crate::code::SiteCode>,
        out: &mut Vec<ExceptionRow>,
    ) -> Result<()> {
        push_rows(
            db,
            "duplicate_device_code",
            "SELECT code, 1, count(*), NULL FROM devices GROUP BY code HAVING count(*) > 1 ORDER BY 1",
            [],
            out,
        )
    }
}

/// A device's code for display, or the first 8 characters of its id if it is unknown.
pub fn label(db: &Connection, id: &str) -> String {
    db.prepare_cached("SELECT code FROM devices WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)))
        .unwrap_or_else(|_| id.chars().take(8).collect())
}

/// Every invite, newest first.
pub(crate) fn invites(db: &Connection) -> Result<Vec<Invite>> {
    let mut stmt = db.prepare_cached(
        "SELECT id, role, site, created_by, created_at, expires_at, used_by FROM invites \
         ORDER BY created_at DESC",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Invite {
                id: r.get(0)?,
                role: crate::store::parse_col(r.get(1)?, Role::parse)?,
                site: SiteCode::from_stored(r.get(2)?),
                created_by: crate::store::parse_col(r.get(3)?, DeviceId::parse)?,
                created_at_ms: r.get(4)?,
                expires_at_ms: r.get(5)?,
                used_by: r
                    .get::<_, Option<String>>(6)?
                    .map(|u| crate::store::parse_col(u, DeviceId::parse))
                    .transpose()?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Members and invites: [`crate::Book::members`].
pub struct Members<'a> {
    pub(crate) repo: &'a mut Repo,
}

impl Members<'_> {
    /// This device's registration (code, site, role).
    pub fn me(&self) -> Result<Device> {
        self.repo.me()
    }

    /// Every registered device.
    pub fn list(&self) -> Result<Vec<Device>> {
        access::members(self.repo.db())
    }

    /// The member registered for `device`, if any.
    pub fn get(&self, device: &DeviceId) -> Result<Option<Device>> {
        access::member(self.repo.db(), device)
    }

    /// Device code for display, or the id's first 8 characters if the device is unknown.
    pub fn label(&self, id: &str) -> String {
        label(self.repo.db(), id)
    }

    /// Every invite, newest first.
    pub fn invites(&self) -> Result<Vec<Invite>> {
        invites(self.repo.db())
    }
}
