//! [`Node`]: the book behind a lock, a clock and an event stream.
//!
//! This file holds the node itself (opening a data dir, the lock, reads and writes, events);
//! what it offers the front ends is spread by topic: `node/records.rs` (the kinds of
//! record), `backup.rs`, `net.rs` (sync, members, status) and `today.rs`.

mod records;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use outpost_core::{Book, DocId, NewOrg, RecordRef, Timestamp};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::secrets::{SECRETS_FILE, Secrets, Unlock};

/// The database file inside a data dir.
pub const DB_FILE: &str = "outpost.sqlite3";
const LOCK_FILE: &str = "outpost.lock";

/// Something that changed in the node; front ends refresh what it names.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A local write committed.
    Written {
        /// What was done (e.g. `order.ship`).
        action: &'static str,
    },
    /// A bundle was merged.
    Imported {
        /// Records whose projections changed.
        records: Vec<RecordRef>,
    },
    /// Changes arrived from a peer.
    Synced {
        /// Records whose projections changed.
        records: Vec<RecordRef>,
    },
    /// Changes from a peer were refused (their author may not write the document).
    ChangesRefused {
        /// How many.
        count: usize,
    },
    /// Changes from a peer were held for an admin (a revoked device's late changes).
    ChangesHeld {
        /// How many.
        count: usize,
    },
    /// A peer connected, disconnected or finished a sync session.
    PeersChanged,
    /// A backup was written (the today screen's reminder changes).
    BackedUp,
    /// The node's lifecycle moved (the first-run screen, a book opened).
    LifecycleChanged,
}

/// The running network of a node: what the rest of the node needs to reach it.
#[derive(Clone, Debug)]
pub(crate) struct Net {
    pub client: outpost_sync::Client,
    pub runtime: tokio::runtime::Handle,
}

/// One device's node: the only API the CLI and the desktop app call.
///
/// Calls are synchronous: every one touches only the local disk. The node holds an
/// exclusive lock on its data dir, because two processes writing as the same Automerge
/// actor would corrupt the documents.
pub struct Node {
    /// The book; `None` once closed ([`Node::close`]).
    book: Mutex<Option<Book>>,
    identity: Identity,
    events: broadcast::Sender<Event>,
    data_dir: PathBuf,
    net: std::sync::OnceLock<Net>,
    /// The key the book file is encrypted with (to seal it again with a new passphrase).
    book_key: outpost_core::BookKey,
    /// What the secrets file is sealed with, and the backup key once a backup passphrase
    /// is set (both needed to write the secrets file again).
    keys: Mutex<Keys>,
    _lock: File,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

/// What the node needs to write its secrets file again.
pub(crate) struct Keys {
    /// How the secrets file is sealed.
    pub seal: crate::secrets::Seal,
    /// The backup key, once a backup passphrase is set.
    pub backup: Option<crate::secrets::BackupSecrets>,
}

/// The platform data dir for Outpost (e.g. `~/.local/share/outpost`).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "outpost").map(|p| p.data_dir().to_path_buf())
}

