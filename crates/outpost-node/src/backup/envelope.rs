//! The backup file: the whole book and the device key, encrypted with age to the data
//! dir's backup key. That key travels inside every backup sealed with the backup
//! passphrase (age's scrypt recipient), so a backup is restored anywhere with the
//! passphrase alone, while the device writes backups (scheduled ones too) without it.
//!
//! Layout: the magic `OUTPOST-BACKUP`, a version byte, the sealed key (length-prefixed),
//! then the age file of the payload: the device key (length-prefixed protobuf), the
//! addresses of its peers (length-prefixed text, one per line: the restored device dials
//! them), then a bundle of the whole book. age authenticates every 64 KiB chunk, so damage or a
//! cut-off file is refused before anything is read from it.

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// Start of every backup file.
const MAGIC: &[u8] = b"OUTPOST-BACKUP";
const VERSION: u8 = 1;
/// Largest sealed key accepted (an age file of one short line).
const MAX_SEALED_KEY: u32 = 64 << 10;
/// Largest device key accepted (a protobuf ed25519 keypair is 68 bytes).
const MAX_DEVICE_KEY: u32 = 4 << 10;
/// Largest list of peer addresses accepted.
const MAX_PEERS: u32 = 1 << 20;

/// Why a backup could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Not an Outpost backup (maybe a bundle, maybe anything).
    #[error("not an Outpost backup")]
    NotABackup,
    /// The passphrase does not open it.
    #[error("wrong backup passphrase")]
    WrongPassphrase,
    /// Damaged, cut off, or of an unknown version.
    #[error("damaged: {0}")]
    Damaged(String),
}

/// The data dir's backup key: every backup is encrypted to it.
#[derive(Clone)]
pub struct BackupKey(age::x25519::Identity);

impl BackupKey {
    /// A new random key.
    pub fn generate() -> BackupKey {
        BackupKey(age::x25519::Identity::generate())
    }

    /// The key as text (`AGE-SECRET-KEY-1…`), to keep in the secrets file.
    pub fn to_text(&self) -> SecretString {
        self.0.to_string()
    }

    /// The key from its text.
    pub fn parse(text: &str) -> Option<BackupKey> {
        text.parse().ok().map(BackupKey)
    }

    /// The key sealed with `passphrase` (what each backup carries).
    pub fn seal(&self, passphrase: &SecretString) -> Result<Vec<u8>, String> {
        let recipient = age::scrypt::Recipient::new(passphrase.clone());
        age::encrypt(&recipient, self.to_text().expose_secret().as_bytes())
            .map_err(|e| e.to_string())
    }

    /// The key `sealed` holds, opened with `passphrase`.
    pub fn unseal(sealed: &[u8], passphrase: &SecretString) -> Result<BackupKey, OpenError> {
        let identity = age::scrypt::Identity::new(passphrase.clone());
        let text = Zeroizing::new(age::decrypt(&identity, sealed).map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                OpenError::WrongPassphrase
            }
            e => OpenError::Damaged(e.to_string()),
        })?);
        std::str::from_utf8(&text)
            .ok()
            .and_then(BackupKey::parse)
            .ok_or_else(|| OpenError::Damaged("the backup key inside is not a key".into()))
    }
}

/// What an opened backup holds.
pub struct Opened {
    /// The backup key it was encrypted to (a restored device keeps it).
    pub backup_key: BackupKey,
    /// That key sealed with the backup passphrase, as the file carries it.
    pub sealed_key: Vec<u8>,
    /// The device key (libp2p protobuf encoding).
    pub device_key: Zeroizing<Vec<u8>>,
    /// The device's peers (its `peers.txt`).
    pub peers: String,
    /// A bundle of the whole book.
    pub bundle: Vec<u8>,
}

/// Whether `bytes` start like a backup file (rather than a bundle).
pub fn is_backup(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// What a backup carries.
pub struct Contents<'a> {
    /// The device key (libp2p protobuf encoding).
    pub device_key: &'a [u8],
    /// The device's peers (its `peers.txt`).
    pub peers: &'a str,
    /// A bundle of the whole book.
    pub bundle: &'a [u8],
}

