//! Kinds of record, each a slice of the book: its Automerge layout, its rules, its
//! projection tables and its queries live in one folder under `kind/`, and the book drives
//! every kind through [`RecordKind`].
//!
//! The book's common machinery (the write and merge transactions, rebuild, history,
//! conflicts, exceptions, dump) knows no kind by name: it asks [`KINDS`]. Adding a kind is
//! its folder plus one line in [`KINDS`] (see docs/architecture.md, "Adding a kind").
//!
//! Slices depend on the layers below them (repo, schema, store, access) and on slices
//! listed before them here, never on the book and never in a circle: orders use stock,
//! items, parties, sites and members; stock uses items, sites and members; billing uses
//! orders, parties and the ledger (its invoices and payments post journal entries).

pub mod ack;
pub mod bank;
pub mod billing;
pub mod chart;
pub mod item;
pub mod ledger;
pub mod member;
pub mod order;
pub mod party;
pub mod settings;
pub mod site;
pub mod stock;
pub mod task;

use std::collections::BTreeMap;

use automerge::{Automerge, ObjId};
use rusqlite::Connection;

use crate::code::SiteCode;
use crate::doc_id::{DocId, DocKind};
use crate::error::Result;
use crate::exception::ExceptionRow;
use crate::record::RecordRef;
use crate::schema::{RawConflict, View};

/// Every kind of record, in the order their collections are made in a document's genesis.
/// Append new kinds at the end: the genesis of existing documents must not change.
pub(crate) const KINDS: &[&dyn RecordKind] = &[
    &item::Kind,
    &party::Kind,
    &site::Kind,
    &member::Kind,
    &settings::Kind,
    &order::Kind,
    &stock::Kind,
    &task::Kind,
    &ledger::Kind,
    &billing::Kind,
    &bank::Kind,
    &ack::Kind,
    &chart::Kind,
];

/// A top-level collection of records in some documents.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Collection {
    /// The collection's key at the document root (`orders`).
    pub name: &'static str,
    /// One record's kind as people and change notes name it (`order`).
    pub record: &'static str,
    /// The documents that hold this collection.
    pub docs: &'static [DocKind],
}

/// The writing of one record's rows, read from its document already
/// ([`RecordKind::read`]); concurrent values found go into the conflicts it is given.
pub(crate) type Rows<'a> =
    Box<dyn FnOnce(&Connection, &mut Vec<RawConflict>) -> Result<()> + Send + 'a>;

/// Display names of ids that records refer to (item ids as SKUs, parties by name), for
/// history.
pub(crate) type Names = BTreeMap<String, String>;

/// One kind of record as the book drives it. Only `collections`, `tables` and `project`
/// are required; the rest have defaults for kinds without history, labels or invariants.
pub(crate) trait RecordKind: Sync {
    /// The collections this kind keeps its records in.
    fn collections(&self) -> &'static [Collection];

    /// `CREATE TABLE IF NOT EXISTS` statements of its projection tables (run at every
    /// open, so a new kind's tables appear without a migration step).
    fn tables(&self) -> &'static str;

