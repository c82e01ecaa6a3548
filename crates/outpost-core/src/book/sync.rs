//! The book's side of network sync: which documents a member may read, Automerge sync
//! messages, and the author check that every received change must pass.
//!
//! A received message's changes are taken out of it and checked one by one: a change is
//! applied only if its author is a member who may write the document (or it is the
//! document's deterministic genesis). Refused changes — and changes that build on them —
//! are logged and never applied. The accepted ones merge through the same path as
//! bundles (one SQLite transaction with their projections); the message, emptied of its
//! changes, then updates the sync state.

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};
use jiff::Timestamp;
use rusqlite::params;
use serde::Serialize;

use crate::access::{self, Device};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::DeviceId;
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::schema;
use crate::store;

/// The book's side of network sync: [`crate::Book::sync`].
pub struct Sync<'a> {
    pub(crate) repo: &'a mut Repo,
}

/// A change that was received and not applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefusedChange {
    /// The change's hash.
    pub hash: String,
    /// The document it was for.
    pub doc: String,
    /// Its author (device id, or the raw actor if not a device).
    pub author: String,
    /// The peer that sent it.
    pub from_peer: String,
    /// Why it was refused.
    pub reason: String,
    /// When it was refused (ms).
    pub at_ms: i64,
}

/// What receiving one sync message did.
#[derive(Clone, Debug, Default)]
pub struct SyncReceipt {
    /// Changes new to this device.
    pub new_changes: usize,
    /// Records whose projections changed.
    pub records: Vec<RecordRef>,
    /// Changes refused in this message.
    pub refused: Vec<RefusedChange>,
    /// Whether the document's heads moved.
    pub changed: bool,
}

/// How much of a document a peer lacks or has that we lack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pending {
    /// We have changes the peer has not acknowledged.
    pub to_send: bool,
    /// The peer has changes we lack.
    pub to_receive: bool,
}

/// The heads of `theirs` that `doc` holds: only those can anchor "changes since".
fn known_heads(doc: &Automerge, theirs: &[ChangeHash]) -> Vec<ChangeHash> {
    theirs
        .iter()
        .filter(|h| doc.get_change_meta_by_hash(h).is_some())
        .copied()
        .collect()
}

/// Splits concatenated storage chunks: each is magic (4 bytes), checksum (4), type (1),
/// a LEB128 length and that many bytes.
fn split_chunks(mut bytes: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let kind = *bytes.get(8)?;
        let (mut len, mut shift, mut at) = (0usize, 0u32, 9usize);
        loop {
            let b = *bytes.get(at)?;
            len |= usize::from(b & 0x7f).checked_shl(shift)?;
            at += 1;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 56 {
                return None;
            }
        }
        let end = at.checked_add(len)?;
        out.push((kind, bytes.get(..end)?));
        bytes = &bytes[end..];
    }
    Some(out)
}

/// The changes carried by a sync message: its chunks hold changes or whole documents.
fn changes_of(message: &sync::Message, doc_id: &DocId) -> Result<Vec<Change>> {
    let mut out = Vec::new();
    for bytes in message.changes.iter() {
        let chunks = split_chunks(bytes)
            .ok_or_else(|| Error::corrupt(doc_id, "a sync message's chunk is cut short"))?;
        for (kind, chunk) in chunks {
            if kind == 0 {
                let doc =
                    Automerge::load(chunk).map_err(|e| Error::corrupt(doc_id, e.to_string()))?;
                out.extend(doc.get_changes(&[]));
            } else {
                let change = crate::bundle::parse_change(chunk)
                    .map_err(|e| Error::corrupt(doc_id, format!("a change is {e}")))?;
                out.push(change);
            }
        }
    }
    Ok(out)
}