pub(crate) fn lock(dir: &Path) -> Result<File> {
    crate::file::private_dir(dir)?;
    let file =
        crate::file::create_private(&dir.join(LOCK_FILE)).map_err(|source| Error::DataDir {
            path: dir.to_path_buf(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked(dir.to_path_buf())),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::DataDir {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

impl Node {
    pub(crate) fn assemble(book: Book, secrets: Secrets, data_dir: &Path, lock: File) -> Node {
        let (events, _) = broadcast::channel(256);
        Node {
            book: Mutex::new(Some(book)),
            identity: secrets.identity,
            book_key: secrets.book_key,
            keys: Mutex::new(Keys {
                seal: secrets.seal,
                backup: secrets.backup,
            }),
            events,
            data_dir: data_dir.to_path_buf(),
            net: std::sync::OnceLock::new(),
            _lock: lock,
        }
    }

    pub(crate) fn net(&self) -> Option<&Net> {
        self.net.get()
    }

    pub(crate) fn set_net(&self, net: Net) -> Result<()> {
        self.net.set(net).map_err(|_| Error::NetworkRunning)
    }

    /// Sends an event to front ends (nobody listening is fine: the CLI has none).
    pub(crate) fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// Opens the node of an existing data dir, its keys unlocked with `unlock`. A book of
    /// an earlier version is encrypted now, once (see [`outpost_core::encrypt_plain_book`]).
    pub fn open(data_dir: &Path, unlock: &Unlock) -> Result<Node> {
        let lock = lock(data_dir)?;
        let path = data_dir.join(DB_FILE);
        if !path.exists() {
            return Err(outpost_core::Error::NotInitialised.into());
        }
        let secrets = Secrets::load(data_dir, unlock)?;
        if outpost_core::encrypt_plain_book(&path, &secrets.book_key)? {
            tracing::info!(book = %path.display(), "encrypted the book");
        }
        let book = match Book::open(&path, &secrets.book_key, secrets.identity.signing_key()?) {
            Err(outpost_core::Error::WrongKey(_)) => {
                return Err(Error::KeyMismatch(data_dir.join(SECRETS_FILE)));
            }
            book => book?,
        };
        Ok(Node::assemble(book, secrets, data_dir, lock))
    }

    /// A data dir about to hold a new book: refused if it holds one already; the keys are
    /// created (sealed with `unlock`'s passphrase, if any), or kept from an earlier attempt
    /// that stopped before the book.
    pub(crate) fn fresh_dir(data_dir: &Path, unlock: &Unlock) -> Result<(File, Secrets)> {
        let lock = lock(data_dir)?;
        let secrets = Secrets::load_or_create(data_dir, unlock)?;
        let path = data_dir.join(DB_FILE);
        if path.exists() {
            outpost_core::encrypt_plain_book(&path, &secrets.book_key)?;
            let book = Book::open(&path, &secrets.book_key, secrets.identity.signing_key()?)?;
            return Err(outpost_core::Error::AlreadyInitialised(book.org_id().to_string()).into());
        }
        Ok((lock, secrets))
    }

    /// Creates a new organisation in an empty data dir, its keys sealed with `unlock`'s
    /// passphrase if it has one.
    pub fn create(data_dir: &Path, org: NewOrg, unlock: &Unlock) -> Result<Node> {
        let (lock, secrets) = Node::fresh_dir(data_dir, unlock)?;
        let book = Book::create(
            &data_dir.join(DB_FILE),
            &secrets.book_key,
            org,
            secrets.identity.signing_key()?,
            Timestamp::now(),
        )?;
        Ok(Node::assemble(book, secrets, data_dir, lock))
    }

    /// Starts this device from the bundle an admin made for it after admitting its join
    /// request (see [`crate::request_to_join`]): the bundle must list this device's key
    /// as a member.
    pub fn join_bundle(data_dir: &Path, bundle: &Path, unlock: &Unlock) -> Result<Node> {
        let (lock, secrets) = Node::fresh_dir(data_dir, unlock)?;
        let bytes = std::fs::read(bundle).map_err(|source| Error::File {
            path: bundle.to_path_buf(),
            source,
        })?;
        let key = secrets.identity.signing_key()?;
        let bytes = crate::sealed::open_file(bundle, bytes, &key, None)?;
        let book = Book::join(
            &data_dir.join(DB_FILE),
            &secrets.book_key,
            &bytes,
            secrets.identity.signing_key()?,
            Timestamp::now(),
        )?;
        Ok(Node::assemble(book, secrets, data_dir, lock))
    }

    /// Seals this data dir's keys again: with `unlock`'s passphrase, else in the keyring
    /// or owner-only as it chooses (see [`Unlock::none`]). The old passphrase (or keyring
    /// key) stops working at once; the book file keeps its key, so this is instant for a
    /// book of any size.
    pub fn change_passphrase(&self, unlock: &Unlock) -> Result<()> {
        let mut keys = self.keys();
        let seal = crate::secrets::Seal::chosen(unlock, Some(&keys.seal))?;
        let seal = self.save_secrets(seal, keys.backup.clone())?;
        if let crate::secrets::Seal::Keyring(old) = &keys.seal
            && !matches!(&seal, crate::secrets::Seal::Keyring(new) if new == old)
        {
            // Only once the file no longer needs it.
            if let Ok(keyring) = crate::keyring::OsKeyring::connect() {
                keyring.forget(old);
            }
        }
        keys.seal = seal;
        Ok(())
    }

    pub(crate) fn keys(&self) -> std::sync::MutexGuard<'_, Keys> {
        // Held only around writing the secrets file, which leaves it whole or untouched.
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the secrets file again, sealed with `seal`, with `backup` as backup key;
    /// the seal it was written with (a keyring seal names its entry).
    pub(crate) fn save_secrets(
        &self,
        seal: crate::secrets::Seal,
        backup: Option<crate::secrets::BackupSecrets>,
    ) -> Result<crate::secrets::Seal> {
        let mut secrets = Secrets {
            identity: self.identity.clone(),
            book_key: self.book_key.clone(),
            seal,
            backup,
        };
        secrets.save(&self.data_dir)?;
        Ok(secrets.seal)
    }

    /// Whether this data dir's keys are sealed with a passphrase.
    pub fn is_sealed(&self) -> bool {
        self.key_guard() == crate::KeyGuard::Passphrase
    }

    /// Where this data dir's keys are kept (owner-only: whoever has the whole data dir
    /// can read the book).
    pub fn key_guard(&self) -> crate::KeyGuard {
        self.keys().seal.guard()
    }

    /// This device's identity (its key and PeerId).
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The data dir.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Change events, for front ends that show live data.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Option<Book>> {
        // A panic while holding the lock cannot leave the book half-written: every write
        // is one SQLite transaction. So a poisoned lock is safe to take over.
        self.book
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Closes the book: waits for the call using it, closes its SQLite file, and refuses
    /// every later call ([`Error::Closed`]). A front end closes it before the process
    /// exits, so no background task is inside SQLite while the process tears down.
    pub fn close(&self) {
        drop(self.book().take());
    }

    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&mut Book) -> outpost_core::Result<T>,
    ) -> Result<T> {
        let mut book = self.book();
        Ok(f(book.as_mut().ok_or(Error::Closed)?)?)
    }

    /// Runs a write on the book; then tells the window (`action`) and pushes the
    /// documents it changed to connected peers.
    pub(crate) fn write<T>(
        &self,
        action: &'static str,
        f: impl FnOnce(&mut Book, Timestamp) -> outpost_core::Result<T>,
    ) -> Result<T> {
        let (value, docs) = {
            let mut guard = self.book();
            let book = guard.as_mut().ok_or(Error::Closed)?;
            let value = f(book, Timestamp::now())?;
            (value, book.take_changed_docs())
        };
        if !docs.is_empty() {
            self.emit(Event::Written { action });
        }
        self.push_changes(&docs);
        Ok(value)
    }

    /// Tells connected peers about documents that changed here (call without the book
    /// locked); a change of `org` (members, invites) also resets the gate.
    pub(crate) fn push_changes(&self, docs: &[DocId]) {
        if let Some(net) = self.net() {
            for doc in docs {
                net.client.notify_changed(&doc.to_string());
            }
        }
        if docs.contains(&DocId::Org) {
            self.refresh_gate();
        }
    }

    /// Runs `f` on the book directly (benchmarks and tests).
    pub fn with_book<T>(&self, f: impl FnOnce(&mut Book) -> outpost_core::Result<T>) -> Result<T> {
        self.read(f)
    }
}
