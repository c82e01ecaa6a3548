//! The data dir's secrets: the device key and the key the book file is encrypted with,
//! kept together in one file (`secrets`).
//!
//! With a passphrase the file is sealed with it (age's scrypt recipient: a format made
//! for exactly this, with a memory-hard key derivation), and a stolen data dir shows
//! nothing without it. Without one, on a desktop whose session has a keyring, the file is
//! sealed to a key kept there (see [`crate::keyring`]): opened without a question at
//! login, nothing elsewhere. Otherwise (a headless node) the file is readable by its
//! owner only: the book file and every copy of it are still encrypted, but whoever has
//! the whole data dir has the key; `outpost passphrase change` seals it.
//!
//! Changing the passphrase seals the same keys again (one atomic rename): instant for a
//! book of any size, and a crash leaves the old passphrase or the new one working.

use std::path::Path;

use age::secrecy::SecretString;
use libp2p_identity::Keypair;
use outpost_core::BookKey;
use zeroize::Zeroizing;

use crate::backup::BackupKey;
use crate::error::{Error, Result};
use crate::file::{sync_parent, write_atomically};
use crate::identity::Identity;
use crate::keyring::OsKeyring;

/// The secrets file inside a data dir.
pub const SECRETS_FILE: &str = "secrets";
/// Where data dirs made before the book was encrypted kept the device key.
pub(crate) const LEGACY_KEY_FILE: &str = "device.key";
/// Environment variable holding the passphrase (a headless node, scripts).
pub const PASSPHRASE_ENV: &str = "OUTPOST_PASSPHRASE";
/// Environment variable naming a file (mode 0600) whose first line is the passphrase.
pub const PASSPHRASE_FILE_ENV: &str = "OUTPOST_PASSPHRASE_FILE";

const MAGIC: &str = "outpost-secrets 1";
/// First line of a secrets file sealed to a keyring key; the second names its entry.
const KEYRING_MAGIC: &[u8] = b"outpost-secrets-keyring 1\n";
const AGE_HEADER: &[u8] = b"age-encryption.org/v1";
/// Longest passphrase file read.
const MAX_PASSPHRASE_FILE: usize = 4096;

/// Where a data dir's keys are kept, and so what opens them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum KeyGuard {
    /// In the data dir, readable by its owner only.
    OwnerOnly,
    /// Sealed with a passphrase asked for at every start.
    Passphrase,
    /// Sealed to a key in the operating system's keyring (opened at login).
    Keyring,
}

/// Whether keys written without a passphrase go to the operating system's keyring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum KeyringUse {
    /// When this session has one (see [`OsKeyring::in_session`]), else owner-only.
    #[default]
    Auto,
    /// Never: owner-only.
    Off,
    /// Always: an error if there is none.
    Required,
}

/// What opens sealed secrets (the passphrase, when one was given) and how keys written
/// again are kept.
#[derive(Clone, Default)]
pub struct Unlock {
    passphrase: Option<SecretString>,
    keyring: KeyringUse,
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlock")
            .field("passphrase", &self.passphrase.is_some())
            .field("keyring", &self.keyring)
            .finish()
    }
}

impl Unlock {
    /// No passphrase: opens secrets that are not sealed with one; keys written are kept
    /// in the session's keyring if it has one, else owner-only.
    pub fn none() -> Unlock {
        Unlock::default()
    }

    /// No passphrase and no keyring: keys written stay in the data dir, owner-only.
    pub fn owner_only() -> Unlock {
        Unlock {
            passphrase: None,
            keyring: KeyringUse::Off,
        }
    }

    /// No passphrase: keys written go to the session's keyring, or fail without one.
    pub fn keyring() -> Unlock {
        Unlock {
            passphrase: None,
            keyring: KeyringUse::Required,
        }
    }

    /// A passphrase typed by the user. An empty one counts as none.
    pub fn with_passphrase(passphrase: &str) -> Unlock {
        let passphrase = passphrase.trim_end_matches(['\r', '\n']);
        Unlock {
            passphrase: (!passphrase.is_empty()).then(|| SecretString::from(passphrase)),
            keyring: KeyringUse::Auto,
        }
    }

