//! [`Book`]: one device's copy of the organisation's books, on one SQLite file.
//!
//! Documents are loaded lazily: opening a book reads no document, lists come from the
//! projection tables, and a document is loaded only when a write or a merge needs it.
//! Every write goes through one path ([`Book::write`]): an Automerge transaction, then one
//! SQLite transaction holding the new chunk, the change log and the projection rows.

mod catalog;
mod conflicts;
mod drafts;
mod exception;
mod history;
mod members;
mod merge;
mod orders;
mod query;
mod sample;
mod stock;
mod sync;
mod tasks;

use std::collections::HashMap;
use std::path::Path;

use automerge::Automerge;
use automerge::transaction::{CommitOptions, Transaction};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};

use crate::code::{DeviceCode, SiteCode, WarehouseCode};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::{DeviceId, OrgId};
use crate::org::{Device, Role};
use crate::projection::{self, ChangeNote};
use crate::record::RecordRef;
use crate::schema;
use crate::store;

pub use catalog::{NewItem, NewParty, PartyEdit};
pub use conflicts::{ChoiceRow, ConflictRow};
pub use drafts::{Draft, MAX_DRAFT_BYTES};
pub use exception::ExceptionRow;
pub use history::{FieldChange, HistoryEntry};
pub use members::{Admitted, InviteRefusal};
pub use merge::{ExportScope, ImportReport};
pub use orders::{LineEdit, NewLine, NewOrder, OrderEdit};
pub use query::{
    EventRow, LevelRow, LineRow, MovementFilter, MovementRow, OrderDetail, OrderFilter, OrderRow,
    OrderSort, TaskFilter, TaskRow,
};
pub use sample::{SampleReport, SampleSpec};
pub use stock::{SentTransfer, StockMove, Transit};
pub use sync::{Pending, RefusedChange, SyncReceipt};
pub use tasks::{NewTask, TaskEdit};

/// Setting up a new organisation on its first device.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    /// Organisation name.
    pub name: String,
    /// The first site's code (e.g. `SH`).
    pub site: SiteCode,
    /// The first site's name.
    pub site_name: String,
    /// This device's (person's) name.
    pub device_name: String,
}

/// Joining an existing organisation on a new device.
#[derive(Clone, Debug)]
pub struct JoinAs {
    /// The site this device works at; must exist in the organisation.
    pub site: SiteCode,
    /// This device's (person's) name.
    pub device_name: String,
    /// The member's role.
    pub role: Role,
}

/// A loaded document and how many chunks it is stored in.
struct Loaded {
    doc: Automerge,
    chunks: usize,
    /// False for a document just made from its genesis and not yet written.
    stored: bool,
}

/// Loads a document into `docs` (from its chunks, or from its genesis if new) and checks
/// it. A free function so that merges can load while holding a transaction on `db`.
fn load_into<'a>(
    db: &Connection,
    docs: &'a mut HashMap<DocId, Loaded>,
    org: &str,
    doc_id: &DocId,
) -> Result<&'a mut Loaded> {
    if !docs.contains_key(doc_id) {
        let loaded = match store::load_doc(db, doc_id)? {
            Some((doc, chunks)) => {
                schema::check_document(&doc, doc_id, org)?;
                Loaded {
                    doc,
                    chunks,
                    stored: true,
                }
            }
            None => Loaded {
                doc: schema::genesis(doc_id, org)?,
                chunks: 0,
                stored: false,
            },
        };
        docs.insert(doc_id.clone(), loaded);
    }
    docs.get_mut(doc_id)
        .ok_or_else(|| Error::corrupt(doc_id, "vanished from the cache"))
}

