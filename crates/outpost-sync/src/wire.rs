//! Frames on an `/outpost/sync/1` or `/outpost/join/1` stream.
//!
//! A frame is `u32` big-endian length, then one kind byte, then the payload. Lengths are
//! checked before anything is allocated, and sync payloads are zstd-compressed with a
//! bounded decompressed size, so a peer cannot make us hold more than [`MAX_FRAME`] +
//! [`MAX_MESSAGE`] bytes per stream.

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Largest frame accepted on the wire (compressed).
pub const MAX_FRAME: usize = 16 << 20;
/// Largest sync message accepted after decompression.
pub const MAX_MESSAGE: usize = 64 << 20;
/// Longest document id accepted.
pub const MAX_DOC_ID: usize = 128;
/// Most documents announced in one hello.
pub const MAX_DOCS: usize = 100_000;
/// Bytes in a change hash (Automerge heads).
pub const HASH_LEN: usize = 32;

const KIND_HELLO: u8 = 1;
const KIND_SYNC: u8 = 2;
const KIND_JOIN: u8 = 3;
const KIND_JOIN_REPLY: u8 = 4;

/// A document and its heads, as announced to a peer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocHeads {
    /// Document id, e.g. `ops/SH/2026-11`.
    pub doc: String,
    /// Its heads (change hashes), sorted.
    pub heads: Vec<[u8; HASH_LEN]>,
}

/// One unit of the protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// First frame of a sync stream: the documents the receiver may read, with our heads.
    Hello(Vec<DocHeads>),
    /// An Automerge sync message for one document.
    Sync {
        /// Document id.
        doc: String,
        /// The encoded `automerge::sync::Message`.
        message: Vec<u8>,
    },
    /// An invite presented on `/outpost/join/1` (JSON).
    Join(Vec<u8>),
    /// The answer to a join (JSON).
    JoinReply(Vec<u8>),
}

fn check_doc_id(doc: &str) -> Result<()> {
    if doc.is_empty() || doc.len() > MAX_DOC_ID {
        return Err(Error::Protocol(format!(
            "document id of {} bytes",
            doc.len()
        )));
    }
    Ok(())
}

impl Frame {
    /// The frame's bytes, without the length prefix.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        match self {
            Frame::Hello(docs) => {
                out.push(KIND_HELLO);
                out.extend(u32_bytes(docs.len())?);
                for d in docs {
                    check_doc_id(&d.doc)?;
                    out.push(d.doc.len() as u8);
                    out.extend(d.doc.as_bytes());
                    out.extend(u32_bytes(d.heads.len())?);
                    for h in &d.heads {
                        out.extend(h);
                    }
                }
            }
            Frame::Sync { doc, message } => {
                check_doc_id(doc)?;
                out.push(KIND_SYNC);
                out.push(doc.len() as u8);
                out.extend(doc.as_bytes());
                let packed = zstd::bulk::compress(message, 3)?;
                out.extend(packed);
            }
            Frame::Join(json) => {
                out.push(KIND_JOIN);
                out.extend(json);
            }
            Frame::JoinReply(json) => {
                out.push(KIND_JOIN_REPLY);
                out.extend(json);
            }
        }
        if out.len() > MAX_FRAME {
            return Err(Error::Protocol(format!("frame of {} bytes", out.len())));
        }
        Ok(out)
    }

    /// Reads a frame's bytes (without the length prefix); every malformation is an error.
    pub fn decode(bytes: &[u8]) -> Result<Frame> {
        let mut r = Reader(bytes);
        let frame = match r.byte()? {
            KIND_HELLO => {
                let n = r.u32()? as usize;
                if n > MAX_DOCS {
                    return Err(Error::Protocol(format!("hello with {n} documents")));
                }
                let mut docs = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    let doc = r.doc_id()?;
                    let heads_n = r.u32()? as usize;
                    if heads_n.saturating_mul(HASH_LEN) > r.0.len() {
                        return Err(Error::Protocol("heads past the frame's end".into()));
                    }
                    let mut heads = Vec::with_capacity(heads_n);
                    for _ in 0..heads_n {
                        heads.push(r.hash()?);
                    }
                    docs.push(DocHeads { doc, heads });
                }
                r.end()?;
                Frame::Hello(docs)
            }
            KIND_SYNC => {
                let doc = r.doc_id()?;
                let message = zstd::bulk::decompress(r.0, MAX_MESSAGE)
                    .map_err(|e| Error::Protocol(format!("sync payload: {e}")))?;
                Frame::Sync { doc, message }
            }
            KIND_JOIN => Frame::Join(r.0.to_vec()),
            KIND_JOIN_REPLY => Frame::JoinReply(r.0.to_vec()),
            other => return Err(Error::Protocol(format!("unknown frame kind {other}"))),
        };
        Ok(frame)
    }
}

