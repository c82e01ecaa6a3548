//! [`Repo`]: the documents of one device and the one path every change takes into them.
//!
//! A local write is one Automerge transaction, then one SQLite transaction holding the new
//! chunk, the change log and the projection rows of the records the write touched
//! ([`Repo::write`]). Changes from other devices take the same way in through
//! [`Repo::merge`]. Kinds of record write through here and know nothing else of storage.

use std::collections::HashMap;

use automerge::transaction::{CommitOptions, Transaction};
use automerge::{Automerge, Change, ChangeHash, ObjId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};

use crate::access::{self, Device};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::{DeviceId, OrgId};
use crate::projection::{self, ChangeNote, LogEntries};
use crate::record::RecordRef;
use crate::schema::{self, View};
use crate::sign::{DeviceKey, Signatures};
use crate::store;

/// How many bytes of stored documents (Automerge's compressed form) a device keeps loaded
/// before it lets the least recently used go: in memory a document takes some 50–80
/// times its stored size, so this keeps HQ, which holds every office's months, near
/// half a gigabyte however many it serves. A document let go loads again from SQLite
/// when next needed; the organisation and parties documents always stay.
const LOADED_BYTES_BUDGET: usize = 8 * 1024 * 1024;

/// How many changes a merge takes before it puts the second core to work (a thread
/// costs more than a small batch saves).
pub(crate) const PARALLEL_FROM: usize = 64;

/// The order documents were last used in (a counter, for letting the least recent go).
static USE_CLOCK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A loaded document and how many chunks it is stored in.
pub(crate) struct Loaded {
    pub doc: Automerge,
    chunks: usize,
    /// How many bytes it takes stored (what the cache's budget counts).
    stored_bytes: usize,
    /// When it was last used ([`USE_CLOCK`]).
    used: u64,
    /// False for a document just made from its genesis and not yet written.
    pub stored: bool,
    /// The actor of the document's genesis (nobody's change, in nobody's history).
    genesis: automerge::ActorId,
}

impl Loaded {
    /// Stores the changes made since `before` as one chunk and logs them for history;
    /// local writes persist through here. Returns their hashes.
    fn store_changes_since(
        &mut self,
        tx: &Connection,
        doc_id: &DocId,
        before: &[ChangeHash],
    ) -> Result<Vec<ChangeHash>> {
        let chunk = self.doc.save_after(before);
        self.store_chunk(tx, doc_id, &chunk)?;
        self.log_changes_since(tx, doc_id, before)
    }

    /// Keeps `chunk` (the document's changes since it was last stored).
    fn store_chunk(&mut self, tx: &Connection, doc_id: &DocId, chunk: &[u8]) -> Result<()> {
        store::put_chunk(tx, doc_id, store::chunk::CHANGES, chunk)?;
        self.stored_bytes += chunk.len();
        self.chunks += 1;
        self.stored = true;
        Ok(())
    }

    /// Logs the changes made since `before` for history and records the new heads.
    /// Returns their hashes.
    fn log_changes_since(
        &self,
        tx: &Connection,
        doc_id: &DocId,
        before: &[ChangeHash],
    ) -> Result<Vec<ChangeHash>> {
        store::set_doc_heads(tx, doc_id, &self.doc.get_heads())?;
        let entries = LogEntries::of(&self.doc, &self.genesis, before);
        let known = crate::record::RecordsByChange::default();
        projection::ChangeLog::of(&self.doc, &entries, &HashMap::new(), &known)
            .write(tx, doc_id)?;
        Ok(entries.hashes().collect())
    }

    /// Folds the document's chunks into one snapshot once there are many.
    fn compact_if_due(&mut self, tx: &Connection, doc_id: &DocId) -> Result<()> {
        if self.chunks >= store::COMPACT_AFTER_CHUNKS {
            self.compacted(store::compact(tx, doc_id, &self.doc)?);
        }
        Ok(())
    }

    /// Counts the document as stored after compaction: the cache's budget must see the
    /// snapshot's size, not the sum of every chunk it replaced (which made HQ let a busy
    /// office's months go and load them again for each sync).
    fn compacted(&mut self, now: store::Compacted) {
        self.chunks = now.chunks;
        self.stored_bytes = now.bytes;
    }