impl Loaded {
    /// Stores the changes made since `before` as one chunk and logs them for history;
    /// both local writes and merges persist through here. Returns their metadata.
    fn store_changes_since(
        &mut self,
        tx: &Connection,
        doc_id: &DocId,
        before: &[automerge::ChangeHash],
    ) -> Result<Vec<automerge::ChangeMetadata<'static>>> {
        store::put_chunk(
            tx,
            doc_id,
            store::chunk::CHANGES,
            &self.doc.save_after(before),
        )?;
        self.chunks += 1;
        self.stored = true;
        store::set_doc_heads(tx, doc_id, &self.doc.get_heads())?;
        let metas: Vec<_> = self
            .doc
            .get_changes_meta(before)
            .into_iter()
            .map(|m| m.into_owned())
            .collect();
        projection::record_changes(tx, doc_id, &metas)?;
        Ok(metas)
    }

    /// Folds the document's chunks into one snapshot once there are many.
    fn compact_if_due(&mut self, tx: &Connection, doc_id: &DocId) -> Result<()> {
        if self.chunks >= store::COMPACT_AFTER_CHUNKS {
            self.chunks = store::compact(tx, doc_id, &self.doc)?;
        }
        Ok(())
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

/// One device's copy of the organisation's books.
pub struct Book {
    db: Connection,
    org: OrgId,
    me: DeviceId,
    docs: HashMap<DocId, Loaded>,
    /// Documents whose heads moved since the node last asked (to push them to peers).
    changed: Vec<DocId>,
    /// The last exceptions found and the heads of every document they were found at:
    /// a year's check takes about a second, and it only changes when a document does.
    exceptions: std::cell::RefCell<Option<exception::Found>>,
}

impl std::fmt::Debug for Book {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Book")
            .field("org", &self.org)
            .field("device", &self.me)
            .finish()
    }
}

const META_ORG: &str = "org_id";
const META_DEVICE: &str = "device_id";

impl Book {
    /// Opens the book stored at `path`.
    pub fn open(path: &Path) -> Result<Book> {
        if !path.exists() {
            return Err(Error::NotInitialised);
        }
        let db = store::open(path)?;
        let org = store::meta_get(&db, META_ORG)?.ok_or(Error::NotInitialised)?;
        let me = store::meta_get(&db, META_DEVICE)?.ok_or(Error::NotInitialised)?;
        Ok(Book {
            db,
            org: OrgId::from_stored(org),
            me: DeviceId::parse(&me)?,
            docs: HashMap::new(),
            changed: Vec::new(),
            exceptions: std::cell::RefCell::new(None),
        })
    }

    /// Creates a new organisation at `path`, with `device` as its first (admin) device.
    pub fn create(path: &Path, org: NewOrg, device: DeviceId, at: Timestamp) -> Result<Book> {
        let name = crate::text::required("organisation name", &org.name, crate::text::MAX_NAME)?;
        let mut book = Book::init(path, OrgId::generate(at), device)?;
        let me = book.me.clone();
        let site = org.site.clone();
        book.write(&DocId::Org, at, |tx| {
            catalog::put_settings(tx, &name, "CNY")?;
            let mut touched = catalog::put_site(tx, &site, &org.site_name)?;
            touched.extend(catalog::put_device(
                tx,
                &me,
                &DeviceCode::parse("A1")?,
                &org.device_name,
                &site,
                Role::Admin,
                at,
            )?);
            Ok(Written::new((), "org.create", touched))
        })?;
        Ok(book)
    }

    /// Starts a device of an existing organisation from a bundle, registering it at a site.
    pub fn join(
        path: &Path,
        bundle: &[u8],
        join: JoinAs,
        device: DeviceId,
        at: Timestamp,
    ) -> Result<Book> {
        let parsed = crate::bundle::decode(bundle)?;
        let org = OrgId::parse(&parsed.header.org)
            .map_err(|_| Error::MalformedBundle("bad organisation id".into()))?;
        if !parsed.docs.iter().any(|d| d.id == DocId::Org.to_string()) {
            return Err(Error::MalformedBundle(
                "it carries no organisation document".into(),
            ));
        }
        let mut book = Book::init(path, org, device)?;
        let result = book
            .import_bundle(bundle, at)
            .and_then(|_| book.register_self(join, at));
        book.or_remove(path, result)
    }

    /// Starts a device admitted with an invite, from the organisation document its
    /// admin sent (and the customers and suppliers, if sent: empty if not). The
    /// organisation document must list `device` as an active member.
    pub fn join_admitted(
        path: &Path,
        org: &str,
        device: DeviceId,
        org_doc: &[u8],
        parties_doc: &[u8],
    ) -> Result<Book> {
        let org = OrgId::parse(org)?;
        let mut book = Book::init(path, org, device)?;
        let result = book.take_org_document(org_doc).and_then(|()| {
            if parties_doc.is_empty() {
                Ok(())
            } else {
                book.take_document(&DocId::Parties, parties_doc)
            }
        });
        book.or_remove(path, result)
    }

