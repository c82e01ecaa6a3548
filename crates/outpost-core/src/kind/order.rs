//! Sales and purchase orders, in the `ops` document of the site and month they were
//! created in: the header and lines are registers while the order is a draft, status
//! events are appended, and the status is their fold. Shipping or receiving writes the
//! stock movements that fulfil the order in the same change.

mod edit;
mod form;
mod layout;
mod model;
mod projection;
mod query;
mod rules;
mod write;

use std::collections::BTreeMap;

use automerge::{Automerge, ObjId};
use rusqlite::{Connection, OptionalExtension};

use super::{Collection, Names};
use crate::doc_id::{DocId, DocKind};
use crate::error::Result;
use crate::exception::ExceptionRow;
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::schema::{RawConflict, View};

pub use form::{LineForm, LinePreview, OrderForm, OrderPreview};
pub(crate) use layout::{CheckedLine, OrderDraft, order_in, put_event, put_fulfilment, put_order};
pub use model::{Action, Line, Order, OrderKind, Status, StatusEvent, fold_status};
pub use query::{EventRow, LineRow, OrderDetail, OrderFilter, OrderRow, OrderSort};
pub use write::{LineEdit, NewLine, NewOrder, OrderEdit};

/// The collection of orders.
pub(crate) const ORDERS: &str = "orders";

/// The order kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[Collection {
            name: ORDERS,
            record: "order",
            docs: &[DocKind::Ops],
        }]
    }

    fn tables(&self) -> &'static str {
        projection::TABLES
    }

    fn table_names(&self) -> &'static [&'static str] {
        projection::TABLE_NAMES
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
        projection::check_orders(db, records)
    }

    fn check_record(
        &self,
        cx: &crate::rules::Context<'_>,
        change: &crate::rules::RecordChange,
    ) -> std::result::Result<(), crate::rules::Broken> {
        rules::check(cx, change)
    }

    fn locate(&self, db: &Connection, key: &str) -> Result<Option<(RecordRef, DocId)>> {
        Ok(query::locate(db, key)
            .ok()
            .map(|(id, doc)| (RecordRef::new(ORDERS, id.as_str()), doc)))
    }

    fn label(&self, db: &Connection, rec: &RecordRef) -> Result<Option<String>> {
        Ok(db
            .prepare_cached("SELECT number FROM orders WHERE id = ?1")?
            .query_row([&rec.key], |r| r.get(0))
            .optional()?)
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
        _stock_site: Option<&crate::code::SiteCode>,
        out: &mut Vec<ExceptionRow>,
    ) -> Result<()> {
        projection::exceptions(db, out)
    }
}

/// Orders: [`crate::Book::orders`].
pub struct Orders<'a> {
    pub(crate) repo: &'a mut Repo,
}

/// Takes step `action` (invoice, pay) on order `id` when its status allows it, and
/// nothing otherwise: what billing records on the orders it bills and settles, by whoever
/// issues the invoice or records the payment, at any site.
pub(crate) fn record_billing_status(
    repo: &mut Repo,
    id: &crate::id::OrderId,
    action: Action,
    note: &str,
    at: jiff::Timestamp,
) -> Result<()> {
    let (_, doc_id) = query::locate(repo.db(), id.as_str())?;
    let me = repo.me()?;
    let name = if action == Action::Pay {
        "order.pay"
    } else {
        "order.invoice"
    };
    repo.write(&doc_id, at, |tx| {
        let (obj, order) = order_in(tx, id)?;
        let mut touched = Vec::new();
        if action.allowed(order.kind, order.status()) {
            put_event(tx, &obj, action.target(), &me.id, note, None, at)?;
            touched.push(layout::order_ref(id));
        }
        Ok(crate::repo::Written::new((), name, touched))
    })
}
