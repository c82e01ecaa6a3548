//! Bundles sealed for their readers. A bundle on a USB stick or in an e-mail is encrypted
//! (age, X25519) to the device keys of the members who may read everything in it: the
//! device it was made for (`--for`, a join bundle), or, for a bundle of everything, the
//! members who read every document (admins, auditors). A lost stick shows nothing; a
//! member who may not read a document cannot open a file that holds it.
//!
//! A device's X25519 key is its ed25519 device key converted (the same conversion age's
//! ssh-ed25519 recipients and libsodium use), so no key is exchanged or stored for it.
//! A bundle may instead be sealed with a passphrase typed on both ends (age, scrypt), for
//! a reader whose key the sender does not hold.

use std::io::Read;
use std::path::Path;

use age::secrecy::SecretString;

use bech32::{Bech32, Hrp};
use outpost_core::{DeviceId, DeviceKey};
use zeroize::Zeroizing;

/// Start of every sealed bundle.
const MAGIC: &[u8] = b"OUTPOST-SEALED-BUNDLE";
const VERSION: u8 = 1;
/// Largest bundle opened (as [`outpost_core`] reads them).
const MAX_OPENED: u64 = 4 << 30;

/// Why a sealed bundle did not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Sealed for other members' keys.
    #[error("sealed for other members")]
    NotForMe,
    /// Sealed with a passphrase, and none was given.
    #[error("sealed with a passphrase")]
    PassphraseNeeded,
    /// The passphrase given does not open it.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// Damaged, cut off, or of an unknown version.
    #[error("damaged: {0}")]
    Damaged(String),
}

/// Whether `bytes` are a sealed bundle.
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The age recipient of `device`, if its id is an ed25519 key.
fn recipient(device: &DeviceId) -> Option<age::x25519::Recipient> {
    let public = outpost_core::sign::x25519_public(device)?;
    let text = bech32::encode::<Bech32>(Hrp::parse_unchecked("age"), &public).ok()?;
    text.parse().ok()
}

/// The age identity of this device's key.
fn identity(key: &DeviceKey) -> Option<age::x25519::Identity> {
    let secret = key.x25519_secret();
    let text = Zeroizing::new(
        bech32::encode_upper::<Bech32>(Hrp::parse_unchecked("AGE-SECRET-KEY-"), secret.as_ref())
            .ok()?,
    );
    text.parse().ok()
}

/// Seals `bundle` for `readers` (at least one; ids that are no key are left out).
pub fn seal(bundle: &[u8], readers: &[DeviceId]) -> Result<Vec<u8>, String> {
    let recipients: Vec<age::x25519::Recipient> = readers.iter().filter_map(recipient).collect();
    if recipients.is_empty() {
        return Err("nobody may read everything in it".into());
    }
    seal_to(
        bundle,
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient)),
    )
}

/// Seals `bundle` with `passphrase` (whoever types it opens the file).
pub fn seal_with_passphrase(bundle: &[u8], passphrase: &str) -> Result<Vec<u8>, String> {
    let recipient = age::scrypt::Recipient::new(SecretString::from(passphrase));
    seal_to(
        bundle,
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)),
    )
}

fn seal_to(
    bundle: &[u8],
    encryptor: Result<age::Encryptor, age::EncryptError>,
) -> Result<Vec<u8>, String> {
    let encryptor = encryptor.map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(MAGIC.len() + 1 + bundle.len() + 256);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    let mut writer = encryptor.wrap_output(&mut out).map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut writer, bundle).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// Whether the file at `path` is a bundle sealed with a passphrase (opening it takes one).
pub fn needs_passphrase(path: &Path) -> bool {
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut head));
    read.is_ok()
        && head
            .strip_prefix(MAGIC)
            .and_then(|rest| rest.get(1..))
            .and_then(|age_file| age::Decryptor::new_buffered(age_file).ok())
            .is_some_and(|d| d.is_scrypt())
}

