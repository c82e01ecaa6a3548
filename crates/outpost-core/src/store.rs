//! The device's SQLite file: document chunks, device metadata and the projection tables.
//!
//! Every write runs in one SQLite transaction with `synchronous=FULL` in WAL mode: the
//! Automerge chunk and the projection rows it changes are committed together, so a write
//! reported done survives `kill -9` and power loss, and the projections never disagree
//! with the documents after a crash. The log is copied into the database file by a
//! thread of its own after commits ([`Checkpointer`]), not inside them.

use std::path::Path;

use automerge::{Automerge, ReadDoc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::cipher::BookKey;
use crate::doc_id::DocId;
use crate::error::{Error, Result};

mod checkpoint;

pub(crate) use checkpoint::Checkpointer;

/// Version of the table layout. Bump with a migration step in [`migrate`].
const DB_VERSION: i64 = 4;

/// After this many incremental chunks a document is compacted into one snapshot.
pub(crate) const COMPACT_AFTER_CHUNKS: usize = 256;

/// Chunk kinds in `doc_chunks`.
pub(crate) mod chunk {
    /// A full `save()` of the document.
    pub const SNAPSHOT: &str = "snapshot";
    /// Changes appended since the last snapshot.
    pub const CHANGES: &str = "changes";
    /// Received changes whose dependencies have not arrived yet.
    pub const PENDING: &str = "pending";
}

/// The book connection's page cache, in KiB (SQLite's default is 2 MiB). A catch-up's
/// merge or a busy hour of writes touches more pages than that: SQLite then wrote dirty
/// pages out mid-transaction and read them back, each one encrypted and decrypted again.
/// With this, a month of writes at one desk took half the time (128 → 64 s for 10,400
/// changes) and a month's merge spent 425 → 390 ms in SQLite. Grown only as used.
const CACHE_KIB: i64 = 32 * 1024;

/// Opens (creating if needed) the database file encrypted with `key`, with durable
/// settings and its own tables at this build's layout.
pub(crate) fn open(path: &Path, key: &BookKey) -> Result<Connection> {
    make_private(path)?;
    let db = crate::cipher::open_connection(path)?;
    key.apply(&db, path)?;
    // Must precede the first table; lets compaction hand freed pages back to the disk.
    db.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    db.busy_timeout(std::time::Duration::from_secs(5))?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "FULL")?;
    db.pragma_update(None, "foreign_keys", "OFF")?;
    db.pragma_update(None, "cache_size", -CACHE_KIB)?;
    migrate(&db)?;
    Ok(db)
}

/// Makes the database file, and its WAL and shared-memory files if they exist, readable
/// by the owner only; creates the file so if it does not exist yet (SQLite gives its WAL
/// and shared-memory files the database file's mode).
fn make_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        };
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                other => other.map_err(io)?,
            }
        }
    }
    Ok(())
}

