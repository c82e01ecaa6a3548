//! Query projections: SQLite tables kept current from the documents.
//!
//! After every local write or merge, only the records that changed are read back from their
//! document and their rows replaced, each by the kind that owns it ([`crate::kind`]); lists
//! and reports never walk a document. Everything here can be dropped and rebuilt from the
//! documents with identical rows ([`crate::Book::rebuild`]). This module keeps what is
//! common to every kind: open conflicts and the change log that history reads.

use std::collections::HashMap;

use automerge::{Automerge, ChangeMetadata};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::conflict::Choice;
use crate::doc_id::DocId;
use crate::error::Result;
use crate::kind::Rows;
use crate::record::RecordRef;
use crate::schema::{RawConflict, View, attribute, child_map, collection_obj};

/// The common projection tables (each kind adds its own).
pub(crate) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS conflicts (
    kind TEXT NOT NULL, record TEXT NOT NULL, field TEXT NOT NULL, doc TEXT NOT NULL,
    choices TEXT NOT NULL, PRIMARY KEY (kind, record, field)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
    hash TEXT PRIMARY KEY, doc TEXT NOT NULL, device TEXT NOT NULL, seq INTEGER NOT NULL,
    at INTEGER NOT NULL, action TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS change_records (
    record TEXT NOT NULL, hash TEXT NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (record, hash)
) STRICT, WITHOUT ROWID;
";

/// The common projection tables in dump order (after every kind's).
const COMMON_TABLES: &[&str] = &["conflicts", "changes", "change_records"];

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
    /// The action a change's note names (what the change log keeps), read without
    /// copying the records it names; empty if it has none or it is not ours to read.
    fn action_of<'m>(meta: &'m ChangeMetadata<'_>) -> std::borrow::Cow<'m, str> {
        #[derive(Deserialize)]
        struct Action<'a> {
            #[serde(rename = "a", borrow)]
            action: std::borrow::Cow<'a, str>,
        }
        meta.message
            .as_deref()
            .and_then(|t| serde_json::from_str::<Action<'_>>(t).ok())
            .map(|a| a.action)
            .unwrap_or_default()
    }
}

/// Re-reads `records` from `doc`, each through the kind that owns it, and replaces their
/// rows; then lets every kind re-check what depends on them.
pub(crate) fn project(
    db: &Connection,
    doc_id: &DocId,
    doc: &Automerge,
    records: &[RecordRef],
) -> Result<()> {
    project_while(db, doc_id, doc, records, || Ok(()))
}

/// [`project`], running `first` (other writes of the same transaction, such as the change
/// log) before any row is replaced. For a large batch (a catch-up's thousands of orders)
/// two more threads read the records from the document meanwhile, and while this one
/// writes their rows, in the records' order.
pub(crate) fn project_while(
    db: &Connection,
    doc_id: &DocId,
    doc: &Automerge,
    records: &[RecordRef],
    first: impl FnOnce() -> Result<()>,
) -> Result<()> {
    // Open conflicts are rare: while the book has none, a record's rows are written
    // without first deleting its conflicts (a month's catch-up writes 12,000 records).
    let conflicts_kept = std::cell::Cell::new(any_conflicts(db)?);
    let write = |(rec, rows): (&RecordRef, Rows<'_>)| -> Result<()> {
        let mut conflicts = Vec::new();
        rows(db, &mut conflicts)?;
        if conflicts_kept.get() || !conflicts.is_empty() {
            conflicts_kept.set(true);
            replace_conflicts(db, doc_id, doc, rec, &conflicts)?;
        }
        Ok(())
    };
    let in_one_pass = InOnePass::of(records);
    if records.len() < crate::repo::PARALLEL_FROM {
        first()?;
        let mut collection = CollectionAt::default();
        records
            .iter()
            .filter_map(|rec| read_record(doc_id, doc, rec, &mut collection, &in_one_pass))
            .try_for_each(write)?;
    } else {
        // Reading a record from the document costs more than writing its rows: two
        // threads read, each every other run of records, and this one writes them in
        // order.
        let in_one_pass = &in_one_pass;
        let reader = |turn: usize| {
            let mut collection = CollectionAt::default();
            records
                .chunks(READ_RUN)
                .skip(turn)
                .step_by(2)
                .flatten()
                .map(move |rec| read_record(doc_id, doc, rec, &mut collection, in_one_pass))
        };
        std::thread::scope(|s| {
            // Room for what is read while `first` runs; bounded, so that a failed write
            // stops the reading soon after.
            let mut readers = [
                crate::ahead::ahead(s, READ_AHEAD / 2, reader(0)),
                crate::ahead::ahead(s, READ_AHEAD / 2, reader(1)),
            ];
            first()?;
            (0..records.len())
                .filter_map(|at| readers[at / READ_RUN % 2].next().flatten())
                .try_for_each(write)
        })?;
    }
    let _stage = tracing::debug_span!("after_project").entered();
    for kind in crate::kind::KINDS {
        kind.after_project(db, records)?;
    }
    Ok(())
}

