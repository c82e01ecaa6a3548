//! `outpost-bench`: the figures recorded in docs/performance.md (`make bench`).
//!
//! Prints measurements, asserts nothing; run it on a release build. It is its own binary
//! so that the product's `outpost` carries no benchmark code; the sync figures start
//! `outpost serve` processes from the `outpost` binary beside it (or `OUTPOST_BIN`).

mod book;
mod ledger;
mod signing;
mod sync;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use outpost_node::{Error, Result};

/// Which figures to print, and how big the data sets are.
#[derive(Debug, Parser)]
#[command(
    name = "outpost-bench",
    about = "Prints the figures of docs/performance.md"
)]
pub(crate) struct Args {
    /// Orders in the "busy year" data set.
    #[arg(long, default_value_t = 100_000)]
    pub orders: u32,
    /// Durable writes to time.
    #[arg(long, default_value_t = 2000)]
    pub writes: u32,
    /// Orders in a 30-day month (the bundle, the catch-up, each office).
    #[arg(long, default_value_t = 3000)]
    pub bundle_orders: u32,
    /// Changes timed one by one for propagation to a connected peer.
    #[arg(long, default_value_t = 200)]
    pub propagations: u32,
    /// Offices converging through one HQ node (each a month of `--bundle-orders`); 0
    /// skips that figure.
    #[arg(long, default_value_t = 10)]
    pub offices: u32,
    /// Months of work each office brings to HQ (each of `--bundle-orders` orders, in
    /// its own monthly document, the latest ending now).
    #[arg(long, default_value_t = 1)]
    pub months: u32,
    /// Journal entries per site and month in the ledger data set.
    #[arg(long, default_value_t = 100)]
    pub entries: u32,
    /// Only the figures of the book or of sync.
    #[arg(long, value_enum)]
    pub only: Option<Part>,
    /// Keep the generated data here (reused if present) instead of a temp dir.
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// The figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also print how long each stage of receiving and answering a sync message took
    /// (the merge's tracing spans, as each closes) to stderr.
    #[arg(long)]
    pub stages: bool,
    /// Internal: open the data set and report time and peak memory.
    #[arg(long, hide = true)]
    pub cold_open: Option<PathBuf>,
    /// Internal: with `--cold-open`, the book file there is a plain (unencrypted) copy.
    #[arg(long, hide = true)]
    pub plain: bool,
}

/// A part of the benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Part {
    /// Writes, the busy year, lists, bundles.
    Book,
    /// Catch-up, propagation, offices through HQ.
    Sync,
    /// Only the 30-day bundle's export and import (the merge path sync takes too).
    Bundle,
    /// Trial balances over a year of journal entries at ten sites.
    Ledger,
}

/// The `outpost` binary the sync figures run HQ with: `OUTPOST_BIN`, else the one built
/// beside this binary.
pub(crate) fn outpost_bin(dir: &Path) -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("OUTPOST_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let me = std::env::current_exe().map_err(|source| Error::DataDir {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(me.with_file_name("outpost"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let log = tracing_subscriber::fmt().with_writer(std::io::stderr);
    if args.stages {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        let stages = tracing_subscriber::filter::Targets::new()
            .with_default(tracing::Level::WARN)
            .with_target("outpost_core", tracing::Level::DEBUG);
        log.with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_thread_ids(true)
            .finish()
            .with(stages)
            .init();
    } else {
        log.with_max_level(tracing::Level::WARN).init();
    }
    match book::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("outpost-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