pub(crate) fn migrate(db: &Connection) -> Result<()> {
    let version: i64 = db.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > DB_VERSION {
        return Err(Error::SchemaTooNew {
            found: version,
            supported: DB_VERSION,
        });
    }
    if version == DB_VERSION {
        return Ok(());
    }
    if version == 3 {
        let tx = db.unchecked_transaction()?;
        tx.execute_batch(VOUCHER_TABLES)?;
        tx.pragma_update(None, "user_version", DB_VERSION)?;
        tx.commit()?;
        return Ok(());
    }
    // Books before version 3 hold changes nobody signed, which no other device would
    // take from them any more: they are refused, not upgraded (none held real work).
    if version > 0 {
        return Err(Error::SchemaTooOld {
            found: version,
            supported: DB_VERSION,
        });
    }
    let tx = db.unchecked_transaction()?;
    tx.execute_batch(STORE_TABLES)?;
    tx.execute_batch(DRAFT_TABLES)?;
    tx.execute_batch(SIGNATURE_TABLES)?;
    tx.execute_batch(VOUCHER_TABLES)?;
    tx.pragma_update(None, "user_version", DB_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// What a person typed into a form and has not saved yet, kept on this device only (never
/// synced): `key` names the form and record, `body` is the form's own JSON.
const DRAFT_TABLES: &str = "
CREATE TABLE IF NOT EXISTS drafts (key TEXT PRIMARY KEY, body TEXT NOT NULL, saved_at INTEGER NOT NULL) STRICT;
";

/// Every change's signature by its author, kept beside it and sent with it.
const SIGNATURE_TABLES: &str = "
CREATE TABLE change_sigs (hash BLOB PRIMARY KEY, doc TEXT NOT NULL, sig BLOB NOT NULL)
    STRICT, WITHOUT ROWID;
CREATE INDEX change_sigs_by_doc ON change_sigs(doc);
";

/// Signed changes kept only to prove others (version 4): an author's signature on its
/// latest change vouches for its earlier ones, and when that latest change was not applied
/// here (refused, held) the earlier ones it vouched for are passed on with it as proof.
const VOUCHER_TABLES: &str = "
CREATE TABLE vouchers (
    hash BLOB PRIMARY KEY,
    doc TEXT NOT NULL,
    actor BLOB NOT NULL,
    seq INTEGER NOT NULL,
    change BLOB NOT NULL,
    sig BLOB NOT NULL
) STRICT;
CREATE INDEX vouchers_by_author ON vouchers(doc, actor, seq);
";

const STORE_TABLES: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE doc_chunks (
    id INTEGER PRIMARY KEY,
    doc TEXT NOT NULL,
    kind TEXT NOT NULL,
    data BLOB NOT NULL
) STRICT;
CREATE INDEX doc_chunks_by_doc ON doc_chunks(doc, id);
-- What another device had of each document, as it told us in its last bundle.
CREATE TABLE peer_heads (
    device TEXT NOT NULL,
    doc TEXT NOT NULL,
    heads BLOB NOT NULL,
    PRIMARY KEY (device, doc)
) STRICT;
-- Each stored document's current heads, so a sync hello needs no document loaded.
CREATE TABLE doc_heads (doc TEXT PRIMARY KEY, heads BLOB NOT NULL) STRICT;
-- Automerge sync state per peer per document (its shared heads), to resume a session.
CREATE TABLE sync_states (
    peer TEXT NOT NULL,
    doc TEXT NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (peer, doc)
) STRICT;
-- Changes held back for an admin's decision: a revoked device's late changes, kept whole.
CREATE TABLE held_changes (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    author TEXT NOT NULL,
    from_peer TEXT NOT NULL,
    reason TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    at INTEGER NOT NULL,
    change BLOB NOT NULL,
    sig BLOB
) STRICT;
-- Changes received and not applied because their author may not write the document.
CREATE TABLE refused_changes (
    hash TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    author TEXT NOT NULL,
    from_peer TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
) STRICT;
";

fn heads_bytes(heads: &[automerge::ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

fn heads_of(bytes: &[u8]) -> Vec<automerge::ChangeHash> {
    bytes
        .chunks_exact(32)
        .filter_map(|c| automerge::ChangeHash::try_from(c).ok())
        .collect()
}

/// Records a document's current heads.
pub(crate) fn set_doc_heads(
    db: &Connection,
    doc: &DocId,
    heads: &[automerge::ChangeHash],
) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO doc_heads(doc, heads) VALUES (?1, ?2)
         ON CONFLICT(doc) DO UPDATE SET heads = excluded.heads",
    )?
    .execute(params![doc.to_string(), heads_bytes(heads)])?;
    Ok(())
}

/// A stored document's heads, sorted (none if the document is not stored).
pub(crate) fn doc_heads(
    db: &Connection,
    doc: &DocId,
) -> Result<Option<Vec<automerge::ChangeHash>>> {
    let bytes: Option<Vec<u8>> = db
        .prepare_cached("SELECT heads FROM doc_heads WHERE doc = ?1")?
        .query_row([doc.to_string()], |r| r.get(0))
        .optional()?;
    Ok(bytes.map(|b| {
        let mut heads = heads_of(&b);
        heads.sort();
        heads
    }))
}

/// Every stored document with its heads.
pub(crate) fn all_doc_heads(db: &Connection) -> Result<Vec<(DocId, Vec<automerge::ChangeHash>)>> {
    let mut stmt = db.prepare_cached("SELECT doc, heads FROM doc_heads ORDER BY doc")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(doc, heads)| Ok((DocId::parse(&doc)?, heads_of(&heads))))
        .collect()
}

/// The stored sync state of `peer` for `doc`.
pub(crate) fn sync_state(db: &Connection, peer: &str, doc: &DocId) -> Result<Option<Vec<u8>>> {
    Ok(db
        .prepare_cached("SELECT state FROM sync_states WHERE peer = ?1 AND doc = ?2")?
        .query_row(params![peer, doc.to_string()], |r| r.get(0))
        .optional()?)
}

/// Stores the sync state of `peer` for `doc`.
pub(crate) fn set_sync_state(db: &Connection, peer: &str, doc: &DocId, state: &[u8]) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO sync_states(peer, doc, state) VALUES (?1, ?2, ?3)
         ON CONFLICT(peer, doc) DO UPDATE SET state = excluded.state",
    )?
    .execute(params![peer, doc.to_string(), state])?;
    Ok(())
}