    /// The heads a merge compares against (none for a document not stored yet).
    fn heads_before(&self) -> Vec<ChangeHash> {
        if self.stored {
            self.doc.get_heads()
        } else {
            Vec::new()
        }
    }
}

/// What a write closure returns: its value, the records it touched and the action's name.
pub(crate) struct Written<T> {
    pub value: T,
    pub action: &'static str,
    pub touched: Vec<RecordRef>,
    /// Device-local counters to store in the same SQLite transaction.
    pub meta: Vec<(String, String)>,
}

impl<T> Written<T> {
    pub fn new(value: T, action: &'static str, touched: Vec<RecordRef>) -> Self {
        Written {
            value,
            action,
            touched,
            meta: Vec::new(),
        }
    }
}

/// What merging changes into one document did.
#[derive(Debug, Default)]
pub(crate) struct DocMerge {
    /// Changes new to this device (not counting genesis).
    pub new_changes: usize,
    /// Changes kept aside until their dependencies arrive.
    pub waiting: usize,
    /// Records whose projections were refreshed.
    pub records: Vec<RecordRef>,
}

/// A peer's whole document as it came in a sync message: loaded, and its bytes (a
/// `save()`, which can be stored as it is).
pub(crate) struct WholeDoc {
    pub doc: Automerge,
    pub bytes: Vec<u8>,
}

/// A batch of changes applied already, on the second core while it was screened.
pub(crate) enum Applied {
    /// The document as loaded with exactly the batch applied.
    Doc(Automerge),
    /// A peer's whole document with the changes only this device held added (`local`,
    /// their bytes): the merge, and what to store in place of every chunk (the
    /// compaction a save of the new changes would otherwise need).
    Whole { whole: WholeDoc, local: Vec<u8> },
}

impl Applied {
    /// The document the merge leaves.
    pub fn doc(&self) -> &Automerge {
        match self {
            Applied::Doc(doc) => doc,
            Applied::Whole { whole, .. } => &whole.doc,
        }
    }
}

/// The documents of one device, on one SQLite connection.
pub(crate) struct Repo {
    /// Declared before `db`: its connection closes first, so the book's own closing
    /// checkpoints the rest and removes the log.
    checkpoints: store::Checkpointer,
    db: Connection,
    org: OrgId,
    me: DeviceId,
    /// Signs every change this device writes.
    key: DeviceKey,
    docs: HashMap<DocId, Loaded>,
    /// Documents whose heads moved since the node last asked (to push them to peers).
    changed: Vec<DocId>,
}

impl Repo {
    pub(crate) fn new(
        db: Connection,
        checkpoints: store::Checkpointer,
        org: OrgId,
        key: DeviceKey,
    ) -> Repo {
        Repo {
            checkpoints,
            db,
            org,
            me: key.device_id(),
            key,
            docs: HashMap::new(),
            changed: Vec::new(),
        }
    }

    /// The key this device signs with (tests that play a member's modified program).
    #[cfg(test)]
    pub(crate) fn key(&self) -> &DeviceKey {
        &self.key
    }

    /// The SQLite connection (projections, queries).
    pub fn db(&self) -> &Connection {
        &self.db
    }

    /// The organisation.
    pub fn org(&self) -> &OrgId {
        &self.org
    }

    /// This device.
    pub fn device_id(&self) -> &DeviceId {
        &self.me
    }

    /// This device's registration.
    pub fn me(&self) -> Result<Device> {
        access::member(&self.db, &self.me)?
            .ok_or_else(|| Error::not_found("device", self.me.as_str()))
    }

    /// A document, loaded into the cache from its chunks (or its genesis if new).
    pub fn loaded(&mut self, doc_id: &DocId) -> Result<&mut Loaded> {
        load_into(&self.db, &mut self.docs, self.org.as_str(), doc_id)
    }

    /// The book's tables and `doc_id` loaded, together.
    pub fn db_and_loaded(&mut self, doc_id: &DocId) -> Result<(&Connection, &mut Loaded)> {
        let loaded = load_into(&self.db, &mut self.docs, self.org.as_str(), doc_id)?;
        Ok((&self.db, loaded))
    }

    /// A document for reading, loaded if needed.
    pub fn doc(&mut self, doc_id: &DocId) -> Result<&Automerge> {
        Ok(&self.loaded(doc_id)?.doc)
    }

