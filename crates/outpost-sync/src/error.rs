//! Errors of the network layer.

use libp2p::PeerId;

/// Why a network operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The event loop has stopped (the node is shutting down).
    #[error("the network has stopped")]
    Stopped,
    /// A listen or dial address could not be used.
    #[error("cannot use address {addr}: {reason}")]
    Address {
        /// The address as given.
        addr: String,
        /// What went wrong.
        reason: String,
    },
    /// Building the transports failed.
    #[error("cannot start the network: {0}")]
    Transport(String),
    /// A frame broke the protocol (too large, unknown kind, undecodable).
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// Reading or writing a stream failed.
    #[error("stream i/o: {0}")]
    Io(#[from] std::io::Error),
    /// An invite code could not be read.
    #[error("malformed invite code: {0}")]
    InviteCode(String),
    /// No address in the invite answered.
    #[error("no inviting node answered ({0})")]
    Unreachable(String),
    /// The inviting node refused the invite.
    #[error("invite refused: {0}")]
    JoinRefused(crate::join::Refusal),
    /// The peer is not connected.
    #[error("peer {0} is not connected")]
    NotConnected(PeerId),
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
