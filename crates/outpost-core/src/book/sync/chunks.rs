//! The chunks inside a sync message: Automerge storage chunks (a change, a compressed
//! change, or a whole document), split without trusting their lengths, and the
//! signatures that must travel with the changes they hold.

use std::collections::HashMap;

use automerge::sync;
use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use rusqlite::Connection;

use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::repo::WholeDoc;
use crate::sign::{Signatures, Voucher};
use crate::store;

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

/// What a sync message carries: changes, and the sender's whole document when it sent
/// one (the merge uses it only if it holds every change carried).
pub(super) struct Carried {
    pub changes: Vec<Change>,
    pub whole: Option<WholeDoc>,
}

/// The changes carried by a sync message: its chunks hold changes or whole documents.
/// A whole document may be followed by the changes its sender appended to it since its
/// last snapshot (it sends the document as stored): those are carried as changes.
pub(super) fn changes_of(message: &sync::Message, doc_id: &DocId) -> Result<Carried> {
    let mut out = Vec::new();
    let mut docs = Vec::new();
    for bytes in message.changes.iter() {
        let chunks = split_chunks(bytes)
            .ok_or_else(|| Error::corrupt(doc_id, "a sync message's chunk is cut short"))?;
        for (kind, chunk) in chunks {
            if kind == 0 {
                let doc = tracing::debug_span!("load_whole")
                    .in_scope(|| Automerge::load(chunk))
                    .map_err(|e| Error::corrupt(doc_id, e.to_string()))?;
                out.extend(tracing::debug_span!("changes_out").in_scope(|| all_changes(&doc)));
                docs.push(WholeDoc {
                    doc,
                    bytes: chunk.to_vec(),
                });
            } else {
                let change = crate::bundle::parse_change(chunk)
                    .map_err(|e| Error::corrupt(doc_id, format!("a change is {e}")))?;
                out.push(change);
            }
        }
    }
    let whole = if docs.len() == 1 { docs.pop() } else { None };
    Ok(Carried {
        changes: out,
        whole,
    })
}

/// Every change of `doc`, in its order. Automerge rebuilds them from the document's
/// operations; for a large document (a month is ten thousand changes, the longest step
/// of a catch-up after loading it) both cores rebuild half each, change by change.
fn all_changes(doc: &Automerge) -> Vec<Change> {
    let hashes: Vec<ChangeHash> = doc.get_changes_meta(&[]).iter().map(|m| m.hash).collect();
    if hashes.len() < crate::repo::PARALLEL_FROM {
        return doc.get_changes(&[]);
    }
    let by_hash = |part: &[ChangeHash]| -> Option<Vec<Change>> {
        part.iter().map(|h| doc.get_change_by_hash(h)).collect()
    };
    let (first, second) = hashes.split_at(hashes.len() / 2);
    let halves = std::thread::scope(|s| {
        let other = s.spawn(|| by_hash(second));
        let mut changes = by_hash(first)?;
        changes.extend(other.join().ok()??);
        Some(changes)
    });
    // Every hash came from the document: a missing change would be Automerge's fault.
    halves.unwrap_or_else(|| doc.get_changes(&[]))
}

/// The signatures a sync message needs: per author, the signature of its latest change
/// in the message, which vouches for its earlier ones there (their hashes are fixed by
/// the latest's dependencies). When this device holds no signature of that change (it
/// came vouched for) the change that vouched for it is carried along as a voucher. Each
/// change chunk's hash is the SHA-256 of the chunk after its magic and checksum (no need
/// to parse it); a whole-document chunk carries every change of the document.
/// Per author, the sequence number and hash of its latest change among those noted.
#[derive(Default)]
pub(super) struct Latest(HashMap<automerge::ActorId, (u64, ChangeHash)>);

impl Latest {
    /// Notes the change `meta` describes.
    pub fn note(&mut self, meta: &automerge::ChangeMetadata<'_>) {
        match self.0.get_mut(&*meta.actor) {
            Some(entry) if meta.seq > entry.0 => *entry = (meta.seq, meta.hash),
            Some(_) => {}
            None => {
                self.0
                    .insert(meta.actor.as_ref().clone(), (meta.seq, meta.hash));
            }
        }
    }
}

/// [`sigs_of`] for a message whose whole-document chunk (if any) is `doc` as it is now;
/// `whole` is the latest change of each author of `doc` when the caller walked its changes
/// already (a month's walk costs as much as the rest of the answer).
pub(super) fn sigs_of(
    db: &Connection,
    doc_id: &DocId,
    doc: &Automerge,
    message: &sync::Message,
    mut whole: Option<Latest>,
) -> Result<(Signatures, Vec<Voucher>)> {
    use sha2::Digest;
    let mut latest = Latest::default();
    let mut hashes = Vec::new();
    for bytes in message.changes.iter() {
        let chunks = split_chunks(bytes)
            .ok_or_else(|| Error::corrupt(doc_id, "a sync message's chunk is cut short"))?;
        for (kind, chunk) in chunks {
            match kind {
                // The whole document: every change, metadata at hand.
                0 => match whole.take() {
                    Some(known) if latest.0.is_empty() => latest = known,
                    _ => doc
                        .get_changes_meta(&[])
                        .iter()
                        .for_each(|m| latest.note(m)),
                },
                1 => hashes.push(ChangeHash(sha2::Sha256::digest(&chunk[8..]).into())),
                // A compressed change is hashed in its plain form: parse it.
                _ => hashes.push(
                    crate::bundle::parse_change(chunk)
                        .map_err(|e| Error::corrupt(doc_id, format!("a change is {e}")))?
                        .hash(),
                ),
            }
        }
    }
    for hash in hashes {
        if let Some(meta) = doc.get_change_meta_by_hash(&hash) {
            latest.note(&meta);
        }
    }
    let mut sigs = Signatures::new();
    let mut vouchers = Vec::new();
    for (actor, (seq, hash)) in latest.0 {
        if let Some(sig) = store::sig(db, &hash)? {
            sigs.insert(hash, sig);
        } else if let Some(voucher) = store::voucher_for(db, doc_id, &actor, seq)? {
            vouchers.push(voucher);
        }
    }
    Ok((sigs, vouchers))
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;

    use super::*;

    #[test]
    fn a_large_documents_changes_come_whole_and_in_order() {
        let mut doc = Automerge::new();
        for i in 0..crate::repo::PARALLEL_FROM as i64 * 3 + 1 {
            let mut tx = doc.transaction();
            tx.put(automerge::ROOT, format!("k{}", i % 7), i).unwrap();
            tx.commit();
        }
        let expected: Vec<Vec<u8>> = doc
            .get_changes(&[])
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        let rebuilt: Vec<Vec<u8>> = all_changes(&doc)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        assert_eq!(rebuilt, expected);
    }
}
