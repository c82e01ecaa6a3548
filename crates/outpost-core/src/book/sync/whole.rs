//! The answer to a peer that holds nothing of a document but its genesis (the change
//! every replica starts it from): the whole document, as Automerge's sync would send it,
//! made from what this device keeps stored.
//!
//! Automerge answers such a peer with `save()`: for a month's document that is ~60 ms of
//! encoding and compressing on the path of every office's catch-up, to produce what
//! `doc_chunks` already holds (the last compaction's snapshot, or the whole document as
//! it arrived, then the changes appended since; the receiver applies those after the
//! snapshot). The message and what it does to the sync state are Automerge's own
//! (`generate_sync_message` for such a peer); whenever anything else would apply, the
//! caller lets Automerge generate the message.

use automerge::sync::{self, BloomFilter, Capability, Have, MessageFlags, MessageVersion};
use automerge::{Automerge, ChangeHash};
use rusqlite::Connection;

use crate::doc_id::DocId;
use crate::error::Result;
use crate::id::OrgId;
use crate::schema;
use crate::store;

use super::chunks::Latest;

/// What to say to a peer that holds nothing of the document, when the stored snapshot
/// can say it.
pub(super) enum Whole {
    /// The message to send, and the latest change of each author of the document it
    /// carries (for the signatures that go with it).
    Message(sync::Message, Latest),
    /// The whole document was sent and not acknowledged yet: nothing to say.
    InFlight,
}

/// The whole-document message for the peer of `state`, made from what is stored of
/// `doc_id` (which `doc` is, loaded), when the peer holds nothing of it but its genesis
/// (the change every replica of `org` starts the document from); `None` when the peer
/// is not in that case or the store cannot make the message, and Automerge must.
pub(super) fn message(
    db: &Connection,
    org: &OrgId,
    doc_id: &DocId,
    doc: &Automerge,
    state: &mut sync::State,
) -> Result<Option<Whole>> {
    // The genesis is one change: a peer with more heads holds more (the common case,
    // decided without making the genesis).
    let few = |heads: &[ChangeHash]| heads.len() <= 1;
    if !state.their_heads.as_deref().is_some_and(few) || !few(&state.shared_heads) {
        return Ok(None);
    }
    let genesis = schema::genesis(doc_id, org.as_str())?.get_heads();
    let in_genesis = |heads: &[ChangeHash]| heads.iter().all(|h| genesis.contains(h));
    let holds_nothing = state.their_heads.as_deref().is_some_and(in_genesis)
        && state.their_need.is_some()
        && state
            .their_have
            .as_ref()
            .is_some_and(|have| have.iter().all(|h| in_genesis(&h.last_sync)))
        && in_genesis(&state.shared_heads);
    let plain = !state.read_only && !state.peer_read_only && !state.needs_reset;
    let v2 = state
        .their_capabilities
        .as_ref()
        .is_some_and(|caps| caps.contains(&Capability::MessageV2));
    if !(holds_nothing && plain && v2) {
        return Ok(None);
    }
    let heads = doc.get_heads();
    if state.have_responded && state.last_sent_heads == heads && state.in_flight {
        return Ok(Some(Whole::InFlight));
    }
    // Automerge sends the whole document when the peer lacks more than a third of it:
    // below that, it sends the changes, and so do we.
    let mut latest = Latest::default();
    let hashes: Vec<ChangeHash> = doc
        .get_changes_meta(&[])
        .iter()
        .map(|m| {
            latest.note(m);
            m.hash
        })
        .collect();
    if hashes.len() <= 3 * genesis.len().max(1) {
        return Ok(None);
    }
    // The store must hold exactly this document (it does: writes and merges store their
    // changes in the transaction that makes them), and in one snapshot-led piece.
    let mut sorted = heads.clone();
    sorted.sort();
    if store::doc_heads(db, doc_id)?.as_deref() != Some(&sorted) {
        return Ok(None);
    }
    let Some(bytes) = store::stored_whole(db, doc_id)? else {
        return Ok(None);
    };
    // What Automerge's Bloom filter summarises: every change after the shared heads,
    // which are at most the genesis, a change without dependencies.
    let since_shared: Vec<ChangeHash> = hashes
        .iter()
        .filter(|h| !state.shared_heads.contains(h))
        .copied()
        .collect();
    state.have_responded = true;
    state.last_sent_heads.clone_from(&heads);
    state.sent_hashes.extend(hashes);
    state.in_flight = true;
    let mut flags = MessageFlags::new();
    flags.set(MessageFlags::SUPPORTS_SYNC_RESET);
    let message = sync::Message {
        heads,
        need: Vec::new(),
        have: vec![Have {
            last_sync: state.shared_heads.clone(),
            bloom: BloomFilter::from_hashes(since_shared.iter()),
        }],
        changes: sync::ChunkList::from(bytes),
        flags: Some(flags),
        version: MessageVersion::V2,
    };
    Ok(Some(Whole::Message(message, latest)))
}
