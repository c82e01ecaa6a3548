//! [`new`] builds the network: a [`Client`] to command it, a stream of [`Event`]s, and the
//! [`EventLoop`] that alone owns the swarm (as in rust-libp2p's file-sharing example).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use libp2p::core::transport::ListenerId;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::{Multiaddr, PeerId, Swarm, dcutr, identify, mdns, ping};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::behaviour::{Behaviour, BehaviourEvent, build_swarm};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::replica::Replica;
use crate::session::{self, Sessions};

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

/// Traffic and session facts shared by the event loop and the sessions.
#[derive(Default)]
pub(crate) struct Stats {
    pub peers: HashMap<PeerId, PeerInfo>,
    /// Our listen addresses, each ending in `/p2p/<our peer id>`.
    pub listen_addrs: Vec<Multiaddr>,
}

pub(crate) type SharedStats = Arc<Mutex<Stats>>;

pub(crate) fn lock_stats(stats: &SharedStats) -> std::sync::MutexGuard<'_, Stats> {
    // A panicking session must not stop the others from reporting.
    stats.lock().unwrap_or_else(|p| p.into_inner())
}

enum Command {
    Dial(Multiaddr, oneshot::Sender<Result<()>>),
    AddBootstrap(Multiaddr),
    SetAllowed(HashSet<PeerId>),
    SetDirect(HashSet<PeerId>),
    Connected(oneshot::Sender<Vec<PeerId>>),
}

/// A handle on the network; cheap to clone.
#[derive(Clone)]
pub struct Client {
    commands: mpsc::Sender<Command>,
    changes: broadcast::Sender<String>,
    stats: SharedStats,
    me: PeerId,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("me", &self.me).finish()
    }
}

impl Client {
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(make(tx))
            .await
            .map_err(|_| Error::Stopped)?;
        rx.await.map_err(|_| Error::Stopped)
    }

    /// This node's peer id.
    pub fn peer_id(&self) -> PeerId {
        self.me
    }

    /// Dials `addr` once (it should end in `/p2p/<peer id>` of a member).
    pub async fn dial(&self, addr: Multiaddr) -> Result<()> {
        self.ask(|tx| Command::Dial(addr, tx)).await?
    }

    /// Keeps `addr` connected: redials with backoff whenever the link drops.
    pub async fn add_bootstrap(&self, addr: Multiaddr) -> Result<()> {
        self.commands
            .send(Command::AddBootstrap(addr))
            .await
            .map_err(|_| Error::Stopped)
    }

    /// The peers let through the membership gate: active members and open invites.
    /// Connections of peers no longer in the set are closed.
    pub async fn set_allowed(&self, peers: HashSet<PeerId>) -> Result<()> {
        self.commands
            .send(Command::SetAllowed(peers))
            .await
            .map_err(|_| Error::Stopped)
    }

    /// Members worth a direct link (they share documents with us): while not connected,
    /// they are dialled through the relays we are connected to (the HQ node), and
    /// DCUtR then tries to turn the relayed link into a direct one.
    pub async fn set_direct(&self, peers: HashSet<PeerId>) -> Result<()> {
        self.commands
            .send(Command::SetDirect(peers))
            .await
            .map_err(|_| Error::Stopped)
    }

    /// Addresses this node listens on, each ending in `/p2p/<our peer id>`.
    pub fn listen_addrs(&self) -> Vec<Multiaddr> {
        lock_stats(&self.stats).listen_addrs.clone()
    }

    /// Peers with an open connection.
    pub async fn connected(&self) -> Result<Vec<PeerId>> {
        self.ask(Command::Connected).await
    }

    /// Connected members with their traffic.
    pub fn peers(&self) -> Vec<PeerInfo> {
        let mut peers: Vec<_> = lock_stats(&self.stats).peers.values().cloned().collect();
        peers.sort_by(|a, b| a.peer.cmp(&b.peer));
        peers
    }

    /// Tells every session that `doc` changed here: each pushes it to its peer if the peer
    /// may read it. Never blocks; a session that falls behind re-offers everything.
    pub fn notify_changed(&self, doc: &str) {
        // No receivers (no session yet) is not an error.
        let _ = self.changes.send(doc.to_string());
    }
}

/// Builds the network for `config` with `replica` behind it. Spawn [`EventLoop::run`].
pub fn new(
    config: Config,
    replica: Arc<dyn Replica>,
) -> Result<(Client, mpsc::Receiver<Event>, EventLoop)> {
    let mut swarm = build_swarm(&config)?;
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
    let stats = SharedStats::default();
    let client = Client {
        commands,
        changes: changes.clone(),
        stats: stats.clone(),
        me,
    };
    let sessions = Sessions::new(session::Context {
        replica,
        changes,
        stats: stats.clone(),
        events: events.clone(),
    });
    let mut event_loop = EventLoop {
        swarm,
        commands: command_rx,
        events,
        sessions,
        bootstrap: Vec::new(),
        direct: HashMap::new(),
        relays: HashMap::new(),
        max_backoff: config.max_backoff,
        listen_addrs: Vec::new(),
    };
    for addr in config.bootstrap {
        event_loop.add_bootstrap(addr, false);
    }
    Ok((client, event_rx, event_loop))
}