/// The meta key holding this device's id.
pub(crate) const META_DEVICE: &str = "device_id";

pub(crate) fn meta_get(db: &Connection, key: &str) -> Result<Option<String>> {
    Ok(db
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn meta_set(db: &Connection, key: &str, value: &str) -> Result<()> {
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Appends a chunk of a document.
pub(crate) fn put_chunk(db: &Connection, doc: &DocId, kind: &str, data: &[u8]) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    db.execute(
        "INSERT INTO doc_chunks(doc, kind, data) VALUES (?1, ?2, ?3)",
        params![doc.to_string(), kind, data],
    )?;
    Ok(())
}

/// Loads a document from its chunks; `None` if it was never stored. Returns the number of
/// chunks read, so the caller knows when to compact.
pub(crate) fn load_doc(
    db: &Connection,
    doc_id: &DocId,
) -> Result<Option<(Automerge, usize, usize)>> {
    let mut stmt = db.prepare_cached("SELECT data FROM doc_chunks WHERE doc = ?1 ORDER BY id")?;
    let mut rows = stmt.query([doc_id.to_string()])?;
    // One load of all chunks joined is far faster than a load per chunk.
    let mut joined = Vec::new();
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let data: Vec<u8> = row.get(0)?;
        joined.extend_from_slice(&data);
        count += 1;
    }
    if count == 0 {
        return Ok(None);
    }
    let mut doc = Automerge::new();
    doc.load_incremental(&joined)
        .map_err(|e| Error::corrupt(doc_id, e.to_string()))?;
    Ok(Some((doc, count, joined.len())))
}

/// A document as stored, in one piece that [`Automerge::load`] reads: its snapshot and
/// the changes appended since, without those still waiting for their dependencies.
/// `None` unless it starts with a snapshot (a document never compacted is a list of
/// changes, and small).
pub(crate) fn stored_whole(db: &Connection, doc_id: &DocId) -> Result<Option<Vec<u8>>> {
    let mut stmt = db.prepare_cached(
        "SELECT kind, data FROM doc_chunks WHERE doc = ?1 AND kind != ?2 ORDER BY id",
    )?;
    let mut rows = stmt.query(params![doc_id.to_string(), chunk::PENDING])?;
    let mut joined = Vec::new();
    let mut first = true;
    while let Some(row) = rows.next()? {
        let kind: String = row.get(0)?;
        if first && kind != chunk::SNAPSHOT {
            return Ok(None);
        }
        first = false;
        if let rusqlite::types::ValueRef::Blob(data) = row.get_ref(1)? {
            joined.extend_from_slice(data);
        }
    }
    Ok((!joined.is_empty()).then_some(joined))
}

/// What a document takes stored after [`compact`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Compacted {
    /// Its chunks: the snapshot and any changes still waiting for their dependencies.
    pub chunks: usize,
    /// Their bytes.
    pub bytes: usize,
}

/// Replaces a document's chunks by one snapshot, keeping changes still waiting for deps.
pub(crate) fn compact(db: &Connection, doc_id: &DocId, doc: &Automerge) -> Result<Compacted> {
    replace_chunks(db, doc_id, doc, &doc.save(), &[])
}