    /// Reads record `key` of collection `coll` in `doc_id` with `read`, as it was at
    /// `version` (a form's: see [`crate::schema::parse_version`]) when that state is known
    /// here, else as it is now. `None` when the record is not there.
    pub fn record_at<T>(
        &mut self,
        doc_id: &DocId,
        coll: &str,
        key: &str,
        version: Option<&str>,
        read: impl FnOnce(View<'_, Automerge>, ObjId) -> Option<T>,
    ) -> Result<Option<T>> {
        let heads = version.map(schema::parse_version).unwrap_or_default();
        let doc = self.doc(doc_id)?;
        let known = !heads.is_empty()
            && heads
                .iter()
                .all(|h| doc.get_change_meta_by_hash(h).is_some());
        let view = if known {
            View::at(doc, &heads)
        } else {
            View::now(doc)
        };
        Ok(view
            .child_map(&automerge::ROOT, coll)
            .and_then(|c| view.child_map(&c, key))
            .and_then(|obj| read(view, obj)))
    }

    /// Drops every cached document.
    pub fn forget_all(&mut self) {
        self.docs.clear();
    }

    /// Documents whose heads moved since the last call.
    pub fn take_changed(&mut self) -> Vec<DocId> {
        let mut docs = std::mem::take(&mut self.changed);
        docs.sort();
        docs.dedup();
        docs
    }

    /// The one write path. `f` edits the document inside an Automerge transaction; if it
    /// fails nothing is kept. The new change, its log and the projections of the touched
    /// records are committed in one SQLite transaction before this returns.
    pub fn write<T>(
        &mut self,
        doc_id: &DocId,
        at: Timestamp,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<Written<T>>,
    ) -> Result<T> {
        // The device's first write registers it, so there is no member to check yet.
        if let Some(member) = access::member(&self.db, &self.me)?
            && !access::may_write(&member, doc_id)
        {
            return Err(access::refusal(&member, doc_id));
        }
        crate::book::restore::check_may_write(&self.db, doc_id)?;
        let me = self.me.actor();
        let loaded = self.loaded(doc_id)?;
        let before = loaded.heads_before();
        loaded.doc.set_actor(me);
        let outcome = loaded.doc.transact_with(
            |w: &Written<T>| {
                let note = ChangeNote {
                    action: w.action.to_string(),
                    records: w.touched.iter().map(RecordRef::label).collect(),
                };
                CommitOptions::default()
                    .with_message(serde_json::to_string(&note).unwrap_or_default())
                    .with_time(at.as_millisecond())
            },
            f,
        );
        let written = match outcome {
            Ok(success) => success.result,
            Err(failure) => return Err(failure.error),
        };
        if before == self.loaded(doc_id)?.doc.get_heads() {
            // Nothing was written (an edit that changes nothing): no change, no event.
            return Ok(written.value);
        }
        let persisted = self.persist_local(doc_id, &before, &written);
        if persisted.is_err() {
            // The in-memory document is ahead of the disk: drop it, reload on next use.
            self.docs.remove(doc_id);
        }
        persisted?;
        Ok(written.value)
    }

    fn persist_local<T>(
        &mut self,
        doc_id: &DocId,
        before: &[ChangeHash],
        written: &Written<T>,
    ) -> Result<()> {
        let Some(loaded) = self.docs.get_mut(doc_id) else {
            return Ok(());
        };
        let tx = self.db.unchecked_transaction()?;
        let hashes = loaded.store_changes_since(&tx, doc_id, before)?;
        // Every change is signed as it is made; the signature travels with it.
        let sigs: Vec<_> = hashes.iter().map(|h| (*h, self.key.sign(h))).collect();
        store::put_sigs(&tx, doc_id, sigs.iter().map(|(h, s)| (h, s)))?;
        projection::project(&tx, doc_id, &loaded.doc, &written.touched)?;
        for (key, value) in &written.meta {
            store::meta_set(&tx, key, value)?;
        }
        loaded.compact_if_due(&tx, doc_id)?;
        tx.commit()?;
        self.checkpoints.after_commit();
        self.changed.push(doc_id.clone());
        Ok(())
    }

    /// Runs `f` in one SQLite transaction in which changes from other devices merge
    /// ([`Merger::merge`]); everything `f` did is committed together, or nothing is (and
    /// the documents it touched are reloaded from disk on next use).
    pub fn merging<T>(&mut self, f: impl FnOnce(&mut Merger<'_>) -> Result<T>) -> Result<T> {
        let tx = self.db.unchecked_transaction()?;
        let mut m = Merger {
            tx: &tx,
            docs: &mut self.docs,
            org: &self.org,
            touched: Vec::new(),
            moved: Vec::new(),
        };
        let outcome = f(&mut m);
        let (touched, moved) = (m.touched, m.moved);
        let outcome = outcome.and_then(|value| {
            tracing::debug_span!("commit").in_scope(|| tx.commit())?;
            Ok(value)
        });
        crate::free::committed();
        match outcome {
            Ok(value) => {
                self.checkpoints.after_commit();
                self.changed.extend(moved);
                Ok(value)
            }
            Err(e) => {
                // The cached documents may hold part of it: reload from disk next time.
                for doc_id in touched {
                    self.docs.remove(&doc_id);
                }
                Err(e)
            }
        }
    }

    /// Compacts every loaded document into one snapshot each.
    pub fn compact(&mut self) -> Result<()> {
        let tx = self.db.unchecked_transaction()?;
        for (doc_id, loaded) in self
            .docs
            .iter_mut()
            .filter(|(_, l)| l.stored && l.chunks > 1)
        {
            loaded.compacted(store::compact(&tx, doc_id, &loaded.doc)?);
        }
        tx.commit()?;
        Ok(())
    }

    /// The highest sequence number among `table`'s numbers starting with `prefix`, read
    /// through the number index (numbers are zero-padded, so the last in order is the
    /// highest below a million; the stored sequence covers beyond).
    pub fn last_number(&self, table: &str, prefix: &str) -> Result<i64> {
        let mut upper = prefix.to_string();
        if let Some(last) = upper.pop() {
            upper.push(char::from_u32(u32::from(last) + 1).unwrap_or(char::MAX));
        }
        let sql = format!(
            "SELECT number FROM {table} WHERE number >= ?1 AND number < ?2 ORDER BY number DESC LIMIT 1"
        );
        let last: Option<String> = self
            .db
            .prepare_cached(&sql)?
            .query_row([prefix, upper.as_str()], |r| r.get(0))
            .optional()?;
        Ok(last
            .and_then(|n| n.get(prefix.len()..).and_then(|digits| digits.parse().ok()))
            .unwrap_or(0))
    }

    /// Next value of a device-local sequence (human numbers), not yet stored: store it as
    /// `seq.<name>` in the write's [`Written::meta`].
    pub fn next_seq(&self, name: &str, existing_max: i64) -> Result<i64> {
        let stored = store::meta_get(&self.db, &format!("seq.{name}"))?
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        Ok(stored.max(existing_max) + 1)
    }
}

/// A transaction in which changes from other devices merge: [`Repo::merging`].
pub(crate) struct Merger<'a> {
    tx: &'a Connection,
    docs: &'a mut HashMap<DocId, Loaded>,
    org: &'a OrgId,
    /// Documents merged into (forgotten if the transaction fails).
    touched: Vec<DocId>,
    /// Documents whose heads moved (pushed to peers once committed).
    moved: Vec<DocId>,
}

impl Merger<'_> {
    /// The transaction, for what else must commit with the merge.
    pub fn db(&self) -> &Connection {
        self.tx
    }

