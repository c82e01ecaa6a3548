//! The bundle file: changes carried by USB stick or e-mail between devices.
//!
//! Layout: the magic `OUTPOST-BUNDLE`, a format version byte, then one zstd frame (with a
//! content checksum, so truncation and bit flips are caught before anything is applied)
//! holding a JSON header and, per document, length-prefixed raw Automerge changes, each
//! followed by its author's signature (64 zero bytes for a document's genesis, which
//! nobody signs: every device makes it alike). Each change is parsed strictly on import;
//! a bundle that fails anywhere changes nothing.

use std::io::{Read, Write};

use automerge::Change;
use serde::{Deserialize, Serialize};

use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::sign::{SIGNATURE_LEN, Signatures};

const MAGIC: &[u8] = b"OUTPOST-BUNDLE";
const VERSION: u8 = 2;
/// Largest header accepted.
const MAX_HEADER: u32 = 16 << 20;
/// Largest single change accepted.
const MAX_CHANGE: u32 = 64 << 20;
/// Largest decompressed bundle accepted.
const MAX_TOTAL: u64 = 4 << 30;

/// What a bundle says about itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    /// Organisation id.
    pub org: String,
    /// The exporting device.
    pub from: String,
    /// When it was written (ms).
    pub created_at_ms: i64,
    /// The documents carried, in payload order.
    pub docs: Vec<DocEntry>,
}

/// One document in a bundle.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocEntry {
    /// Document id.
    pub id: String,
    /// The exporter's heads of this document (what it has).
    pub heads: Vec<String>,
    /// Number of changes carried.
    pub changes: u32,
}

/// One change as a bundle carries it: its raw bytes and its author's signature (none for
/// a document's genesis).
pub(crate) type CarriedChange<B> = (B, Option<[u8; SIGNATURE_LEN]>);

/// A decoded document: its id, its changes and their signatures.
pub(crate) struct DecodedDoc {
    pub id: String,
    pub changes: Vec<Change>,
    pub sigs: Signatures,
}

/// A decoded bundle.
pub(crate) struct Decoded {
    pub header: Header,
    pub docs: Vec<DecodedDoc>,
}