/// Replaces a document's chunks by `snapshot` (a whole document, as `save()` writes it)
/// and `changes` (stored changes it lacks), which together make `doc`; changes still
/// waiting for their dependencies are kept.
pub(crate) fn replace_chunks(
    db: &Connection,
    doc_id: &DocId,
    doc: &Automerge,
    snapshot: &[u8],
    changes: &[u8],
) -> Result<Compacted> {
    db.execute(
        "DELETE FROM doc_chunks WHERE doc = ?1 AND kind != ?2",
        params![doc_id.to_string(), chunk::PENDING],
    )?;
    put_chunk(db, doc_id, chunk::SNAPSHOT, snapshot)?;
    if !changes.is_empty() {
        put_chunk(db, doc_id, chunk::CHANGES, changes)?;
    }
    // Return the replaced chunks' pages to the file system.
    // SQLite frees one page per step of this pragma: step it to the end.
    let mut vacuum = db.prepare_cached("PRAGMA incremental_vacuum")?;
    let mut steps = vacuum.query([])?;
    while steps.next()?.is_some() {}
    let (pending, pending_bytes): (i64, i64) = if doc.get_missing_deps(&[]).is_empty() {
        db.execute(
            "DELETE FROM doc_chunks WHERE doc = ?1 AND kind = ?2",
            params![doc_id.to_string(), chunk::PENDING],
        )?;
        (0, 0)
    } else {
        db.query_row(
            "SELECT count(*), coalesce(sum(length(data)), 0) FROM doc_chunks
             WHERE doc = ?1 AND kind = ?2",
            params![doc_id.to_string(), chunk::PENDING],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
    };
    Ok(Compacted {
        chunks: 1 + usize::from(!changes.is_empty()) + usize::try_from(pending).unwrap_or(0),
        bytes: snapshot.len() + changes.len() + usize::try_from(pending_bytes).unwrap_or(0),
    })
}

/// Every stored document id.
pub(crate) fn doc_ids(db: &Connection) -> Result<Vec<DocId>> {
    let mut stmt = db.prepare("SELECT DISTINCT doc FROM doc_chunks ORDER BY doc")?;
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.iter().map(|t| DocId::parse(t)).collect()
}

/// Stores the heads another device reported for a document.
pub(crate) fn set_peer_heads(
    db: &Connection,
    device: &str,
    doc: &DocId,
    heads: &[automerge::ChangeHash],
) -> Result<()> {
    let bytes = heads_bytes(heads);
    db.execute(
        "INSERT INTO peer_heads(device, doc, heads) VALUES (?1, ?2, ?3)
         ON CONFLICT(device, doc) DO UPDATE SET heads = excluded.heads",
        params![device, doc.to_string(), bytes],
    )?;
    Ok(())
}

/// The heads another device last reported for a document (empty if unknown).
pub(crate) fn peer_heads(
    db: &Connection,
    device: &str,
    doc: &DocId,
) -> Result<Vec<automerge::ChangeHash>> {
    let bytes: Option<Vec<u8>> = db
        .query_row(
            "SELECT heads FROM peer_heads WHERE device = ?1 AND doc = ?2",
            params![device, doc.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(heads_of(&bytes.unwrap_or_default()))
}

/// Parses a text column with `f`, as a conversion error of that column if it fails.
pub(crate) fn parse_col<T>(value: String, f: impl Fn(&str) -> Result<T>) -> rusqlite::Result<T> {
    f(&value).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Re-checks `ids` with a set-based check kept in a table: `clear` deletes their old
/// rows and `check` inserts the new ones, both naming the ids as `temp.<scratch>`.
pub(crate) fn recheck(
    db: &Connection,
    scratch: &str,
    ids: &[String],
    clear: &str,
    check: &str,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    fill_scratch(db, scratch, ids)?;
    db.prepare_cached(clear)?.execute([])?;
    db.prepare_cached(check)?.execute([])?;
    Ok(())
}

/// The values, other than null, of the single column `sql` selects for `keys` (e.g. the
/// order each movement fulfils). `sql` names the keys as `keys(key)`, a table to lead its
/// joins: one statement for all of them (a catch-up asks for nine thousand).
pub(crate) fn lookup_all<'a>(
    db: &Connection,
    sql: &str,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>> {
    let keys = json_array(keys);
    let mut stmt = db.prepare_cached(&format!(
        "WITH keys(key) AS (SELECT value FROM json_each(?1)) {sql}"
    ))?;
    let found = stmt.query_map([keys], |r| r.get::<_, Option<String>>(0))?;
    let mut out = Vec::new();
    for value in found {
        out.extend(value?);
    }
    Ok(out)
}

/// `keys` as a JSON array of strings (a whole set bound to one statement parameter).
fn json_array<'a>(keys: impl IntoIterator<Item = &'a str>) -> String {
    serde_json::Value::Array(keys.into_iter().map(serde_json::Value::from).collect()).to_string()
}

/// Fills the temporary id table `table` with `ids` (created on first use). Set-based
/// checks name it first in a CROSS JOIN: SQLite has no statistics for a temporary table
/// and would otherwise scan a year of rows to meet one id.
pub(crate) fn fill_scratch(db: &Connection, table: &str, ids: &[String]) -> Result<()> {
    db.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY) WITHOUT ROWID;"
    ))?;
    db.prepare_cached(&format!("DELETE FROM temp.{table}"))?
        .execute([])?;
    db.prepare_cached(&format!(
        "INSERT OR IGNORE INTO temp.{table} SELECT value FROM json_each(?1)"
    ))?
    .execute([json_array(ids.iter().map(String::as_str))])?;
    Ok(())
}

