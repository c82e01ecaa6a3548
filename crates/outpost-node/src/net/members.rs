//! Members over the network: making invites, admitting the device that presents one,
//! joining with one, revoking and renaming.

use std::path::Path;

use jiff::SignedDuration;
use outpost_core::{
    Book, Decision, Device, ExportScope, HeldChange, InviteRefusal, Role, SiteCode,
};
use outpost_sync::{InviteCode, OfflineJoinRequest, Refusal};
use serde::Serialize;

use super::listen::store_peer;
use crate::error::Result;
use crate::identity::device_id_of;
use crate::node::{DB_FILE, Node};
use crate::secrets::Unlock;

/// A new invite.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewInvite {
    /// The one-line code to hand to the new member.
    pub code: String,
    /// The invite's id in `org`.
    pub id: String,
    /// Addresses the code tells the new device to dial.
    pub addrs: Vec<String>,
    /// When it expires (ms).
    pub expires_at_ms: i64,
}

/// A device that joined with an invite.
#[derive(Clone, Debug, Serialize)]
pub struct Joined {
    /// The organisation.
    pub org: String,
    /// Its device code.
    pub device_code: String,
    /// Its role.
    pub role: String,
    /// Its site.
    pub site: String,
}

impl Node {
    /// Makes an invite (admin only) that stays open for `valid_for` (within
    /// [`outpost_core::INVITE_VALIDITY`]): records it in `org` and returns the one-line code.
    pub fn create_invite(
        &self,
        role: Role,
        site: &SiteCode,
        valid_for: SignedDuration,
    ) -> Result<NewInvite> {
        let me = self.with_book(|b| Ok(b.org_id().to_string()))?;
        let addrs = self.dial_addrs();
        let code = InviteCode::generate(&me, addrs.clone());
        let id = code.peer_id().to_string();
        // Writing `org` refreshes the gate (see push_changes), letting the invite in.
        let invite = self.write("invite.create", |b, now| {
            b.members().invite(&id, role, site, valid_for, now)
        })?;
        Ok(NewInvite {
            code: code.encode(),
            id,
            addrs: addrs.iter().map(|a| a.to_string()).collect(),
            expires_at_ms: invite.expires_at_ms,
        })
    }

    /// Admits the device of an invite (called by the join protocol).
    pub(crate) fn admit(
        &self,
        invite: &str,
        device: &outpost_core::DeviceId,
        name: &str,
    ) -> Result<std::result::Result<outpost_core::Admitted, outpost_core::InviteRefusal>> {
        self.write("member.join", |b, now| {
            b.members().admit(invite, device, name, now)
        })
    }

    /// Revokes a member (admin only): its connections close now, and on every node that
    /// learns of it.
    pub fn revoke(&self, key: &str) -> Result<Device> {
        self.write("member.revoke", |b, now| b.members().revoke(key, now))
    }

    /// Changes held for an admin: a revoked device's changes its revocation does not
    /// cover, and those built on them.
    pub fn held_changes(&self) -> Result<Vec<HeldChange>> {
        self.read(|b| b.members().held())
    }

    /// Accepts or discards a held change (admin only); the decision travels in `org`.
    pub fn decide_held(&self, hash: &str, decision: Decision) -> Result<()> {
        self.write("member.decide", |b, now| {
            b.members().decide(hash, decision, now)
        })
    }

    /// Renames a device (admin only).
    pub fn rename_device(&self, key: &str, name: &str) -> Result<Device> {
        self.write("member.rename", |b, now| b.members().rename(key, name, now))
    }

    /// Admits the device of the join request in the file `request` (admin only): checks
    /// that it holds the invite's and the device's signatures, admits the device with the
    /// invite's role and site, and writes to `bundle` what starts it (only what it may
    /// read). Returns the new member.
    pub fn admit_request(&self, request: &Path, bundle: &Path) -> Result<Device> {
        let bytes = crate::file::read_small(request, outpost_sync::MAX_JOIN_REQUEST_BYTES)?;
        let request = OfflineJoinRequest::decode(&bytes)?;
        let refused = |r: Refusal| crate::error::Error::Sync(outpost_sync::Error::JoinRefused(r));
        let org = self.with_book(|b| Ok(b.org_id().to_string()))?;
        if request.request.org != org {
            return Err(refused(Refusal::WrongOrg));
        }
        let (invite, device) = request.verify().map_err(refused)?;
        let admitted = self
            .admit(
                &invite.to_string(),
                &device_id_of(&device),
                &request.request.name,
            )?
            .map_err(|r| {
                refused(match r {
                    InviteRefusal::Expired => Refusal::Expired,
                    InviteRefusal::Used => Refusal::Used,
                    InviteRefusal::AlreadyMember => Refusal::AlreadyMember,
                    _ => Refusal::Unknown,
                })
            })?;
        let scope = ExportScope::For(admitted.device.id.clone());
        let bytes = self.sealed_bundle(bundle, &scope)?;
        crate::file::write_atomically(bundle, &bytes)?;
        Ok(admitted.device)
    }

    /// Joins an organisation with an invite code: creates this device's key in
    /// `data_dir`, presents the code to the inviting node and stores the organisation
    /// document it sends. The inviting node's addresses become this node's peers.
    pub async fn join(
        data_dir: &Path,
        code: &str,
        name: &str,
        unlock: &Unlock,
    ) -> Result<(Node, Joined)> {
        let invite = InviteCode::parse(code)?;
        let (lock, secrets) = Node::fresh_dir(data_dir, unlock)?;
        let grant = outpost_sync::present_invite(&invite, secrets.identity.keypair(), name).await?;
        let book = Book::join_admitted(
            &data_dir.join(DB_FILE),
            &secrets.book_key,
            &grant.org,
            secrets.identity.signing_key()?,
            &grant.org_doc,
            &grant.parties_doc,
        )?;
        for a in &invite.addrs {
            store_peer(data_dir, a)?;
        }
        let joined = Joined {
            org: grant.org,
            device_code: grant.device_code,
            role: grant.role,
            site: grant.site,
        };
        Ok((Node::assemble(book, secrets, data_dir, lock), joined))
    }
}

/// Starts joining without a network: creates this device's keys in `data_dir` (kept for
/// the join) and writes to `file` a join request for the invite `code`, to carry to an
/// admin, who
/// admits it ([`Node::admit_request`]) and sends back the bundle to start from
/// ([`Node::join_bundle`]).
pub fn request_to_join(
    data_dir: &Path,
    code: &str,
    name: &str,
    file: &Path,
    unlock: &Unlock,
) -> Result<()> {
    let invite = InviteCode::parse(code)?;
    let (_lock, secrets) = Node::fresh_dir(data_dir, unlock)?;
    let request = OfflineJoinRequest::new(&invite, secrets.identity.keypair(), name)?;
    crate::file::write_atomically(file, &request.encode())
}
