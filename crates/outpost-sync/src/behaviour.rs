//! The swarm's behaviour: the membership gate first, then everything else.

use std::time::Duration;

use libp2p::allow_block_list::{self, AllowedPeers};
use libp2p::swarm::NetworkBehaviour;
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::{Swarm, dcutr, identify, mdns, noise, ping, relay, tcp, yamux};

use crate::config::Config;
use crate::error::{Error, Result};

/// Identify's protocol name for Outpost nodes.
const IDENTIFY_PROTOCOL: &str = "/outpost/id/1";

/// Every sub-behaviour of an Outpost node.
///
/// `gate` must stay the first field: the derive asks sub-behaviours in field order, and a
/// connection it denies never reaches the others, so a non-member never gets a handler
/// for any protocol.
#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    pub gate: allow_block_list::Behaviour<AllowedPeers>,
    pub relay_client: relay::client::Behaviour,
    pub relay: Toggle<relay::Behaviour>,
    pub dcutr: dcutr::Behaviour,
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    pub mdns: Toggle<mdns::tokio::Behaviour>,
    pub stream: libp2p_stream::Behaviour,
}

/// The HQ relay: only members get past the gate, so the public-relay rate limits are
/// dropped, and a circuit may carry a whole sync (no byte cap) for an hour at a time when
/// hole punching fails.
fn relay_config() -> relay::Config {
    relay::Config {
        reservation_rate_limiters: Vec::new(),
        circuit_src_rate_limiters: Vec::new(),
        max_circuit_duration: Duration::from_secs(3600),
        max_circuit_bytes: 0,
        ..relay::Config::default()
    }
}

/// Builds the swarm for `config` (TCP and QUIC, Noise, Yamux, relay client).
pub(crate) fn build_swarm(config: &Config) -> Result<Swarm<Behaviour>> {
    let transport = |e: &dyn std::fmt::Display| Error::Transport(e.to_string());
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(config.keypair.clone())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| transport(&e))?
        .with_quic()
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .map_err(|e| transport(&e))?
        .with_behaviour(|key, relay_client| {
            let me = key.public().to_peer_id();
            let mdns = if config.mdns {
                Some(mdns::tokio::Behaviour::new(mdns::Config::default(), me)?)
            } else {
                None
            };
            let relay = config
                .relay_server
                .then(|| relay::Behaviour::new(me, relay_config()));
            Ok(Behaviour {
                gate: allow_block_list::Behaviour::default(),
                relay_client,
                relay: relay.into(),
                dcutr: dcutr::Behaviour::new(me),
                identify: identify::Behaviour::new(identify::Config::new(
                    IDENTIFY_PROTOCOL.into(),
                    key.public(),
                )),
                // A partition leaves TCP connections open but dead: a ping that goes
                // unanswered for 10 s closes the connection so the peer is redialled.
                ping: ping::Behaviour::new(
                    ping::Config::new()
                        .with_interval(Duration::from_secs(5))
                        .with_timeout(Duration::from_secs(10)),
                ),
                mdns: mdns.into(),
                stream: libp2p_stream::Behaviour::new(),
            })
        })
        .map_err(|e| transport(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(config.idle_timeout))
        .build();
    // A relay advertises itself only once it knows a public address of its own; HQ is
    // the members' relay whatever its addresses look like (a LAN, a test namespace).
    if let Some(relay) = swarm.behaviour_mut().relay.as_mut() {
        relay.set_status(Some(relay::Status::Enable));
    }
    Ok(swarm)
}
