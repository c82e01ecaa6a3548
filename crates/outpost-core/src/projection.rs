//! Query projections: SQLite tables kept current from the documents.
//!
//! After every local write or merge, only the records that changed are read back from their
//! document and their rows replaced; lists and reports never walk a document. Everything
//! here can be dropped and rebuilt from the documents with identical rows
//! ([`crate::Book::rebuild`]).

use automerge::{Automerge, ChangeMetadata};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::checks::{self, Touched};
use crate::doc_id::DocId;
use crate::error::Result;
use crate::order::read_order;
use crate::org::{
    PartyKind, read_device, read_invite, read_item, read_party, read_site, read_warehouse,
};
use crate::record::RecordRef;
use crate::schema::{RawConflict, View, attribute, child_map, collection, collection_obj};
use crate::stock::read_movement;
use crate::task::read_task;

/// The projection tables. Dropped and recreated by a rebuild.
pub(crate) const TABLES: &str = "
CREATE TABLE sites (code TEXT PRIMARY KEY, name TEXT NOT NULL) STRICT;
CREATE TABLE warehouses (code TEXT PRIMARY KEY, site TEXT NOT NULL, name TEXT NOT NULL) STRICT;
CREATE TABLE devices (
    id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, site TEXT NOT NULL,
    role TEXT NOT NULL, joined_at INTEGER NOT NULL, revoked INTEGER NOT NULL, revoked_at INTEGER
) STRICT;
CREATE TABLE invites (
    id TEXT PRIMARY KEY, role TEXT NOT NULL, site TEXT NOT NULL, created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_by TEXT
) STRICT;
CREATE TABLE items (
    id TEXT PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL,
    price INTEGER NOT NULL, low_stock INTEGER NOT NULL
) STRICT;
CREATE INDEX items_by_sku ON items(sku);
CREATE TABLE parties (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL,
    address TEXT NOT NULL
) STRICT;
CREATE TABLE orders (
    id TEXT PRIMARY KEY, number TEXT NOT NULL, doc TEXT NOT NULL, kind TEXT NOT NULL,
    site TEXT NOT NULL, warehouse TEXT NOT NULL, party TEXT, note TEXT NOT NULL,
    status TEXT NOT NULL, total INTEGER NOT NULL, submitted_total INTEGER,
    created_at INTEGER NOT NULL, created_by TEXT NOT NULL
) STRICT;
CREATE INDEX orders_by_number ON orders(number);
CREATE INDEX orders_by_site_status ON orders(site, status, created_at);
CREATE INDEX orders_by_status ON orders(status, created_at);
CREATE INDEX orders_by_created ON orders(created_at);
CREATE TABLE order_lines (
    order_id TEXT NOT NULL, line_id TEXT NOT NULL, pos INTEGER NOT NULL, item TEXT NOT NULL,
    qty INTEGER NOT NULL, price INTEGER NOT NULL, discount INTEGER NOT NULL,
    amount INTEGER NOT NULL, PRIMARY KEY (order_id, line_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE order_events (
    order_id TEXT NOT NULL, pos INTEGER NOT NULL, status TEXT NOT NULL, at INTEGER NOT NULL,
    device TEXT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (order_id, pos)
) STRICT, WITHOUT ROWID;
CREATE TABLE movements (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, kind TEXT NOT NULL, item TEXT NOT NULL,
    warehouse TEXT NOT NULL, qty INTEGER NOT NULL, at INTEGER NOT NULL, device TEXT NOT NULL,
    order_id TEXT, transfer TEXT, counterpart TEXT, note TEXT NOT NULL
) STRICT;
CREATE INDEX movements_by_item ON movements(item, warehouse, at);
CREATE INDEX movements_by_order ON movements(order_id) WHERE order_id IS NOT NULL;
CREATE INDEX movements_by_transfer ON movements(transfer) WHERE transfer IS NOT NULL;
CREATE INDEX movements_by_at ON movements(at);
CREATE TABLE stock_levels (
    item TEXT NOT NULL, warehouse TEXT NOT NULL, qty INTEGER NOT NULL,
    PRIMARY KEY (item, warehouse)
) STRICT, WITHOUT ROWID;
CREATE TABLE tasks (
    id TEXT PRIMARY KEY, number TEXT NOT NULL, doc TEXT NOT NULL, site TEXT NOT NULL,
    title TEXT NOT NULL, description TEXT NOT NULL, owner TEXT NOT NULL, due TEXT,
    priority TEXT NOT NULL, status TEXT NOT NULL, link TEXT NOT NULL,
    created_at INTEGER NOT NULL, created_by TEXT NOT NULL
) STRICT;
CREATE INDEX tasks_by_status ON tasks(status, due);
CREATE INDEX tasks_by_number ON tasks(number);
CREATE TABLE task_comments (
    task_id TEXT NOT NULL, comment_id TEXT NOT NULL, at INTEGER NOT NULL,
    device TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (task_id, comment_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE conflicts (
    kind TEXT NOT NULL, record TEXT NOT NULL, field TEXT NOT NULL, doc TEXT NOT NULL,
    choices TEXT NOT NULL, PRIMARY KEY (kind, record, field)
) STRICT, WITHOUT ROWID;
CREATE TABLE changes (
    hash TEXT PRIMARY KEY, doc TEXT NOT NULL, device TEXT NOT NULL, seq INTEGER NOT NULL,
    at INTEGER NOT NULL, action TEXT NOT NULL
) STRICT;
CREATE TABLE change_records (
    record TEXT NOT NULL, hash TEXT NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (record, hash)
) STRICT, WITHOUT ROWID;
";

/// Projection tables in dump order.
pub(crate) const TABLE_NAMES: &[&str] = &[
    "sites",
    "warehouses",
    "devices",
    "invites",
    "items",
    "parties",
    "orders",
    "order_lines",
    "order_events",
    "movements",
    "stock_levels",
    "tasks",
    "task_comments",
    "conflicts",
    "changes",
    "change_records",
    "order_checks",
    "transfer_checks",
];

/// What a change's commit message says: the action and the records it touched. Stored in
/// the change itself, so history reads the same on every device.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct ChangeNote {
    /// Action name, e.g. `order.ship`.
    #[serde(rename = "a")]
    pub action: String,
    /// Records touched, as `kind:key`.
    #[serde(rename = "r", default)]
    pub records: Vec<String>,
}

impl ChangeNote {
    /// The note of a change; empty if it has none or it is not ours to read.
    pub(crate) fn of(meta: &ChangeMetadata<'_>) -> ChangeNote {
        meta.message
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }
}

/// Re-reads `records` from `doc` and replaces their rows.
pub(crate) fn project(
    db: &Connection,
    doc_id: &DocId,
    doc: &Automerge,
    records: &[RecordRef],
) -> Result<()> {
    let mut touched = Touched::default();
    for rec in records {
        project_one(db, doc_id, doc, rec, &mut touched)?;
    }
    checks::refresh(db, &touched)
}

fn project_one(
    db: &Connection,
    doc_id: &DocId,
    doc: &Automerge,
    rec: &RecordRef,
    touched: &mut Touched,
) -> Result<()> {
    let Ok(coll) = collection_obj(doc, &rec.collection) else {
        return Ok(());
    };
    let obj = child_map(doc, &coll, &rec.key);
    let key = rec.key.as_str();
    let mut conflicts = Vec::new();
    let c = &mut conflicts;
    match rec.collection.as_str() {
        collection::ORDERS => {
            touched.orders.push(key.to_string());
            delete_order(db, key)?;
            if let Some(o) = obj.and_then(|obj| read_order(View::now(doc), key, obj, c)) {
                insert_order(db, doc_id, &o)?;
            }
        }
        collection::MOVEMENTS => {
            if let Some(m) = obj.and_then(|obj| read_movement(View::now(doc), key, obj, c)) {
                touched
                    .orders
                    .extend(m.order.iter().map(|o| o.as_str().to_string()));
                touched
                    .transfers
                    .extend(m.transfer.iter().map(|t| t.as_str().to_string()));
                insert_movement(db, doc_id, &m)?;
            }
        }
        collection::TASKS => {
            db.prepare_cached("DELETE FROM tasks WHERE id = ?1")?
                .execute([key])?;
            db.prepare_cached("DELETE FROM task_comments WHERE task_id = ?1")?
                .execute([key])?;
            if let Some(t) = obj.and_then(|obj| read_task(View::now(doc), key, obj, c)) {
                insert_task(db, doc_id, &t)?;
            }
        }
        collection::ITEMS => {
            db.prepare_cached("DELETE FROM items WHERE id = ?1")?
                .execute([key])?;
            if let Some(i) = obj.and_then(|obj| read_item(View::now(doc), key, obj, c)) {
                db.prepare_cached("INSERT INTO items VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                    .execute(params![
                        i.id.as_str(),
                        i.sku,
                        i.name,
                        i.unit,
                        i.price.0,
                        i.low_stock
                    ])?;
            }
        }
        collection::CUSTOMERS | collection::SUPPLIERS => {
            let kind = if rec.collection == collection::CUSTOMERS {
                PartyKind::Customer
            } else {
                PartyKind::Supplier
            };
            db.prepare_cached("DELETE FROM parties WHERE id = ?1")?
                .execute([key])?;
            if let Some(p) = obj.and_then(|obj| read_party(View::now(doc), kind, key, obj, c)) {
                db.prepare_cached("INSERT INTO parties VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![
                        p.id.as_str(),
                        p.kind.as_str(),
                        p.name,
                        p.phone,
                        p.address
                    ])?;
            }
        }
        collection::SITES => {
            db.prepare_cached("DELETE FROM sites WHERE code = ?1")?
                .execute([key])?;
            if let Some(s) = obj.and_then(|obj| read_site(View::now(doc), key, obj, c)) {
                db.prepare_cached("INSERT INTO sites VALUES (?1, ?2)")?
                    .execute(params![s.code.as_str(), s.name])?;
            }
        }
        collection::WAREHOUSES => {
            db.prepare_cached("DELETE FROM warehouses WHERE code = ?1")?
                .execute([key])?;
            if let Some(w) = obj.and_then(|obj| read_warehouse(View::now(doc), key, obj, c)) {
                db.prepare_cached("INSERT INTO warehouses VALUES (?1, ?2, ?3)")?
                    .execute(params![w.code.as_str(), w.site.as_str(), w.name])?;
            }
        }
        collection::DEVICES => {
            db.prepare_cached("DELETE FROM devices WHERE id = ?1")?
                .execute([key])?;
            if let Some(d) = obj.and_then(|obj| read_device(View::now(doc), key, obj, c)) {
                db.prepare_cached("INSERT INTO devices VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?
                    .execute(params![
                        d.id.as_str(),
                        d.code.as_str(),
                        d.name,
                        d.site.as_str(),
                        d.role.as_str(),
                        d.joined_at_ms,
                        d.revoked,
                        d.revoked_at_ms
                    ])?;
            }
        }
        collection::INVITES => {
            db.prepare_cached("DELETE FROM invites WHERE id = ?1")?
                .execute([key])?;
            if let Some(i) = obj.and_then(|obj| read_invite(View::now(doc), key, obj, c)) {
                db.prepare_cached("INSERT INTO invites VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
                    .execute(params![
                        i.id,
                        i.role.as_str(),
                        i.site.as_str(),
                        i.created_by.as_str(),
                        i.created_at_ms,
                        i.expires_at_ms,
                        i.used_by.as_ref().map(|d| d.as_str())
                    ])?;
            }
        }
        _ => return Ok(()),
    }
    replace_conflicts(db, doc_id, doc, rec, &conflicts)
}

fn delete_order(db: &Connection, id: &str) -> Result<()> {
    db.prepare_cached("DELETE FROM orders WHERE id = ?1")?
        .execute([id])?;
    db.prepare_cached("DELETE FROM order_lines WHERE order_id = ?1")?
        .execute([id])?;
    db.prepare_cached("DELETE FROM order_events WHERE order_id = ?1")?
        .execute([id])?;
    Ok(())
}

fn insert_order(db: &Connection, doc_id: &DocId, o: &crate::order::Order) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO orders VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        o.id.as_str(),
        o.number,
        doc_id.to_string(),
        o.kind.as_str(),
        o.site.as_str(),
        o.warehouse.as_str(),
        o.party.as_ref().map(|p| p.as_str()),
        o.note,
        o.status().as_str(),
        o.total().0,
        o.submitted_total().map(|m| m.0),
        o.created_at_ms,
        o.created_by.as_str(),
    ])?;
    let mut line_stmt =
        db.prepare_cached("INSERT INTO order_lines VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
    for (pos, l) in o.lines.iter().enumerate() {
        line_stmt.execute(params![
            o.id.as_str(),
            l.id.as_str(),
            pos as i64,
            l.item.as_str(),
            l.qty,
            l.price.0,
            l.discount.0,
            l.amount().0
        ])?;
    }
    let mut ev_stmt =
        db.prepare_cached("INSERT INTO order_events VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for (pos, e) in o.events.iter().enumerate() {
        ev_stmt.execute(params![
            o.id.as_str(),
            pos as i64,
            e.status.as_str(),
            e.at_ms,
            e.device.as_str(),
            e.note
        ])?;
    }
    Ok(())
}

/// Movements never change: a new one is inserted and added to its stock level once.
fn insert_movement(db: &Connection, doc_id: &DocId, m: &crate::stock::Movement) -> Result<()> {
    let inserted = db
        .prepare_cached(
            "INSERT OR IGNORE INTO movements
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            m.id.as_str(),
            doc_id.to_string(),
            m.kind.as_str(),
            m.item.as_str(),
            m.warehouse.as_str(),
            m.qty,
            m.at_ms,
            m.device.as_str(),
            m.order.as_ref().map(|o| o.as_str()),
            m.transfer.as_ref().map(|t| t.as_str()),
            m.counterpart.as_ref().map(|c| c.as_str()),
            m.note,
        ])?;
    if inserted == 1 {
        db.prepare_cached(
            "INSERT INTO stock_levels(item, warehouse, qty) VALUES (?1, ?2, ?3)
             ON CONFLICT(item, warehouse) DO UPDATE SET qty = qty + excluded.qty",
        )?
        .execute(params![m.item.as_str(), m.warehouse.as_str(), m.qty])?;
    }
    Ok(())
}

