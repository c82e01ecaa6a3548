//! The node's error type.

use std::path::PathBuf;

/// What went wrong in a node call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The book refused or failed.
    #[error(transparent)]
    Core(#[from] outpost_core::Error),
    /// Another Outpost process has this data dir open.
    #[error("data dir {0} is in use by another Outpost process")]
    Locked(PathBuf),
    /// The device key does not belong to the book in the same data dir.
    #[error("the device key {0} does not belong to the book in this data dir")]
    KeyMismatch(PathBuf),
    /// A report file named with an extension no format has.
    #[error("{path}: a report is written as {expected} (named by the file's extension)")]
    ReportFormat {
        /// The file.
        path: PathBuf,
        /// The extensions that work.
        expected: &'static str,
    },
    /// A report could not be put together.
    #[error("the report could not be written: {0}")]
    Report(String),
    /// The node was closed (the application is quitting).
    #[error("the book is closed")]
    Closed,
    /// The data dir's keys are sealed with a passphrase and none was given.
    #[error(
        "this book is locked with a passphrase: type it, or give it in OUTPOST_PASSPHRASE or in a file named by OUTPOST_PASSPHRASE_FILE"
    )]
    PassphraseNeeded,
    /// The passphrase given does not open the data dir's keys.
    #[error("wrong passphrase: the book stays locked")]
    WrongPassphrase,
    /// The keys are kept in the operating system's keyring, which cannot be reached.
    #[error(
        "the keys of this book are kept in the system keyring, which cannot be reached ({0}): log in to the desktop session, or restore this device from a backup"
    )]
    KeyringUnavailable(String),
    /// The keyring no longer holds the key this data dir's keys are sealed to.
    #[error(
        "the system keyring no longer holds the key of this book: restore this device from a backup"
    )]
    KeyringKeyMissing,
    /// A backup read back does not hold a whole, signed book.
    #[error(
        "the backup {path} would not restore: {unsigned} changes without a valid signature, {incomplete} documents incomplete"
    )]
    BackupUnusable {
        /// The file.
        path: PathBuf,
        /// Changes whose signature is missing or wrong.
        unsigned: usize,
        /// Documents missing a change.
        incomplete: usize,
    },
    /// A backup was asked for before a backup passphrase was set.
    #[error(
        "no backup passphrase is set: set one first (outpost backup passphrase, or in Settings); a backup opens only with it"
    )]
    NoBackupPassphrase,
    /// A backup was opened without its passphrase.
    #[error(
        "this backup is encrypted: give its backup passphrase (typed, or in OUTPOST_BACKUP_PASSPHRASE)"
    )]
    BackupPassphraseNeeded,
    /// The backup passphrase given does not open the backup.
    #[error("wrong backup passphrase: nothing was read from the backup")]
    WrongBackupPassphrase,
    /// A file given as a backup is not one.
    #[error(
        "{0} is not an Outpost backup (a bundle? a device starts from a bundle with init --join-bundle)"
    )]
    NotABackup(PathBuf),
    /// A bundle sealed for other members.
    #[error(
        "{0} is sealed for other members: this device may not read everything in it (ask for one made --for this device)"
    )]
    BundleNotForThisDevice(PathBuf),
    /// A bundle sealed with a passphrase was opened without one.
    #[error(
        "this bundle is sealed with a passphrase: give it (typed, or in OUTPOST_BUNDLE_PASSPHRASE)"
    )]
    BundlePassphraseNeeded,
    /// The passphrase given does not open the bundle.
    #[error("wrong bundle passphrase: nothing was imported")]
    WrongBundlePassphrase,
    /// A new passphrase typed twice, differently.
    #[error("the two passphrases differ; nothing changed")]
    PassphrasesDiffer,
    /// An empty new passphrase (removing it is asked for by name).
    #[error("the new passphrase is empty; nothing changed (to remove it: --none)")]
    PassphraseEmpty,
    /// A passphrase file others may read.
    #[error("the passphrase file {0} may be read by other users: make it private (chmod 600)")]
    PassphraseFileOpen(PathBuf),
    /// No data dir could be determined or created.
    #[error("cannot use data dir {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The network failed or refused.
    #[error(transparent)]
    Sync(#[from] outpost_sync::Error),
    /// An address could not be read.
    #[error("not a peer address: {0}")]
    Address(String),
    /// The network was started twice.
    #[error("the network is running already")]
    NetworkRunning,
    /// Something awaited did not happen in time.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// A benchmark step failed (a child process, its output).
    #[error("benchmark step failed: {0}")]
    Bench(String),
    /// A backup was asked for without a folder, and no earlier backup names one.
    #[error("no backup folder given, and no earlier backup to take it from")]
    NoBackupFolder,
    /// No organisation on this device yet (the first-run screen comes first).
    #[error("this device has no organisation yet")]
    NotOpen,
    /// A second organisation for a device that has one.
    #[error("this device already belongs to an organisation")]
    AlreadySetUp,
    /// The book is being opened, created or joined by another call right now.
    #[error("the book is being opened or set up; try again in a moment")]
    Busy,
    /// A file given by the user could not be read or written.
    #[error("cannot access {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl Error {
    /// The file at `path` holds what it should not (damaged, cut off, of another kind).
    pub(crate) fn damaged(path: &std::path::Path, reason: impl Into<String>) -> Error {
        Error::File {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, reason.into()),
        }
    }
}

/// Result with the node's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