    /// Drops `doc_id` from the cache, so the next use loads it as this transaction sees
    /// it (after a merge Automerge refused part way).
    pub fn forget(&mut self, doc_id: &DocId) {
        self.docs.remove(doc_id);
    }

    /// The transaction and `doc_id` as loaded now, together (the screen reads both).
    pub fn db_and_doc(&mut self, doc_id: &DocId) -> Result<(&Connection, &Automerge)> {
        let loaded = load_into(self.tx, self.docs, self.org.as_str(), doc_id)?;
        Ok((self.tx, &loaded.doc))
    }

    /// Whether `doc_id`, as loaded now, holds the change `hash`.
    pub fn holds(&mut self, doc_id: &DocId, hash: &ChangeHash) -> Result<bool> {
        let loaded = load_into(self.tx, self.docs, self.org.as_str(), doc_id)?;
        Ok(loaded.doc.get_change_meta_by_hash(hash).is_some())
    }

    /// Merges changes from another device into a document, keeping their `sigs` beside
    /// them: applies them, stores what is new and refreshes the projections of the records
    /// they touched. Bundles, sync and joining all merge through here, after screening.
    pub fn merge(
        &mut self,
        doc_id: &DocId,
        changes: &[Change],
        sigs: &Signatures,
        known: &crate::record::RecordsByChange,
    ) -> Result<DocMerge> {
        self.merge_into(doc_id, changes, sigs, known, None)
    }

