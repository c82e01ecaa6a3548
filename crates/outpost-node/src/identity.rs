//! The device's identity: a persistent ed25519 key, kept in the data dir's secrets.
//!
//! The key's libp2p PeerId is the device's id in the organisation, and its bytes are the
//! device's Automerge actor id, so the author of every change is a peer whose key can be
//! checked when changes arrive over the network.

use std::path::Path;

use libp2p_identity::{Keypair, PeerId};
use outpost_core::{DeviceId, DeviceKey};

use crate::error::{Error, Result};
use crate::secrets::{SECRETS_FILE, Secrets, Unlock};

/// A device's keypair and the ids derived from it.
#[derive(Clone)]
pub struct Identity {
    keypair: Keypair,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("Identity")
            .field("peer_id", &self.peer_id())
            .finish()
    }
}

impl Identity {
    /// The device's PeerId.
    pub fn peer_id(&self) -> PeerId {
        self.keypair.public().to_peer_id()
    }

    /// The device's id in the book (the PeerId's bytes).
    pub fn device_id(&self) -> DeviceId {
        device_id_of(&self.peer_id())
    }

    /// The keypair, for the network layer.
    pub fn keypair(&self) -> &Keypair {
        &self.keypair
    }

    /// The same key as the book signs changes with: the device's id is its PeerId, so a
    /// change's author names the key that must have signed it.
    pub fn signing_key(&self) -> Result<DeviceKey> {
        let ed25519 = self.keypair.clone().try_into_ed25519().map_err(|e| {
            Error::damaged(Path::new(SECRETS_FILE), format!("not an ed25519 key: {e}"))
        })?;
        let secret: [u8; 32] =
            ed25519.secret().as_ref().try_into().map_err(|_| {
                Error::damaged(Path::new(SECRETS_FILE), "a secret of the wrong length")
            })?;
        Ok(DeviceKey::from_secret(&secret))
    }

    /// The identity of this keypair.
    pub(crate) fn from_keypair(keypair: Keypair) -> Identity {
        Identity { keypair }
    }

    /// Loads the device key of a data dir (from its secrets, unlocked with `unlock`).
    pub fn load(data_dir: &Path, unlock: &Unlock) -> Result<Identity> {
        Ok(Secrets::load(data_dir, unlock)?.identity)
    }
}

/// The device id of a peer.
pub fn device_id_of(peer: &PeerId) -> DeviceId {
    DeviceId::from_bytes(&peer.to_bytes())
}

/// The peer of a device id, if the id is a PeerId's bytes.
pub fn peer_id_of(device: &DeviceId) -> Option<PeerId> {
    PeerId::from_bytes(&device.to_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_signs_with_the_network_key() {
        let id = Identity::from_keypair(Keypair::generate_ed25519());
        assert_eq!(id.signing_key().unwrap().device_id(), id.device_id());
        assert_eq!(peer_id_of(&id.device_id()), Some(id.peer_id()));
        assert_eq!(
            outpost_core::DeviceId::from_actor(&id.device_id().actor()),
            id.device_id()
        );
        assert!(!format!("{id:?}").contains("secret"));
    }
}
