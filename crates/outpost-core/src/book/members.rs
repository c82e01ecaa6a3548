//! Members: invites, joining with one, and revocation. Only an admin writes these (they
//! live in `org`).

use automerge::transaction::Transactable;
use jiff::Timestamp;
use rusqlite::params;
use serde::Serialize;

use super::catalog::{self, new_record};
use super::{Book, Written};
use crate::code::SiteCode;
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::id::DeviceId;
use crate::org::{Device, Invite, Role};
use crate::record::RecordRef;
use crate::schema::{View, collection, collection_obj};

/// Why an invite cannot be used; the joining device is told which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[non_exhaustive]
pub enum InviteRefusal {
    /// Past its expiry.
    #[error("the invite expired")]
    Expired,
    /// Someone joined with it already.
    #[error("the invite was used already")]
    Used,
    /// No such invite in this organisation.
    #[error("the invite is unknown here")]
    Unknown,
    /// The device is a member already.
    #[error("the device is a member already")]
    AlreadyMember,
}

/// A member added with an invite.
#[derive(Clone, Debug, Serialize)]
pub struct Admitted {
    /// The new member's registration.
    pub device: Device,
    /// The organisation document as it is now (an Automerge save), for the new device.
    pub org_doc: Vec<u8>,
    /// The customers and suppliers document as it is now (an Automerge save).
    pub parties_doc: Vec<u8>,
}

impl Book {
    fn require_admin(&self) -> Result<Device> {
        let me = self.me()?;
        if me.role == Role::Admin && !me.revoked {
            Ok(me)
        } else {
            Err(Error::NotPermitted {
                doc: DocId::Org.to_string(),
                role: me.role.as_str().to_string(),
            })
        }
    }

    /// Records an invite (admin only): `id` is the invite's one-time peer id.
    pub fn create_invite(
        &mut self,
        id: &str,
        role: Role,
        site: &SiteCode,
        expires_at: Timestamp,
        at: Timestamp,
    ) -> Result<Invite> {
        let me = self.require_admin()?;
        self.site_exists(site)?;
        if expires_at <= at {
            return Err(Error::invalid("expiry", expires_at, Rule::Future));
        }
        let invite = Invite {
            id: id.to_string(),
            role,
            site: site.clone(),
            created_by: me.id,
            created_at_ms: at.as_millisecond(),
            expires_at_ms: expires_at.as_millisecond(),
            used_by: None,
        };
        let record = invite.clone();
        self.write(&DocId::Org, at, move |tx| {
            let obj = new_record(tx, collection::INVITES, &record.id)?;
            tx.put(&obj, "role", record.role.as_str())?;
            tx.put(&obj, "site", record.site.as_str())?;
            tx.put(&obj, "created_by", record.created_by.as_str())?;
            tx.put(&obj, "created_at", record.created_at_ms)?;
            tx.put(&obj, "expires_at", record.expires_at_ms)?;
            Ok(Written::new(
                (),
                "invite.create",
                vec![RecordRef::new(collection::INVITES, &record.id)],
            ))
        })?;
        Ok(invite)
    }

