//! What `outpost peers` and `outpost sync status` show: who is connected, what each side
//! still lacks, what HQ has not seen, what was refused.

use outpost_core::{HeldChange, RefusedChange};
use outpost_sync::{Multiaddr, PeerId, peer_of};
use serde::Serialize;

use super::listen::stored_peers;
use crate::error::Result;
use crate::identity::device_id_of;
use crate::node::Node;

/// A connected member, as `outpost peers` shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PeerStatus {
    /// Its peer id.
    pub peer: String,
    /// Its device code and name, if it is a member we know.
    pub device: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// Addresses of the open connections.
    pub addrs: Vec<String>,
    /// When the last sync frame came or went (ms).
    pub last_synced_ms: Option<i64>,
    /// Documents with changes it has not acknowledged.
    pub pending_out: usize,
    /// Documents where it has changes we lack.
    pub pending_in: usize,
    /// Bytes of sync frames sent and received.
    pub bytes_sent: u64,
    /// Bytes of sync frames received.
    pub bytes_received: u64,
    /// Sync frames sent and received.
    pub frames: u64,
}

/// What `outpost sync status` shows.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    /// The HQ node(s): the peers this node keeps dialling.
    pub hq: Vec<String>,
    /// This device's changes the HQ node has not acknowledged, per document.
    pub unseen_by_hq: Vec<(String, usize)>,
    /// Their total.
    pub unseen_total: usize,
    /// Changes received and refused.
    pub refused: Vec<RefusedChange>,
    /// Changes held for an admin (a revoked device's late changes).
    pub held: Vec<HeldChange>,
    /// Every document held here with its heads: two replicas hold the same state of a
    /// document exactly when its heads are equal.
    pub documents: Vec<DocumentHeads>,
}

/// One document held here and its heads (hex, sorted).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DocumentHeads {
    /// The document id.
    pub doc: String,
    /// Its heads.
    pub heads: Vec<String>,
}

impl Node {
    /// Whether the network runs in this process (`outpost serve`, the desktop app).
    pub fn is_networked(&self) -> bool {
        self.net().is_some()
    }

    /// Addresses this node listens on, each ending in `/p2p/<peer id>`.
    pub fn listen_addrs(&self) -> Vec<Multiaddr> {
        self.net()
            .map(|net| net.client.listen_addrs())
            .unwrap_or_default()
    }

    /// How many peers are connected now (without reading the book, unlike [`Node::peers`]).
    pub fn connected_peers(&self) -> usize {
        self.net().map_or(0, |net| net.client.peers().len())
    }

    /// Connected members with traffic and what is pending each way.
    pub fn peers(&self) -> Result<Vec<PeerStatus>> {
        let Some(net) = self.net() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for info in net.client.peers() {
            let Ok(peer) = info.peer.parse::<PeerId>() else {
                continue;
            };
            let device = device_id_of(&peer);
            let (member, pending) = self.with_book(|b| {
                let member = b.members().get(&device)?;
                let mut pending = (0, 0);
                if let Some(m) = &member {
                    for (doc, _) in b.sync().readable_docs(m)? {
                        let theirs = b.sync().peer_heads(device.as_str(), &doc)?;
                        let p = b.sync().pending_against(&doc, &theirs)?;
                        pending.0 += usize::from(p.to_send);
                        pending.1 += usize::from(p.to_receive);
                    }
                }
                Ok((member, pending))
            })?;
            out.push(PeerStatus {
                peer: info.peer.clone(),
                device: member.as_ref().map(|m| m.code.to_string()),
                name: member.as_ref().map(|m| m.name.clone()),
                addrs: info.addrs.clone(),
                last_synced_ms: info.last_message_ms,
                pending_out: pending.0,
                pending_in: pending.1,
                bytes_sent: info.bytes_sent,
                bytes_received: info.bytes_received,
                frames: info.frames,
            });
        }
        Ok(out)
    }

    /// This device's changes not yet acknowledged by the HQ node, and refused changes.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        let hq: Vec<PeerId> = stored_peers(self.data_dir())
            .iter()
            .filter_map(peer_of)
            .collect();
        self.with_book(|b| {
            let mut unseen = Vec::new();
            let held = b.sync().doc_heads()?;
            if let Some(first) = hq.first() {
                let device = device_id_of(first);
                for (doc, _) in &held {
                    // Only what HQ may hold counts (it carries every readable document).
                    let theirs = b.sync().peer_heads(device.as_str(), doc)?;
                    let n = b.sync().own_changes_unseen(doc, &theirs)?;
                    if n > 0 {
                        unseen.push((doc.to_string(), n));
                    }
                }
            }
            Ok(SyncStatus {
                hq: hq.iter().map(|p| p.to_string()).collect(),
                unseen_total: unseen.iter().map(|(_, n)| n).sum(),
                unseen_by_hq: unseen,
                refused: b.sync().refused()?,
                held: b.members().held()?,
                documents: held
                    .into_iter()
                    .map(|(doc, heads)| {
                        let mut heads: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
                        heads.sort();
                        DocumentHeads {
                            doc: doc.to_string(),
                            heads,
                        }
                    })
                    .collect(),
            })
        })
    }
}