    /// The passphrase from [`PASSPHRASE_ENV`], or from the file [`PASSPHRASE_FILE_ENV`]
    /// names; none if neither is set.
    pub fn from_env() -> Result<Unlock> {
        if let Ok(passphrase) = std::env::var(PASSPHRASE_ENV) {
            return Ok(Unlock::with_passphrase(&passphrase));
        }
        match std::env::var_os(PASSPHRASE_FILE_ENV) {
            Some(path) => Unlock::from_file(Path::new(&path)),
            None => Ok(Unlock::none()),
        }
    }

    /// The first line of the file at `path`, which must be readable by its owner only.
    pub fn from_file(path: &Path) -> Result<Unlock> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|source| Error::File {
                path: path.to_path_buf(),
                source,
            })?;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(Error::PassphraseFileOpen(path.to_path_buf()));
            }
        }
        let bytes = Zeroizing::new(crate::file::read_small(path, MAX_PASSPHRASE_FILE)?);
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::File {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
        })?;
        Ok(Unlock::with_passphrase(text.lines().next().unwrap_or("")))
    }

    /// Whether a passphrase was given.
    pub fn has_passphrase(&self) -> bool {
        self.passphrase.is_some()
    }
}

/// Whether the secrets of `data_dir` are sealed with a passphrase (so opening it needs
/// one); false when there are none yet or they are not sealed.
pub fn is_sealed(data_dir: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; AGE_HEADER.len()];
    std::fs::File::open(data_dir.join(SECRETS_FILE))
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == AGE_HEADER)
}

/// The key the book of `data_dir` is encrypted with (benchmarks make plain copies with it).
pub fn book_key(data_dir: &Path, unlock: &Unlock) -> Result<BookKey> {
    Ok(Secrets::load(data_dir, unlock)?.book_key)
}

/// How a secrets file is sealed, with what is needed to seal it the same way again.
#[derive(Clone)]
pub(crate) enum Seal {
    /// Not sealed: owner-only.
    OwnerOnly,
    /// With this passphrase.
    Passphrase(SecretString),
    /// To the keyring key stored under this entry.
    Keyring(String),
}

impl Seal {
    /// Where keys sealed this way are kept.
    pub(crate) fn guard(&self) -> KeyGuard {
        match self {
            Seal::OwnerOnly => KeyGuard::OwnerOnly,
            Seal::Passphrase(_) => KeyGuard::Passphrase,
            Seal::Keyring(_) => KeyGuard::Keyring,
        }
    }

    /// How keys written with `unlock` are sealed: with its passphrase; else in the keyring
    /// (keeping `current`'s entry if the keys are there already) when `unlock` asks for it
    /// or leaves it to a session that has one; else owner-only.
    pub(crate) fn chosen(unlock: &Unlock, current: Option<&Seal>) -> Result<Seal> {
        if let Some(passphrase) = &unlock.passphrase {
            return Ok(Seal::Passphrase(passphrase.clone()));
        }
        let entry = match current {
            Some(Seal::Keyring(entry)) => entry.clone(),
            _ => String::new(),
        };
        match unlock.keyring {
            KeyringUse::Off => Ok(Seal::OwnerOnly),
            KeyringUse::Required => {
                OsKeyring::connect()?;
                Ok(Seal::Keyring(entry))
            }
            KeyringUse::Auto if OsKeyring::in_session() => match OsKeyring::connect() {
                Ok(_) => Ok(Seal::Keyring(entry)),
                Err(e) => {
                    tracing::warn!(error = %e, "no keyring: the keys stay owner-only");
                    Ok(Seal::OwnerOnly)
                }
            },
            KeyringUse::Auto => Ok(Seal::OwnerOnly),
        }
    }
}

/// A data dir's keys, unlocked.
pub(crate) struct Secrets {
    /// The device's identity (its signing and network key).
    pub identity: Identity,
    /// The key the book file is encrypted with.
    pub book_key: BookKey,
    /// How the file is sealed.
    pub seal: Seal,
    /// The key backups are encrypted to, once a backup passphrase is set.
    pub backup: Option<BackupSecrets>,
}