/// Writes a bundle: per document of the header, its changes as raw chunks, each with its
/// signature (none: zeros).
pub(crate) fn encode<B: AsRef<[u8]>>(
    header: &Header,
    docs: &[Vec<CarriedChange<B>>],
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    let mut enc = zstd::stream::write::Encoder::new(out, 9)?;
    enc.include_checksum(true)?;
    let header_json =
        serde_json::to_vec(header).map_err(|e| Error::MalformedBundle(e.to_string()))?;
    enc.write_all(
        &u32::try_from(header_json.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    )?;
    enc.write_all(&header_json)?;
    for changes in docs {
        for (change, sig) in changes {
            let raw = change.as_ref();
            enc.write_all(&u32::try_from(raw.len()).unwrap_or(u32::MAX).to_le_bytes())?;
            enc.write_all(raw)?;
            enc.write_all(&sig.unwrap_or([0; SIGNATURE_LEN]))?;
        }
    }
    Ok(enc.finish()?)
}

/// Parses one change chunk and checks its checksum: the first four bytes of its hash.
/// Automerge does not check it when parsing a single change, so damage would otherwise
/// pass unseen.
pub(crate) fn parse_change(raw: &[u8]) -> std::result::Result<Change, String> {
    let change = Change::try_from(raw).map_err(|e| format!("invalid: {e}"))?;
    if raw.get(4..8) != Some(&change.hash().0[..4]) {
        return Err("damaged (checksum mismatch)".into());
    }
    Ok(change)
}

/// Reads and checks a bundle: format, checksum, every change. The payload is read as it
/// is decompressed, one change at a time, so a bundle costs the memory of its parsed
/// changes and no more (a forged length or a decompression bomb stops at its limit).
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded> {
    let (header, mut payload) = open_payload(bytes)?;
    let mut docs = Vec::with_capacity(header.docs.len());
    for entry in &header.docs {
        DocId::parse(&entry.id).map_err(|_| bad(&format!("unknown document id {:?}", entry.id)))?;
        let mut changes = Vec::with_capacity(entry.changes.min(1 << 16) as usize);
        let mut sigs = Signatures::new();
        for _ in 0..entry.changes {
            let len = read_u32_from(&mut payload).map_err(damaged)?;
            if len > MAX_CHANGE {
                return Err(bad("change length out of range"));
            }
            let raw = read_exactly(&mut payload, len).map_err(damaged)?;
            let mut sig = [0; SIGNATURE_LEN];
            payload.read_exact(&mut sig).map_err(damaged)?;
            let change =
                parse_change(&raw).map_err(|e| bad(&format!("a change of {} is {e}", entry.id)))?;
            if sig != [0; SIGNATURE_LEN] {
                sigs.insert(change.hash(), sig);
            }
            changes.push(change);
        }
        docs.push(DecodedDoc {
            id: entry.id.clone(),
            changes,
            sigs,
        });
    }
    // Reading to the end checks the frame's checksum (and finds trailing data).
    let mut trailing = [0u8; 1];
    match payload.read(&mut trailing).map_err(damaged)? {
        0 => Ok(Decoded { header, docs }),
        _ => Err(bad("it has trailing data")),
    }
}

/// When the bundle `bytes` was written (ms), read from its header alone.
pub fn written_at(bytes: &[u8]) -> Result<i64> {
    header(bytes).map(|h| h.created_at_ms)
}

/// Reads only a bundle's header (what it carries), not its changes.
pub(crate) fn header(bytes: &[u8]) -> Result<Header> {
    open_payload(bytes).map(|(header, _)| header)
}

/// The payload of a bundle as it is decompressed (bounded), its header read off it.
fn open_payload(bytes: &[u8]) -> Result<(Header, impl Read + '_)> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("it does not start with the Outpost bundle mark"))?;
    let (&version, body) = rest.split_first().ok_or_else(|| bad("it is truncated"))?;
    if version != VERSION {
        return Err(bad(&format!("format version {version} is not supported")));
    }
    let decoder = zstd::stream::read::Decoder::new(body).map_err(|e| bad(&e.to_string()))?;
    let mut payload = decoder.take(MAX_TOTAL);
    let header_len = read_u32_from(&mut payload).map_err(damaged)?;
    if header_len > MAX_HEADER {
        return Err(bad("header length out of range"));
    }
    let header_bytes = read_exactly(&mut payload, header_len).map_err(damaged)?;
    let header = serde_json::from_slice(&header_bytes).map_err(|e| bad(&format!("header: {e}")))?;
    Ok((header, payload))
}

fn bad(why: &str) -> Error {
    Error::MalformedBundle(why.to_string())
}

fn damaged(e: std::io::Error) -> Error {
    bad(&format!("it is damaged or truncated ({e})"))
}

/// Reads `len` bytes, growing the buffer as they come (a forged length costs nothing
/// until the bytes are really there).
fn read_exactly(reader: &mut impl Read, len: u32) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity((len as usize).min(1 << 20));
    let read = reader.take(u64::from(len)).read_to_end(&mut out)?;
    if read < len as usize {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(out)
}

fn read_u32_from(reader: &mut impl Read) -> std::io::Result<u32> {
    let mut bytes = [0u8; 4];
    reader.read_exact(&mut bytes)?;
    Ok(u32::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    fn sample() -> (Header, Vec<Vec<Change>>) {
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "k", "v").unwrap();
        doc.commit();
        let changes = doc.get_changes(&[]);
        let header = Header {
            org: "o".into(),
            from: "d".into(),
            created_at_ms: 1,
            docs: vec![DocEntry {
                id: "org".into(),
                heads: vec![],
                changes: changes.len() as u32,
            }],
        };
        (header, vec![changes])
    }

    #[test]
    fn round_trip_and_damage() {
        let (header, docs) = sample();
        let raw: Vec<Vec<CarriedChange<&[u8]>>> = docs
            .iter()
            .map(|d| {
                d.iter()
                    .map(|c| (c.raw_bytes(), Some([9; SIGNATURE_LEN])))
                    .collect()
            })
            .collect();
        let bytes = encode(&header, &raw).unwrap();
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded.docs[0].changes[0].hash(), docs[0][0].hash());
        assert_eq!(decoded.docs[0].sigs[&docs[0][0].hash()], [9; SIGNATURE_LEN]);
        let _ = &decoded.header;
        assert!(decode(&bytes[..bytes.len() - 3]).is_err());
        assert!(decode(b"hello").is_err());
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x55;
        assert!(decode(&flipped).is_err());
    }

    /// A payload written by hand: the header, then whatever `rest` says.
    fn forged(rest: &[u8]) -> Vec<u8> {
        let (header, _) = sample();
        let json = serde_json::to_vec(&header).unwrap();
        let mut payload = (json.len() as u32).to_le_bytes().to_vec();
        payload.extend(json);
        payload.extend_from_slice(rest);
        let mut out = MAGIC.to_vec();
        out.push(VERSION);
        out.extend(zstd::encode_all(payload.as_slice(), 3).unwrap());
        out
    }

    #[test]
    fn a_forged_length_or_trailing_bytes_are_refused_without_reading_what_is_not_there() {
        // A change claiming 60 MB that is not there: refused as truncated.
        let err = decode(&forged(&(60u32 << 20).to_le_bytes()))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("truncated"), "{err}");
        // A change claiming more than any change may be.
        let err = decode(&forged(&u32::MAX.to_le_bytes()))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("out of range"), "{err}");
        // A whole bundle followed by more.
        let (header, docs) = sample();
        let raw: Vec<Vec<CarriedChange<&[u8]>>> =
            vec![docs[0].iter().map(|c| (c.raw_bytes(), None)).collect()];
        let good = encode(&header, &raw).unwrap();
        let payload = zstd::decode_all(&good[MAGIC.len() + 1..]).unwrap();
        let mut longer = MAGIC.to_vec();
        longer.push(VERSION);
        longer.extend(zstd::encode_all([payload.as_slice(), b"x"].concat().as_slice(), 3).unwrap());
        let err = decode(&longer).err().expect("refused");
        assert!(err.to_string().contains("trailing"), "{err}");
    }
}

