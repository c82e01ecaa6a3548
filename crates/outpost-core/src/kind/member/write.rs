//! Invites, admitting a device with one, revoking and renaming members: admin only.

use automerge::transaction::Transactable;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::revocation::{self, Decision};
use super::{DEVICES, INVITES, Invite, Members, layout};
use crate::access::{self, Device, Role};
use crate::code::{DeviceCode, SiteCode};
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::id::DeviceId;
use crate::record::RecordRef;
use crate::repo::{Repo, Written};
use crate::schema::{new_record, record_obj};

/// How long an invite may stay open: the one rule every front end shows and checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InviteValidity {
    /// Shortest, in seconds.
    pub min_secs: i64,
    /// Longest, in seconds.
    pub max_secs: i64,
    /// What a new invite gets unless someone chooses, in seconds.
    pub default_secs: i64,
}

/// An invite stays open between one second and a year (and a day), a week by default.
pub const INVITE_VALIDITY: InviteValidity = InviteValidity {
    min_secs: 1,
    max_secs: 366 * 86_400,
    default_secs: 7 * 86_400,
};

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

/// This device as an admin, or the refusal a non-admin gets.
pub(crate) fn require_admin(repo: &Repo) -> Result<Device> {
    let me = repo.me()?;
    if me.role == Role::Admin && !me.revoked {
        Ok(me)
    } else {
        Err(Error::NotPermitted {
            doc: DocId::Org.to_string(),
            role: me.role.as_str().to_string(),
        })
    }
}

/// A device code for `device` that no member or site uses (a device code that reads
/// like a site code, BJ at SH, would confuse people).
fn free_code_for(repo: &Repo, device: &DeviceId) -> Result<DeviceCode> {
    let taken: Vec<String> = access::members(repo.db())?
        .into_iter()
        .map(|d| d.code.as_str().to_string())
        .chain(
            crate::kind::site::list(repo.db())?
                .into_iter()
                .map(|s| s.code.to_string()),
        )
        .collect();
    layout::free_device_code(device, &taken)
}

fn find_device(repo: &Repo, key: &str) -> Result<Device> {
    access::members(repo.db())?
        .into_iter()
        .find(|d| d.code.as_str() == key || d.id.as_str() == key)
        .ok_or_else(|| Error::not_found("device", key))
}

/// The organisation and parties documents as a joining device takes them: each saved
/// whole and sealed with its changes' signatures.
fn saves(repo: &mut Repo) -> Result<(Vec<u8>, Vec<u8>)> {
    let mut sealed = |doc: DocId| -> Result<Vec<u8>> {
        let saved = repo.doc(&doc)?.save();
        Ok(crate::sign::seal(
            &saved,
            &crate::store::doc_sigs(repo.db(), &doc)?,
            &[],
        ))
    };
    Ok((sealed(DocId::Org)?, sealed(DocId::Parties)?))
}

