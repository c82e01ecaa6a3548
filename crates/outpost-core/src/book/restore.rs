//! A device brought back from a backup.
//!
//! The backup may be older than what the device wrote before it was lost, and the other
//! offices may hold those later changes. The restored device writes as the same Automerge
//! actor, so a change it made now could take a sequence number its lost self already
//! used (the two would never merge), and an order could take a number already handed out.
//! So, per document, it writes only once it has heard from another device everything that
//! device has of that document (a sync exchange or a bundle whose heads it then holds):
//! from then on its own later changes are in, and numbering continues above them.

use automerge::ChangeHash;
use rusqlite::Connection;
use serde::Serialize;

use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::repo::Merger;
use crate::store;

/// Meta key: when the device was restored (ms); absent on a device that never was.
const SINCE: &str = "restore.since";

fn heard_key(doc_id: &DocId) -> String {
    format!("restore.heard.{doc_id}")
}

/// Marks the book as restored at `at_ms`: every document waits to hear from a peer.
pub(crate) fn begin(db: &Connection, at_ms: i64) -> Result<()> {
    store::meta_set(db, SINCE, &at_ms.to_string())
}

/// Refuses a local write into `doc_id` while a restored device has not yet heard from
/// another device about it. A document this device does not hold at all (next month's,
/// say) is written once it has heard from another device about the organisation: an
/// exchange with a device that had the document would have brought it.
pub(crate) fn check_may_write(db: &Connection, doc_id: &DocId) -> Result<()> {
    let heard = |doc: &DocId| Ok::<_, Error>(store::meta_get(db, &heard_key(doc))?.is_some());
    if store::meta_get(db, SINCE)?.is_none() || heard(doc_id)? {
        return Ok(());
    }
    if store::doc_heads(db, doc_id)?.is_none() && heard(&DocId::Org)? {
        return Ok(());
    }
    Err(Error::CatchingUp {
        doc: doc_id.to_string(),
    })
}

/// Notes that `from` (another device) has told us its heads of `doc_id`; if this device
/// now holds all of them, it has heard everything that device has of it.
pub(crate) fn note_heads(
    m: &mut Merger<'_>,
    doc_id: &DocId,
    from: &str,
    me: &str,
    heads: &[ChangeHash],
) -> Result<()> {
    // A device that holds none of the document (empty heads) tells nothing of it.
    if from == me || heads.is_empty() || store::meta_get(m.db(), SINCE)?.is_none() {
        return Ok(());
    }
    let (db, doc) = m.db_and_doc(doc_id)?;
    if heads
        .iter()
        .all(|h| doc.get_change_meta_by_hash(h).is_some())
    {
        store::meta_set(db, &heard_key(doc_id), from)?;
    }
    Ok(())
}

/// Where a restored device stands: when it was restored and the documents it still
/// waits to hear about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CatchUp {
    /// When the device was restored (ms).
    pub since_ms: i64,
    /// Documents it holds and may not write yet.
    pub waiting: Vec<String>,
}

/// Where a restored device stands, or none if it was never restored.
pub(crate) fn status(db: &Connection) -> Result<Option<CatchUp>> {
    let Some(since) = store::meta_get(db, SINCE)? else {
        return Ok(None);
    };
    let mut waiting = Vec::new();
    for doc_id in store::doc_ids(db)? {
        if store::meta_get(db, &heard_key(&doc_id))?.is_none() {
            waiting.push(doc_id.to_string());
        }
    }
    Ok(Some(CatchUp {
        since_ms: since.parse().unwrap_or(0),
        waiting,
    }))
}