/// The most records read ahead of their writing.
const READ_AHEAD: usize = 8192;

/// How many records in a row one reading thread reads (a collection's records come
/// together, and each run finds its collection once).
const READ_RUN: usize = 32;

/// From how many of a collection's records a batch finds them all in one pass over the
/// collection rather than a seek each (a catch-up reads a month's records).
const IN_ONE_PASS_FROM: usize = 1024;

/// A collection's record objects by key.
type RecordObjs = HashMap<String, automerge::ObjId>;

/// The collections of which a batch reads many records, each walked once, when first
/// needed, into its records' objects by key: shared by the threads that read them.
struct InOnePass<'a>(HashMap<&'a str, std::sync::OnceLock<RecordObjs>>);

impl<'a> InOnePass<'a> {
    /// The collections with at least [`IN_ONE_PASS_FROM`] of `records` (sorted, so a
    /// collection's come together).
    fn of(records: &'a [RecordRef]) -> Self {
        InOnePass(
            records
                .chunk_by(|a, b| a.collection == b.collection)
                .filter(|run| run.len() >= IN_ONE_PASS_FROM)
                .map(|run| (run[0].collection.as_str(), std::sync::OnceLock::new()))
                .collect(),
        )
    }

    /// The record objects of `name` (found at `coll` in `doc`), if it is walked in one
    /// pass.
    fn records(&self, doc: &Automerge, name: &str, coll: &automerge::ObjId) -> Option<&RecordObjs> {
        let once = self.0.get(name)?;
        Some(once.get_or_init(|| View::now(doc).map_children(coll).into_iter().collect()))
    }
}

/// The collection object records were last read from: a batch's records come sorted, a
/// collection's together, so each collection is found once.
#[derive(Default)]
struct CollectionAt<'a> {
    name: &'a str,
    obj: Option<automerge::ObjId>,
    /// The collection's record objects by key, when found in one pass.
    records: Option<&'a RecordObjs>,
}

/// Reads `rec` from `doc` through the kind that owns it: the record and the writing of
/// its rows (`None` for a collection no kind owns or the document lacks).
fn read_record<'a>(
    doc_id: &'a DocId,
    doc: &'a Automerge,
    rec: &'a RecordRef,
    last: &mut CollectionAt<'a>,
    in_one_pass: &'a InOnePass<'a>,
) -> Option<(&'a RecordRef, Rows<'a>)> {
    let (kind, _) = crate::kind::owner(&rec.collection)?;
    if last.obj.is_none() || last.name != rec.collection {
        let coll = collection_obj(doc, &rec.collection).ok()?;
        last.records = in_one_pass.records(doc, &rec.collection, &coll);
        last.name = &rec.collection;
        last.obj = Some(coll);
    }
    let obj = match &last.records {
        Some(records) => records.get(&rec.key).cloned(),
        None => child_map(doc, last.obj.as_ref()?, &rec.key),
    };
    Some((rec, kind.read(doc_id, View::now(doc), rec, obj)))
}

/// Whether the book keeps any open conflict.
fn any_conflicts(db: &Connection) -> Result<bool> {
    Ok(db
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM conflicts)")?
        .query_row([], |r| r.get(0))?)
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

/// A batch's changes as the change log stores them: every change since `since`, owned,
/// so that a large merge can read them from the document it will leave on the second
/// core while the rules judge the batch, and keep them once that document moves.
pub(crate) struct LogEntries {
    /// The heads the entries come after.
    pub since: Vec<automerge::ChangeHash>,
    entries: Vec<LogEntry>,
    /// The authors' devices as stored (a batch has a handful of authors).
    devices: Vec<String>,
}

/// One change of a [`LogEntries`].
struct LogEntry {
    hash: automerge::ChangeHash,
    /// The hash as stored.
    hex: String,
    /// Its author in [`LogEntries::devices`]; `None` for the genesis, which belongs to
    /// nobody's history.
    device: Option<usize>,
    seq: i64,
    at: i64,
    action: String,
}

impl LogEntries {
    /// The changes of `doc` since `since`; those by `genesis` are the document's genesis.
    pub fn of(
        doc: &Automerge,
        genesis: &automerge::ActorId,
        since: &[automerge::ChangeHash],
    ) -> LogEntries {
        let mut authors: Vec<&automerge::ActorId> = Vec::new();
        let mut devices = Vec::new();
        let metas = doc.get_changes_meta(since);
        let entries = metas
            .iter()
            .map(|meta| {
                let device = (*meta.actor != *genesis).then(|| {
                    authors
                        .iter()
                        .position(|a| **a == *meta.actor)
                        .unwrap_or_else(|| {
                            authors.push(&meta.actor);
                            devices.push(meta.actor.to_hex_string());
                            devices.len() - 1
                        })
                });
                LogEntry {
                    hash: meta.hash,
                    hex: meta.hash.to_string(),
                    device,
                    seq: meta.seq as i64,
                    at: meta.timestamp,
                    action: ChangeNote::action_of(meta).into_owned(),
                }
            })
            .collect();
        LogEntries {
            since: since.to_vec(),
            entries,
            devices,
        }
    }