fn insert_task(db: &Connection, doc_id: &DocId, t: &crate::task::Task) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO tasks VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        t.id.as_str(),
        t.number,
        doc_id.to_string(),
        t.site.as_str(),
        t.title,
        t.description,
        t.owner,
        t.due,
        t.priority.as_str(),
        t.status.as_str(),
        t.link,
        t.created_at_ms,
        t.created_by.as_str(),
    ])?;
    let mut stmt = db.prepare_cached("INSERT INTO task_comments VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for c in &t.comments {
        stmt.execute(params![
            t.id.as_str(),
            c.id.as_str(),
            c.at_ms,
            c.device.as_str(),
            c.text
        ])?;
    }
    Ok(())
}

/// One value of a conflicted field, with who wrote it and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The value as JSON (text, integer, boolean or null).
    pub value: serde_json::Value,
    /// The device that wrote it (hex id).
    pub device: String,
    /// When it was written (ms), as the author recorded it.
    pub at_ms: i64,
}

fn replace_conflicts(
    db: &Connection,
    doc_id: &DocId,
    doc: &Automerge,
    rec: &RecordRef,
    found: &[RawConflict],
) -> Result<()> {
    db.prepare_cached("DELETE FROM conflicts WHERE kind = ?1 AND record = ?2")?
        .execute(params![rec.kind(), rec.key])?;
    for conflict in found {
        let choices: Vec<Choice> = conflict
            .values
            .iter()
            .map(|v| {
                let who = attribute(doc, &v.op);
                Choice {
                    value: v.value.clone(),
                    device: who.as_ref().map(|w| w.device.clone()).unwrap_or_default(),
                    at_ms: who.map(|w| w.at_ms).unwrap_or_default(),
                }
            })
            .collect();
        db.prepare_cached("INSERT OR REPLACE INTO conflicts VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![
                rec.kind(),
                rec.key,
                conflict.field,
                doc_id.to_string(),
                serde_json::to_string(&choices).unwrap_or_default()
            ])?;
    }
    Ok(())
}

