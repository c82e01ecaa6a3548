//! What needs this device's person today: the desktop app's first screen, in one call.

use outpost_core::{
    ExceptionRow, LevelRow, OrderFilter, OrderRow, SampleReport, SampleSpec, Status, TaskFilter,
    TaskRow,
};
use serde::Serialize;

use crate::error::Result;
use crate::node::Node;

/// How many rows of each list the today screen shows.
const SHOWN: u32 = 20;

/// What needs attention now.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Today {
    /// Orders submitted and waiting for approval.
    pub approvals: Vec<OrderRow>,
    /// How many orders wait for approval in all.
    pub approvals_total: u64,
    /// Open tasks past their due date.
    pub overdue: Vec<TaskRow>,
    /// Stock at or below its low-stock threshold.
    pub low_stock: Vec<LevelRow>,
    /// Broken invariants (e.g. stock oversold while offline).
    pub exceptions: Vec<ExceptionRow>,
    /// Fields two people changed at once, waiting for a person to pick.
    pub conflicts: usize,
    /// Changes from peers refused because their author may not write there.
    pub refused: usize,
    /// Changes held for an admin's decision (a revoked device's late changes).
    pub held: usize,
    /// Whether sync runs in this process.
    pub networked: bool,
    /// Members connected now.
    pub peers: usize,
    /// Documents where a connected peer has changes this device has not received yet
    /// (a catch-up in progress while above zero).
    pub receiving: usize,
    /// Whether this device knows an HQ node to sync with (stored peers).
    pub has_hq: bool,
    /// This device's changes the HQ node has not acknowledged.
    pub unseen_by_hq: usize,
    /// When the last backup from this data dir was written (ms), if ever.
    pub last_backup_at_ms: Option<i64>,
    /// A device restored from a backup: the documents it waits to hear about before it
    /// writes there again (none once caught up, or never restored).
    pub catch_up: Option<outpost_core::CatchUp>,
}

impl Node {
    /// What needs attention now (`date` is today's local date, `YYYY-MM-DD`).
    pub fn today(&self, date: &str) -> Result<Today> {
        let approvals_filter = OrderFilter {
            status: Some(Status::Submitted),
            limit: Some(SHOWN),
            ..OrderFilter::default()
        };
        let approvals = self.orders(&approvals_filter)?;
        let approvals_total = self.count_orders(&approvals_filter)?;
        let mut overdue = self.tasks(&TaskFilter {
            overdue_on: Some(date.to_string()),
            ..TaskFilter::default()
        })?;
        overdue.truncate(SHOWN as usize);
        let mut low_stock: Vec<LevelRow> = self
            .levels(None)?
            .into_iter()
            .filter(|l| l.is_low)
            .collect();
        low_stock.truncate(SHOWN as usize);
        let sync = self.sync_status()?;
        Ok(Today {
            approvals,
            approvals_total,
            overdue,
            low_stock,
            exceptions: self.exceptions()?,
            conflicts: self.conflicts()?.len(),
            refused: sync.refused.len(),
            held: sync.held.len(),
            networked: self.is_networked(),
            peers: self.connected_peers(),
            receiving: self.peers()?.iter().map(|p| p.pending_in).sum(),
            has_hq: !sync.hq.is_empty(),
            unseen_by_hq: sync.unseen_total,
            last_backup_at_ms: self.last_backup().map(|b| b.at_ms),
            catch_up: self.catch_up()?.filter(|c| !c.waiting.is_empty()),
        })
    }

    /// Fills the book with a busy site's sample orders, stock and tasks (the demo org).
    pub fn fill_sample(&self, spec: &SampleSpec) -> Result<SampleReport> {
        self.write("sample.fill", |b, now| b.fill_sample(spec, now))
    }
}
