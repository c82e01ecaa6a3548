//! outpost-node: one device's Outpost node.
//!
//! A [`Node`] is the book ([`outpost_core::Book`]) behind an exclusive data-dir lock, with
//! the wall clock and an event stream: the one service API that the `outpost` CLI and the
//! desktop app call. Business rules stay in outpost-core; this crate only composes.
//!
//! **Does not know** tables, windows or command-line parsing: the `outpost` binary in this
//! package is a thin front end over [`Node`], and [`i18n`] holds the message catalogue
//! both front ends share.
//!
//! ```
//! use outpost_node::{Node, Unlock};
//! use outpost_core::{NewOrg, SiteCode};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let node = Node::create(dir.path(), NewOrg {
//!     name: "Demo".into(), site: SiteCode::parse("SH")?, site_name: "Shanghai".into(),
//!     device_name: "Li".into(),
//! }, &Unlock::with_passphrase("correct horse battery staple"))?;
//! assert!(node.is_sealed());
//! assert_eq!(node.me()?.site.as_str(), "SH");
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod api;
mod backup;
mod error;
mod file;
mod host;
pub mod i18n;
pub mod identity;
mod keyring;
mod net;
mod node;
mod replica;
mod report;
mod sealed;
pub mod secrets;
mod today;

pub use backup::{
    BACKUP_PASSPHRASE_ENV, BackupSchedule, LAST_BACKUP_FILE, LastBackup, SCHEDULE_FILE,
    backup_needs_passphrase, verify_backup,
};
pub use error::{Error, Result};
pub use host::{Host, HostStatus, Lifecycle, Networking, Setup};
pub use keyring::KEYRING_ENV;
pub use net::{
    DocumentHeads, Joined, NetConfig, NewInvite, PEERS_FILE, PORT_FILE, PeerStatus, SyncStatus,
    office_port, parse_addrs, request_to_join, stored_peers,
};
pub use node::{DB_FILE, Event, Node, default_data_dir};
pub use report::Exported;
pub use sealed::needs_passphrase as bundle_needs_passphrase;
pub use secrets::{KeyGuard, Unlock};
pub use today::Today;