/// A peer that relays for us.
struct Relay {
    /// Where we reach it.
    addr: Multiaddr,
    /// Our listener on it (a reservation: others reach us through it).
    listener: Option<ListenerId>,
}

/// When to dial a peer next, and the wait after that (doubling up to a cap).
struct Redial {
    next_dial: Instant,
    backoff: Duration,
    first: Duration,
}

impl Redial {
    /// Due at once; waits `first` after the first failure.
    fn now(first: Duration) -> Redial {
        Redial {
            next_dial: Instant::now(),
            backoff: first,
            first,
        }
    }

    fn due(&self, now: Instant) -> bool {
        self.next_dial <= now
    }

    /// A dial went out: the next waits longer, up to `max`.
    fn dialled(&mut self, now: Instant, max: Duration) {
        self.next_dial = now + self.backoff;
        self.backoff = (self.backoff * 2).min(max);
    }

    /// The link is up: a later drop is redialled quickly again.
    fn reset(&mut self) {
        self.backoff = self.first;
    }
}

/// A peer address kept connected: redialled with backoff whenever the link drops.
struct Bootstrap {
    addr: Multiaddr,
    peer: Option<PeerId>,
    redial: Redial,
    /// Found by mDNS (forgotten when the LAN record expires) rather than configured.
    lan: bool,
}

/// Owns the swarm; ends when every [`Client`] is dropped.
pub struct EventLoop {
    swarm: Swarm<Behaviour>,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
    sessions: Sessions,
    bootstrap: Vec<Bootstrap>,
    /// Members to link directly, through a relay first.
    direct: HashMap<PeerId, Redial>,
    /// Peers that relay for us (the HQ node).
    relays: HashMap<PeerId, Relay>,
    max_backoff: Duration,
    listen_addrs: Vec<Multiaddr>,
}

