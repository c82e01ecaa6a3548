//! [`Client`]: a handle on the network. Every method sends a [`Command`] to the event
//! loop and awaits its reply, so a call returns once the loop has done it (the gate
//! changed, the peer is being kept); figures are read from the loop's latest snapshot.

use std::collections::HashSet;
use std::sync::Arc;

use libp2p::{Multiaddr, PeerId};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::stats::{PeerInfo, Snapshot};
use crate::error::{Error, Result};

/// What a client asks of the event loop; each carries where to send the answer.
pub(crate) enum Command {
    Dial(Multiaddr, oneshot::Sender<Result<()>>),
    AddBootstrap(Multiaddr, oneshot::Sender<()>),
    SetAllowed(HashSet<PeerId>, oneshot::Sender<()>),
    SetDirect(HashSet<PeerId>, oneshot::Sender<()>),
    Connected(oneshot::Sender<Vec<PeerId>>),
}

/// A handle on the network; cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) changes: broadcast::Sender<String>,
    pub(crate) snapshot: watch::Receiver<Arc<Snapshot>>,
    pub(crate) me: PeerId,
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
        self.ask(|tx| Command::AddBootstrap(addr, tx)).await
    }

    /// The peers let through the membership gate: active members and open invites.
    /// Connections of peers no longer in the set are closed before this returns.
    pub async fn set_allowed(&self, peers: HashSet<PeerId>) -> Result<()> {
        self.ask(|tx| Command::SetAllowed(peers, tx)).await
    }

    /// Members worth a direct link (they share documents with us): while not connected,
    /// they are dialled through the relays we are connected to (the HQ node), and
    /// DCUtR then tries to turn the relayed link into a direct one.
    pub async fn set_direct(&self, peers: HashSet<PeerId>) -> Result<()> {
        self.ask(|tx| Command::SetDirect(peers, tx)).await
    }

    /// Peers with an open connection.
    pub async fn connected(&self) -> Result<Vec<PeerId>> {
        self.ask(Command::Connected).await
    }

    /// Addresses this node listens on, each ending in `/p2p/<our peer id>`.
    pub fn listen_addrs(&self) -> Vec<Multiaddr> {
        self.snapshot.borrow().listen_addrs.clone()
    }

    /// Connected members with their traffic.
    pub fn peers(&self) -> Vec<PeerInfo> {
        self.snapshot.borrow().peers.clone()
    }

    /// How many network events were dropped because nobody read them in time.
    pub fn dropped_events(&self) -> u64 {
        self.snapshot.borrow().dropped_events
    }

    /// Tells every session that `doc` changed here: each pushes it to its peer if the peer
    /// may read it. Never blocks; a session that falls behind re-offers everything.
    pub fn notify_changed(&self, doc: &str) {
        // No receivers (no session yet) is not an error.
        let _ = self.changes.send(doc.to_string());
    }
}
