//! `outpost bench`: figures for docs/performance.md.

use outpost_node::Result;

use super::args::BenchArgs;
use super::out::Out;

/// Runs the benchmarks.
pub fn run(_args: BenchArgs, _out: &Out) -> Result<()> {
    Ok(())
}
