//! [`EventLoop`]: the one owner of the swarm. It runs until every [`Client`] is gone,
//! taking commands, swarm events and the sessions' reports in turn, so no lock guards
//! network state and nothing but the loop touches the swarm.

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, Swarm, dcutr, identify, mdns, ping};
use tokio::sync::mpsc;

use super::client::Command;
use super::redial::{Bootstrap, Redial, Relay};
use super::stats::{Report, Stats};
use super::{Event, REDIAL_TICK, with_peer};
use crate::behaviour::{Behaviour, BehaviourEvent};
use crate::error::Error;
use crate::session::Sessions;

/// Owns the swarm; ends when every [`Client`](super::Client) is dropped.
pub struct EventLoop {
    pub(super) swarm: Swarm<Behaviour>,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
    pub(super) sessions: Sessions,
    pub(super) bootstrap: Vec<Bootstrap>,
    /// Members to link directly, through a relay first.
    pub(super) direct: HashMap<PeerId, Redial>,
    /// Peers that relay for us (the HQ node).
    pub(super) relays: HashMap<PeerId, Relay>,
    pub(super) max_backoff: Duration,
    listen_addrs: Vec<Multiaddr>,
    stats: Stats,
    reports: mpsc::UnboundedReceiver<Report>,
}

impl EventLoop {
    pub(super) fn new(
        swarm: Swarm<Behaviour>,
        commands: mpsc::Receiver<Command>,
        events: mpsc::Sender<Event>,
        sessions: Sessions,
        stats: Stats,
        reports: mpsc::UnboundedReceiver<Report>,
        max_backoff: Duration,
    ) -> EventLoop {
        EventLoop {
            swarm,
            commands,
            events,
            sessions,
            bootstrap: Vec::new(),
            direct: HashMap::new(),
            relays: HashMap::new(),
            max_backoff,
            listen_addrs: Vec::new(),
            stats,
            reports,
        }
    }

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
                Some(report) = self.reports.recv() => self.take_report(report),
                _ = tick.tick() => self.redial(&control),
            }
        }
        self.sessions.stop_all();
    }

    /// Tells the node something happened. Events only prompt a refresh, so when nobody
    /// reads them in time one is dropped rather than stalling the network: logged and
    /// counted (`Client::dropped_events`).
    fn emit(&mut self, event: Event) {
        if let Err(e) = self.events.try_send(event) {
            let why = match e {
                mpsc::error::TrySendError::Full(_) => "nobody read the events in time",
                mpsc::error::TrySendError::Closed(_) => "nobody listens for events",
            };
            tracing::warn!(reason = why, "network event dropped");
            self.stats.dropped_event();
        }
    }

    /// A session's report: its figures, and the events it causes.
    fn take_report(&mut self, report: Report) {
        self.stats.take(&report);
        match report {
            Report::Syncing(peer, true) => self.emit(Event::SessionStarted(peer)),
            Report::Ended { peer, reason } => self.emit(Event::SessionEnded { peer, reason }),
            Report::Syncing(_, false) | Report::Frame { .. } => {}
        }
    }

    fn publish_listen_addrs(&mut self) {
        let me = *self.swarm.local_peer_id();
        let addrs = self
            .listen_addrs
            .iter()
            .map(|a| with_peer(a.clone(), me))
            .collect();
        self.stats.set_listen_addrs(addrs);
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
            Command::AddBootstrap(addr, reply) => {
                self.add_bootstrap(addr, false);
                let _ = reply.send(());
            }
            Command::SetAllowed(peers, reply) => {
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
                let _ = reply.send(());
            }
            Command::SetDirect(peers, reply) => {
                self.direct.retain(|p, _| peers.contains(p));
                let me = *self.swarm.local_peer_id();
                for peer in peers.into_iter().filter(|p| *p != me) {
                    self.direct
                        .entry(peer)
                        .or_insert_with(|| Redial::now(Duration::from_secs(1)));
                }
                let _ = reply.send(());
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
                self.stats.connected(peer_id, &addr);
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
                self.stats
                    .disconnected(peer_id, endpoint.get_remote_address(), num_established);
                if num_established == 0 {
                    tracing::info!(peer = %peer_id, "disconnected");
                    self.emit(Event::PeerDisconnected(peer_id));
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
