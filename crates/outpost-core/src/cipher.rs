//! The book file encrypted at rest: the key it is encrypted with, and the one-time
//! conversion of a plain book file.
//!
//! SQLCipher encrypts every page of the database and of its WAL (AES-256, an HMAC per
//! page), so a copy of the file shows nothing without the key. The key is a random 256-bit
//! raw key: the passphrase that guards it is stretched once when the node unlocks (see the
//! node's secrets), not on every connection.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Opens a connection to the file at `path` (not keyed yet), once SQLCipher is ready.
///
/// SQLite marks itself initialised before it runs SQLCipher's own start-up, outside its
/// lock: a second thread opening its first connection in that window gets a connection
/// whose `PRAGMA key` fails ("sqlcipher not initialized", reported as "An error occurred
/// with PRAGMA key"). It showed as a rare CI failure when tests started books at once;
/// reproduced with four threads keying at process start (2 runs in 500). So the first
/// connection of the process is opened alone, and every other waits for it.
pub(crate) fn open_connection(path: &Path) -> Result<Connection> {
    static SQLCIPHER_STARTED: std::sync::Once = std::sync::Once::new();
    SQLCIPHER_STARTED.call_once(|| {
        // Its result does not matter: a failure shows again at the real open below.
        let _ = Connection::open_in_memory();
    });
    Ok(Connection::open(path)?)
}

/// The first bytes of a plain SQLite file; an encrypted one starts with random salt.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The key a book file is encrypted with.
#[derive(Clone)]
pub struct BookKey(Option<Zeroizing<[u8; 32]>>);

impl std::fmt::Debug for BookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.write_str(if self.0.is_some() {
            "BookKey(..)"
        } else {
            "BookKey(unencrypted)"
        })
    }
}

impl BookKey {
    /// A new random key.
    pub fn generate() -> Result<BookKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut())
            .map_err(|e| Error::Io(std::io::Error::other(format!("no randomness: {e}"))))?;
        Ok(BookKey(Some(key)))
    }

    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> BookKey {
        BookKey(Some(Zeroizing::new(bytes)))
    }

    /// No encryption: the file is plain SQLite. For benchmarks' baseline and for tests of
    /// the conversion; a node never writes a plain book.
    pub fn unencrypted() -> BookKey {
        BookKey(None)
    }

    /// The key's bytes (to keep it sealed elsewhere); `None` when unencrypted.
    pub fn bytes(&self) -> Option<&[u8; 32]> {
        self.0.as_deref()
    }

    /// SQLCipher's raw-key form, `x'<hex>'`: used as is, with no key derivation.
    fn pragma_value(&self) -> Option<Zeroizing<String>> {
        let key = self.0.as_ref()?;
        let mut text = Zeroizing::new(String::with_capacity(67));
        text.push_str("x'");
        for b in key.iter() {
            text.push_str(&format!("{b:02x}"));
        }
        text.push('\'');
        Some(text)
    }

    /// Keys a connection just opened; then checks that the file reads with this key, so
    /// a wrong key is told at once, not at the first query.
    pub(crate) fn apply(&self, db: &Connection, path: &Path) -> Result<()> {
        if let Some(value) = self.pragma_value() {
            db.pragma_update(None, "key", value.as_str())?;
        }
        match db.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                Err(Error::BookKeyWrong(path.to_path_buf()))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Whether the file at `path` is a plain (unencrypted) SQLite database.
pub fn is_plain(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path)?;
    match file.read_exact(&mut header) {
        Ok(()) => Ok(&header == PLAIN_HEADER),
        // Shorter than a header: an empty file SQLite has not written yet.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The temporary file a conversion writes before it replaces the book.
fn converting(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".encrypting");
    PathBuf::from(name)
}

/// Encrypts the plain book file at `path` with `key`, in place and once: the whole book
/// is copied into a new encrypted file beside it, which is synced and then renamed over
/// the plain one. A crash at any point leaves either the plain book whole (and a partial
/// copy that the next attempt removes) or the encrypted book whole. Returns whether
/// anything was converted (`false` when the file is encrypted already).
///
/// Call with nobody else holding the file open (the node's data-dir lock).
pub fn encrypt_plain_book(path: &Path, key: &BookKey) -> Result<bool> {
    let Some(value) = key.pragma_value() else {
        return Ok(false);
    };
    let tmp = converting(path);
    // A copy left by a conversion that stopped: the plain book beside it is whole.
    remove_if_exists(&tmp)?;
    if !path.exists() || !is_plain(path)? {
        return Ok(false);
    }
    {
        let plain = open_connection(path)?;
        // Everything into the main file first, so that the copy below is the whole book.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = plain.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let tmp_text = tmp.to_str().ok_or_else(|| {
            Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{}: not a UTF-8 path", tmp.display()),
            ))
        })?;
        {
            plain.execute(
                "ATTACH DATABASE ?1 AS encrypted KEY ?2",
                [tmp_text, value.as_str()],
            )?;
        }
        // Must precede the first table, as in a new book.
        plain.execute_batch("PRAGMA encrypted.auto_vacuum = INCREMENTAL;")?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        plain.execute_batch(&format!("PRAGMA encrypted.user_version = {version};"))?;
        plain.execute_batch("DETACH DATABASE encrypted;")?;
        // Closing the last connection checkpoints and removes the plain WAL.
        plain.close().map_err(|(_, e)| e)?;
    }
    std::fs::File::open(&tmp)?.sync_all()?;
    // A WAL of the plain file must never be replayed onto the encrypted one.
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        remove_if_exists(Path::new(&side))?;
    }
    std::fs::rename(&tmp, path)?;
    sync_dir_of(path)?;
    Ok(true)
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Syncs the directory holding `path`, so that a rename in it survives a power cut.
fn sync_dir_of(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_prints() {
        let key = BookKey::from_bytes([0xab; 32]);
        assert_eq!(format!("{key:?}"), "BookKey(..)");
        assert_eq!(
            key.pragma_value().expect("a key").as_str(),
            format!("x'{}'", "ab".repeat(32))
        );
        assert!(BookKey::unencrypted().pragma_value().is_none());
    }
}
