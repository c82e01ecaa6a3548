//! The chunks inside a sync message: Automerge storage chunks (a change, a compressed
//! change, or a whole document), split without trusting their lengths, and the
//! signatures that must travel with the changes they hold.

use automerge::sync;
use automerge::{Automerge, Change, ChangeHash};
use rusqlite::Connection;

use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::sign::Signatures;
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

/// The changes carried by a sync message: its chunks hold changes or whole documents.
pub(super) fn changes_of(message: &sync::Message, doc_id: &DocId) -> Result<Vec<Change>> {
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

/// The kept signatures of the changes a sync message carries: each change chunk's
/// hash is the SHA-256 of the chunk after its magic and checksum (no need to parse
/// the change); a whole-document chunk carries every change of the document.
pub(super) fn sigs_of(db: &Connection, doc: &DocId, message: &sync::Message) -> Result<Signatures> {
    use sha2::Digest;
    let mut sigs = Signatures::new();
    for bytes in message.changes.iter() {
        let chunks = split_chunks(bytes)
            .ok_or_else(|| Error::corrupt(doc, "a sync message's chunk is cut short"))?;
        for (kind, chunk) in chunks {
            if kind == 0 {
                sigs.extend(store::doc_sigs(db, doc)?);
                continue;
            }
            let hash = if kind == 1 {
                ChangeHash(sha2::Sha256::digest(&chunk[8..]).into())
            } else {
                // A compressed change is hashed in its plain form: parse it.
                crate::bundle::parse_change(chunk)
                    .map_err(|e| Error::corrupt(doc, format!("a change is {e}")))?
                    .hash()
            };
            if let Some(sig) = store::sig(db, &hash)? {
                sigs.insert(hash, sig);
            }
        }
    }
    Ok(sigs)
}