/// The backup key and its copy sealed with the backup passphrase (carried in every backup).
#[derive(Clone)]
pub(crate) struct BackupSecrets {
    /// The key backups are encrypted to.
    pub key: BackupKey,
    /// The key sealed with the backup passphrase.
    pub sealed: Vec<u8>,
}

impl Secrets {
    /// The secrets of `data_dir`, unlocked with `unlock`. A data dir of an earlier version
    /// (a plain `device.key`) gets its secrets file now, with a new book key, sealed if a
    /// passphrase is given: the book is encrypted with it when next opened.
    pub(crate) fn load(data_dir: &Path, unlock: &Unlock) -> Result<Secrets> {
        let path = data_dir.join(SECRETS_FILE);
        if !path.exists() && data_dir.join(LEGACY_KEY_FILE).exists() {
            return Secrets::adopt_legacy(data_dir, unlock);
        }
        let bytes = Zeroizing::new(std::fs::read(&path).map_err(|source| Error::File {
            path: path.clone(),
            source,
        })?);
        let (text, seal) = if let Some(rest) = bytes.strip_prefix(KEYRING_MAGIC) {
            let (entry, sealed) = split_entry(rest)
                .ok_or_else(|| Error::damaged(&path, "no keyring entry named".to_string()))?;
            let identity = OsKeyring::connect()?
                .identity(entry)?
                .ok_or(Error::KeyringKeyMissing)?;
            let text = age::decrypt(&identity, sealed).map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => Error::KeyringKeyMissing,
                e => Error::damaged(&path, e.to_string()),
            })?;
            (Zeroizing::new(text), Seal::Keyring(entry.to_string()))
        } else if bytes.starts_with(AGE_HEADER) {
            let passphrase = unlock.passphrase.as_ref().ok_or(Error::PassphraseNeeded)?;
            let identity = age::scrypt::Identity::new(passphrase.clone());
            match age::decrypt(&identity, &bytes) {
                Ok(text) => (Zeroizing::new(text), Seal::Passphrase(passphrase.clone())),
                Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
                    return Err(Error::WrongPassphrase);
                }
                Err(e) => return Err(Error::damaged(&path, e.to_string())),
            }
        } else {
            (bytes, Seal::OwnerOnly)
        };
        let (identity, book_key, backup) =
            decode(&text).map_err(|reason| Error::damaged(&path, reason))?;
        forget_legacy_key(data_dir, &identity);
        Ok(Secrets {
            identity,
            book_key,
            seal,
            backup,
        })
    }

    /// The secrets of `data_dir`, or new ones (a new device key and book key) sealed as
    /// `unlock` chooses (see [`Seal::chosen`]).
    pub(crate) fn load_or_create(data_dir: &Path, unlock: &Unlock) -> Result<Secrets> {
        if data_dir.join(SECRETS_FILE).exists() || data_dir.join(LEGACY_KEY_FILE).exists() {
            return Secrets::load(data_dir, unlock);
        }
        let mut secrets = Secrets {
            identity: Identity::from_keypair(Keypair::generate_ed25519()),
            book_key: BookKey::generate()?,
            seal: Seal::chosen(unlock, None)?,
            backup: None,
        };
        secrets.save(data_dir)?;
        Ok(secrets)
    }

    /// Writes the secrets into `data_dir`, sealed as `self.seal` says, replacing the file
    /// whole (a crash leaves the old file or the new one). Keys sealed to the keyring get
    /// their keyring key first (a crash then leaves an unused entry, never a file whose
    /// key is missing); `self.seal` then names it.
    pub(crate) fn save(&mut self, data_dir: &Path) -> Result<()> {
        let path = data_dir.join(SECRETS_FILE);
        let text = encode(&self.identity, &self.book_key, self.backup.as_ref())
            .map_err(|r| Error::damaged(&path, r))?;
        let bytes = match &self.seal {
            Seal::Passphrase(passphrase) => {
                let recipient = age::scrypt::Recipient::new(passphrase.clone());
                age::encrypt(&recipient, text.as_bytes())
                    .map_err(|e| Error::damaged(&path, e.to_string()))?
            }
            Seal::Keyring(entry) => {
                let label = format!("Outpost: the keys of the book in {}", data_dir.display());
                let current = (!entry.is_empty()).then_some(entry.as_str());
                let (entry, identity) = OsKeyring::connect()?.sealing_identity(current, &label)?;
                let sealed = age::encrypt(&identity.to_public(), text.as_bytes())
                    .map_err(|e| Error::damaged(&path, e.to_string()))?;
                let mut bytes = KEYRING_MAGIC.to_vec();
                bytes.extend_from_slice(entry.as_bytes());
                bytes.push(b'\n');
                bytes.extend_from_slice(&sealed);
                self.seal = Seal::Keyring(entry);
                bytes
            }
            Seal::OwnerOnly => text.as_bytes().to_vec(),
        };
        write_atomically(&path, &bytes)
    }

    /// Moves the plain `device.key` of an earlier version into a new secrets file.
    fn adopt_legacy(data_dir: &Path, unlock: &Unlock) -> Result<Secrets> {
        let legacy = data_dir.join(LEGACY_KEY_FILE);
        let bytes = Zeroizing::new(std::fs::read(&legacy).map_err(|source| Error::File {
            path: legacy.clone(),
            source,
        })?);
        let keypair = Keypair::from_protobuf_encoding(&bytes)
            .map_err(|e| Error::damaged(&legacy, e.to_string()))?;
        let mut secrets = Secrets {
            identity: Identity::from_keypair(keypair),
            book_key: BookKey::generate()?,
            seal: Seal::chosen(unlock, None)?,
            backup: None,
        };
        secrets.save(data_dir)?;
        // Only once the secrets file is on disk: until then the old key is the only copy.
        std::fs::remove_file(&legacy)
            .and_then(|()| sync_parent(&legacy))
            .map_err(|source| Error::File {
                path: legacy.clone(),
                source,
            })?;
        tracing::info!("moved the device key into the secrets file");
        Ok(secrets)
    }
}