/// Logs changes (author device, time, action, records) for history.
pub(crate) fn record_changes(
    db: &Connection,
    doc_id: &DocId,
    metas: &[ChangeMetadata<'_>],
) -> Result<()> {
    let mut change =
        db.prepare_cached("INSERT OR IGNORE INTO changes VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    let mut link = db.prepare_cached("INSERT OR IGNORE INTO change_records VALUES (?1, ?2, ?3)")?;
    for meta in metas {
        // The genesis change has no note and belongs to nobody's history.
        if meta.message.is_none() {
            continue;
        }
        let note = ChangeNote::of(meta);
        let hash = meta.hash.to_string();
        change.execute(params![
            hash,
            doc_id.to_string(),
            meta.actor.to_hex_string(),
            meta.seq as i64,
            meta.timestamp,
            note.action
        ])?;
        for record in &note.records {
            link.execute(params![record, hash, meta.timestamp])?;
        }
    }
    Ok(())
}

/// Every record of a document, for a full projection.
pub(crate) fn all_records(doc: &Automerge) -> Vec<RecordRef> {
    use automerge::ReadDoc;
    let mut out = Vec::new();
    for name in collection::OF_ORG.iter().chain(collection::OF_OPS) {
        if let Ok(obj) = collection_obj(doc, name) {
            out.extend(doc.keys(&obj).map(|k| RecordRef::new(name, k)));
        }
    }
    out
}

/// Empties every projection table (before a rebuild).
pub(crate) fn clear(db: &Connection) -> Result<()> {
    for table in TABLE_NAMES {
        db.execute(&format!("DELETE FROM {table}"), [])?;
    }
    Ok(())
}

/// A stable text dump of every projection table, sorted, for comparing replicas.
pub(crate) fn dump(db: &Connection) -> Result<String> {
    let mut out = String::new();
    for table in TABLE_NAMES {
        let mut stmt = db.prepare(&format!("SELECT * FROM {table}"))?;
        let columns = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |row| {
                let mut cells = Vec::with_capacity(columns);
                for i in 0..columns {
                    let cell: rusqlite::types::Value = row.get(i)?;
                    cells.push(format!("{cell:?}"));
                }
                Ok(cells.join("|"))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.sort();
        out.push_str(&format!("[{table}] {}\n", rows.len()));
        for row in rows {
            out.push_str(&row);
            out.push('\n');
        }
    }
    Ok(out)
}
