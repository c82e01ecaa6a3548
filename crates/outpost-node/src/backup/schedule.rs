//! Backups that are kept: written on a schedule (daily by default) into a chosen folder,
//! keeping this device's last N there. The schedule lives in the data dir, so the window
//! and a headless `outpost serve` keep it alike; each runs [`Node::run_backup_schedule`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{LastBackup, backup_prefix};
use crate::error::{Error, Result};
use crate::file::write_atomically;
use crate::node::Node;

/// The data-dir file holding the schedule (absent: no scheduled backups).
pub const SCHEDULE_FILE: &str = "backup-schedule.json";
/// How often a running node looks whether a backup is due.
const CHECK_EVERY: Duration = Duration::from_secs(10 * 60);
/// Longest interval between two backups (a month).
const MAX_EVERY_HOURS: u32 = 24 * 31;
/// Most backups kept in the folder.
const MAX_KEEP: u32 = 1000;

/// When and where backups are written by themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupSchedule {
    /// The folder backups go to.
    pub dir: String,
    /// Hours between two backups (24: daily).
    pub every_hours: u32,
    /// How many of this device's backups the folder keeps (the oldest go).
    pub keep: u32,
}

impl BackupSchedule {
    fn check(&self) -> Result<()> {
        let out_of_range = |field: &'static str, value: u32, max: u32| {
            Error::Core(outpost_core::Error::invalid(
                field,
                value,
                outpost_core::Rule::Range {
                    min: "1".into(),
                    max: max.to_string(),
                },
            ))
        };
        if self.dir.trim().is_empty() {
            return Err(Error::NoBackupFolder);
        }
        if !(1..=MAX_EVERY_HOURS).contains(&self.every_hours) {
            return Err(out_of_range(
                "hours between backups",
                self.every_hours,
                MAX_EVERY_HOURS,
            ));
        }
        if !(1..=MAX_KEEP).contains(&self.keep) {
            return Err(out_of_range("backups kept", self.keep, MAX_KEEP));
        }
        Ok(())
    }

    /// Whether a backup is due at `now_ms`, the last one written at `last_ms` (if ever).
    pub fn is_due(&self, last_ms: Option<i64>, now_ms: i64) -> bool {
        let every_ms = i64::from(self.every_hours) * 3_600_000;
        last_ms.is_none_or(|last| now_ms.saturating_sub(last) >= every_ms)
    }
}

/// Of `names` (files in a backup folder), those of this device's backups (`prefix`) beyond
/// the newest `keep`: the ones to remove. Names carry their time, so they sort by it.
fn beyond_kept(mut names: Vec<String>, prefix: &str, keep: u32) -> Vec<String> {
    names.retain(|n| n.starts_with(prefix) && n.ends_with(".backup"));
    names.sort();
    let extra = names.len().saturating_sub(keep as usize);
    names.truncate(extra);
    names
}

impl Node {
    /// The backup schedule, if backups are written by themselves.
    pub fn backup_schedule(&self) -> Option<BackupSchedule> {
        let path = self.data_dir().join(SCHEDULE_FILE);
        let text = std::fs::read(&path).ok()?;
        serde_json::from_slice(&text)
            .inspect_err(|e| tracing::warn!(path = %path.display(), error = %e, "ignoring an unreadable backup schedule"))
            .ok()
    }

    /// Sets (or, with `None`, stops) the backup schedule. Backups need the backup
    /// passphrase set first.
    pub fn set_backup_schedule(&self, schedule: Option<&BackupSchedule>) -> Result<()> {
        let path = self.data_dir().join(SCHEDULE_FILE);
        let Some(schedule) = schedule else {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(Error::File { path, source: e })
                }
                _ => Ok(()),
            };
        };
        schedule.check()?;
        if !self.has_backup_passphrase() {
            return Err(Error::NoBackupPassphrase);
        }
        // Strings and integers only: serialising cannot fail.
        let text = serde_json::to_vec_pretty(schedule).expect("a schedule serialises");
        write_atomically(&path, &text)
    }

    /// Writes a backup if the schedule says one is due at `now_ms`, then removes this
    /// device's oldest backups in the folder beyond the number kept (only once the new one
    /// checked out). Returns the backup written, if any.
    pub fn backup_if_due(&self, now_ms: i64) -> Result<Option<LastBackup>> {
        let Some(schedule) = self.backup_schedule() else {
            return Ok(None);
        };
        if !schedule.is_due(self.last_backup().map(|b| b.at_ms), now_ms) {
            return Ok(None);
        }
        let dir = Path::new(&schedule.dir);
        let written = self.backup(dir)?;
        let me = self.me()?;
        let names = std::fs::read_dir(dir)
            .map_err(|source| Error::File {
                path: dir.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        for old in beyond_kept(
            names,
            &backup_prefix(me.site.as_str(), me.code.as_str()),
            schedule.keep,
        ) {
            let path = dir.join(&old);
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %e, "could not remove an old backup");
            }
        }
        Ok(Some(written))
    }

    /// Keeps the backup schedule while the node runs (on the current tokio runtime): now,
    /// then every ten minutes, a backup if one is due. A failure (the USB stick not
    /// plugged in, say) is logged and tried again at the next look.
    pub fn run_backup_schedule(self: &Arc<Self>) {
        let node = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(CHECK_EVERY);
            loop {
                ticks.tick().await;
                let Some(node) = node.upgrade() else { break };
                let now = jiff::Timestamp::now().as_millisecond();
                let done = tokio::task::spawn_blocking(move || node.backup_if_due(now)).await;
                match done {
                    Ok(Ok(Some(backup))) => {
                        tracing::info!(path = %backup.path, "scheduled backup written")
                    }
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "scheduled backup failed"),
                    Err(e) => tracing::warn!(error = %e, "scheduled backup stopped"),
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daily(keep: u32) -> BackupSchedule {
        BackupSchedule {
            dir: "/media/usb".into(),
            every_hours: 24,
            keep,
        }
    }

    #[test]
    fn a_backup_is_due_when_none_was_made_or_the_last_is_old_enough() {
        let hour = 3_600_000;
        let s = daily(7);
        assert!(s.is_due(None, 0));
        assert!(!s.is_due(Some(0), 23 * hour));
        assert!(s.is_due(Some(0), 24 * hour));
        assert!(
            !s.is_due(Some(10 * hour), 5 * hour),
            "a clock set back waits"
        );
    }

    #[test]
    fn only_this_devices_oldest_backups_beyond_the_kept_go() {
        let names = [
            "outpost-SH-A1-20261201-090000.backup",
            "outpost-SH-A1-20261203-090000.backup",
            "outpost-SH-A1-20261202-090000.backup",
            "outpost-BJ-K7M-20261101-090000.backup",
            "outpost-SH-A1-20261130-090000.bundle",
            "notes.txt",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            beyond_kept(names.clone(), "outpost-SH-A1-", 2),
            ["outpost-SH-A1-20261201-090000.backup"]
        );
        assert!(beyond_kept(names, "outpost-SH-A1-", 3).is_empty());
    }

    #[test]
    fn a_schedule_out_of_range_is_refused() {
        assert!(daily(7).check().is_ok());
        assert!(daily(0).check().is_err());
        let mut s = daily(7);
        s.every_hours = 0;
        assert!(s.check().is_err());
        s.every_hours = 24;
        s.dir = " ".into();
        assert!(s.check().is_err());
    }
}
