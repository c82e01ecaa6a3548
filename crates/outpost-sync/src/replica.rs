//! [`Replica`]: what the network asks of the node that keeps the documents.
//!
//! The network knows documents only as ids, heads and bytes. Everything that needs the
//! book — who may read what, whether a change's author may write, applying and storing
//! changes, Automerge's sync state — is behind this trait, implemented by the node.

use libp2p::PeerId;

use crate::join::{JoinGrant, JoinRequest, Refusal};
use crate::wire::DocHeads;

/// Why the replica would not handle a message. The stream it came on is dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejected(pub String);

/// What receiving one sync message did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// The message to send back, if the conversation on this document goes on.
    pub reply: Option<Vec<u8>>,
    /// Whether the document changed here (other peers should hear of it).
    pub changed: bool,
}

/// A sync message as [`Replica::prepare`] left it for [`Replica::apply`].
pub enum Prepared {
    /// As it came: [`Replica::receive`] takes it whole.
    Raw(Vec<u8>),
    /// Made ready by the replica, in a form only it reads.
    Ready(Box<dyn std::any::Any + Send>),
}

/// The node's side of sync. Calls may block on the local disk; the network calls them
/// from blocking threads. Messages from one peer are applied one at a time, in the
/// order they came for each document; several may be prepared meanwhile.
pub trait Replica: Send + Sync + 'static {
    /// Whether `peer` is an active member (connections from anyone else are refused).
    fn is_member(&self, peer: &PeerId) -> bool;

    /// The documents `peer` may read, with our heads.
    fn offer(&self, peer: &PeerId) -> Result<Vec<DocHeads>, Rejected>;

    /// Called with the peer's hello: the documents it announced with its heads.
    fn hello(&self, peer: &PeerId, docs: &[DocHeads]) -> Result<(), Rejected>;

    /// The next sync message for `doc` to `peer`, or `None` when there is nothing to say
    /// (or the peer may not read it).
    fn generate(&self, peer: &PeerId, doc: &str) -> Result<Option<Vec<u8>>, Rejected>;

    /// Applies a sync message from `peer` (only changes whose authors may write `doc`).
    fn receive(&self, peer: &PeerId, doc: &str, message: &[u8]) -> Result<Received, Rejected>;

    /// Does the work on a message from `peer` for `doc` that holds nothing up (parsing
    /// it, loading what it carries), while other messages are applied. By default
    /// nothing: [`Replica::apply`] receives it as it came.
    fn prepare(&self, peer: &PeerId, doc: &str, message: Vec<u8>) -> Result<Prepared, Rejected> {
        let _ = (peer, doc);
        Ok(Prepared::Raw(message))
    }

    /// Applies a message [`Replica::prepare`] made ready, like [`Replica::receive`].
    fn apply(&self, peer: &PeerId, doc: &str, prepared: Prepared) -> Result<Received, Rejected> {
        match prepared {
            Prepared::Raw(message) => self.receive(peer, doc, &message),
            Prepared::Ready(_) => Err(Rejected("a message prepared in a form unknown here".into())),
        }
    }

    /// A new session with `peer` begins: sync resumes from the stored state, since what
    /// an earlier session with it left in memory (messages in flight) is stale.
    fn connected(&self, peer: &PeerId);

    /// The peer's session ended: keep what is worth keeping of its sync state.
    fn disconnected(&self, peer: &PeerId);

    /// An invite presented by `invite` (the invite's one-time peer id) on
    /// `/outpost/join/1`.
    fn join(&self, invite: &PeerId, request: &JoinRequest) -> Result<JoinGrant, Refusal>;
}
