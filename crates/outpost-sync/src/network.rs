//! [`new`] builds the network: a [`Client`] to command it, a stream of [`Event`]s, and the
//! [`EventLoop`] that alone owns the swarm (as in rust-libp2p's file-sharing example).
//!
//! By topic: `client` (the commands, each answered), `event_loop` (the swarm's owner),
//! `redial` (keeping links up through backoff and relays) and `stats` (the figures the
//! loop owns and publishes).

mod client;
mod event_loop;
mod redial;
mod stats;

use std::sync::Arc;
use std::time::Duration;

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use tokio::sync::{broadcast, mpsc};

use crate::behaviour::build_swarm;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::replica::Replica;
use crate::session::{self, Sessions};

pub use client::Client;
pub use event_loop::EventLoop;
pub use stats::PeerInfo;
pub(crate) use stats::Report;

const COMMAND_QUEUE: usize = 64;
const EVENT_QUEUE: usize = 256;
const CHANGE_QUEUE: usize = 1024;
const REDIAL_TICK: Duration = Duration::from_millis(500);

/// Something that happened on the network.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Listening on a new address.
    Listening(Multiaddr),
    /// A member connected.
    PeerConnected {
        /// Who.
        peer: PeerId,
        /// Their address as seen on this connection.
        addr: Multiaddr,
    },
    /// The last connection to a member closed.
    PeerDisconnected(PeerId),
    /// A sync session started with a member.
    SessionStarted(PeerId),
    /// A sync session ended; `reason` says why, when it broke.
    SessionEnded {
        /// Who.
        peer: PeerId,
        /// Why it was dropped, if not a clean close.
        reason: Option<String>,
    },
}

/// Builds the network for `config` with `replica` behind it. Spawn [`EventLoop::run`].
pub fn new(
    config: Config,
    replica: Arc<dyn Replica>,
) -> Result<(Client, mpsc::Receiver<Event>, EventLoop)> {
    let mut swarm = build_swarm(&config)?;
    for peer in &config.allowed {
        swarm.behaviour_mut().gate.allow_peer(*peer);
    }
    for addr in &config.listen {
        swarm.listen_on(addr.clone()).map_err(|e| Error::Address {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?;
    }
    let me = *swarm.local_peer_id();
    let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
    let (events, event_rx) = mpsc::channel(EVENT_QUEUE);
    let (changes, _) = broadcast::channel(CHANGE_QUEUE);
    // Sessions report every frame; the loop takes them in turn with everything else.
    // Unbounded: a report is a few bytes per frame already sent or received.
    let (reports, report_rx) = mpsc::unbounded_channel();
    let (stats, snapshot) = stats::Stats::new();
    let client = Client {
        commands,
        changes: changes.clone(),
        snapshot,
        me,
    };
    let sessions = Sessions::new(session::Context {
        replica,
        slots: Arc::new(tokio::sync::Semaphore::new(session::SLOTS)),
        changes,
        reports,
    });
    let mut event_loop = EventLoop::new(
        swarm,
        command_rx,
        events,
        sessions,
        stats,
        report_rx,
        config.max_backoff,
    );
    for addr in config.bootstrap {
        event_loop.add_bootstrap(addr, false);
    }
    Ok((client, event_rx, event_loop))
}

/// `addr` ending in `/p2p/<peer>` (mDNS addresses may carry it already).
pub(crate) fn with_peer(addr: Multiaddr, peer: PeerId) -> Multiaddr {
    if peer_of(&addr).is_some() {
        addr
    } else {
        addr.with(Protocol::P2p(peer))
    }
}

/// The peer an address names (its last part, `/p2p/<peer id>`), if any.
pub fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    match addr.iter().last() {
        Some(Protocol::P2p(peer)) => Some(peer),
        _ => None,
    }
}
