//! The node on the network: starting sync, the membership gate's list, invites, joining,
//! revocation, and what `peers` and `sync status` show.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use outpost_core::{Book, Device, DocId, RefusedChange, Role, SiteCode, Timestamp};
use outpost_sync::{Client, InviteCode, Multiaddr, PeerId, Protocol, peer_of};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::identity::{Identity, device_id_of, peer_id_of};
use crate::node::{DB_FILE, Event, Node};
use crate::replica::NodeReplica;

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
    crate::node::write_atomically(&data_dir.join(PORT_FILE), port.to_string().as_bytes())?;
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

/// The running network of a node.
#[derive(Clone, Debug)]
pub(crate) struct Net {
    pub client: Client,
    pub runtime: tokio::runtime::Handle,
}

/// A connected member, as `outpost peers` shows it.
#[derive(Clone, Debug, Serialize)]
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
pub struct SyncStatus {
    /// The HQ node(s): the peers this node keeps dialling.
    pub hq: Vec<String>,
    /// This device's changes the HQ node has not acknowledged, per document.
    pub unseen_by_hq: Vec<(String, usize)>,
    /// Their total.
    pub unseen_total: usize,
    /// Changes received and refused.
    pub refused: Vec<RefusedChange>,
    /// Every document held here with its heads: two replicas hold the same state of a
    /// document exactly when its heads are equal.
    pub documents: Vec<DocumentHeads>,
}

/// One document held here and its heads (hex, sorted).
#[derive(Clone, Debug, Serialize)]
pub struct DocumentHeads {
    /// The document id.
    pub doc: String,
    /// Its heads.
    pub heads: Vec<String>,
}

/// A new invite.
#[derive(Clone, Debug, Serialize)]
pub struct NewInvite {
    /// The one-line code to hand to the new member.
    pub code: String,
    /// The invite's id in `org`.
    pub id: String,
    /// Addresses the code tells the new device to dial.
    pub addrs: Vec<String>,
    /// When it expires (ms).
    pub expires_at_ms: i64,
}

/// A device that joined with an invite.
#[derive(Clone, Debug, Serialize)]
pub struct Joined {
    /// The organisation.
    pub org: String,
    /// Its device code.
    pub device_code: String,
    /// Its role.
    pub role: String,
    /// Its site.
    pub site: String,
}