/// A document's version as forms carry it: the hex of its heads as stored (SQLite's
/// `hex(heads)`), empty if the document is not stored.
pub(crate) fn doc_version(db: &Connection, doc: &DocId) -> Result<String> {
    Ok(db
        .prepare_cached("SELECT hex(heads) FROM doc_heads WHERE doc = ?1")?
        .query_row([doc.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// Keeps the signatures of changes of `doc` (ignoring ones already kept).
pub(crate) fn put_sigs<'a>(
    db: &Connection,
    doc: &DocId,
    sigs: impl IntoIterator<
        Item = (
            &'a automerge::ChangeHash,
            &'a [u8; crate::sign::SIGNATURE_LEN],
        ),
    >,
) -> Result<()> {
    let mut stmt =
        db.prepare_cached("INSERT OR IGNORE INTO change_sigs(hash, doc, sig) VALUES (?1, ?2, ?3)")?;
    let doc = doc.to_string();
    for (hash, sig) in sigs {
        stmt.execute(params![&hash.0[..], doc, &sig[..]])?;
    }
    Ok(())
}

/// The kept signature of the change `hash`, if any.
pub(crate) fn sig(
    db: &Connection,
    hash: &automerge::ChangeHash,
) -> Result<Option<[u8; crate::sign::SIGNATURE_LEN]>> {
    let bytes: Option<Vec<u8>> = db
        .prepare_cached("SELECT sig FROM change_sigs WHERE hash = ?1")?
        .query_row([&hash.0[..]], |r| r.get(0))
        .optional()?;
    Ok(bytes.and_then(|b| b.try_into().ok()))
}

/// Keeps `change`, signed `sig` and not applied here, as proof of its author's earlier
/// changes that were.
pub(crate) fn put_voucher(
    db: &Connection,
    doc: &DocId,
    change: &automerge::Change,
    sig: &[u8; crate::sign::SIGNATURE_LEN],
) -> Result<()> {
    db.prepare_cached(
        "INSERT OR IGNORE INTO vouchers(hash, doc, actor, seq, change, sig)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        &change.hash().0[..],
        doc.to_string(),
        change.actor_id().to_bytes(),
        i64::try_from(change.seq()).unwrap_or(i64::MAX),
        change.raw_bytes(),
        &sig[..]
    ])?;
    Ok(())
}

/// A kept voucher for `actor`'s change number `seq` of `doc`: the raw change after it and
/// its signature.
pub(crate) fn voucher_for(
    db: &Connection,
    doc: &DocId,
    actor: &automerge::ActorId,
    seq: u64,
) -> Result<Option<(Vec<u8>, [u8; crate::sign::SIGNATURE_LEN])>> {
    let row: Option<(Vec<u8>, Vec<u8>)> = db
        .prepare_cached(
            "SELECT change, sig FROM vouchers WHERE doc = ?1 AND actor = ?2 AND seq > ?3
             ORDER BY seq LIMIT 1",
        )?
        .query_row(
            params![
                doc.to_string(),
                actor.to_bytes(),
                i64::try_from(seq).unwrap_or(i64::MAX)
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(change, sig)| Some((change, sig.try_into().ok()?))))
}

/// Every kept signature of the changes of `doc`.
pub(crate) fn doc_sigs(db: &Connection, doc: &DocId) -> Result<crate::sign::Signatures> {
    let mut stmt = db.prepare_cached("SELECT hash, sig FROM change_sigs WHERE doc = ?1")?;
    let rows = stmt.query_map([doc.to_string()], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut out = crate::sign::Signatures::new();
    for row in rows {
        let (hash, sig) = row?;
        if let (Ok(hash), Ok(sig)) = (hash.as_slice().try_into(), sig.try_into()) {
            out.insert(automerge::ChangeHash(hash), sig);
        }
    }
    Ok(out)
}