impl Members<'_> {
    /// Records an invite (admin only): `id` is the invite's one-time peer id; it stays open
    /// for `valid_for` (within [`INVITE_VALIDITY`]).
    pub fn invite(
        &mut self,
        id: &str,
        role: Role,
        site: &SiteCode,
        valid_for: SignedDuration,
        at: Timestamp,
    ) -> Result<Invite> {
        let me = require_admin(self.repo)?;
        crate::kind::site::exists(self.repo.db(), site)?;
        let secs = valid_for.as_secs();
        let limits = INVITE_VALIDITY;
        if !(limits.min_secs..=limits.max_secs).contains(&secs) {
            return Err(Error::invalid(
                "invite validity",
                format!("{secs} s"),
                Rule::Range {
                    min: format!("{} s", limits.min_secs),
                    max: format!("{} s", limits.max_secs),
                },
            ));
        }
        let expires_at = at
            .checked_add(valid_for)
            .map_err(|_| Error::invalid("expiry", format!("{secs} s"), Rule::Future))?;
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
        self.repo.write(&DocId::Org, at, move |tx| {
            let obj = new_record(tx, INVITES, &record.id)?;
            tx.put(&obj, "role", record.role.as_str())?;
            tx.put(&obj, "site", record.site.as_str())?;
            tx.put(&obj, "created_by", record.created_by.as_str())?;
            tx.put(&obj, "created_at", record.created_at_ms)?;
            tx.put(&obj, "expires_at", record.expires_at_ms)?;
            Ok(Written::new(
                (),
                "invite.create",
                vec![RecordRef::new(INVITES, &record.id)],
            ))
        })?;
        Ok(invite)
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
        require_admin(self.repo)?;
        let Some(invite) = super::invites(self.repo.db())?
            .into_iter()
            .find(|i| i.id == id)
        else {
            return Ok(Err(InviteRefusal::Unknown));
        };
        // The same device presenting its invite again (its grant was lost on the way) is
        // sent the grant again; anyone else finds the code used.
        if invite.used_by.as_ref() == Some(device)
            && let Some(member) = access::member(self.repo.db(), device)?.filter(|d| !d.revoked)
        {
            let (org_doc, parties_doc) = saves(self.repo)?;
            return Ok(Ok(Admitted {
                device: member,
                org_doc,
                parties_doc,
            }));
        }
        if invite.used_by.is_some() {
            return Ok(Err(InviteRefusal::Used));
        }
        if invite.expires_at_ms <= at.as_millisecond() {
            return Ok(Err(InviteRefusal::Expired));
        }
        if access::member(self.repo.db(), device)?.is_some() {
            return Ok(Err(InviteRefusal::AlreadyMember));
        }
        let code = free_code_for(self.repo, device)?;
        let name = if name.trim().is_empty() {
            code.to_string()
        } else {
            name.to_string()
        };
        self.repo.write(&DocId::Org, at, |tx| {
            let mut touched =
                layout::put_device(tx, device, &code, &name, &invite.site, invite.role, at)?;
            let obj = record_obj(&*tx, INVITES, &invite.id)
                .ok_or_else(|| Error::not_found("invite", invite.id.as_str()))?;
            tx.put(&obj, "used_by", device.as_str())?;
            tx.put(&obj, "used_at", at.as_millisecond())?;
            touched.push(RecordRef::new(INVITES, &invite.id));
            Ok(Written::new((), "member.join", touched))
        })?;
        let member = access::member(self.repo.db(), device)?
            .ok_or_else(|| Error::not_found("device", device.as_str()))?;
        let (org_doc, parties_doc) = saves(self.repo)?;
        Ok(Ok(Admitted {
            device: member,
            org_doc,
            parties_doc,
        }))
    }

    /// Revokes a member (admin only): its connections close on every node that learns of
    /// it and it is sent nothing more. The revocation records, per document, the last of
    /// its changes this book holds: those count everywhere, and any later one (whatever
    /// time it claims) is held for an admin to accept or discard.
    pub fn revoke(&mut self, key: &str, at: Timestamp) -> Result<Device> {
        let me = require_admin(self.repo)?;
        let target = find_device(self.repo, key)?;
        if target.id == me.id {
            return Err(Error::invalid("device", key, Rule::NothingToChange));
        }
        if target.revoked {
            return Ok(target);
        }
        let through = revocation::held_through(self.repo.db(), &target.id)?;
        let id = uuid::Uuid::now_v7().to_string();
        self.repo.write(&DocId::Org, at, |tx| {
            let obj = record_obj(&*tx, DEVICES, target.id.as_str())
                .ok_or_else(|| Error::not_found("device", target.id.as_str()))?;
            tx.put(&obj, "revoked", true)?;
            revocation::put_revocation(tx, &obj, &id, &me.id, at, &through)?;
            Ok(Written::new(
                (),
                "member.revoke",
                vec![RecordRef::new(DEVICES, target.id.as_str())],
            ))
        })?;
        access::member(self.repo.db(), &target.id)?
            .ok_or_else(|| Error::not_found("device", target.id.as_str()))
    }

    /// Changes held for an admin: a revoked device's changes its revocation does not
    /// cover, and those built on them (oldest first).
    pub fn held(&self) -> Result<Vec<crate::book::HeldChange>> {
        crate::book::held_changes(self.repo.db())
    }

    /// Decides on the held change `hash` (admin only): accepted, it applies on every
    /// device as if it had come before the revocation; discarded, it never applies.
    pub fn decide(&mut self, hash: &str, decision: Decision, at: Timestamp) -> Result<()> {
        require_admin(self.repo)?;
        let held = crate::book::held_changes(self.repo.db())?
            .into_iter()
            .find(|h| h.hash == hash.trim())
            .ok_or_else(|| Error::not_found("held change", hash))?;
        let author = DeviceId::parse(&held.author)?;
        self.repo.write(&DocId::Org, at, |tx| {
            let obj = record_obj(&*tx, DEVICES, author.as_str())
                .ok_or_else(|| Error::not_found("device", author.as_str()))?;
            revocation::put_decision(tx, &obj, &held.hash, decision)?;
            Ok(Written::new(
                (),
                "member.decide",
                vec![RecordRef::new(DEVICES, author.as_str())],
            ))
        })?;
        crate::book::rescreen_held(self.repo, at)
    }

    /// Renames a device (admin only: devices live in `org`). The name is what people see
    /// in history and on the peers screen; the device code stays.
    pub fn rename(&mut self, key: &str, name: &str, at: Timestamp) -> Result<Device> {
        require_admin(self.repo)?;
        let name = crate::text::required("device name", name, crate::text::MAX_NAME)?;
        let target = find_device(self.repo, key)?;
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
        self.repo.write(&DocId::Org, at, |tx| {
            let obj = record_obj(&*tx, DEVICES, id.as_str())
                .ok_or_else(|| Error::not_found("device", id.as_str()))?;
            for (field, value) in fields {
                tx.put(&obj, *field, value.clone())?;
            }
            Ok(Written::new(
                (),
                action,
                vec![RecordRef::new(DEVICES, id.as_str())],
            ))
        })?;
        access::member(self.repo.db(), id)?.ok_or_else(|| Error::not_found("device", id.as_str()))
    }
}