/// Removes a plain `device.key` left beside the secrets file (a move into it that stopped
/// before the old file was gone), if it is the same key: it must not outlive the move.
fn forget_legacy_key(data_dir: &Path, identity: &Identity) {
    let legacy = data_dir.join(LEGACY_KEY_FILE);
    let Ok(bytes) = std::fs::read(&legacy).map(Zeroizing::new) else {
        return;
    };
    match Keypair::from_protobuf_encoding(&bytes) {
        Ok(old) if old.public() == identity.keypair().public() => {
            if let Err(e) = std::fs::remove_file(&legacy).and_then(|()| sync_parent(&legacy)) {
                tracing::warn!(error = %e, "could not remove the old device key file");
            }
        }
        _ => tracing::warn!(
            file = %legacy.display(),
            "an old device key file that is not this device's key: left as it is"
        ),
    }
}

/// The keyring entry named on the first line of `rest`, and what follows it.
fn split_entry(rest: &[u8]) -> Option<(&str, &[u8])> {
    let end = rest.iter().position(|&b| b == b'\n')?;
    let entry = std::str::from_utf8(&rest[..end]).ok()?;
    (!entry.is_empty()).then_some((entry, &rest[end + 1..]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The secrets as text: a first line naming the format, then `device <hex>` (the
/// keypair's protobuf encoding), `book <hex>` and, once a backup passphrase is set,
/// `backup <age key>` and `backup-sealed <hex>`.
fn encode(
    identity: &Identity,
    book_key: &BookKey,
    backup: Option<&BackupSecrets>,
) -> Result<Zeroizing<String>, String> {
    let device = Zeroizing::new(
        identity
            .keypair()
            .to_protobuf_encoding()
            .map_err(|e| e.to_string())?,
    );
    let book = book_key
        .bytes()
        .ok_or_else(|| "the book must be encrypted".to_string())?;
    let mut text = Zeroizing::new(format!(
        "{MAGIC}\ndevice {}\nbook {}\n",
        hex(&device),
        hex(book)
    ));
    if let Some(backup) = backup {
        use age::secrecy::ExposeSecret;
        text.push_str(&format!(
            "backup {}\nbackup-sealed {}\n",
            backup.key.to_text().expose_secret(),
            hex(&backup.sealed)
        ));
    }
    Ok(text)
}

type Decoded = (Identity, BookKey, Option<BackupSecrets>);

fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not text".to_string())?;
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err("not an Outpost secrets file".into());
    }
    let (mut device, mut book, mut backup_key, mut backup_sealed) = (None, None, None, None);
    for line in lines {
        match line.split_once(' ') {
            Some(("device", value)) => device = unhex(value).map(Zeroizing::new),
            Some(("book", value)) => book = unhex(value).map(Zeroizing::new),
            Some(("backup", value)) => {
                backup_key = Some(BackupKey::parse(value).ok_or("a damaged backup key")?);
            }
            Some(("backup-sealed", value)) => backup_sealed = unhex(value),
            _ => {}
        }
    }
    let backup = match (backup_key, backup_sealed) {
        (Some(key), Some(sealed)) => Some(BackupSecrets { key, sealed }),
        (None, None) => None,
        _ => return Err("half a backup key".into()),
    };
    let device = device.ok_or("no device key")?;
    let keypair = Keypair::from_protobuf_encoding(&device).map_err(|e| e.to_string())?;
    let book: [u8; 32] = book
        .as_deref()
        .and_then(|b| b.as_slice().try_into().ok())
        .ok_or("no book key")?;
    Ok((
        Identity::from_keypair(keypair),
        BookKey::from_bytes(book),
        backup,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;
    use std::os::unix::fs::PermissionsExt;

    fn quick(passphrase: &str) -> Unlock {
        Unlock::with_passphrase(passphrase)
    }

    #[test]
    fn secrets_round_trip_sealed_and_unsealed() {
        for unlock in [Unlock::owner_only(), quick("correct horse")] {
            let dir = tempfile::tempdir().unwrap();
            assert!(!is_sealed(dir.path()));
            let made = Secrets::load_or_create(dir.path(), &unlock).unwrap();
            assert_eq!(unlock.has_passphrase(), is_sealed(dir.path()));
            let path = dir.path().join(SECRETS_FILE);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let again = Secrets::load(dir.path(), &unlock).unwrap();
            assert_eq!(made.identity.peer_id(), again.identity.peer_id());
            assert_eq!(made.book_key.bytes(), again.book_key.bytes());
            assert_eq!(
                unlock.has_passphrase(),
                again.seal.guard() == KeyGuard::Passphrase
            );
            let bytes = std::fs::read(&path).unwrap();
            let key_hex = hex(made.book_key.bytes().unwrap());
            assert_eq!(
                !unlock.has_passphrase(),
                String::from_utf8_lossy(&bytes).contains(&key_hex)
            );
        }
    }

    #[test]
    fn a_sealed_file_needs_the_right_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        Secrets::load_or_create(dir.path(), &quick("right")).unwrap();
        assert!(matches!(
            Secrets::load(dir.path(), &Unlock::none()),
            Err(Error::PassphraseNeeded)
        ));
        assert!(matches!(
            Secrets::load(dir.path(), &quick("wrong")),
            Err(Error::WrongPassphrase)
        ));
    }

    #[test]
    fn a_damaged_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SECRETS_FILE), b"garbage").unwrap();
        assert!(matches!(
            Secrets::load(dir.path(), &Unlock::none()),
            Err(Error::File { .. })
        ));
    }

    #[test]
    fn a_passphrase_file_must_be_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        std::fs::write(&path, "s3cret\nignored\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Unlock::from_file(&path),
            Err(Error::PassphraseFileOpen(_))
        ));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let unlock = Unlock::from_file(&path).unwrap();
        assert_eq!(
            unlock
                .passphrase
                .as_ref()
                .map(|p| p.expose_secret().to_string()),
            Some("s3cret".to_string())
        );
    }
}