    /// [`Merger::merge`], when `applied` is the document as loaded now with exactly
    /// `changes` applied (done on the second core while they were screened): it takes the
    /// document's place instead of applying them again, and `entries` (its changes for
    /// the change log, read then too) need not be read again.
    pub fn merge_applied(
        &mut self,
        doc_id: &DocId,
        changes: &[Change],
        sigs: &Signatures,
        known: &crate::record::RecordsByChange,
        (applied, entries): (Applied, LogEntries),
    ) -> Result<DocMerge> {
        self.merge_into(doc_id, changes, sigs, known, Some((applied, entries)))
    }

    /// The heads a merge into `doc_id` starts from ([`LogEntries::since`]).
    pub fn heads_before(&mut self, doc_id: &DocId) -> Result<Vec<ChangeHash>> {
        let loaded = load_into(self.tx, self.docs, self.org.as_str(), doc_id)?;
        Ok(loaded.heads_before())
    }

    fn merge_into(
        &mut self,
        doc_id: &DocId,
        changes: &[Change],
        sigs: &Signatures,
        known: &crate::record::RecordsByChange,
        applied: Option<(Applied, LogEntries)>,
    ) -> Result<DocMerge> {
        let mut merged = DocMerge::default();
        let tx = self.tx;
        store::put_sigs(
            tx,
            doc_id,
            changes.iter().filter_map(|c| sigs.get_key_value(&c.hash())),
        )?;
        self.touched.push(doc_id.clone());
        let loaded = load_into(tx, self.docs, self.org.as_str(), doc_id)?;
        let before = loaded.heads_before();
        // Reading what each change's operations touched needs no document: for a large
        // batch the second core does it while Automerge applies them.
        // (The screen's rules already read most changes: only the others are decoded.)
        let decode = || {
            changes
                .iter()
                .filter(|c| !known.contains_key(&c.hash()))
                .map(|c| (c.hash(), crate::record::raw_touches(c)))
                .collect::<HashMap<_, _>>()
        };
        let unknown = changes
            .iter()
            .filter(|c| !known.contains_key(&c.hash()))
            .count();
        // A whole document from a peer is stored as it came. It holds every change
        // (the screen used it only then): none waits for its dependencies.
        let whole = matches!(applied, Some((Applied::Whole { .. }, _)));
        let (applied, entries) = match applied {
            Some((applied, entries)) => (Some(applied), Some(entries)),
            None => (None, None),
        };
        let mut stored_as = None;
        let apply = |doc: &mut Automerge| match applied {
            Some(Applied::Doc(applied)) => {
                *doc = applied;
                Ok(())
            }
            Some(Applied::Whole { whole, local }) => {
                *doc = whole.doc;
                stored_as = Some((whole.bytes, local));
                Ok(())
            }
            None => doc.apply_changes(changes.iter().cloned()),
        };
        let stage = tracing::debug_span!("apply").entered();
        let (applied, decoded) = if unknown < PARALLEL_FROM {
            (apply(&mut loaded.doc), decode())
        } else {
            std::thread::scope(|s| {
                let decoding = s.spawn(decode);
                let applied = apply(&mut loaded.doc);
                (applied, decoding.join().unwrap_or_default())
            })
        };
        drop(stage);
        applied?;
        tracing::debug_span!("check_document")
            .in_scope(|| schema::check_document(&loaded.doc, doc_id, self.org.as_str()))?;
        let waiting: Vec<_> = if whole {
            Vec::new()
        } else {
            changes
                .iter()
                .filter(|c| loaded.doc.get_change_meta_by_hash(&c.hash()).is_none())
                .collect()
        };
        if !waiting.is_empty() {
            let raw: Vec<u8> = waiting
                .iter()
                .flat_map(|c| c.raw_bytes().to_vec())
                .collect();
            store::put_chunk(tx, doc_id, store::chunk::PENDING, &raw)?;
            merged.waiting = waiting.len();
        }
        let after = loaded.doc.get_heads();
        if after == before {
            return Ok(merged);
        }
        self.moved.push(doc_id.clone());
        // The records come from the changes' operations, never from their notes (the
        // author's word): a change that only replaces a losing value of a conflict counts
        // too, which a diff would miss (the shown value stays).
        // Encoding the new changes for storage reads only the document: for a large batch
        // the second core does it while the change log and projections are written (and
        // reads the projections while the change log is written).
        // Returns how many of the changes are someone's (not the genesis) and the records
        // they touched.
        let logged = |l: &Loaded| -> Result<(usize, Vec<RecordRef>)> {
            let _stage = tracing::debug_span!("log_and_rows").entered();
            // Borrowed from the document: a month's changes owned would be tens of
            // thousands of allocations made and freed while the merge waits.
            let entries = match entries {
                Some(entries) if entries.since == before => entries,
                _ => LogEntries::of(&l.doc, &l.genesis, &before),
            };
            let log = projection::ChangeLog::of(&l.doc, &entries, &decoded, known);
            let records = log.records();
            projection::project_while(tx, doc_id, &l.doc, &records, || {
                store::set_doc_heads(tx, doc_id, &l.doc.get_heads())?;
                tracing::debug_span!("change_log").in_scope(|| log.write(tx, doc_id))
            })?;
            let new_changes = entries.authored();
            drop(log);
            if new_changes >= PARALLEL_FROM {
                // Two strings per change: the merge need not wait for their freeing.
                crate::free::after_commit(entries);
            }
            Ok((new_changes, records))
        };
        if let Some((snapshot, local)) = stored_as {
            let (new_changes, records) = logged(loaded)?;
            let _stage = tracing::debug_span!("store_whole").entered();
            loaded.compacted(store::replace_chunks(
                tx,
                doc_id,
                &loaded.doc,
                &snapshot,
                &local,
            )?);
            loaded.stored = true;
            merged.new_changes = new_changes;
            merged.records = records;
            return Ok(merged);
        }
        let (chunk, logged) = if changes.len() < PARALLEL_FROM {
            (Ok(loaded.doc.save_after(&before)), logged(loaded))
        } else {
            let l: &Loaded = loaded;
            std::thread::scope(|s| {
                let saving = s.spawn(|| l.doc.save_after(&before));
                let logged = logged(l);
                let chunk = saving
                    .join()
                    .map_err(|_| Error::corrupt(doc_id, "encoding its changes failed"));
                (chunk, logged)
            })
        };
        let (new_changes, records) = logged?;
        let chunk: Vec<u8> = chunk?;
        loaded.store_chunk(tx, doc_id, &chunk)?;
        merged.new_changes = new_changes;
        merged.records = records;
        loaded.compact_if_due(tx, doc_id)?;
        Ok(merged)
    }
}

