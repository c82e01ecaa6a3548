//! How a node takes part in the network.

use std::collections::HashSet;
use std::time::Duration;

use libp2p::identity::Keypair;
use libp2p::{Multiaddr, PeerId};

/// Network settings of one node.
#[derive(Clone, Debug)]
pub struct Config {
    /// The device's key: its peer id is its member id.
    pub keypair: Keypair,
    /// Addresses to listen on (TCP and/or QUIC).
    pub listen: Vec<Multiaddr>,
    /// Peers to keep dialling (the HQ node), each ending in `/p2p/<peer id>`.
    pub bootstrap: Vec<Multiaddr>,
    /// Find peers on the LAN with mDNS.
    pub mdns: bool,
    /// Serve as a circuit relay for other members (the HQ node).
    pub relay_server: bool,
    /// How long an idle connection stays open.
    pub idle_timeout: Duration,
    /// The longest wait between redials of a bootstrap peer.
    pub max_backoff: Duration,
    /// Peers let through the gate from the start (the members known when the network
    /// starts; `Client::set_allowed` replaces them). Without them the first dial, which
    /// goes out at once, could meet a closed gate and wait for the next redial.
    pub allowed: HashSet<PeerId>,
}

impl Config {
    /// Defaults for a device with `keypair`: no listeners, mDNS on, not a relay.
    pub fn new(keypair: Keypair) -> Config {
        Config {
            keypair,
            listen: Vec::new(),
            bootstrap: Vec::new(),
            mdns: true,
            relay_server: false,
            // Office links are long-lived: an idle link costs a ping, a redial costs a
            // handshake and a hello.
            idle_timeout: Duration::from_secs(3600),
            max_backoff: Duration::from_secs(30),
            allowed: HashSet::new(),
        }
    }
}