fn addr(text: &str) -> Result<Multiaddr> {
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

fn store_peer(data_dir: &Path, new: &Multiaddr) -> Result<()> {
    let mut peers = stored_peers(data_dir);
    if !peers.contains(new) {
        peers.push(new.clone());
    }
    let text: String = peers.iter().map(|p| format!("{p}\n")).collect();
    crate::node::write_atomically(&data_dir.join(PEERS_FILE), text.as_bytes())
}

impl Node {
    /// Starts sync in the background on the current tokio runtime: listens, dials the
    /// stored peers, and pushes every local change to connected members.
    pub fn start_network(self: &Arc<Self>, config: NetConfig) -> Result<()> {
        let mut sync = outpost_sync::Config::new(self.identity().keypair().clone());
        sync.listen = config.listen;
        sync.mdns = config.mdns;
        sync.relay_server = config.relay;
        sync.bootstrap = stored_peers(self.data_dir());
        let replica = Arc::new(NodeReplica::new(Arc::downgrade(self)));
        let (client, mut events, event_loop) = outpost_sync::new(sync, replica)?;
        let runtime = tokio::runtime::Handle::current();
        runtime.spawn(event_loop.run());
        let node = Arc::downgrade(self);
        runtime.spawn(async move {
            while let Some(event) = events.recv().await {
                tracing::debug!(?event, "network");
                match node.upgrade() {
                    Some(node) => node.emit(Event::PeersChanged),
                    None => break,
                }
            }
        });
        self.set_net(Net { client, runtime })?;
        self.refresh_gate();
        Ok(())
    }

    /// Lets active members and open invites through the gate and closes the rest; names
    /// the members that share documents with this one as worth a direct link.
    pub(crate) fn refresh_gate(&self) {
        let Some(net) = self.net() else { return };
        let gate = self.with_book(|b| {
            let members: Vec<Device> = b.devices()?.into_iter().filter(|d| !d.revoked).collect();
            let me = b.me()?;
            let direct: HashSet<PeerId> = members
                .iter()
                .filter(|d| d.id != me.id && outpost_core::access::share_documents(&me, d))
                .filter_map(|d| peer_id_of(&d.id))
                .collect();
            let mut allowed: HashSet<PeerId> =
                members.iter().filter_map(|d| peer_id_of(&d.id)).collect();
            // Invites stay reachable so a used or expired one hears why it is refused.
            allowed.extend(
                b.invites()?
                    .iter()
                    .filter_map(|i| i.id.parse::<PeerId>().ok()),
            );
            Ok((allowed, direct))
        });
        match gate {
            Ok((allowed, direct)) => {
                let client = net.client.clone();
                net.runtime.spawn(async move {
                    client.set_allowed(allowed).await?;
                    client.set_direct(direct).await
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the members"),
        }
    }

    /// Tells connected peers about documents that changed here (call without the book
    /// locked).
    pub(crate) fn push_changes(&self, docs: &[DocId]) {
        if let Some(net) = self.net() {
            for doc in docs {
                net.client.notify_changed(&doc.to_string());
            }
        }
        if docs.contains(&DocId::Org) {
            self.refresh_gate();
        }
    }

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

    /// Every invite, newest first.
    pub fn invites(&self) -> Result<Vec<outpost_core::Invite>> {
        self.with_book(|b| b.invites())
    }

    /// A device's code for display, or the start of its id if unknown.
    pub fn device_label(&self, id: &str) -> String {
        self.with_book(|b| Ok(b.device_label(id)))
            .unwrap_or_else(|_| id.chars().take(8).collect())
    }

    /// Adds a peer to keep dialling (stored in the data dir), and dials it now if the
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
    fn dial_addrs(&self) -> Vec<Multiaddr> {
        let mut addrs: Vec<Multiaddr> = self
            .listen_addrs()
            .into_iter()
            .filter(|a| !a.iter().any(|p| matches!(p, Protocol::P2pCircuit)))
            .collect();
        addrs.extend(stored_peers(self.data_dir()));
        addrs.truncate(12);
        addrs
    }

    /// Makes an invite (admin only): records it in `org` and returns the one-line code.
    pub fn create_invite(
        &self,
        role: Role,
        site: &SiteCode,
        valid_for: Duration,
    ) -> Result<NewInvite> {
        let me = self.with_book(|b| Ok(b.org_id().to_string()))?;
        let addrs = self.dial_addrs();
        let code = InviteCode::generate(&me, addrs.clone());
        let id = code.peer_id().to_string();
        let now = Timestamp::now();
        let expires = now
            .checked_add(
                jiff::SignedDuration::try_from(valid_for).unwrap_or(jiff::SignedDuration::MAX),
            )
            .map_err(|_| {
                outpost_core::Error::invalid(
                    "expiry",
                    format!("{valid_for:?}"),
                    outpost_core::Rule::Future,
                )
            })?;
        // Writing `org` refreshes the gate (see push_changes), letting the invite in.
        let invite = self.write("invite.create", |b, now| {
            b.create_invite(&id, role, site, expires, now)
        })?;
        Ok(NewInvite {
            code: code.encode(),
            id,
            addrs: addrs.iter().map(|a| a.to_string()).collect(),
            expires_at_ms: invite.expires_at_ms,
        })
    }

    /// Admits the device of an invite (called by the join protocol).
    pub(crate) fn admit(
        &self,
        invite: &str,
        device: &outpost_core::DeviceId,
        name: &str,
    ) -> Result<std::result::Result<outpost_core::Admitted, outpost_core::InviteRefusal>> {
        self.write("member.join", |b, now| b.admit(invite, device, name, now))
    }

    /// Revokes a member (admin only): its connections close now, and on every node that
    /// learns of it.
    pub fn revoke(&self, key: &str) -> Result<Device> {
        self.write("member.revoke", |b, now| b.revoke(key, now))
    }

    /// Renames a device (admin only).
    pub fn rename_device(&self, key: &str, name: &str) -> Result<Device> {
        self.write("member.rename", |b, now| b.rename_device(key, name, now))
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
                let member = b.member(&device)?;
                let mut pending = (0, 0);
                if let Some(m) = &member {
                    for (doc, _) in b.readable_docs(m)? {
                        let theirs = b.peer_heads(device.as_str(), &doc)?;
                        let p = b.pending_against(&doc, &theirs)?;
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
            let held = b.doc_heads()?;
            if let Some(first) = hq.first() {
                let device = device_id_of(first);
                for (doc, _) in &held {
                    // Only what HQ may hold counts (it carries every readable document).
                    let theirs = b.peer_heads(device.as_str(), doc)?;
                    let n = b.own_changes_unseen(doc, &theirs)?;
                    if n > 0 {
                        unseen.push((doc.to_string(), n));
                    }
                }
            }
            Ok(SyncStatus {
                hq: hq.iter().map(|p| p.to_string()).collect(),
                unseen_total: unseen.iter().map(|(_, n)| n).sum(),
                unseen_by_hq: unseen,
                refused: b.refused_changes()?,
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

    /// Joins an organisation with an invite code: creates this device's key in
    /// `data_dir`, presents the code to the inviting node and stores the organisation
    /// document it sends. The inviting node's addresses become this node's peers.
    pub async fn join(data_dir: &Path, code: &str, name: &str) -> Result<(Node, Joined)> {
        let invite = InviteCode::parse(code)?;
        let (lock, identity): (std::fs::File, Identity) = Node::fresh_dir(data_dir)?;
        let grant = outpost_sync::present_invite(&invite, identity.keypair(), name).await?;
        let book = Book::join_admitted(
            &data_dir.join(DB_FILE),
            &grant.org,
            identity.device_id(),
            &grant.org_doc,
            &grant.parties_doc,
        )?;
        for a in &invite.addrs {
            store_peer(data_dir, a)?;
        }
        let joined = Joined {
            org: grant.org,
            device_code: grant.device_code,
            role: grant.role,
            site: grant.site,
        };
        Ok((Node::assemble(book, identity, data_dir, lock), joined))
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
