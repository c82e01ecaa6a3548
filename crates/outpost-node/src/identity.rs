//! The device's identity: a persistent ed25519 key in the data dir.
//!
//! The key's libp2p PeerId is the device's id in the organisation, and its bytes are the
//! device's Automerge actor id, so the author of every change is a peer whose key can be
//! checked when changes arrive over the network.

use std::io::Write;
use std::path::{Path, PathBuf};

use libp2p_identity::{Keypair, PeerId};
use outpost_core::{DeviceId, DeviceKey};

use crate::error::{Error, Result};

/// The key file inside a data dir.
pub const KEY_FILE: &str = "device.key";

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
        let ed25519 = self
            .keypair
            .clone()
            .try_into_ed25519()
            .map_err(|e| key_error(Path::new(KEY_FILE), format!("not an ed25519 key: {e}")))?;
        let secret: [u8; 32] =
            ed25519.secret().as_ref().try_into().map_err(|_| {
                key_error(Path::new(KEY_FILE), "a secret of the wrong length".into())
            })?;
        Ok(DeviceKey::from_secret(&secret))
    }

    /// Loads the key of a data dir, or creates one (mode 0600) if there is none yet.
    pub fn load_or_create(data_dir: &Path) -> Result<Identity> {
        let path = data_dir.join(KEY_FILE);
        if path.exists() {
            return Identity::load(data_dir);
        }
        let keypair = Keypair::generate_ed25519();
        let bytes = keypair
            .to_protobuf_encoding()
            .map_err(|e| key_error(&path, e.to_string()))?;
        write_secret(&path, &bytes)?;
        Ok(Identity { keypair })
    }

    /// Loads the key of a data dir.
    pub fn load(data_dir: &Path) -> Result<Identity> {
        let path = data_dir.join(KEY_FILE);
        let bytes = std::fs::read(&path).map_err(|source| Error::File {
            path: path.clone(),
            source,
        })?;
        let keypair =
            Keypair::from_protobuf_encoding(&bytes).map_err(|e| key_error(&path, e.to_string()))?;
        Ok(Identity { keypair })
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

fn key_error(path: &Path, reason: String) -> Error {
    Error::File {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, reason),
    }
}

/// Writes a secret readable by its owner only, completely or not at all.
fn write_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let err = |source| Error::File {
        path: PathBuf::from(path),
        source,
    };
    let tmp = path.with_extension("partial");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(err)?;
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_book_signs_with_the_network_key() {
        let dir = tempfile::tempdir().unwrap();
        let id = Identity::load_or_create(dir.path()).unwrap();
        assert_eq!(id.signing_key().unwrap().device_id(), id.device_id());
    }

    #[test]
    fn key_persists_private_and_maps_to_the_device_id() {
        let dir = tempfile::tempdir().unwrap();
        let a = Identity::load_or_create(dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let b = Identity::load_or_create(dir.path()).unwrap();
        assert_eq!(a.peer_id(), b.peer_id());
        assert_eq!(peer_id_of(&a.device_id()), Some(a.peer_id()));
        assert_eq!(
            outpost_core::DeviceId::from_actor(&a.device_id().actor()),
            a.device_id()
        );
        assert!(!format!("{a:?}").contains("secret"));
    }

    #[test]
    fn damaged_key_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), b"garbage").unwrap();
        assert!(matches!(
            Identity::load(dir.path()),
            Err(Error::File { .. })
        ));
    }
}
