//! Outpost's network: device identity on libp2p, transports (TCP and QUIC with Noise and
//! Yamux), discovery (mDNS, bootstrap peers, relay and hole punching), the membership gate,
//! invites, and the per-document sync protocol.
//!
//! **Does not know** the book: documents are ids, heads and bytes. Whatever needs the
//! documents — who may read or write what, Automerge's sync state, storing changes — is
//! behind the [`Replica`] trait, which the node implements.
//!
//! Main types: [`new`] returns a [`Client`] (clone it freely), a stream of [`Event`]s and
//! the [`EventLoop`] to spawn. The gate is libp2p's allow-list as the first behaviour:
//! a peer the node has not allowed (an active member, or an open invite's one-time peer
//! id) is refused when its connection is established, before any protocol runs. Sessions
//! ([`SYNC_PROTOCOL`]) exchange hellos with heads and then Automerge sync messages;
//! [`JOIN_PROTOCOL`] is the one thing an invite may do.
//!
//! ```
//! use outpost_sync::{InviteCode, wire::Frame};
//! let code = InviteCode::generate("org-1", vec![]);
//! assert_eq!(InviteCode::parse(&code.encode())?, code);
//! let frame = Frame::Sync { doc: "org".into(), message: vec![1, 2, 3] };
//! assert_eq!(Frame::decode(&frame.encode()?)?, frame);
//! # Ok::<(), outpost_sync::Error>(())
//! ```
#![deny(missing_docs)]

mod behaviour;
mod config;
mod error;
pub mod join;
mod network;
mod replica;
mod session;
pub mod wire;

pub use config::Config;
pub use error::{Error, Result};
pub use join::JOIN_PROTOCOL;
pub use join::{
    InviteCode, JoinGrant, JoinRequest, MAX_JOIN_REQUEST_BYTES, OfflineJoinRequest, Refusal,
    present_invite,
};
pub use libp2p::{Multiaddr, PeerId, identity::Keypair, multiaddr::Protocol};
pub use network::{Client, Event, EventLoop, PeerInfo, new, peer_of};
pub use replica::{Prepared, Received, Rejected, Replica};
pub use session::SYNC_PROTOCOL;
