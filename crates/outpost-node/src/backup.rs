//! Backups: the whole book and the device key, encrypted, written into a folder (by hand
//! or on a schedule); the record of the last one (kept in the data dir, so every front end
//! shows when the book was last saved elsewhere and offers the same folder again); and the
//! restore that brings the device back from one.

mod envelope;
mod schedule;

use std::path::Path;

use age::secrecy::SecretString;
use jiff::Timestamp;
use outpost_core::{Book, BookKey, BundleCheck, ExportScope};
use serde::{Deserialize, Serialize};

pub use envelope::BackupKey;
use envelope::OpenError;
pub use schedule::{BackupSchedule, SCHEDULE_FILE};

use crate::error::{Error, Result};
use crate::file::write_atomically;
use crate::identity::Identity;
use crate::node::{DB_FILE, Event, Node};
use crate::secrets::{BackupSecrets, SECRETS_FILE, Secrets, Unlock};

/// Environment variable holding the backup passphrase (scripts, tests).
pub const BACKUP_PASSPHRASE_ENV: &str = "OUTPOST_BACKUP_PASSPHRASE";

/// The data-dir file that remembers the last backup.
pub const LAST_BACKUP_FILE: &str = "last-backup.json";

/// A backup written, as remembered in the data dir.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LastBackup {
    /// The folder it went to (offered again next time).
    pub dir: String,
    /// The bundle file written.
    pub path: String,
    /// Its size in bytes.
    pub bytes: usize,
    /// When it was written (ms).
    pub at_ms: i64,
}

impl LastBackup {
    /// Records a backup just written.
    pub(crate) fn new(dir: &Path, path: &Path, bytes: usize, at: Timestamp) -> LastBackup {
        LastBackup {
            dir: dir.display().to_string(),
            path: path.display().to_string(),
            bytes,
            at_ms: at.as_millisecond(),
        }
    }
}

/// How the names of backups made by device `code` of `site` start.
fn backup_prefix(site: &str, code: &str) -> String {
    format!("outpost-{site}-{code}-")
}

/// The file name of a backup made by device `code` of `site` at `at` (local time).
fn file_name(site: &str, code: &str, at: &jiff::Zoned) -> String {
    format!(
        "{}{}.backup",
        backup_prefix(site, code),
        at.strftime("%Y%m%d-%H%M%S")
    )
}

/// Remembers `last` in `data_dir`.
fn remember(data_dir: &Path, last: &LastBackup) -> Result<()> {
    // Strings and integers only: serialising cannot fail.
    let text = serde_json::to_vec_pretty(last).expect("a backup record serialises");
    write_atomically(&data_dir.join(LAST_BACKUP_FILE), &text)
}

/// The last backup remembered in `data_dir`, if any. An unreadable record counts as none
/// (it is only a reminder, rewritten by the next backup) and is logged.
fn last(data_dir: &Path) -> Option<LastBackup> {
    let path = data_dir.join(LAST_BACKUP_FILE);
    let text = std::fs::read(&path).ok()?;
    match serde_json::from_slice(&text) {
        Ok(last) => Some(last),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ignoring an unreadable backup record");
            None
        }
    }
}

/// Largest backup file read back to check it.
const MAX_BACKUP: usize = 4 << 30;

/// Opens the backup (or any bundle) at `path` and checks it as a restore would rely on
/// it: format, checksums, every change's signature, every document whole. A backup is
/// opened with the backup passphrase; a bundle needs none.
pub fn verify_backup(path: &Path, passphrase: Option<&str>) -> Result<BundleCheck> {
    let bytes = crate::file::read_small(path, MAX_BACKUP)?;
    if !envelope::is_backup(&bytes) {
        return Ok(outpost_core::verify_bundle(&bytes)?);
    }
    let opened = open(path, &bytes, passphrase)?;
    Ok(outpost_core::verify_bundle(&opened.bundle)?)
}