/// The bundle in the file `path` (its `bytes`): opened with this device's key or the
/// `passphrase` if sealed, as it is if not (a bundle of an earlier version).
pub(crate) fn open_file(
    path: &Path,
    bytes: Vec<u8>,
    key: &DeviceKey,
    passphrase: Option<&str>,
) -> crate::Result<Vec<u8>> {
    if !is_sealed(&bytes) {
        return Ok(bytes);
    }
    open(&bytes, key, passphrase).map_err(|e| match e {
        OpenError::NotForMe => crate::Error::BundleNotForThisDevice(path.to_path_buf()),
        OpenError::PassphraseNeeded => crate::Error::BundlePassphraseNeeded,
        OpenError::WrongPassphrase => crate::Error::WrongBundlePassphrase,
        OpenError::Damaged(reason) => outpost_core::Error::MalformedBundle(reason).into(),
    })
}

/// Opens a sealed bundle with this device's key, or with `passphrase` if it was sealed
/// with one.
pub fn open(bytes: &[u8], key: &DeviceKey, passphrase: Option<&str>) -> Result<Vec<u8>, OpenError> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or_else(|| OpenError::Damaged("not a sealed bundle".into()))?;
    let (&version, encrypted) = rest
        .split_first()
        .ok_or_else(|| OpenError::Damaged("it is cut off".into()))?;
    if version != VERSION {
        return Err(OpenError::Damaged(format!(
            "sealed bundle format {version} is not supported"
        )));
    }
    let decryptor =
        age::Decryptor::new(encrypted).map_err(|e| OpenError::Damaged(e.to_string()))?;
    let reader = if decryptor.is_scrypt() {
        let passphrase = passphrase
            .filter(|p| !p.is_empty())
            .ok_or(OpenError::PassphraseNeeded)?;
        let identity = age::scrypt::Identity::new(SecretString::from(passphrase));
        decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                    OpenError::WrongPassphrase
                }
                e => OpenError::Damaged(e.to_string()),
            })?
    } else {
        let identity = identity(key).ok_or_else(|| OpenError::Damaged("no device key".into()))?;
        decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => OpenError::NotForMe,
                e => OpenError::Damaged(e.to_string()),
            })?
    };
    let mut out = Vec::new();
    reader
        .take(MAX_OPENED)
        .read_to_end(&mut out)
        .map_err(|e| OpenError::Damaged(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_bundle_opens_for_its_readers_only() {
        let (a, b, stranger) = (
            DeviceKey::generate().unwrap(),
            DeviceKey::generate().unwrap(),
            DeviceKey::generate().unwrap(),
        );
        let sealed = seal(b"OUTPOST-BUNDLE payload", &[a.device_id(), b.device_id()]).unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(7).any(|w| w == b"payload"));
        assert_eq!(open(&sealed, &a, None).unwrap(), b"OUTPOST-BUNDLE payload");
        assert_eq!(open(&sealed, &b, None).unwrap(), b"OUTPOST-BUNDLE payload");
        assert!(matches!(
            open(&sealed, &stranger, Some("any")),
            Err(OpenError::NotForMe)
        ));
        let mut flipped = sealed.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 1;
        assert!(matches!(
            open(&flipped, &a, None),
            Err(OpenError::Damaged(_))
        ));
        assert!(seal(b"x", &[]).is_err());
    }

    #[test]
    fn a_bundle_sealed_with_a_passphrase_opens_with_it_only() {
        let anyone = DeviceKey::generate().unwrap();
        let sealed = seal_with_passphrase(b"OUTPOST-BUNDLE payload", "two ends").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"payload"));
        assert!(matches!(
            open(&sealed, &anyone, None),
            Err(OpenError::PassphraseNeeded)
        ));
        assert!(matches!(
            open(&sealed, &anyone, Some("guess")),
            Err(OpenError::WrongPassphrase)
        ));
        assert_eq!(
            open(&sealed, &anyone, Some("two ends")).unwrap(),
            b"OUTPOST-BUNDLE payload"
        );
    }
}
