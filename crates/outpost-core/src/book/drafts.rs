//! Drafts: what a person typed into a form and has not saved yet, kept on this device so
//! that closing the window, a crash or a power cut loses none of it. Drafts are never
//! synced and never part of the books: saving the form writes the real record and drops
//! the draft.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result, Rule};

/// Longest form key (`order:new:sales`, `order:<id>`...).
const MAX_KEY: usize = 200;
/// Largest draft body: a few hundred order lines as JSON.
pub const MAX_DRAFT_BYTES: usize = 512 * 1024;

/// A kept draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Draft {
    /// Which form and record it belongs to, as the front end named it.
    pub key: String,
    /// The form's state as JSON, exactly as the front end gave it.
    pub body: String,
    /// When it was last kept (ms).
    pub saved_at_ms: i64,
}

/// Drafts kept on this device: [`crate::Book::drafts`].
pub struct Drafts<'a> {
    pub(crate) db: &'a rusqlite::Connection,
}

impl Drafts<'_> {
    /// Keeps (or replaces) the draft under `key`; `body` must be JSON. Durable when it
    /// returns.
    pub fn keep(&self, key: &str, body: &str, now: Timestamp) -> Result<()> {
        check_key(key)?;
        if body.len() > MAX_DRAFT_BYTES {
            return Err(Error::invalid(
                "draft",
                format!("{} bytes", body.len()),
                Rule::TooLong {
                    max: MAX_DRAFT_BYTES,
                },
            ));
        }
        if serde_json::from_str::<serde_json::Value>(body).is_err() {
            return Err(Error::invalid(
                "draft",
                body.chars().take(40).collect::<String>(),
                Rule::Format { example: "{}" },
            ));
        }
        self.db
            .prepare_cached("INSERT OR REPLACE INTO drafts VALUES (?1, ?2, ?3)")?
            .execute(params![key, body, now.as_millisecond()])?;
        Ok(())
    }

    /// The draft kept under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<Draft>> {
        check_key(key)?;
        Ok(self
            .db
            .prepare_cached("SELECT key, body, saved_at FROM drafts WHERE key = ?1")?
            .query_row([key], row_to_draft)
            .optional()?)
    }

    /// Every kept draft, newest first.
    pub fn list(&self) -> Result<Vec<Draft>> {
        let mut stmt = self
            .db
            .prepare_cached("SELECT key, body, saved_at FROM drafts ORDER BY saved_at DESC, key")?;
        let rows = stmt.query_map([], row_to_draft)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Forgets the draft under `key` (saved or discarded); forgetting none is not an error.
    pub fn forget(&self, key: &str) -> Result<()> {
        check_key(key)?;
        self.db
            .prepare_cached("DELETE FROM drafts WHERE key = ?1")?
            .execute([key])?;
        Ok(())
    }
}

fn row_to_draft(r: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    Ok(Draft {
        key: r.get(0)?,
        body: r.get(1)?,
        saved_at_ms: r.get(2)?,
    })
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid("draft key", key, Rule::Empty));
    }
    if key.chars().count() > MAX_KEY {
        return Err(Error::invalid(
            "draft key",
            key.chars().take(40).collect::<String>(),
            Rule::TooLong { max: MAX_KEY },
        ));
    }
    if key.chars().any(char::is_control) {
        return Err(Error::invalid("draft key", key, Rule::ControlCharacters));
    }
    Ok(())
}