/// `addr` ending in `/p2p/<peer>` (mDNS addresses may carry it already).
fn with_peer(addr: Multiaddr, peer: PeerId) -> Multiaddr {
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

impl EventLoop {
    /// Runs until the clients are gone.
    pub async fn run(mut self) {
        let control = self.swarm.behaviour().stream.new_control();
        self.sessions.accept(control.clone());
        // The first tick fires at once: bootstrap peers are dialled on start, not a tick
        // later.
        let mut tick = tokio::time::interval(REDIAL_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.handle_event(event, &control),
                command = self.commands.recv() => match command {
                    Some(c) => self.handle_command(c),
                    None => break,
                },
                _ = tick.tick() => self.redial(&control),
            }
        }
        self.sessions.stop_all();
    }

    fn emit(&self, event: Event) {
        if self.events.try_send(event).is_err() {
            tracing::debug!("network event dropped: nobody is reading events");
        }
    }

    fn publish_listen_addrs(&self) {
        let me = *self.swarm.local_peer_id();
        lock_stats(&self.sessions.ctx().stats).listen_addrs = self
            .listen_addrs
            .iter()
            .map(|a| with_peer(a.clone(), me))
            .collect();
    }

    fn add_bootstrap(&mut self, addr: Multiaddr, lan: bool) {
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
    fn redial(&mut self, control: &libp2p_stream::Control) {
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

    fn handle_command(&mut self, command: Command) {
        match command {
            Command::Dial(addr, reply) => {
                let result = self.swarm.dial(addr.clone()).map_err(|e| Error::Address {
                    addr: addr.to_string(),
                    reason: e.to_string(),
                });
                let _ = reply.send(result);
            }
            Command::AddBootstrap(addr) => self.add_bootstrap(addr, false),
            Command::SetAllowed(peers) => {
                let gate = &mut self.swarm.behaviour_mut().gate;
                let gone: Vec<PeerId> = gate
                    .allowed_peers()
                    .iter()
                    .filter(|p| !peers.contains(p))
                    .copied()
                    .collect();
                for peer in gone {
                    tracing::info!(%peer, "no longer a member: closing its connections");
                    gate.disallow_peer(peer);
                    self.sessions.stop(&peer);
                    self.bootstrap.retain(|b| !(b.lan && b.peer == Some(peer)));
                }
                for peer in peers {
                    gate.allow_peer(peer);
                }
            }
            Command::SetDirect(peers) => {
                self.direct.retain(|p, _| peers.contains(p));
                let me = *self.swarm.local_peer_id();
                for peer in peers.into_iter().filter(|p| *p != me) {
                    self.direct
                        .entry(peer)
                        .or_insert_with(|| Redial::now(Duration::from_secs(1)));
                }
            }
            Command::Connected(reply) => {
                let _ = reply.send(self.swarm.connected_peers().copied().collect());
            }
        }
    }

    fn handle_event(
        &mut self,
        event: SwarmEvent<BehaviourEvent>,
        control: &libp2p_stream::Control,
    ) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, "listening");
                // A relay hands its own addresses to the members it reserves for; HQ is
                // reached at the addresses it listens on (they travel in invites).
                let circuit = address.iter().any(|p| p == Protocol::P2pCircuit);
                if self.swarm.behaviour().relay.is_enabled() && !circuit {
                    self.swarm.add_external_address(address.clone());
                }
                self.listen_addrs.push(address.clone());
                self.publish_listen_addrs();
                self.emit(Event::Listening(address));
            }
            SwarmEvent::ListenerClosed { listener_id, .. } => {
                // A relay's circuit listener ends with its connection: listen again when
                // the relay is back (see identify below).
                for relay in self.relays.values_mut() {
                    if relay.listener == Some(listener_id) {
                        relay.listener = None;
                    }
                }
            }
            SwarmEvent::ExpiredListenAddr { address, .. } => {
                self.listen_addrs.retain(|a| a != &address);
                self.publish_listen_addrs();
            }
            SwarmEvent::ConnectionEstablished {
                peer_id, endpoint, ..
            } => {
                let addr = endpoint.get_remote_address().clone();
                tracing::info!(peer = %peer_id, %addr, "connected");
                for b in &mut self.bootstrap {
                    if b.peer == Some(peer_id) {
                        b.redial.reset();
                    }
                }
                if let Some(r) = self.direct.get_mut(&peer_id) {
                    r.reset();
                }
                {
                    let mut stats = crate::network::lock_stats(&self.sessions.ctx().stats);
                    let info = stats.peers.entry(peer_id).or_default();
                    info.peer = peer_id.to_string();
                    if !info.addrs.contains(&addr.to_string()) {
                        info.addrs.push(addr.to_string());
                    }
                }
                // One session per pair: the peer with the smaller id opens it.
                if *self.swarm.local_peer_id() < peer_id {
                    self.sessions.open(peer_id, control.clone());
                }
                self.emit(Event::PeerConnected {
                    peer: peer_id,
                    addr,
                });
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established,
                endpoint,
                ..
            } => {
                let addr = endpoint.get_remote_address().to_string();
                let mut stats = lock_stats(&self.sessions.ctx().stats);
                if num_established == 0 {
                    stats.peers.remove(&peer_id);
                    drop(stats);
                    tracing::info!(peer = %peer_id, "disconnected");
                    self.emit(Event::PeerDisconnected(peer_id));
                } else if let Some(info) = stats.peers.get_mut(&peer_id) {
                    info.addrs.retain(|a| a != &addr);
                }
            }
            SwarmEvent::IncomingConnectionError {
                error,
                send_back_addr,
                ..
            } => {
                tracing::info!(addr = %send_back_addr, %error, "refused an incoming connection");
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                tracing::debug!(peer = ?peer_id, %error, "dial failed");
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(found))) => {
                // mDNS announces a peer once per query interval: keep members found on the
                // LAN on the redial list so a link that drops comes back without waiting.
                for (peer, addr) in found {
                    if self.swarm.behaviour().gate.allowed_peers().contains(&peer) {
                        tracing::debug!(%peer, %addr, "found on the LAN");
                        self.add_bootstrap(with_peer(addr, peer), true);
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Expired(gone))) => {
                for (peer, addr) in gone {
                    let addr = with_peer(addr, peer);
                    self.bootstrap.retain(|b| !(b.lan && b.addr == addr));
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event {
                peer,
                connection,
                result: Err(error),
            })) if !matches!(error, ping::Failure::Unsupported) => {
                tracing::info!(%peer, %error, "ping failed: closing the link to redial");
                self.swarm.close_connection(connection);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                // A relay we are connected to lets us be reached through it.
                let is_relay = info
                    .protocols
                    .iter()
                    .any(|p| p.as_ref() == "/libp2p/circuit/relay/0.2.0/hop");
                tracing::debug!(peer = %peer_id, is_relay, observed = %info.observed_addr, "identified");
                let relay = self
                    .bootstrap
                    .iter()
                    .find(|b| b.peer == Some(peer_id) && !b.lan)
                    .map(|b| b.addr.clone())
                    .filter(|_| is_relay);
                if let Some(addr) = relay {
                    let listening = self.relays.get(&peer_id).and_then(|r| r.listener);
                    let circuit = addr.clone().with(Protocol::P2pCircuit);
                    let listener = match listening {
                        Some(id) => Some(id),
                        None => match self.swarm.listen_on(circuit.clone()) {
                            Ok(id) => Some(id),
                            Err(e) => {
                                tracing::debug!(addr = %circuit, error = %e, "cannot listen via relay");
                                None
                            }
                        },
                    };
                    self.relays.insert(peer_id, Relay { addr, listener });
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Dcutr(dcutr::Event {
                remote_peer_id,
                result,
            })) => match result {
                Ok(_) => tracing::info!(peer = %remote_peer_id, "direct link made (hole punched)"),
                Err(e) => {
                    tracing::info!(peer = %remote_peer_id, error = %e, "no direct link; staying relayed")
                }
            },
            other => tracing::trace!(?other, "swarm event"),
        }
    }
}
