//! Stock: movements (receipts, issues, transfers, count adjustments) in a site's `ops`
//! documents. A movement is an append-only fact; a level is the sum of movements, kept in
//! `stock_levels` as they arrive. A transfer between sites is two movements, one at each
//! end; one that arrives short, or twice, is an exception.

mod form;
mod model;
mod projection;
mod query;
mod rules;
mod write;

use std::collections::BTreeMap;

use automerge::{Automerge, ObjId};
use rusqlite::Connection;

use super::{Collection, Names};
use crate::doc_id::{DocId, DocKind};
use crate::error::Result;
use crate::exception::ExceptionRow;
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::schema::{RawConflict, View};

pub use form::{StockEntry, StockOp};
pub use model::{Movement, MovementKind};
pub use query::{LevelRow, MovementFilter, MovementRow, Transit};
pub(crate) use write::{Planned, put_movement};
pub use write::{SentTransfer, StockMove};

/// The collection of movements.
pub(crate) const MOVEMENTS: &str = "movements";

/// The stock kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[Collection {
            name: MOVEMENTS,
            record: "movement",
            docs: &[DocKind::Ops, DocKind::Transfers],
        }]
    }

    fn tables(&self) -> &'static str {
        projection::TABLES
    }

    fn check_record(
        &self,
        cx: &crate::rules::Context<'_>,
        change: &crate::rules::RecordChange,
    ) -> std::result::Result<(), crate::rules::Broken> {
        rules::check(cx, change)
    }

    fn table_names(&self) -> &'static [&'static str] {
        &["movements", "stock_levels", "transfer_checks"]
    }

    fn project(
        &self,
        db: &Connection,
        doc_id: &DocId,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: Option<ObjId>,
        conflicts: &mut Vec<RawConflict>,
    ) -> Result<()> {
        self.read(doc_id, view, rec, obj)(db, conflicts)
    }

    fn read<'a>(
        &'a self,
        doc_id: &'a DocId,
        view: View<'a, Automerge>,
        rec: &'a RecordRef,
        obj: Option<ObjId>,
    ) -> super::Rows<'a> {
        projection::read(doc_id, view, rec, obj)
    }

    fn after_project(&self, db: &Connection, records: &[RecordRef]) -> Result<()> {
        projection::check_transfers(db, records)
    }

    fn fields(
        &self,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: ObjId,
        names: &Names,
    ) -> BTreeMap<String, String> {
        projection::fields(view, rec, obj, names)
    }

    fn exceptions(
        &self,
        db: &Connection,
        stock_site: Option<&crate::code::SiteCode>,
        out: &mut Vec<ExceptionRow>,
    ) -> Result<()> {
        projection::exceptions(db, stock_site, out)
    }
}

/// Stock levels, movements and operations: [`crate::Book::stock`].
pub struct Stock<'a> {
    pub(crate) repo: &'a mut Repo,
}
