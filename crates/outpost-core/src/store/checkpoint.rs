//! Checkpoints of the write-ahead log on a thread of their own.
//!
//! SQLite copies the log into the database file inside whichever commit takes the log
//! past a thousand pages: a catch-up's merge, whose transaction writes thousands, waited
//! a further 25–30 ms for it before it could report done. Here a thread with its own
//! connection does it after commits instead; a passive checkpoint never blocks the writer,
//! and the log is durable as it stands (`synchronous=FULL`), so when the copy happens
//! changes nothing anyone reads.

use std::path::Path;
use std::sync::mpsc::{self, SyncSender};
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::cipher::BookKey;
use crate::error::Result;

/// The checkpoint thread of one book (none if it could not start: SQLite's own
/// checkpoints stay on then).
pub(crate) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the book at `path`, encrypted with `key`, and turns SQLite's
    /// checkpoints inside commits off on `db`, the book's connection.
    pub fn start(db: &Connection, path: &Path, key: &BookKey) -> Checkpointer {
        match Self::spawn(path, key) {
            Ok((wake, thread)) => match db.pragma_update(None, "wal_autocheckpoint", 0) {
                Ok(()) => Checkpointer {
                    wake: Some(wake),
                    thread: Some(thread),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "checkpoints stay inside commits");
                    Checkpointer::none()
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint thread: checkpoints stay inside commits");
                Checkpointer::none()
            }
        }
    }

    /// No thread: SQLite checkpoints inside commits.
    fn none() -> Checkpointer {
        Checkpointer {
            wake: None,
            thread: None,
        }
    }

    fn spawn(path: &Path, key: &BookKey) -> Result<(SyncSender<()>, JoinHandle<()>)> {
        let own = crate::cipher::open_connection(path)?;
        key.apply(&own, path)?;
        own.busy_timeout(std::time::Duration::from_secs(5))?;
        // One wake-up waiting is enough: it checkpoints every commit before it.
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("outpost-checkpoint".into())
            .spawn(move || {
                lowest_priority();
                for () in woken.iter() {
                    let done = own.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    if let Err(e) = done {
                        tracing::warn!(error = %e, "a checkpoint failed (the next one retries)");
                    }
                }
            })?;
        Ok((wake, thread))
    }

    /// Asks for a checkpoint after a commit; returns at once.
    pub fn after_commit(&self) {
        if let Some(wake) = &self.wake {
            // Full means a checkpoint is due already, which covers this commit too.
            let _ = wake.try_send(());
        }
    }
}

/// Puts the calling thread at the lowest priority: a checkpoint takes only a core nothing
/// else wants (during a catch-up both are busy, and at the normal priority a checkpoint
/// slowed the judging of the next document by half).
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19) {
        tracing::debug!(error = %e, "the checkpoint thread keeps the normal priority");
    }
}

impl Drop for Checkpointer {
    /// Stops the thread and closes its connection (before the book's own, whose closing
    /// checkpoints what is left and removes the log).
    fn drop(&mut self) {
        self.wake.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_reach_the_database_file_through_the_thread_not_inside_the_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("book.sqlite3");
        let key = BookKey::from_bytes([3; 32]);
        let db = crate::store::open(&path, &key).expect("open");
        let checkpoints = Checkpointer::start(&db, &path, &key);
        let file_bytes = || std::fs::metadata(&path).expect("the file").len();
        let before = file_bytes();
        // About 2,000 pages: far past the thousand at which SQLite would copy the log
        // into the file inside the commit.
        db.execute_batch(
            "CREATE TABLE filler(x BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO filler SELECT randomblob(3000) FROM n;",
        )
        .expect("write");
        assert_eq!(
            file_bytes(),
            before,
            "the commit copied pages into the file"
        );
        checkpoints.after_commit();
        // Stopping the thread lets it finish the checkpoint it was asked for first.
        drop(checkpoints);
        assert!(
            file_bytes() > before + 2000 * 3000,
            "the checkpoint thread copied the log into the file: {} -> {}",
            before,
            file_bytes()
        );
        let rows: i64 = db
            .query_row("SELECT count(*) FROM filler", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, 2000);
    }
}
