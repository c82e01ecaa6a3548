//! Backups: a bundle of the whole book written into a folder, and the record of the last
//! one (kept in the data dir, so every front end shows when the book was last saved
//! elsewhere and offers the same folder again).

use std::path::Path;

use jiff::Timestamp;
use outpost_core::{BundleCheck, ExportScope};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::file::write_atomically;
use crate::node::{Event, Node};

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

/// The file name of a backup made by device `code` of `site` at `at` (local time).
fn file_name(site: &str, code: &str, at: &jiff::Zoned) -> String {
    format!(
        "outpost-{site}-{code}-{}.bundle",
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
/// it: format, checksums, every change's signature, every document whole.
pub fn verify_backup(path: &Path) -> Result<BundleCheck> {
    let bytes = crate::file::read_small(path, MAX_BACKUP)?;
    Ok(outpost_core::verify_bundle(&bytes)?)
}

impl Node {
    /// Writes a bundle of the whole book into `dir` (a backup a new device can start
    /// from, or that any member can import), reads it back and checks it; returns the
    /// file written and its size. Only a backup that checks out is remembered in the data
    /// dir as the last good one ([`Node::last_backup`]).
    pub fn backup(&self, dir: &Path) -> Result<LastBackup> {
        std::fs::create_dir_all(dir).map_err(|source| Error::File {
            path: dir.to_path_buf(),
            source,
        })?;
        let me = self.me()?;
        let now = jiff::Zoned::now();
        let path = dir.join(file_name(me.site.as_str(), me.code.as_str(), &now));
        let bytes = self.export_bundle(&path, &ExportScope::Everything)?;
        // What reached the disk, not what was meant to: a full USB stick or a failing
        // card shows here, not on the day of the restore.
        let check = verify_backup(&path)?;
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

    /// The last backup made from this data dir, if any.
    pub fn last_backup(&self) -> Option<LastBackup> {
        last(self.data_dir())
    }
}
