//! The `outpost` command line: argument parsing and output; every action is a Node call.

pub mod args;
pub mod billing;
pub mod catalog;
pub mod conflicts;
pub mod ledger;
pub mod net;
pub mod orders;
pub mod out;
pub mod run;
pub mod serve;
pub mod stock;
pub mod table;
pub mod tasks;
