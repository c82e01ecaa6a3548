//! Members over the network: making invites, admitting the device that presents one,
//! joining with one, revoking and renaming.

use std::path::Path;

use jiff::SignedDuration;
use outpost_core::{Book, Device, Role, SiteCode};
use outpost_sync::InviteCode;
use serde::Serialize;

use super::listen::store_peer;
use crate::error::Result;
use crate::identity::Identity;
use crate::node::{DB_FILE, Node};

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

    /// Renames a device (admin only).
    pub fn rename_device(&self, key: &str, name: &str) -> Result<Device> {
        self.write("member.rename", |b, now| b.members().rename(key, name, now))
    }

    /// Joins an organisation with an invite code: creates this device's key in
    /// `data_dir`, presents the code to the inviting node and stores the organisation
    /// document it sends. The inviting node's addresses become this node's peers.
    pub async fn join(data_dir: &Path, code: &str, name: &str) -> Result<(Node, Joined)> {
        let invite = InviteCode::parse(code)?;
        let (lock, identity): (std::fs::File, Identity) = Node::fresh_dir(data_dir)?;
        let grant = outpost_sync::present_invite(&invite, identity.keypair(), name).await?;
        let book = Book::join_admitted(
            &data_dir.join(DB_FILE),
            &grant.org,
            identity.device_id(),
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
        Ok((Node::assemble(book, identity, data_dir, lock), joined))
    }
}
