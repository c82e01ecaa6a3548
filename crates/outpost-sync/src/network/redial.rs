//! Keeping links up: the peers to redial with backoff (bootstrap addresses, members found
//! on the LAN), the relays we listen through, and the members worth a direct link, dialled
//! through a relay until hole punching gives a direct one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use libp2p::core::transport::ListenerId;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::{Multiaddr, PeerId};

use super::EventLoop;
use super::peer_of;

/// A peer that relays for us.
pub(super) struct Relay {
    /// Where we reach it.
    pub addr: Multiaddr,
    /// Our listener on it (a reservation: others reach us through it).
    pub listener: Option<ListenerId>,
}

/// When to dial a peer next, and the wait after that (doubling up to a cap).
pub(super) struct Redial {
    next_dial: Instant,
    backoff: Duration,
    first: Duration,
}

impl Redial {
    /// Due at once; waits `first` after the first failure.
    pub(super) fn now(first: Duration) -> Redial {
        Redial {
            next_dial: Instant::now(),
            backoff: first,
            first,
        }
    }

    pub(super) fn due(&self, now: Instant) -> bool {
        self.next_dial <= now
    }

    /// A dial went out: the next waits longer, up to `max`.
    pub(super) fn dialled(&mut self, now: Instant, max: Duration) {
        self.next_dial = now + self.backoff;
        self.backoff = (self.backoff * 2).min(max);
    }

    /// The link is up: a later drop is redialled quickly again.
    pub(super) fn reset(&mut self) {
        self.backoff = self.first;
    }
}

/// A peer address kept connected: redialled with backoff whenever the link drops.
pub(super) struct Bootstrap {
    pub addr: Multiaddr,
    pub peer: Option<PeerId>,
    pub redial: Redial,
    /// Found by mDNS (forgotten when the LAN record expires) rather than configured.
    pub lan: bool,
}

impl EventLoop {
    pub(super) fn add_bootstrap(&mut self, addr: Multiaddr, lan: bool) {
        if self.bootstrap.iter().any(|b| b.addr == addr) {
            return;
        }
        self.bootstrap.push(Bootstrap {
            peer: peer_of(&addr),
            addr,
            redial: Redial::now(Duration::from_millis(500)),
            lan,
        });
    }

    /// Redials the kept peers that are due, each peer once with all its addresses (the
    /// first that answers wins), and reopens sessions that ended on a live connection.
    pub(super) fn redial(&mut self, control: &libp2p_stream::Control) {
        let now = Instant::now();
        let mut due: HashMap<PeerId, Vec<Multiaddr>> = HashMap::new();
        for b in &mut self.bootstrap {
            let connected = b.peer.is_some_and(|p| self.swarm.is_connected(&p));
            if connected || !b.redial.due(now) {
                continue;
            }
            match b.peer {
                Some(peer) => due.entry(peer).or_default().push(b.addr.clone()),
                None => {
                    if let Err(e) = self.swarm.dial(b.addr.clone()) {
                        tracing::debug!(addr = %b.addr, error = %e, "redial failed");
                    }
                }
            }
            b.redial.dialled(now, self.max_backoff);
        }
        for (peer, addrs) in due {
            let opts = DialOpts::peer_id(peer).addresses(addrs).build();
            if let Err(e) = self.swarm.dial(opts) {
                tracing::debug!(%peer, error = %e, "redial failed");
            }
        }
        self.dial_through_relays(now);
        // A session can end while its peer stays connected (the connection carrying the
        // stream died while another lived on, or a protocol error dropped the stream).
        let me = *self.swarm.local_peer_id();
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in peers {
            if me < peer {
                self.sessions.open(peer, control.clone());
            }
        }
    }

    /// Dials the direct targets that are due via every connected relay.
    fn dial_through_relays(&mut self, now: Instant) {
        let relays: Vec<Multiaddr> = self
            .relays
            .iter()
            .filter(|(peer, _)| self.swarm.is_connected(peer))
            .map(|(_, relay)| relay.addr.clone().with(Protocol::P2pCircuit))
            .collect();
        if relays.is_empty() {
            return;
        }
        for (peer, r) in &mut self.direct {
            if self.swarm.is_connected(peer) || !r.due(now) {
                continue;
            }
            let addrs = relays
                .iter()
                .map(|a| a.clone().with(Protocol::P2p(*peer)))
                .collect();
            if let Err(e) = self
                .swarm
                .dial(DialOpts::peer_id(*peer).addresses(addrs).build())
            {
                tracing::debug!(%peer, error = %e, "dial through the relay failed");
            }
            r.dialled(now, self.max_backoff);
        }
    }
}