/// Loads a document into `docs` (from its chunks, or from its genesis if new) and checks
/// it. A free function so that merges can load while holding a transaction on `db`.
fn load_into<'a>(
    db: &Connection,
    docs: &'a mut HashMap<DocId, Loaded>,
    org: &str,
    doc_id: &DocId,
) -> Result<&'a mut Loaded> {
    let now = USE_CLOCK.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if !docs.contains_key(doc_id) {
        let started = std::time::Instant::now();
        let loaded = match store::load_doc(db, doc_id)? {
            Some((doc, chunks, stored_bytes)) => {
                schema::check_document(&doc, doc_id, org)?;
                Loaded {
                    doc,
                    chunks,
                    stored_bytes,
                    used: now,
                    stored: true,
                    genesis: schema::genesis_actor(doc_id, org),
                }
            }
            None => Loaded {
                doc: schema::genesis(doc_id, org)?,
                chunks: 0,
                stored_bytes: 0,
                used: now,
                stored: false,
                genesis: schema::genesis_actor(doc_id, org),
            },
        };
        tracing::debug!(doc = %doc_id, bytes = loaded.stored_bytes, elapsed = ?started.elapsed(), "loaded a document");
        let_least_recent_go(docs, loaded.stored_bytes, LOADED_BYTES_BUDGET);
        docs.insert(doc_id.clone(), loaded);
    }
    let loaded = docs
        .get_mut(doc_id)
        .ok_or_else(|| Error::corrupt(doc_id, "vanished from the cache"))?;
    loaded.used = now;
    Ok(loaded)
}

