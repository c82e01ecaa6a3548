//! Changes held back: a revoked device's changes that its revocation does not cover (made
//! after it, whatever time they claim), and changes that build on them. Each is kept whole
//! with its signature and where it came from, is listed for admins, and is screened again
//! when an admin decides: accepted ones apply, discarded ones are refused for good.

use std::collections::HashSet;

use automerge::{Change, ChangeHash};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::Serialize;

use super::screen::{self, Screened};
use crate::doc_id::DocId;
use crate::error::Result;
use crate::id::{DeviceId, OrgId};
use crate::repo::Merger;
use crate::sign::{SIGNATURE_LEN, Signatures};

/// The most held changes kept; beyond it the oldest are dropped (and logged): a revoked
/// device cannot fill a disk.
const MAX_HELD: i64 = 10_000;

/// A change held for an admin to accept or discard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HeldChange {
    /// The change's hash (what an admin decides on).
    pub hash: String,
    /// The document it is for.
    pub doc: String,
    /// Its author (device id).
    pub author: String,
    /// Where it came from: the peer that sent it, or `file:` and the device that wrote
    /// the bundle.
    pub from_peer: String,
    /// Why it is held: `after_revocation` (its device's revocation does not cover it),
    /// `builds_on_held`, `newer_rules` (the book keeps rules newer than this program),
    /// `unknown_warehouse` (the organisation document has not brought it yet) or
    /// `unknown_account` (an account or VAT rate the chart document has not brought yet).
    pub reason: String,
    /// The time its author gave it (ms): a revoked device may claim any.
    pub claimed_at_ms: i64,
    /// When it arrived here (ms).
    pub at_ms: i64,
}

/// Keeps `change` aside, with its signature.
#[allow(clippy::too_many_arguments)]
pub(crate) fn hold(
    db: &Connection,
    doc: &DocId,
    change: &Change,
    sig: Option<&[u8; SIGNATURE_LEN]>,
    from: &str,
    reason: &str,
    at: Timestamp,
) -> Result<HeldChange> {
    let held = HeldChange {
        hash: change.hash().to_string(),
        doc: doc.to_string(),
        author: DeviceId::from_bytes(change.actor_id().to_bytes()).to_string(),
        from_peer: from.to_string(),
        reason: reason.to_string(),
        claimed_at_ms: change.timestamp(),
        at_ms: at.as_millisecond(),
    };
    db.prepare_cached(
        "INSERT INTO held_changes(hash, doc, author, from_peer, reason, claimed_at, at, change, sig)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(hash) DO NOTHING",
    )?
    .execute(params![
        held.hash,
        held.doc,
        held.author,
        held.from_peer,
        held.reason,
        held.claimed_at_ms,
        held.at_ms,
        change.raw_bytes(),
        sig.map(|s| s.to_vec()),
    ])?;
    let dropped = db
        .prepare_cached(
            "DELETE FROM held_changes WHERE id IN (
                 SELECT id FROM held_changes ORDER BY id DESC LIMIT -1 OFFSET ?1)",
        )?
        .execute([MAX_HELD])?;
    if dropped > 0 {
        tracing::warn!(
            dropped,
            "dropped the oldest held changes (over {MAX_HELD} kept)"
        );
    }
    Ok(held)
}

/// Every held change, oldest first.
pub(crate) fn list(db: &Connection) -> Result<Vec<HeldChange>> {
    let mut stmt = db.prepare_cached(
        "SELECT hash, doc, author, from_peer, reason, claimed_at, at FROM held_changes ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(HeldChange {
                hash: r.get(0)?,
                doc: r.get(1)?,
                author: r.get(2)?,
                from_peer: r.get(3)?,
                reason: r.get(4)?,
                claimed_at_ms: r.get(5)?,
                at_ms: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The hashes of every held change (most of the time there are none).
pub(crate) fn hashes(db: &Connection) -> Result<HashSet<ChangeHash>> {
    let mut stmt = db.prepare_cached("SELECT hash FROM held_changes")?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .filter_map(|h| h.ok()?.parse().ok())
        .collect();
    Ok(rows)
}

/// One batch of held changes to screen again: those of one document from one source.
struct Batch {
    doc: DocId,
    from: String,
    changes: Vec<Change>,
    sigs: Signatures,
}

/// A held change as stored: its document, where it came from, its bytes, its signature.
type StoredHeld = (String, String, Vec<u8>, Option<Vec<u8>>);

/// Takes every held change out of the table, in batches per document and source, in
/// the order they arrived (the organisation document's first).
fn take_all(db: &Connection) -> Result<Vec<Batch>> {
    let mut stmt =
        db.prepare_cached("SELECT doc, from_peer, change, sig FROM held_changes ORDER BY id")?;
    let rows: Vec<StoredHeld> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    db.execute("DELETE FROM held_changes", [])?;
    let mut batches: Vec<Batch> = Vec::new();
    for (doc, from, raw, sig) in rows {
        // A held change was parsed when it arrived; one that no longer parses is dropped.
        let Ok(change) = crate::bundle::parse_change(&raw) else {
            continue;
        };
        let Ok(doc) = DocId::parse(&doc) else {
            continue;
        };
        let i = match batches.iter().position(|b| b.doc == doc && b.from == from) {
            Some(i) => i,
            None => {
                batches.push(Batch {
                    doc,
                    from,
                    changes: Vec::new(),
                    sigs: Signatures::new(),
                });
                batches.len() - 1
            }
        };
        if let Some(sig) = sig.and_then(|s| <[u8; SIGNATURE_LEN]>::try_from(s).ok()) {
            batches[i].sigs.insert(change.hash(), sig);
        }
        batches[i].changes.push(change);
    }
    batches.sort_by_key(|b| b.doc != DocId::Org);
    Ok(batches)
}

/// Whether new changes to `doc` may release held ones: the organisation document (a
/// decision, a revocation, a member, a warehouse) and the chart (an account, a rate).
pub(crate) fn releases_held(doc: &DocId) -> bool {
    matches!(doc, DocId::Org | DocId::Chart)
}

/// Screens every held change again, inside the merge `m` (after the organisation document
/// moved: a decision, a revocation, a member): what now passes is merged, what an admin
/// discarded is refused, the rest stays held.
pub(crate) fn rescreen(m: &mut Merger<'_>, org: &OrgId, at: Timestamp) -> Result<Screened> {
    let mut out = Screened::default();
    for batch in take_all(m.db())? {
        let arrival = screen::Arrival {
            sigs: &batch.sigs,
            vouchers: &[],
            from: &batch.from,
            at,
            whole: None,
        };
        let screened = screen::merge_screened(m, org, &batch.doc, batch.changes, arrival)?;
        out.absorb(screened);
    }
    Ok(out)
}
