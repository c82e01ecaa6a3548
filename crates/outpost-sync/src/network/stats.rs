//! What the network knows of its peers (traffic, sessions) and of itself (listen
//! addresses): owned by the event loop alone. Sessions report to it through a channel;
//! the loop publishes a snapshot that clients read without asking it.

use std::collections::HashMap;
use std::sync::Arc;

use libp2p::{Multiaddr, PeerId};
use serde::Serialize;
use tokio::sync::watch;

/// A connected member as the network sees it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PeerInfo {
    /// The peer (its member id).
    pub peer: String,
    /// Addresses of the open connections.
    pub addrs: Vec<String>,
    /// Whether a sync session runs.
    pub syncing: bool,
    /// When the last sync frame came or went (ms since the epoch).
    pub last_message_ms: Option<i64>,
    /// Bytes of sync frames sent to it.
    pub bytes_sent: u64,
    /// Bytes of sync frames received from it.
    pub bytes_received: u64,
    /// Sync frames sent and received.
    pub frames: u64,
}

/// What a session tells the event loop.
#[derive(Debug)]
pub(crate) enum Report {
    /// A session with `peer` started (`true`) or ended.
    Syncing(PeerId, bool),
    /// A frame of `sent` or `received` bytes went to or came from `peer` at `at_ms`.
    Frame {
        peer: PeerId,
        sent: usize,
        received: usize,
        at_ms: i64,
    },
    /// A session ended; `reason` says why when it broke.
    Ended {
        peer: PeerId,
        reason: Option<String>,
    },
}

/// A consistent copy of the figures, as clients read them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Snapshot {
    pub peers: Vec<PeerInfo>,
    pub listen_addrs: Vec<Multiaddr>,
    /// Events dropped because nobody read them in time.
    pub dropped_events: u64,
}

/// The figures, owned by the event loop.
pub(crate) struct Stats {
    peers: HashMap<PeerId, PeerInfo>,
    listen_addrs: Vec<Multiaddr>,
    dropped_events: u64,
    published: watch::Sender<Arc<Snapshot>>,
}

impl Stats {
    /// New figures, and the receiver clients read their snapshots from.
    pub fn new() -> (Stats, watch::Receiver<Arc<Snapshot>>) {
        let (published, read) = watch::channel(Arc::new(Snapshot::default()));
        (
            Stats {
                peers: HashMap::new(),
                listen_addrs: Vec::new(),
                dropped_events: 0,
                published,
            },
            read,
        )
    }

    fn publish(&self) {
        let mut peers: Vec<PeerInfo> = self.peers.values().cloned().collect();
        peers.sort_by(|a, b| a.peer.cmp(&b.peer));
        self.published.send_replace(Arc::new(Snapshot {
            peers,
            listen_addrs: self.listen_addrs.clone(),
            dropped_events: self.dropped_events,
        }));
    }

    fn peer(&mut self, peer: PeerId) -> &mut PeerInfo {
        let info = self.peers.entry(peer).or_default();
        info.peer = peer.to_string();
        info
    }

    /// A connection to `peer` opened at `addr`.
    pub fn connected(&mut self, peer: PeerId, addr: &Multiaddr) {
        let info = self.peer(peer);
        let addr = addr.to_string();
        if !info.addrs.contains(&addr) {
            info.addrs.push(addr);
        }
        self.publish();
    }

    /// A connection to `peer` at `addr` closed; `remaining` are still open.
    pub fn disconnected(&mut self, peer: PeerId, addr: &Multiaddr, remaining: u32) {
        if remaining == 0 {
            self.peers.remove(&peer);
        } else if let Some(info) = self.peers.get_mut(&peer) {
            let addr = addr.to_string();
            info.addrs.retain(|a| a != &addr);
        }
        self.publish();
    }

    /// The addresses we listen on (each ending in `/p2p/<our id>`).
    pub fn set_listen_addrs(&mut self, addrs: Vec<Multiaddr>) {
        self.listen_addrs = addrs;
        self.publish();
    }

    /// A session's report (about a peer still connected: a late one is ignored).
    pub fn take(&mut self, report: &Report) {
        match report {
            Report::Syncing(peer, on) => {
                if let Some(info) = self.peers.get_mut(peer) {
                    info.syncing = *on;
                }
            }
            Report::Frame {
                peer,
                sent,
                received,
                at_ms,
            } => {
                let Some(info) = self.peers.get_mut(peer) else {
                    return;
                };
                info.bytes_sent += *sent as u64;
                info.bytes_received += *received as u64;
                info.frames += 1;
                info.last_message_ms = Some(*at_ms);
            }
            Report::Ended { .. } => {}
        }
        self.publish();
    }

    /// One more event nobody read in time.
    pub fn dropped_event(&mut self) {
        self.dropped_events += 1;
        self.publish();
    }
}