    /// Every invite, newest first.
    pub fn invites(&self) -> Result<Vec<Invite>> {
        let mut stmt = self.db.prepare_cached(
            "SELECT id, role, site, created_by, created_at, expires_at, used_by FROM invites \
             ORDER BY created_at DESC",
        )?;
        let rows = stmt
            .query_map(params![], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, role, site, by, created, expires, used)| {
                Ok(Invite {
                    id,
                    role: Role::parse(&role)?,
                    site: SiteCode::from_stored(site),
                    created_by: DeviceId::parse(&by)?,
                    created_at_ms: created,
                    expires_at_ms: expires,
                    used_by: used.map(|u| DeviceId::parse(&u)).transpose()?,
                })
            })
            .collect()
    }

    /// Adds the device `device` as a member with the role and site of invite `id`, and
    /// marks the invite used (admin only). The new member's code is allocated here, so
    /// members added by one admin never share a code.
    pub fn admit(
        &mut self,
        id: &str,
        device: &DeviceId,
        name: &str,
        at: Timestamp,
    ) -> Result<std::result::Result<Admitted, InviteRefusal>> {
        self.require_admin()?;
        let Some(invite) = self.invites()?.into_iter().find(|i| i.id == id) else {
            return Ok(Err(InviteRefusal::Unknown));
        };
        // The same device presenting its invite again (its grant was lost on the way) is
        // sent the grant again; anyone else finds the code used.
        if invite.used_by.as_ref() == Some(device)
            && let Some(member) = self.device(device)?.filter(|d| !d.revoked)
        {
            return Ok(Ok(Admitted {
                device: member,
                org_doc: self.doc(&DocId::Org)?.save(),
                parties_doc: self.doc(&DocId::Parties)?.save(),
            }));
        }
        if invite.used_by.is_some() {
            return Ok(Err(InviteRefusal::Used));
        }
        if invite.expires_at_ms <= at.as_millisecond() {
            return Ok(Err(InviteRefusal::Expired));
        }
        if self.device(device)?.is_some() {
            return Ok(Err(InviteRefusal::AlreadyMember));
        }
        let code = self.free_code_for(device)?;
        let name = if name.trim().is_empty() {
            code.to_string()
        } else {
            name.to_string()
        };
        let dev = device.clone();
        self.write(&DocId::Org, at, |tx| {
            let mut touched =
                catalog::put_device(tx, &dev, &code, &name, &invite.site, invite.role, at)?;
            let invites = collection_obj(tx, collection::INVITES)?;
            let obj = View::now(&*tx)
                .child_map(&invites, &invite.id)
                .ok_or_else(|| Error::not_found("invite", invite.id.as_str()))?;
            tx.put(&obj, "used_by", dev.as_str())?;
            tx.put(&obj, "used_at", at.as_millisecond())?;
            touched.push(RecordRef::new(collection::INVITES, &invite.id));
            Ok(Written::new((), "member.join", touched))
        })?;
        let device = self
            .device(device)?
            .ok_or_else(|| Error::not_found("device", device.as_str()))?;
        Ok(Ok(Admitted {
            device,
            org_doc: self.doc(&DocId::Org)?.save(),
            parties_doc: self.doc(&DocId::Parties)?.save(),
        }))
    }

    /// Revokes a member (admin only): its connections close on every node that learns of
    /// it, it is sent nothing more, and its changes made after now are refused.
    pub fn revoke(&mut self, key: &str, at: Timestamp) -> Result<Device> {
        let me = self.require_admin()?;
        let target = self.find_device(key)?;
        if target.id == me.id {
            return Err(Error::invalid("device", key, Rule::NothingToChange));
        }
        if target.revoked {
            return Ok(target);
        }
        self.put_device_fields(
            &target.id,
            "member.revoke",
            &[
                ("revoked", true.into()),
                ("revoked_at", at.as_millisecond().into()),
            ],
            at,
        )
    }

    /// Renames a device (admin only: devices live in `org`). The name is what people see
    /// in history and on the peers screen; the device code stays.
    pub fn rename_device(&mut self, key: &str, name: &str, at: Timestamp) -> Result<Device> {
        self.require_admin()?;
        let name = crate::text::required("device name", name, crate::text::MAX_NAME)?;
        let target = self.find_device(key)?;
        if target.name == name {
            return Ok(target);
        }
        self.put_device_fields(
            &target.id,
            "member.rename",
            &[("name", name.as_str().into())],
            at,
        )
    }

    /// Sets fields of a registered device in `org` and returns it as stored.
    fn put_device_fields(
        &mut self,
        id: &DeviceId,
        action: &'static str,
        fields: &[(&str, automerge::ScalarValue)],
        at: Timestamp,
    ) -> Result<Device> {
        self.write(&DocId::Org, at, |tx| {
            let devices = collection_obj(tx, collection::DEVICES)?;
            let obj = View::now(&*tx)
                .child_map(&devices, id.as_str())
                .ok_or_else(|| Error::not_found("device", id.as_str()))?;
            for (field, value) in fields {
                tx.put(&obj, *field, value.clone())?;
            }
            Ok(Written::new(
                (),
                action,
                vec![RecordRef::new(collection::DEVICES, id.as_str())],
            ))
        })?;
        self.device(id)?
            .ok_or_else(|| Error::not_found("device", id.as_str()))
    }

    /// The device with code or id `key`.
    fn find_device(&self, key: &str) -> Result<Device> {
        self.devices()?
            .into_iter()
            .find(|d| d.code.as_str() == key || d.id.as_str() == key)
            .ok_or_else(|| Error::not_found("device", key))
    }

    /// A device code for `device` that no member or site uses (a device code that reads
    /// like a site code, BJ at SH, would confuse people).
    pub(super) fn free_code_for(&self, device: &DeviceId) -> Result<crate::code::DeviceCode> {
        let taken: Vec<String> = self
            .devices()?
            .into_iter()
            .map(|d| d.code.as_str().to_string())
            .chain(self.sites()?.into_iter().map(|s| s.code.to_string()))
            .collect();
        catalog::free_device_code(device, &taken)
    }
}