/// Lets the least recently used documents go until `coming` more bytes fit `budget`
/// (always keeping the organisation, parties and chart documents, which steps read).
fn let_least_recent_go(docs: &mut HashMap<DocId, Loaded>, coming: usize, budget: usize) {
    let mut total: usize = docs.values().map(|l| l.stored_bytes).sum::<usize>() + coming;
    while total > budget {
        let oldest = docs
            .iter()
            .filter(|(id, _)| !matches!(id, DocId::Org | DocId::Parties | DocId::Chart))
            .min_by_key(|(_, l)| l.used)
            .map(|(id, _)| id.clone());
        let Some(oldest) = oldest else { break };
        if let Some(gone) = docs.remove(&oldest) {
            total -= gone.stored_bytes;
            tracing::debug!(doc = %oldest, bytes = gone.stored_bytes, "let a document go");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(id: &DocId, stored_bytes: usize, used: u64) -> Loaded {
        Loaded {
            doc: schema::genesis(id, "org").unwrap(),
            chunks: 1,
            stored_bytes,
            used,
            stored: true,
            genesis: schema::genesis_actor(id, "org"),
        }
    }

    #[test]
    fn the_least_recently_used_documents_go_first_and_org_and_parties_stay() {
        let months: Vec<DocId> = (1..=4)
            .map(|m| DocId::parse(&format!("ops/SH/2026-0{m}")).unwrap())
            .collect();
        let mut docs = HashMap::new();
        docs.insert(DocId::Org, loaded(&DocId::Org, 50, 0));
        docs.insert(DocId::Parties, loaded(&DocId::Parties, 50, 1));
        for (i, id) in months.iter().enumerate() {
            // Used in the order 3, 1, 4, 2 (months[2] least recently).
            let used = [20, 40, 10, 30][i];
            docs.insert(id.clone(), loaded(id, 100, used));
        }
        // 500 held; 150 more coming into a budget of 450: two months must go.
        let_least_recent_go(&mut docs, 150, 450);
        assert!(docs.contains_key(&DocId::Org) && docs.contains_key(&DocId::Parties));
        assert!(!docs.contains_key(&months[2]) && !docs.contains_key(&months[0]));
        assert!(docs.contains_key(&months[1]) && docs.contains_key(&months[3]));
        // However small the budget, org and parties stay.
        let_least_recent_go(&mut docs, 1_000, 1);
        let mut left: Vec<_> = docs.keys().cloned().collect();
        left.sort();
        assert_eq!(left, vec![DocId::Org, DocId::Parties]);
    }

    #[test]
    fn a_compacted_document_counts_as_the_bytes_it_now_takes() {
        use automerge::transaction::Transactable;
        let db = Connection::open_in_memory().unwrap();
        store::migrate(&db).unwrap();
        let id = DocId::parse("ops/SH/2026-01").unwrap();
        let mut l = loaded(&id, 0, 0);
        for i in 0..store::COMPACT_AFTER_CHUNKS {
            let before = l.doc.get_heads();
            let mut tx = l.doc.transaction();
            tx.put(automerge::ROOT, "n", i as i64).unwrap();
            tx.commit();
            let chunk = l.doc.save_after(&before);
            l.store_chunk(&db, &id, &chunk).unwrap();
        }
        let summed = l.stored_bytes;
        l.compact_if_due(&db, &id).unwrap();
        let stored: i64 = db
            .query_row(
                "SELECT sum(length(data)) FROM doc_chunks WHERE doc = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(l.chunks, 1);
        assert_eq!(l.stored_bytes, usize::try_from(stored).unwrap());
        assert!(
            l.stored_bytes < summed / 4,
            "{} of {summed}",
            l.stored_bytes
        );
    }
}