/// What a bundle file holds, without merging it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BundleSummary {
    /// Organisation id.
    pub org: String,
    /// The exporting device.
    pub from: String,
    /// Documents carried.
    pub documents: usize,
    /// Changes carried.
    pub changes: usize,
    /// Size of those changes as raw Automerge change chunks.
    pub raw_change_bytes: usize,
    /// Size of the file.
    pub file_bytes: usize,
}

/// Reads and checks a bundle, and says what it holds.
pub fn inspect(bytes: &[u8]) -> Result<BundleSummary> {
    let decoded = decode(bytes)?;
    Ok(BundleSummary {
        org: decoded.header.org,
        from: decoded.header.from,
        documents: decoded.docs.len(),
        changes: decoded.docs.iter().map(|d| d.changes.len()).sum(),
        raw_change_bytes: decoded
            .docs
            .iter()
            .flat_map(|d| &d.changes)
            .map(|c| c.raw_bytes().len())
            .sum(),
        file_bytes: bytes.len(),
    })
}

/// What a check of a bundle found: what it holds, and what would keep it from restoring
/// a book on its own.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BundleCheck {
    /// What it holds.
    pub summary: BundleSummary,
    /// When it was written (ms).
    pub written_at_ms: i64,
    /// Changes whose author's signature is missing or wrong.
    pub unsigned: usize,
    /// Documents missing a change another of their changes builds on: they would not
    /// load from this file alone.
    pub incomplete: Vec<String>,
}

impl BundleCheck {
    /// Whether the file holds a whole, signed copy of every document it carries.
    pub fn is_good(&self) -> bool {
        self.unsigned == 0 && self.incomplete.is_empty()
    }
}

/// Reads a bundle and checks it as a restore would rely on it: its format and checksums,
/// every change's signature, and that every document is whole (each change's
/// dependencies are in the file). A bundle made `--for` a device carries only what that
/// device lacked, so it is whole only where the device had nothing.
pub fn verify(bytes: &[u8]) -> Result<BundleCheck> {
    let summary = inspect(bytes)?;
    let decoded = decode(bytes)?;
    let mut unsigned = 0;
    let mut incomplete = Vec::new();
    for doc in &decoded.docs {
        let doc_id = DocId::parse(&doc.id)
            .map_err(|_| Error::MalformedBundle(format!("unknown document {}", doc.id)))?;
        let genesis = crate::schema::genesis(&doc_id, &decoded.header.org)?.get_heads();
        let hashes: std::collections::HashSet<automerge::ChangeHash> =
            doc.changes.iter().map(Change::hash).collect();
        if doc
            .changes
            .iter()
            .any(|c| c.deps().iter().any(|d| !hashes.contains(d)))
        {
            incomplete.push(doc.id.clone());
        }
        let checks: Vec<_> = doc
            .changes
            .iter()
            .filter(|c| !genesis.contains(&c.hash()))
            .map(|c| crate::sign::with_deps(c, &doc.sigs))
            .collect();
        unsigned += crate::sign::authenticate(&checks, &[])
            .iter()
            .filter(|v| v.is_some())
            .count();
    }
    Ok(BundleCheck {
        summary,
        written_at_ms: decoded.header.created_at_ms,
        unsigned,
        incomplete,
    })
}