    /// The changes' hashes, in order.
    pub fn hashes(&self) -> impl Iterator<Item = automerge::ChangeHash> + '_ {
        self.entries.iter().map(|e| e.hash)
    }

    /// How many of the changes are someone's (not the genesis).
    pub fn authored(&self) -> usize {
        self.entries.iter().filter(|e| e.device.is_some()).count()
    }
}

/// The change log of a batch for history: every change but the genesis, with the records
/// its operations touched. Finding them reads only the document, so a large merge does it
/// before writing anything and reads the records' projections meanwhile
/// ([`project_while`]).
pub(crate) struct ChangeLog<'a> {
    entries: &'a LogEntries,
    /// Per entry: the records it touched (`None` for the genesis).
    touched: Vec<Option<std::borrow::Cow<'a, [RecordRef]>>>,
}

impl<'a> ChangeLog<'a> {
    /// The log of `entries`, changes of `doc`. `known` holds the records of changes the
    /// rules read already and `decoded` the operations of changes read already; the
    /// others are read here.
    pub fn of(
        doc: &'a Automerge,
        entries: &'a LogEntries,
        decoded: &std::collections::HashMap<automerge::ChangeHash, crate::record::RawTouches>,
        known: &'a crate::record::RecordsByChange,
    ) -> ChangeLog<'a> {
        use std::borrow::Cow;
        let mut finder = crate::record::Touched::new(doc);
        let touched = entries
            .entries
            .iter()
            .map(|entry| {
                // Every change but the genesis is someone's, note or no note.
                entry.device?;
                if let Some(records) = known.get(&entry.hash) {
                    return Some(Cow::Borrowed(records.as_slice()));
                }
                let records = match decoded.get(&entry.hash) {
                    Some(raw) => finder.records(raw),
                    None => automerge::ReadDoc::get_change_by_hash(doc, &entry.hash)
                        .map(|full| finder.records(&crate::record::raw_touches(&full)))
                        .unwrap_or_default(),
                };
                Some(Cow::Owned(records))
            })
            .collect();
        ChangeLog { entries, touched }
    }

    /// Every record the changes touched, sorted, each once.
    pub fn records(&self) -> Vec<RecordRef> {
        // A month touches each order a few times: only the distinct ones are sorted and
        // copied.
        let distinct: foldhash::HashSet<&RecordRef> = self
            .touched
            .iter()
            .flatten()
            .flat_map(|r| r.iter())
            .collect();
        let mut all: Vec<&RecordRef> = distinct.into_iter().collect();
        all.sort_unstable();
        all.into_iter().cloned().collect()
    }

    /// Stores the log (author device, time, action, the records each change touched).
    /// Rows go in in key order: hashes are random, and a month's rows inserted as they
    /// come split and rewrite pages all over both tables' trees.
    pub fn write(&self, db: &Connection, doc_id: &DocId) -> Result<()> {
        let mut change =
            db.prepare_cached("INSERT OR IGNORE INTO changes VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
        let mut link =
            db.prepare_cached("INSERT OR IGNORE INTO change_records VALUES (?1, ?2, ?3)")?;
        let doc = doc_id.to_string();
        let mut logged: Vec<(&LogEntry, &[RecordRef], usize)> = self
            .entries
            .entries
            .iter()
            .zip(&self.touched)
            .filter_map(|(entry, touched)| Some((entry, touched.as_deref()?, entry.device?)))
            .collect();
        logged.sort_unstable_by(|a, b| a.0.hex.cmp(&b.0.hex));
        let mut links = Vec::with_capacity(logged.len() * 2);
        for (entry, records, device) in logged {
            change.execute(params![
                entry.hex,
                doc,
                self.entries.devices[device],
                entry.seq,
                entry.at,
                entry.action
            ])?;
            links.extend(records.iter().map(|r| (r.label(), entry)));
        }
        links.sort_unstable_by(|a, b| (&a.0, &a.1.hex).cmp(&(&b.0, &b.1.hex)));
        for (label, entry) in links {
            link.execute(params![label, entry.hex, entry.at])?;
        }
        Ok(())
    }
}

/// Empties every projection table (before a rebuild).
pub(crate) fn clear(db: &Connection) -> Result<()> {
    for table in all_tables() {
        db.execute(&format!("DELETE FROM {table}"), [])?;
    }
    Ok(())
}

/// A stable text dump of every projection table, sorted, for comparing replicas.
pub(crate) fn dump(db: &Connection) -> Result<String> {
    let mut out = String::new();
    for table in all_tables() {
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

/// Every projection table: each kind's, then the common ones.
pub(crate) fn all_tables() -> impl Iterator<Item = &'static str> {
    crate::kind::table_names().chain(COMMON_TABLES.iter().copied())
}