fn u32_bytes(n: usize) -> Result<[u8; 4]> {
    u32::try_from(n)
        .map(u32::to_be_bytes)
        .map_err(|_| Error::Protocol(format!("count {n} too large")))
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.0.len() < n {
            return Err(Error::Protocol("frame ends early".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn hash(&mut self) -> Result<[u8; HASH_LEN]> {
        let mut h = [0u8; HASH_LEN];
        h.copy_from_slice(self.take(HASH_LEN)?);
        Ok(h)
    }
    fn doc_id(&mut self) -> Result<String> {
        let n = self.byte()? as usize;
        let raw = self.take(n)?;
        let doc = std::str::from_utf8(raw)
            .map_err(|_| Error::Protocol("document id is not UTF-8".into()))?
            .to_string();
        check_doc_id(&doc)?;
        Ok(doc)
    }
    fn end(&self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Protocol(format!(
                "{} bytes after the frame",
                self.0.len()
            )))
        }
    }
}

/// Writes one frame and flushes it. Returns the bytes put on the stream.
pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, frame: &Frame) -> Result<usize> {
    let body = frame.encode()?;
    w.write_all(&u32_bytes(body.len())?).await?;
    w.write_all(&body).await?;
    w.flush().await?;
    Ok(body.len() + 4)
}

/// Reads one frame; `Ok(None)` at a clean end of stream. Returns the frame and its size
/// on the wire.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> Result<Option<(Frame, usize)>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len == 0 || len > MAX_FRAME {
        return Err(Error::Protocol(format!("frame length {len}")));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await?;
    Ok(Some((Frame::decode(&body)?, len + 4)))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn doc_id() -> impl Strategy<Value = String> {
        "[a-z]{1,8}(/[A-Z]{2}/20[0-9]{2}-[01][0-9])?"
    }

    fn frame() -> impl Strategy<Value = Frame> {
        prop_oneof![
            proptest::collection::vec(
                (doc_id(), proptest::collection::vec(any::<[u8; 32]>(), 0..3))
                    .prop_map(|(doc, heads)| DocHeads { doc, heads }),
                0..5
            )
            .prop_map(Frame::Hello),
            (doc_id(), proptest::collection::vec(any::<u8>(), 0..300))
                .prop_map(|(doc, message)| Frame::Sync { doc, message }),
            proptest::collection::vec(any::<u8>(), 0..100).prop_map(Frame::Join),
        ]
    }

    proptest! {
        #[test]
        fn frames_round_trip(f in frame()) {
            let bytes = f.encode().unwrap();
            prop_assert_eq!(Frame::decode(&bytes).unwrap(), f);
        }

        /// Any byte string decodes to a frame or a protocol error: never a panic.
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = Frame::decode(&bytes);
        }

        /// A frame with one byte changed, cut short or lengthened still never panics.
        #[test]
        fn mutated_frames_never_panic(f in frame(), at in any::<prop::sample::Index>(),
                                      byte in any::<u8>(), cut in any::<bool>()) {
            let mut bytes = f.encode().unwrap();
            let i = at.index(bytes.len());
            if cut { bytes.truncate(i) } else { bytes[i] = byte }
            let _ = Frame::decode(&bytes);
        }
    }

    #[test]
    fn huge_counts_are_refused_before_allocating() {
        let mut bytes = vec![KIND_HELLO];
        bytes.extend(u32::MAX.to_be_bytes());
        assert!(matches!(Frame::decode(&bytes), Err(Error::Protocol(_))));
        let mut bytes = vec![KIND_HELLO, 0, 0, 0, 1, 3];
        bytes.extend(b"org");
        bytes.extend(1_000_000u32.to_be_bytes());
        assert!(matches!(Frame::decode(&bytes), Err(Error::Protocol(_))));
    }

    #[tokio::test]
    async fn a_length_over_the_limit_is_refused_unread() {
        let mut bytes = ((MAX_FRAME + 1) as u32).to_be_bytes().to_vec();
        bytes.extend([KIND_SYNC]);
        let mut r = futures::io::Cursor::new(bytes);
        assert!(matches!(read_frame(&mut r).await, Err(Error::Protocol(_))));
    }
}
