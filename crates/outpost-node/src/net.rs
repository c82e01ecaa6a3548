//! The node on the network: starting sync and keeping the membership gate current. The
//! rest is by topic: `listen` (ports, addresses, peers), `members` (invites, joining,
//! revocation) and `status` (peers, sync status).

mod listen;
mod members;
mod status;

use std::collections::HashSet;
use std::sync::Arc;

use outpost_core::Device;
use outpost_sync::PeerId;

use crate::error::Result;
use crate::identity::peer_id_of;
use crate::node::{Event, Net, Node};
use crate::replica::NodeReplica;

pub use listen::{NetConfig, PEERS_FILE, PORT_FILE, office_port, parse_addrs, stored_peers};
pub use members::{Joined, NewInvite, request_to_join};
pub use status::{DocumentHeads, PeerStatus, SyncStatus};

impl Node {
    /// Starts sync in the background on the current tokio runtime: listens, dials the
    /// stored peers, and pushes every local change to connected members.
    pub fn start_network(self: &Arc<Self>, config: NetConfig) -> Result<()> {
        let mut sync = outpost_sync::Config::new(self.identity().keypair().clone());
        sync.listen = config.listen;
        sync.mdns = config.mdns;
        sync.relay_server = config.relay;
        sync.bootstrap = stored_peers(self.data_dir());
        match self.gate() {
            Ok((allowed, _)) => sync.allowed = allowed,
            Err(e) => tracing::warn!(error = %e, "cannot read the members"),
        }
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
        match self.gate() {
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

    /// The peers let through the gate (active members and open invites) and those worth
    /// a direct link (members that share documents with this one).
    fn gate(&self) -> Result<(HashSet<PeerId>, HashSet<PeerId>)> {
        self.with_book(|b| {
            let members: Vec<Device> = b
                .members()
                .list()?
                .into_iter()
                .filter(|d| !d.revoked)
                .collect();
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
                b.members()
                    .invites()?
                    .iter()
                    .filter_map(|i| i.id.parse::<PeerId>().ok()),
            );
            Ok((allowed, direct))
        })
    }
}
