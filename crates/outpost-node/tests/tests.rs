//! End-to-end tests of the `outpost` binary: real processes on real SQLite files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod macros;
mod util;

// Data at rest: private files and socket.
mod at_rest;
// A member sending bad frames is cut off; HQ goes on serving the others.
mod bad_peer;
// Bad input: damaged bundles, invalid orders, huge and non-UTF-8 fields change nothing.
mod bad_input;
// Two devices at two sites exchanging bundles both ways.
mod bundles;
// Acknowledged writes survive SIGKILL.
mod durability;
// Real `outpost serve` processes on loopback: invites, sync, access, revocation.
mod network;
// A stranger's libp2p peer gets no document byte; after joining it does.
mod stranger;
// A member's modified program asks for another site's documents and gets no byte.
mod snooping;
// The journal: finance posts, reverses, balances; clerks never see it.
mod ledger;
// The OS keyring of a desktop session keeps the keys of a book without a passphrase.
mod keyring;
// The device key: private, stable, the device's id in the organisation.
mod identity;
// The book from the command line: orders, stock, tasks, conflicts, history.
mod workflow;