/// Whether the file at `path` is an encrypted backup (opening it takes the backup
/// passphrase) rather than a bundle.
pub fn backup_needs_passphrase(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(64).read_to_end(&mut head))
        .map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(envelope::is_backup(&head))
}

/// Opens the backup `bytes` (read from `path`) with the backup passphrase.
fn open(path: &Path, bytes: &[u8], passphrase: Option<&str>) -> Result<envelope::Opened> {
    let passphrase = passphrase
        .filter(|p| !p.is_empty())
        .ok_or(Error::BackupPassphraseNeeded)?;
    envelope::open_with_passphrase(bytes, &SecretString::from(passphrase))
        .map_err(|e| open_error(path, e))
}

fn open_error(path: &Path, e: OpenError) -> Error {
    match e {
        OpenError::NotABackup => Error::NotABackup(path.to_path_buf()),
        OpenError::WrongPassphrase => Error::WrongBackupPassphrase,
        OpenError::Damaged(reason) => Error::damaged(path, reason),
    }
}

impl Node {
    /// Writes a bundle of the whole book into `dir` (a backup a new device can start
    /// from, or that any member can import), reads it back and checks it; returns the
    /// file written and its size. Only a backup that checks out is remembered in the data
    /// dir as the last good one ([`Node::last_backup`]).
    pub fn backup(&self, dir: &Path) -> Result<LastBackup> {
        let backup = self
            .keys()
            .backup
            .clone()
            .ok_or(Error::NoBackupPassphrase)?;
        std::fs::create_dir_all(dir).map_err(|source| Error::File {
            path: dir.to_path_buf(),
            source,
        })?;
        let me = self.me()?;
        let now = jiff::Zoned::now();
        let path = dir.join(file_name(me.site.as_str(), me.code.as_str(), &now));
        let bundle = self.bundle_bytes(&ExportScope::Everything)?;
        let device_key = zeroize::Zeroizing::new(
            self.identity()
                .keypair()
                .to_protobuf_encoding()
                .map_err(|e| Error::damaged(&path, e.to_string()))?,
        );
        let peers =
            std::fs::read_to_string(self.data_dir().join(crate::PEERS_FILE)).unwrap_or_default();
        let contents = envelope::Contents {
            device_key: &device_key,
            peers: &peers,
            bundle: &bundle,
        };
        let file = envelope::write(&backup.key, &backup.sealed, &contents)
            .map_err(|e| Error::damaged(&path, e))?;
        write_atomically(&path, &file)?;
        let bytes = file.len();
        // What reached the disk, not what was meant to: a full USB stick or a failing
        // card shows here, not on the day of the restore.
        let written = crate::file::read_small(&path, MAX_BACKUP)?;
        let opened =
            envelope::open_with_key(&written, &backup.key).map_err(|e| open_error(&path, e))?;
        let check = outpost_core::verify_bundle(&opened.bundle)?;
        if !check.is_good() {
            return Err(Error::BackupUnusable {
                path,
                unsigned: check.unsigned,
                incomplete: check.incomplete.len(),
            });
        }
        let last = LastBackup::new(dir, &path, bytes, now.timestamp());
        // The backup is written whatever happens to the reminder of it.
        if let Err(e) = remember(self.data_dir(), &last) {
            tracing::warn!(error = %e, "could not remember the backup");
        }
        self.emit(Event::BackedUp);
        Ok(last)
    }

    /// Sets the passphrase that opens this device's backups (the first time, a backup key
    /// is made). Backups written before keep opening with the passphrase they were
    /// written with.
    pub fn set_backup_passphrase(&self, passphrase: &str) -> Result<()> {
        let passphrase = passphrase.trim_end_matches(['\r', '\n']);
        if passphrase.is_empty() {
            return Err(Error::PassphraseEmpty);
        }
        let mut keys = self.keys();
        let key = keys
            .backup
            .as_ref()
            .map_or_else(BackupKey::generate, |b| b.key.clone());
        let sealed = key
            .seal(&SecretString::from(passphrase))
            .map_err(|e| Error::damaged(&self.data_dir().join(SECRETS_FILE), e))?;
        let backup = Some(BackupSecrets { key, sealed });
        keys.seal = self.save_secrets(keys.seal.clone(), backup.clone())?;
        keys.backup = backup;
        Ok(())
    }