    /// Merges a whole document as sent by the admitting node (the join is the one
    /// moment a device trusts that node for everything in it).
    fn take_document(&mut self, doc_id: &DocId, saved: &[u8]) -> Result<()> {
        let doc = automerge::Automerge::load(saved)
            .map_err(|e| Error::corrupt(doc_id.clone(), e.to_string()))?;
        let changes = doc.get_changes(&[]);
        let tx = self.db.unchecked_transaction()?;
        merge::merge_changes(&tx, &mut self.docs, self.org.as_str(), doc_id, &changes)?;
        tx.commit()?;
        Ok(())
    }

    fn take_org_document(&mut self, org_doc: &[u8]) -> Result<()> {
        self.take_document(&DocId::Org, org_doc)?;
        match self.me() {
            Ok(me) if !me.revoked => Ok(()),
            _ => Err(Error::corrupt(
                DocId::Org,
                "it does not list this device as a member",
            )),
        }
    }

    /// Keeps the book if `result` is Ok; otherwise removes the half-made file.
    fn or_remove(self, path: &Path, result: Result<()>) -> Result<Book> {
        if let Err(e) = result {
            drop(self);
            // A half-joined book is worse than none: remove it so the user can retry.
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        Ok(self)
    }

    fn init(path: &Path, org: OrgId, device: DeviceId) -> Result<Book> {
        let db = store::open(path)?;
        if let Some(existing) = store::meta_get(&db, META_ORG)? {
            return Err(Error::AlreadyInitialised(existing));
        }
        store::meta_set(&db, META_ORG, org.as_str())?;
        store::meta_set(&db, META_DEVICE, device.as_str())?;
        Ok(Book {
            db,
            org,
            me: device,
            docs: HashMap::new(),
            changed: Vec::new(),
            exceptions: std::cell::RefCell::new(None),
        })
    }

    fn register_self(&mut self, join: JoinAs, at: Timestamp) -> Result<()> {
        self.site_exists(&join.site)?;
        let me = self.me.clone();
        let code = self.free_code_for(&me)?;
        self.write(&DocId::Org, at, |tx| {
            let touched =
                catalog::put_device(tx, &me, &code, &join.device_name, &join.site, join.role, at)?;
            Ok(Written::new((), "device.join", touched))
        })
    }

    /// This device's id.
    pub fn device_id(&self) -> &DeviceId {
        &self.me
    }

    /// The organisation's id.
    pub fn org_id(&self) -> &OrgId {
        &self.org
    }

    /// The organisation's name.
    pub fn org_name(&mut self) -> Result<String> {
        use automerge::ReadDoc;
        let doc = self.doc(&DocId::Org)?;
        let settings = schema::collection_obj(doc, schema::collection::SETTINGS)?;
        // Concurrent renames settle on Automerge's deterministic winner everywhere.
        Ok(match doc.get(&settings, "name")? {
            Some((automerge::Value::Scalar(s), _)) => match s.as_ref() {
                automerge::ScalarValue::Str(name) => name.to_string(),
                _ => String::new(),
            },
            _ => String::new(),
        })
    }

    /// This device's registration (code, site, role).
    pub fn me(&self) -> Result<Device> {
        self.device(&self.me)?
            .ok_or_else(|| Error::not_found("device", self.me.as_str()))
    }

    /// Loads a document into the cache (from its chunks, or from its genesis if new).
    fn loaded(&mut self, doc_id: &DocId) -> Result<&mut Loaded> {
        load_into(&self.db, &mut self.docs, self.org.as_str(), doc_id)
    }

    /// A document for reading, loaded if needed.
    pub(crate) fn doc(&mut self, doc_id: &DocId) -> Result<&Automerge> {
        Ok(&self.loaded(doc_id)?.doc)
    }

    /// Whether `doc_id` holds the record `rec` (customers live in `parties`, or in `org`
    /// in books made before it).
    pub(crate) fn holds(&mut self, doc_id: &DocId, rec: &RecordRef) -> Result<bool> {
        use automerge::ReadDoc;
        let doc = self.doc(doc_id)?;
        let Ok(coll) = schema::collection_obj(doc, &rec.collection) else {
            return Ok(false);
        };
        Ok(doc.get(&coll, rec.key.as_str())?.is_some())
    }

    /// The one write path. `f` edits the document inside an Automerge transaction; if it
    /// fails nothing is kept. The new change, its log and the projections of the touched
    /// records are committed in one SQLite transaction before this returns.
    pub(crate) fn write<T>(
        &mut self,
        doc_id: &DocId,
        at: Timestamp,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<Written<T>>,
    ) -> Result<T> {
        // The device's first write registers it, so there is no member to check yet.
        if let Some(member) = self.device(&self.me)?
            && !crate::access::may_write(&member, doc_id)
        {
            return Err(Error::NotPermitted {
                doc: doc_id.to_string(),
                role: member.role.as_str().to_string(),
            });
        }
        let me = self.me.actor();
        let loaded = self.loaded(doc_id)?;
        let before = if loaded.stored {
            loaded.doc.get_heads()
        } else {
            Vec::new()
        };
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
        before: &[automerge::ChangeHash],
        written: &Written<T>,
    ) -> Result<()> {
        let Some(loaded) = self.docs.get_mut(doc_id) else {
            return Ok(());
        };
        let tx = self.db.unchecked_transaction()?;
        loaded.store_changes_since(&tx, doc_id, before)?;
        projection::project(&tx, doc_id, &loaded.doc, &written.touched)?;
        for (key, value) in &written.meta {
            store::meta_set(&tx, key, value)?;
        }
        loaded.compact_if_due(&tx, doc_id)?;
        tx.commit()?;
        self.changed.push(doc_id.clone());
        Ok(())
    }

    /// Documents whose heads moved (local writes and merges) since the last call.
    pub fn take_changed_docs(&mut self) -> Vec<DocId> {
        let mut docs = std::mem::take(&mut self.changed);
        docs.sort();
        docs.dedup();
        docs
    }

    /// Compacts every loaded document into one snapshot each (e.g. when idle or closing).
    pub fn compact(&mut self) -> Result<()> {
        let tx = self.db.unchecked_transaction()?;
        for (doc_id, loaded) in self
            .docs
            .iter_mut()
            .filter(|(_, l)| l.stored && l.chunks > 1)
        {
            loaded.chunks = store::compact(&tx, doc_id, &loaded.doc)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Drops and recreates every projection from the stored documents.
    pub fn rebuild(&mut self) -> Result<()> {
        self.docs.clear();
        self.exceptions.replace(None);
        let ids = store::doc_ids(&self.db)?;
        let tx = self.db.unchecked_transaction()?;
        projection::clear(&tx)?;
        for doc_id in &ids {
            let Some((doc, _)) = store::load_doc(&tx, doc_id)? else {
                continue;
            };
            schema::check_document(&doc, doc_id, self.org.as_str())?;
            projection::record_changes(&tx, doc_id, &doc.get_changes_meta(&[]))?;
            projection::project(&tx, doc_id, &doc, &projection::all_records(&doc))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A stable text dump of every projection table, for comparing replicas and checking
    /// that a failed command changed nothing.
    pub fn dump(&self) -> Result<String> {
        projection::dump(&self.db)
    }

    /// Whether this device may record operations for `site`: its own site, or any site for
    /// admins and managers (approvals from headquarters).
    fn check_site(&self, site: &SiteCode) -> Result<Device> {
        let me = self.me()?;
        if &me.site == site || matches!(me.role, Role::Admin | Role::Manager) {
            Ok(me)
        } else {
            Err(Error::WrongSite {
                own: me.site.to_string(),
                other: site.to_string(),
            })
        }
    }

    fn site_exists(&self, site: &SiteCode) -> Result<()> {
        if self.sites()?.iter().any(|s| &s.code == site) {
            Ok(())
        } else {
            Err(Error::not_found("site", site.as_str()))
        }
    }

    fn warehouse_site(&self, code: &WarehouseCode) -> Result<SiteCode> {
        self.warehouses()?
            .into_iter()
            .find(|w| &w.code == code)
            .map(|w| w.site)
            .ok_or_else(|| Error::not_found("warehouse", code.as_str()))
    }

    /// The highest sequence number among `table`'s numbers starting with `prefix`, read
    /// through the number index (numbers are zero-padded, so the last in order is the
    /// highest below a million; the stored sequence covers beyond).
    fn last_number(&self, table: &str, prefix: &str) -> Result<i64> {
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

    /// Next value of a device-local sequence (human numbers), not yet stored.
    fn next_seq(&self, name: &str, existing_max: i64) -> Result<i64> {
        let stored = store::meta_get(&self.db, &format!("seq.{name}"))?
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        Ok(stored.max(existing_max) + 1)
    }
}
