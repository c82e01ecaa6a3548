//! Where a node listens and whom it keeps dialling: the office's remembered port, listen
//! addresses and the peers file.

use std::path::Path;

use outpost_sync::{Multiaddr, Protocol, peer_of};

use crate::error::{Error, Result};
use crate::file::write_atomically;
use crate::node::Node;

/// File in the data dir listing the peers to keep dialling, one address per line.
pub const PEERS_FILE: &str = "peers.txt";

/// How this node takes part in the network.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Addresses to listen on.
    pub listen: Vec<Multiaddr>,
    /// Find members on the LAN.
    pub mdns: bool,
    /// Relay for members behind NAT (the HQ node).
    pub relay: bool,
}

impl NetConfig {
    /// An office's desktop: listens on `listen`, or if empty on every interface at the
    /// port this data dir used before (so the addresses in invites it made stay good
    /// after a restart), finds members on the LAN, and never relays for others.
    pub fn office(data_dir: &Path, listen: &[String]) -> Result<NetConfig> {
        let listen = if listen.is_empty() {
            let port = office_port(data_dir)?;
            vec![
                addr(&format!("/ip4/0.0.0.0/tcp/{port}"))?,
                addr(&format!("/ip4/0.0.0.0/udp/{port}/quic-v1"))?,
            ]
        } else {
            parse_addrs(listen)?
        };
        Ok(NetConfig {
            listen,
            mdns: true,
            relay: false,
        })
    }
}

/// Where an office remembers its listening port.
pub const PORT_FILE: &str = "listen-port.txt";

/// The port this data dir listened on before, while it is free (TCP and UDP); else a
/// new free port, remembered for next time.
pub fn office_port(data_dir: &Path) -> Result<u16> {
    let remembered = std::fs::read_to_string(data_dir.join(PORT_FILE))
        .ok()
        .and_then(|t| t.trim().parse::<u16>().ok())
        .filter(|&p| p != 0 && port_free(p));
    if let Some(port) = remembered {
        return Ok(port);
    }
    let port = (0..20)
        .filter_map(|_| {
            let tcp = std::net::TcpListener::bind(("0.0.0.0", 0)).ok()?;
            let port = tcp.local_addr().ok()?.port();
            drop(tcp);
            port_free(port).then_some(port)
        })
        .next()
        .ok_or_else(|| Error::File {
            path: data_dir.join(PORT_FILE),
            source: std::io::Error::new(std::io::ErrorKind::AddrInUse, "no free port"),
        })?;
    write_atomically(&data_dir.join(PORT_FILE), port.to_string().as_bytes())?;
    Ok(port)
}

fn port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("0.0.0.0", port)).is_ok()
        && std::net::UdpSocket::bind(("0.0.0.0", port)).is_ok()
}

/// Parses peer or listen addresses, naming the first that is not one.
pub fn parse_addrs(texts: &[String]) -> Result<Vec<Multiaddr>> {
    texts.iter().map(|t| addr(t)).collect()
}

pub(crate) fn addr(text: &str) -> Result<Multiaddr> {
    text.parse().map_err(|_| Error::Address(text.to_string()))
}

/// The peers stored in `data_dir`.
pub fn stored_peers(data_dir: &Path) -> Vec<Multiaddr> {
    std::fs::read_to_string(data_dir.join(PEERS_FILE))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

pub(crate) fn store_peer(data_dir: &Path, new: &Multiaddr) -> Result<()> {
    let mut peers = stored_peers(data_dir);
    if !peers.contains(new) {
        peers.push(new.clone());
    }
    let text: String = peers.iter().map(|p| format!("{p}\n")).collect();
    write_atomically(&data_dir.join(PEERS_FILE), text.as_bytes())
}

impl Node {
    /// network runs.
    pub fn add_peer(&self, text: &str) -> Result<Multiaddr> {
        let a = addr(text)?;
        if peer_of(&a).is_none() {
            return Err(Error::Address(format!(
                "{text} (it must end in /p2p/<peer id>)"
            )));
        }
        store_peer(self.data_dir(), &a)?;
        if let Some(net) = self.net() {
            let client = net.client.clone();
            let a2 = a.clone();
            net.runtime
                .spawn(async move { client.add_bootstrap(a2).await });
        }
        Ok(a)
    }

    /// Addresses others can dial this node at (when its network runs) and the stored
    /// peers.
    pub(crate) fn dial_addrs(&self) -> Vec<Multiaddr> {
        let mut addrs: Vec<Multiaddr> = self
            .listen_addrs()
            .into_iter()
            .filter(|a| !a.iter().any(|p| matches!(p, Protocol::P2pCircuit)))
            .collect();
        addrs.extend(stored_peers(self.data_dir()));
        addrs.truncate(12);
        addrs
    }
}

#[cfg(test)]
mod tests {
    use super::office_port;

    #[test]
    fn an_office_keeps_its_port_while_free_and_moves_when_taken() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = office_port(dir.path()).expect("port");
        assert_eq!(office_port(dir.path()).expect("port"), first);
        let taken = std::net::TcpListener::bind(("0.0.0.0", first)).expect("bind");
        let moved = office_port(dir.path()).expect("port");
        assert_ne!(moved, first);
        drop(taken);
        assert_eq!(office_port(dir.path()).expect("port"), moved);
    }
}
