//! The operating system's keyring (the Secret Service of a Linux desktop session), where a
//! data dir's keys are sealed when no passphrase is set.
//!
//! The keyring holds one age X25519 identity per data dir; the secrets file is encrypted
//! to it and names its entry (the identity's public key, so no two books share one). The
//! keyring opens when its owner logs in to the desktop, so the window opens the book
//! without asking; a copy of the data dir taken elsewhere shows nothing. Keyring-rs's
//! core API is used so that the Windows and macOS stores can plug in later.

use std::sync::Arc;

use age::secrecy::{ExposeSecret, SecretString};
use keyring_core::{CredentialStore, Entry};

use crate::error::{Error, Result};

/// The service name of Outpost's keyring entries.
const SERVICE: &str = "outpost";
/// Set to `off` to keep new keys out of the keyring (owner-only file instead).
pub const KEYRING_ENV: &str = "OUTPOST_KEYRING";

/// A connection to this session's keyring.
pub(crate) struct OsKeyring {
    store: Arc<CredentialStore>,
}

impl OsKeyring {
    /// Whether this session has a keyring to offer new keys: a desktop session (its
    /// message bus is named in the environment) and [`KEYRING_ENV`] not `off`. Checking the
    /// environment first keeps a headless node from starting a message bus to find out.
    pub(crate) fn in_session() -> bool {
        let off = std::env::var(KEYRING_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("off"));
        !off && cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
    }

    /// Connects to the session's keyring.
    pub(crate) fn connect() -> Result<OsKeyring> {
        Ok(OsKeyring {
            store: platform_store().map_err(Error::KeyringUnavailable)?,
        })
    }

    /// The identity stored under `entry`; none if the keyring has no such entry.
    pub(crate) fn identity(&self, entry: &str) -> Result<Option<age::x25519::Identity>> {
        match self.entry(entry)?.get_password() {
            Ok(text) => {
                let text = zeroize::Zeroizing::new(text);
                text.parse()
                    .map(Some)
                    .map_err(|_| Error::KeyringUnavailable(format!("entry {entry} is damaged")))
            }
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::KeyringUnavailable(e.to_string())),
        }
    }

    /// The identity to seal with: the one under `current` if the keyring still has it,
    /// else a new one stored now (under its public key, which is returned as its entry).
    pub(crate) fn sealing_identity(
        &self,
        current: Option<&str>,
        label: &str,
    ) -> Result<(String, age::x25519::Identity)> {
        if let Some(entry) = current
            && let Some(identity) = self.identity(entry)?
        {
            return Ok((entry.to_string(), identity));
        }
        let identity = age::x25519::Identity::generate();
        let entry = identity.to_public().to_string();
        let modifiers = std::collections::HashMap::from([("label", label)]);
        let stored = Entry::new_in_store_with_modifiers(&self.store, SERVICE, &entry, &modifiers)
            .and_then(|e| {
                let secret: SecretString = identity.to_string();
                e.set_password(secret.expose_secret())
            });
        stored.map_err(|e| Error::KeyringUnavailable(e.to_string()))?;
        Ok((entry, identity))
    }

    /// Removes `entry` (keys sealed some other way now); a failure is only logged: an
    /// entry left behind opens nothing that still exists.
    pub(crate) fn forget(&self, entry: &str) {
        let removed = self.entry(entry).and_then(|e| match e.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(Error::KeyringUnavailable(e.to_string())),
        });
        if let Err(e) = removed {
            tracing::warn!(error = %e, "could not remove an old key from the keyring");
        }
    }

    fn entry(&self, entry: &str) -> Result<Entry> {
        Entry::new_in_store(&self.store, SERVICE, entry)
            .map_err(|e| Error::KeyringUnavailable(e.to_string()))
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> std::result::Result<Arc<CredentialStore>, String> {
    let store: Arc<CredentialStore> =
        dbus_secret_service_keyring_store::Store::new().map_err(|e| e.to_string())?;
    Ok(store)
}

#[cfg(not(target_os = "linux"))]
fn platform_store() -> std::result::Result<Arc<CredentialStore>, String> {
    Err("this system's keyring is not supported yet".into())
}