    /// Its projection tables in dump order (cleared by a rebuild).
    fn table_names(&self) -> &'static [&'static str];

    /// Re-reads one record from its document and replaces its rows; `obj` is `None` when
    /// the record is not in the document. Concurrent values found go into `conflicts`.
    fn project(
        &self,
        db: &Connection,
        doc_id: &DocId,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: Option<ObjId>,
        conflicts: &mut Vec<RawConflict>,
    ) -> Result<()>;

    /// [`RecordKind::project`] in two steps: reads the record now and returns the writing
    /// of its rows. The reading touches no SQLite, so a large merge reads on the second
    /// core while the first writes ([`crate::projection::project`]). By default
    /// everything happens in the writing; kinds whose records come by the thousand
    /// (orders, movements) read here.
    fn read<'a>(
        &'a self,
        doc_id: &'a DocId,
        view: View<'a, Automerge>,
        rec: &'a RecordRef,
        obj: Option<ObjId>,
    ) -> Rows<'a> {
        Box::new(move |db, conflicts| self.project(db, doc_id, view, rec, obj, conflicts))
    }

    /// Runs after a write or merge projected `records` (of every kind): re-checks what
    /// depends on them (an order's stock movements, a transfer's two ends).
    fn after_project(&self, _db: &Connection, _records: &[RecordRef]) -> Result<()> {
        Ok(())
    }

    /// Finds a record of this kind by what people type (a number, a SKU, a name, an id).
    fn locate(&self, _db: &Connection, _key: &str) -> Result<Option<(RecordRef, DocId)>> {
        Ok(None)
    }

    /// How people name `rec` (its number, SKU or name), if this kind knows it.
    fn label(&self, _db: &Connection, _rec: &RecordRef) -> Result<Option<String>> {
        Ok(None)
    }

    /// The record flattened to `field → shown value` as `view` sees it, for history.
    fn fields(
        &self,
        _view: View<'_, Automerge>,
        _rec: &RecordRef,
        _obj: ObjId,
        _names: &Names,
    ) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    /// Whether the top of this kind's collection holds values rather than records (the
    /// settings).
    fn scalars_at_top(&self) -> bool {
        false
    }

    /// Checks what a change from elsewhere does to one record of this kind against the
    /// rules its own write path keeps ([`crate::rules`]); the common rules were checked.
    fn check_record(
        &self,
        _cx: &crate::rules::Context<'_>,
        _record: &crate::rules::RecordChange,
    ) -> std::result::Result<(), crate::rules::Broken> {
        Ok(())
    }

    /// Appends the broken invariants this kind watches (stock below zero, …), of the
    /// stock at `stock_site`'s warehouses only when given ([`crate::access::stock_site`]).
    fn exceptions(
        &self,
        _db: &Connection,
        _stock_site: Option<&SiteCode>,
        _out: &mut Vec<ExceptionRow>,
    ) -> Result<()> {
        Ok(())
    }
}

/// The kind that owns `collection`, and the collection's description.
pub(crate) fn owner(collection: &str) -> Option<(&'static dyn RecordKind, &'static Collection)> {
    KINDS.iter().find_map(|k| {
        k.collections()
            .iter()
            .find(|c| c.name == collection)
            .map(|c| (*k, c))
    })
}

/// Whether the top of `collection` holds values rather than records.
pub(crate) fn scalars_at_top(collection: &str) -> bool {
    owner(collection).is_some_and(|(kind, _)| kind.scalars_at_top())
}

/// The collection holding records of `record` kind (`order` → `orders`).
pub(crate) fn collection_of(record: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .flat_map(|k| k.collections())
        .find(|c| c.record == record)
        .map(|c| c.name)
}

/// The collections of a document of `kind`, in genesis order.
pub(crate) fn collections_in(kind: DocKind) -> Vec<&'static str> {
    KINDS
        .iter()
        .flat_map(|k| k.collections())
        .filter(|c| c.docs.contains(&kind))
        .map(|c| c.name)
        .collect()
}

/// Every projection table of every kind, in dump order.
pub(crate) fn table_names() -> impl Iterator<Item = &'static str> {
    KINDS.iter().flat_map(|k| k.table_names().iter().copied())
}

/// How people name a record of another kind, asked through the registry so that a kind
/// can show a record it refers to (a movement's order) without depending on its kind.
pub(crate) fn label(db: &Connection, rec: &RecordRef) -> Result<Option<String>> {
    match owner(&rec.collection) {
        Some((kind, _)) => kind.label(db, rec),
        None => Ok(None),
    }
}

/// Every record of a document, for a full projection (a rebuild).
pub(crate) fn all_records(doc: &Automerge) -> Vec<RecordRef> {
    use automerge::ReadDoc;
    KINDS
        .iter()
        .flat_map(|k| k.collections())
        .filter_map(|c| {
            let obj = crate::schema::collection_obj(doc, c.name).ok()?;
            Some(
                doc.keys(&obj)
                    .map(|key| RecordRef::new(c.name, key))
                    .collect::<Vec<_>>(),
            )
        })
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collection_and_record_name_has_one_owner() {
        let all: Vec<&Collection> = KINDS.iter().flat_map(|k| k.collections()).collect();
        for c in &all {
            assert_eq!(
                all.iter().filter(|o| o.name == c.name).count(),
                1,
                "{}",
                c.name
            );
            assert_eq!(
                all.iter().filter(|o| o.record == c.record).count(),
                1,
                "{}",
                c.record
            );
            assert_eq!(collection_of(c.record), Some(c.name));
        }
        let tables: Vec<&str> = table_names().collect();
        for t in &tables {
            assert_eq!(tables.iter().filter(|o| *o == t).count(), 1, "{t}");
        }
    }
}