/// Writes a backup of `contents`, encrypted to `key`, carrying `sealed_key` (the key
/// sealed with the backup passphrase).
pub fn write(
    key: &BackupKey,
    sealed_key: &[u8],
    contents: &Contents<'_>,
) -> Result<Vec<u8>, String> {
    let Contents {
        device_key,
        peers,
        bundle,
    } = contents;
    let mut out = Vec::with_capacity(MAGIC.len() + 5 + sealed_key.len() + bundle.len() + 512);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&length(sealed_key.len())?);
    out.extend_from_slice(sealed_key);
    // The payload is encrypted as it is written: the book is not copied into a buffer
    // first, and the device key only ever reaches the file encrypted.
    let recipient = key.0.to_public();
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| e.to_string())?;
    let mut writer = encryptor.wrap_output(&mut out).map_err(|e| e.to_string())?;
    let parts: [&[u8]; 5] = [
        &length(device_key.len())?,
        device_key,
        &length(peers.len())?,
        peers.as_bytes(),
        bundle,
    ];
    for part in parts {
        std::io::Write::write_all(&mut writer, part).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

fn length(len: usize) -> Result<[u8; 4], String> {
    u32::try_from(len)
        .map(u32::to_le_bytes)
        .map_err(|_| "too large for a backup".to_string())
}

/// Splits a backup into its sealed key and its encrypted payload.
fn split(bytes: &[u8]) -> Result<(&[u8], &[u8]), OpenError> {
    let rest = bytes.strip_prefix(MAGIC).ok_or(OpenError::NotABackup)?;
    let damaged = || OpenError::Damaged("it is cut off".into());
    let (&version, rest) = rest.split_first().ok_or_else(damaged)?;
    if version != VERSION {
        return Err(OpenError::Damaged(format!(
            "backup format {version} is not supported"
        )));
    }
    let (len, rest) = rest.split_first_chunk::<4>().ok_or_else(damaged)?;
    let len = u32::from_le_bytes(*len);
    if len > MAX_SEALED_KEY {
        return Err(OpenError::Damaged("the sealed key is too long".into()));
    }
    let len = len as usize;
    if rest.len() < len {
        return Err(damaged());
    }
    Ok(rest.split_at(len))
}

/// Opens a backup with the backup passphrase.
pub fn open_with_passphrase(bytes: &[u8], passphrase: &SecretString) -> Result<Opened, OpenError> {
    let (sealed_key, _) = split(bytes)?;
    let key = BackupKey::unseal(sealed_key, passphrase)?;
    open_with_key(bytes, &key)
}

/// Opens a backup with the backup key itself (the device that wrote it).
pub fn open_with_key(bytes: &[u8], key: &BackupKey) -> Result<Opened, OpenError> {
    let (sealed_key, sealed_payload) = split(bytes)?;
    let payload = Zeroizing::new(age::decrypt(&key.0, sealed_payload).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => OpenError::WrongPassphrase,
        e => OpenError::Damaged(e.to_string()),
    })?);
    let (device_key, rest) = field(&payload, MAX_DEVICE_KEY)?;
    let (peers, bundle) = field(rest, MAX_PEERS)?;
    let peers = String::from_utf8(peers.to_vec())
        .map_err(|_| OpenError::Damaged("the peer list is not text".into()))?;
    Ok(Opened {
        peers,
        backup_key: key.clone(),
        sealed_key: sealed_key.to_vec(),
        device_key: Zeroizing::new(device_key.to_vec()),
        bundle: bundle.to_vec(),
    })
}

/// Splits a length-prefixed field of at most `max` bytes off `bytes`.
fn field(bytes: &[u8], max: u32) -> Result<(&[u8], &[u8]), OpenError> {
    let cut = || OpenError::Damaged("the payload is cut off".into());
    let (len, rest) = bytes.split_first_chunk::<4>().ok_or_else(cut)?;
    let len = u32::from_le_bytes(*len);
    if len > max || rest.len() < len as usize {
        return Err(cut());
    }
    Ok(rest.split_at(len as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_opens_with_its_passphrase_or_key_and_nothing_else() {
        let key = BackupKey::generate();
        let passphrase = SecretString::from("safe in the drawer");
        let sealed = key.seal(&passphrase).unwrap();
        let contents = Contents {
            device_key: b"device",
            peers: "/ip4/10.0.0.1/tcp/4001/p2p/x\n",
            bundle: b"OUTPOST-BUNDLE...",
        };
        let file = write(&key, &sealed, &contents).unwrap();
        assert!(is_backup(&file));
        let text = String::from_utf8_lossy(&file);
        assert!(!text.contains("OUTPOST-BUNDLE"), "the payload is encrypted");
        let opened = open_with_passphrase(&file, &passphrase).unwrap();
        assert_eq!(opened.device_key.as_slice(), b"device");
        assert_eq!(opened.bundle, b"OUTPOST-BUNDLE...");
        assert_eq!(opened.peers, contents.peers);
        assert_eq!(open_with_key(&file, &key).unwrap().bundle, opened.bundle);
        assert!(matches!(
            open_with_passphrase(&file, &SecretString::from("guess")),
            Err(OpenError::WrongPassphrase)
        ));
        assert!(matches!(
            open_with_key(&file, &BackupKey::generate()),
            Err(OpenError::WrongPassphrase)
        ));
        assert!(matches!(
            open_with_key(&file[..file.len() - 10], &key),
            Err(OpenError::Damaged(_))
        ));
        let mut flipped = file.clone();
        let at = flipped.len() - 20;
        flipped[at] ^= 1;
        assert!(matches!(
            open_with_key(&flipped, &key),
            Err(OpenError::Damaged(_))
        ));
        assert!(matches!(
            open_with_key(b"OUTPOST-BUNDLE\x02", &key),
            Err(OpenError::NotABackup)
        ));
    }
}