    /// Whether a backup passphrase is set (backups can be written).
    pub fn has_backup_passphrase(&self) -> bool {
        self.keys().backup.is_some()
    }

    /// Brings a device back on a new machine from its backup at `backup`, opened with
    /// `passphrase` (the backup passphrase), into the empty `data_dir` whose keys are
    /// then sealed with `unlock`. It is the same device: same key, same member, same
    /// history; it writes into a document once it has heard from another office about it
    /// (see [`outpost_core::Book::restore`]).
    pub fn restore(
        data_dir: &Path,
        backup: &Path,
        passphrase: Option<&str>,
        unlock: &Unlock,
    ) -> Result<Node> {
        let lock = crate::node::lock(data_dir)?;
        if data_dir.join(DB_FILE).exists() {
            return Err(Error::AlreadySetUp);
        }
        let bytes = crate::file::read_small(backup, MAX_BACKUP)?;
        let opened = open(backup, &bytes, passphrase)?;
        let keypair = libp2p_identity::Keypair::from_protobuf_encoding(&opened.device_key)
            .map_err(|e| Error::damaged(backup, e.to_string()))?;
        let identity = Identity::from_keypair(keypair);
        let secrets_file = data_dir.join(SECRETS_FILE);
        let had_secrets = secrets_file.exists();
        if had_secrets {
            // Keys of an earlier attempt at this restore may stay; another device's may not.
            let there = Secrets::load(data_dir, unlock)?;
            if there.identity.peer_id() != identity.peer_id() {
                return Err(Error::AlreadySetUp);
            }
        }
        let mut secrets = Secrets {
            identity,
            book_key: BookKey::generate()?,
            seal: crate::secrets::Seal::chosen(unlock, None)?,
            backup: Some(BackupSecrets {
                key: opened.backup_key,
                sealed: opened.sealed_key,
            }),
        };
        secrets.save(data_dir)?;
        let book = Book::restore(
            &data_dir.join(DB_FILE),
            &secrets.book_key,
            &opened.bundle,
            secrets.identity.signing_key()?,
            outpost_core::Timestamp::now(),
        );
        let book = match book {
            Ok(book) => book,
            Err(e) => {
                // The device key must not stay behind a restore that made no book: a new
                // organisation started in this data dir later would take it.
                if !had_secrets {
                    if let Err(e) = std::fs::remove_file(&secrets_file) {
                        tracing::warn!(error = %e, "could not remove the keys of a failed restore");
                    } else if let crate::secrets::Seal::Keyring(entry) = &secrets.seal
                        && let Ok(keyring) = crate::keyring::OsKeyring::connect()
                    {
                        keyring.forget(entry);
                    }
                }
                return Err(e.into());
            }
        };
        if !opened.peers.is_empty() {
            write_atomically(&data_dir.join(crate::PEERS_FILE), opened.peers.as_bytes())?;
        }
        // The backup it came from is this device's last good one: the today screen says
        // how old it is, and the next backup goes to the same folder.
        let written_at = outpost_core::bundle_written_at(&opened.bundle)?;
        let folder = backup.parent().unwrap_or(Path::new("."));
        let last = LastBackup {
            dir: folder.display().to_string(),
            path: backup.display().to_string(),
            bytes: bytes.len(),
            at_ms: written_at,
        };
        if let Err(e) = remember(data_dir, &last) {
            tracing::warn!(error = %e, "could not remember the backup restored from");
        }
        Ok(Node::assemble(book, secrets, data_dir, lock))
    }

    /// The last backup made from this data dir, if any.
    pub fn last_backup(&self) -> Option<LastBackup> {
        last(self.data_dir())
    }
}