impl Sync<'_> {
    /// Documents stored here that `member` may read, with their heads.
    pub fn readable_docs(&self, member: &Device) -> Result<Vec<(DocId, Vec<ChangeHash>)>> {
        Ok(store::all_doc_heads(self.repo.db())?
            .into_iter()
            .filter(|(doc, _)| access::may_read(member, doc))
            .collect())
    }

    /// The stored sync state of `peer` for `doc`, or a fresh one.
    pub fn state(&self, peer: &str, doc: &DocId) -> Result<sync::State> {
        Ok(store::sync_state(self.repo.db(), peer, doc)?
            .and_then(|bytes| sync::State::decode(&bytes).ok())
            .unwrap_or_default())
    }

    /// Keeps sync states for the next session (only their shared heads are kept).
    pub fn save_states<'a>(
        &self,
        peer: &str,
        states: impl IntoIterator<Item = (&'a DocId, &'a sync::State)>,
    ) -> Result<()> {
        let tx = self.repo.db().unchecked_transaction()?;
        for (doc, state) in states {
            store::set_sync_state(&tx, peer, doc, &state.encode())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The next sync message for `doc` with the peer whose state is `state`; `None` when
    /// there is nothing to say. A document not stored here speaks from its genesis.
    pub fn generate(&mut self, doc: &DocId, state: &mut sync::State) -> Result<Option<Vec<u8>>> {
        let loaded = self.repo.loaded(doc)?;
        Ok(loaded.doc.generate_sync_message(state).map(|m| m.encode()))
    }

    /// Receives a sync message for `doc` from `peer`: applies the changes whose authors
    /// may write `doc`, refuses the rest, and updates `state`. A malformed message is an
    /// error and changes nothing.
    pub fn receive(
        &mut self,
        doc_id: &DocId,
        state: &mut sync::State,
        message: &[u8],
        peer: &str,
        at: Timestamp,
    ) -> Result<SyncReceipt> {
        let mut message = sync::Message::decode(message)
            .map_err(|e| Error::corrupt(doc_id, format!("sync message: {e}")))?;
        let changes = changes_of(&message, doc_id)?;
        let mut receipt = SyncReceipt::default();
        let (accepted, refused) = self.screen(doc_id, changes, peer, at)?;
        receipt.refused = refused;
        let before = self.repo.loaded(doc_id)?.doc.get_heads();
        let refused = &receipt.refused;
        let merged = self.repo.merging(|m| {
            store::set_peer_heads(m.db(), peer, doc_id, &message.heads)?;
            for r in refused {
                m.db()
                    .prepare_cached(
                        "INSERT INTO refused_changes(hash, doc, author, from_peer, reason, at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT(hash) DO UPDATE SET from_peer = excluded.from_peer, at = excluded.at",
                    )?
                    .execute(params![r.hash, r.doc, r.author, r.from_peer, r.reason, r.at_ms])?;
            }
            if accepted.is_empty() {
                Ok(None)
            } else {
                m.merge(doc_id, &accepted).map(Some)
            }
        })?;
        if let Some(merged) = merged {
            receipt.new_changes = merged.new_changes;
            receipt.records = merged.records;
        }
        receipt.changed = self.repo.loaded(doc_id)?.doc.get_heads() != before;
        // The changes are in (or refused); let Automerge update what it knows of the peer.
        message.changes = sync::ChunkList::empty();
        self.repo
            .loaded(doc_id)?
            .doc
            .receive_sync_message(state, message)?;
        if receipt.changed {
            // Automerge saw the changes already applied, so it believes the peer knows our
            // new heads; it must be told them (the acknowledgement the sender waits for).
            state.last_sent_heads = before;
        }
        Ok(receipt)
    }

    /// Splits received changes into those whose authors may write `doc` and the refused.
    fn screen(
        &mut self,
        doc_id: &DocId,
        changes: Vec<Change>,
        peer: &str,
        at: Timestamp,
    ) -> Result<(Vec<Change>, Vec<RefusedChange>)> {
        let genesis = schema::genesis(doc_id, self.repo.org().as_str())?.get_heads();
        let mut accepted = Vec::with_capacity(changes.len());
        let mut refused = Vec::new();
        let mut refused_hashes = std::collections::HashSet::new();
        let mut members: std::collections::HashMap<Vec<u8>, Option<Device>> = Default::default();
        // Dependencies come before dependents in a sync message, so one pass finds
        // changes that build on refused ones.
        for change in changes {
            let actor = change.actor_id().to_bytes().to_vec();
            let reason = if genesis.contains(&change.hash()) {
                None
            } else if change.deps().iter().any(|d| refused_hashes.contains(d)) {
                Some("it builds on a refused change".to_string())
            } else {
                let member = match members.get(&actor) {
                    Some(m) => m.clone(),
                    None => {
                        let m = access::member(self.repo.db(), &DeviceId::from_bytes(&actor))?;
                        members.insert(actor.clone(), m.clone());
                        m
                    }
                };
                match member {
                    None => Some("its author is not a member".to_string()),
                    Some(m) if !access::may_author(&m, doc_id, change.timestamp()) => {
                        Some(format!(
                            "a {} of {} may not write {doc_id}{}",
                            m.role.as_str(),
                            m.site,
                            if m.revoked { " (revoked)" } else { "" }
                        ))
                    }
                    Some(_) => None,
                }
            };
            match reason {
                None => accepted.push(change),
                Some(reason) => {
                    tracing::warn!(doc = %doc_id, hash = %change.hash(), %peer, %reason, "refused a change");
                    refused_hashes.insert(change.hash());
                    refused.push(RefusedChange {
                        hash: change.hash().to_string(),
                        doc: doc_id.to_string(),
                        author: DeviceId::from_bytes(&actor).to_string(),
                        from_peer: peer.to_string(),
                        reason,
                        at_ms: at.as_millisecond(),
                    });
                }
            }
        }
        Ok((accepted, refused))
    }

    /// Changes refused from peers, newest first.
    pub fn refused(&self) -> Result<Vec<RefusedChange>> {
        let mut stmt = self.repo.db().prepare_cached(
            "SELECT hash, doc, author, from_peer, reason, at FROM refused_changes ORDER BY at DESC, hash",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RefusedChange {
                    hash: r.get(0)?,
                    doc: r.get(1)?,
                    author: r.get(2)?,
                    from_peer: r.get(3)?,
                    reason: r.get(4)?,
                    at_ms: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// How `doc` stands against a peer whose heads are `theirs`.
    pub fn pending_against(&mut self, doc: &DocId, theirs: &[ChangeHash]) -> Result<Pending> {
        if self.holds_heads(doc, theirs)? {
            return Ok(Pending {
                to_receive: false,
                to_send: false,
            });
        }
        let loaded = self.repo.loaded(doc)?;
        let known = known_heads(&loaded.doc, theirs);
        let ours = loaded.doc.get_heads();
        Ok(Pending {
            to_receive: known.len() < theirs.len(),
            to_send: ours != theirs && !loaded.doc.get_changes(&known).is_empty(),
        })
    }

    /// How many of this device's own changes to `doc` are not in the history of `theirs`
    /// (what the HQ node has not seen yet).
    pub fn own_changes_unseen(&mut self, doc: &DocId, theirs: &[ChangeHash]) -> Result<usize> {
        if self.holds_heads(doc, theirs)? {
            return Ok(0);
        }
        let me = self.repo.device_id().actor();
        let loaded = self.repo.loaded(doc)?;
        let known = known_heads(&loaded.doc, theirs);
        Ok(loaded
            .doc
            .get_changes_meta(&known)
            .iter()
            .filter(|m| *m.actor == me)
            .count())
    }

    /// Whether `doc` is stored here at exactly `theirs`: nothing pending either way, known
    /// without loading the document (the status screens ask this for every document).
    fn holds_heads(&self, doc: &DocId, theirs: &[ChangeHash]) -> Result<bool> {
        let mut theirs = theirs.to_vec();
        theirs.sort();
        Ok(store::doc_heads(self.repo.db(), doc)?.is_some_and(|ours| ours == theirs))
    }

    /// Heads another device had of `doc` when we last heard (bundle or sync).
    pub fn peer_heads(&self, device: &str, doc: &DocId) -> Result<Vec<ChangeHash>> {
        store::peer_heads(self.repo.db(), device, doc)
    }

    /// Records the heads another device has of `doc`.
    pub fn set_peer_heads(&self, device: &str, doc: &DocId, heads: &[ChangeHash]) -> Result<()> {
        store::set_peer_heads(self.repo.db(), device, doc, heads)
    }

    /// Every stored document id with its heads.
    pub fn doc_heads(&self) -> Result<Vec<(DocId, Vec<ChangeHash>)>> {
        store::all_doc_heads(self.repo.db())
    }

    /// The changes of `doc` that `since` lacks, as an Automerge bundle (the compact,
    /// columnar encoding of `save`): the yardstick for what sync puts on the wire.
    pub fn changes_bundle(&mut self, doc: &DocId, since: &[ChangeHash]) -> Result<Vec<u8>> {
        let loaded = self.repo.loaded(doc)?;
        let hashes: Vec<ChangeHash> = loaded
            .doc
            .get_changes(since)
            .iter()
            .map(|c| c.hash())
            .collect();
        Ok(loaded.doc.bundle(hashes)?.bytes().to_vec())
    }
}

#[cfg(test)]
mod tests;
