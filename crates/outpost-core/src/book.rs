//! [`Book`]: one device's copy of the organisation's books, on one SQLite file.
//!
//! The book is a set of kinds of record ([`crate::kind`]), each reached through its own
//! handle ([`Book::orders`], [`Book::stock`]...), over one [`Repo`] that owns the documents
//! and the one write path. What is common to every kind lives in `book/`: merging bundles
//! and sync messages, history, conflicts, exceptions, drafts and what the member may do.
//!
//! Documents are loaded lazily: opening a book reads no document, lists come from the
//! projection tables, and a document is loaded only when a write or a merge needs it.

mod capability;
mod conflicts;
mod drafts;
mod held;
mod history;
mod merge;
mod overview;
pub(crate) mod restore;
mod sample;
mod screen;
mod sync;

use std::path::Path;

use jiff::Timestamp;

use crate::access::{Device, Role};
use crate::cipher::BookKey;
use crate::code::{DeviceCode, SiteCode};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::exception::{self, ExceptionRow};
use crate::id::{DeviceId, OrgId};
use crate::kind::item::Items;
use crate::kind::member::{self, Members};
use crate::kind::order::Orders;
use crate::kind::party::Parties;
use crate::kind::settings;
use crate::kind::site::{self, Sites};
use crate::kind::stock::Stock;
use crate::kind::task::Tasks;
use crate::repo::{Repo, Written};
use crate::sign::DeviceKey;
use crate::store;

pub use capability::Capabilities;
pub use conflicts::Conflicts;
pub use drafts::{Draft, Drafts, MAX_DRAFT_BYTES};
pub use held::HeldChange;
pub use history::{FieldChange, HistoryEntry};
pub use merge::{ExportScope, ImportReport};
pub use overview::{FinanceOverview, OVERVIEW_MONTHS};
pub use restore::CatchUp;
pub use sample::{SampleReport, SampleSpec};
pub use screen::RefusedChange;
pub use sync::{Pending, Sync, SyncMessage, SyncReceipt, SyncSession};

/// Setting up a new organisation on its first device.
#[derive(Clone, Debug, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// One device's copy of the organisation's books.
pub struct Book {
    repo: Repo,
    /// The exceptions last found and the heads they were found at.
    exceptions: std::cell::RefCell<exception::Cache>,
}

impl std::fmt::Debug for Book {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Book")
            .field("org", self.repo.org())
            .field("device", self.repo.device_id())
            .finish()
    }
}

const META_ORG: &str = "org_id";
/// The version of the projection tables the book was last projected with.
const META_PROJECTIONS: &str = "projections";
/// This build's projection tables: bump when a kind's tables change, and books projected
/// by an earlier build are rebuilt from their documents at open.
const PROJECTIONS: &str = "6";

impl Book {
    /// Opens the book stored at `path`, encrypted with `book_key`, as the device whose
    /// key is `key`.
    pub fn open(path: &Path, book_key: &BookKey, key: DeviceKey) -> Result<Book> {
        if !path.exists() {
            return Err(Error::NotInitialised);
        }
        let (db, checkpoints) = open_db(path, book_key)?;
        let org = store::meta_get(&db, META_ORG)?.ok_or(Error::NotInitialised)?;
        let me = store::meta_get(&db, store::META_DEVICE)?.ok_or(Error::NotInitialised)?;
        if me != key.device_id().as_str() {
            return Err(Error::WrongKey(me));
        }
        let stale = store::meta_get(&db, META_PROJECTIONS)?.as_deref() != Some(PROJECTIONS);
        let mut book = Book::on(Repo::new(db, checkpoints, OrgId::from_stored(org), key));
        if stale {
            // A build whose projections differ: rebuilt from the documents once.
            book.rebuild()?;
            store::meta_set(book.repo.db(), META_PROJECTIONS, PROJECTIONS)?;
        }
        Ok(book)
    }

    fn on(repo: Repo) -> Book {
        Book {
            repo,
            exceptions: Default::default(),
        }
    }

    /// Creates a new organisation at `path` (encrypted with `book_key`), founded by the
    /// device whose key is `key` (its first admin; the organisation's id is made from it).
    pub fn create(
        path: &Path,
        book_key: &BookKey,
        org: NewOrg,
        key: DeviceKey,
        at: Timestamp,
    ) -> Result<Book> {
        let name = crate::text::required("organisation name", &org.name, crate::text::MAX_NAME)?;
        let org_id = OrgId::of_founder(&key.device_id());
        let mut book = Book::init(path, book_key, org_id, key)?;
        let me = book.repo.device_id().clone();
        let result = book.repo.write(&DocId::Org, at, |tx| {
            settings::put(tx, &name, "CNY")?;
            let mut touched = site::put_site(tx, &org.site, &org.site_name, true)?;
            touched.extend(member::put_device(
                tx,
                &me,
                &DeviceCode::parse("A1")?,
                &org.device_name,
                &org.site,
                Role::Admin,
                at,
            )?);
            Ok(Written::new((), "org.create", touched))
        });
        book.or_remove(path, result)
    }

    /// Starts a device of an existing organisation from a bundle an admin made for it
    /// after admitting it (with an invite): the bundle's organisation document must list
    /// this device as an active member. Nobody registers themselves. The new book file is
    /// encrypted with `book_key`.
    pub fn join(
        path: &Path,
        book_key: &BookKey,
        bundle: &[u8],
        key: DeviceKey,
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
        let mut book = Book::init(path, book_key, org, key)?;
        let result =
            merge::import(&mut book.repo, bundle, at).and_then(|_| book.require_membership());
        book.or_remove(path, result)
    }

    /// Starts a device admitted with an invite, from the organisation document its
    /// admin sent (and the customers and suppliers, if sent: empty if not), each sealed
    /// with its changes' signatures. The organisation document must list this device as
    /// an active member. The new book file is encrypted with `book_key`.
    pub fn join_admitted(
        path: &Path,
        book_key: &BookKey,
        org: &str,
        key: DeviceKey,
        org_doc: &[u8],
        parties_doc: &[u8],
    ) -> Result<Book> {
        let org = OrgId::parse(org)?;
        let mut book = Book::init(path, book_key, org, key)?;
        let result = book
            .take_document(&DocId::Org, org_doc)
            .and_then(|()| book.require_membership())
            .and_then(|()| {
                if parties_doc.is_empty() {
                    Ok(())
                } else {
                    book.take_document(&DocId::Parties, parties_doc)
                }
            });
        book.or_remove(path, result)
    }

    /// Brings a device back from its backup (a bundle of its whole book) on a new machine:
    /// the same key, so the same member with the same history. Unless it is the only
    /// active device of its organisation, it writes into a document only once it has
    /// heard from another device about it ([`Book::catch_up`]): it may have written
    /// more after the backup than the backup holds.
    pub fn restore(
        path: &Path,
        book_key: &BookKey,
        backup: &[u8],
        key: DeviceKey,
        at: Timestamp,
    ) -> Result<Book> {
        let mut book = Book::join(path, book_key, backup, key, at)?;
        let result = book.members().list().and_then(|members| {
            let me = book.repo.device_id();
            if members.iter().any(|d| !d.revoked && &d.id != me) {
                restore::begin(book.repo.db(), at.as_millisecond())?;
            }
            Ok(())
        });
        book.or_remove(path, result)
    }

    /// Where a device restored from a backup stands in catching up with the others; none
    /// on a device that was never restored.
    pub fn catch_up(&self) -> Result<Option<CatchUp>> {
        restore::status(self.repo.db())
    }

    fn require_membership(&self) -> Result<()> {
        match self.repo.me() {
            Ok(me) if !me.revoked => Ok(()),
            _ => Err(Error::NotAdmitted),
        }
    }

    /// Merges a whole document as sent by the admitting node, every change checked
    /// against its signature.
    fn take_document(&mut self, doc_id: &DocId, sealed: &[u8]) -> Result<()> {
        let (saved, sealed_sigs) = crate::sign::unseal(sealed)
            .ok_or_else(|| Error::corrupt(doc_id.clone(), "the document is not sealed"))?;
        let doc = automerge::Automerge::load(saved)
            .map_err(|e| Error::corrupt(doc_id.clone(), e.to_string()))?;
        let changes = doc.get_changes(&[]);
        let sigs = sealed_sigs.for_changes(changes.iter().map(|c| c.hash()));
        let genesis = crate::schema::genesis(doc_id, self.repo.org().as_str())?.get_heads();
        let checks: Vec<(crate::sign::Signed<'_>, &[automerge::ChangeHash])> = changes
            .iter()
            .filter(|c| !genesis.contains(&c.hash()))
            .map(|c| crate::sign::with_deps(c, &sigs))
            .collect();
        if let Some(bad) = crate::sign::authenticate(&checks, &[])
            .into_iter()
            .flatten()
            .next()
        {
            return Err(Error::corrupt(doc_id.clone(), format!("a change: {bad}")));
        }
        self.repo.merging(|m| {
            m.merge(doc_id, &changes, &sigs, &screen::Touched::default())
                .map(|_| ())
        })
    }

    /// Keeps the book if `result` is Ok; otherwise removes the half-made file.
    fn or_remove(self, path: &Path, result: Result<()>) -> Result<Book> {
        if let Err(e) = result {
            drop(self);
            // A half-made book is worse than none: remove it so the user can retry.
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        Ok(self)
    }

    fn init(path: &Path, book_key: &BookKey, org: OrgId, key: DeviceKey) -> Result<Book> {
        let (db, checkpoints) = open_db(path, book_key)?;
        if let Some(existing) = store::meta_get(&db, META_ORG)? {
            return Err(Error::AlreadyInitialised(existing));
        }
        store::meta_set(&db, META_ORG, org.as_str())?;
        store::meta_set(&db, store::META_DEVICE, key.device_id().as_str())?;
        store::meta_set(&db, META_PROJECTIONS, PROJECTIONS)?;
        Ok(Book::on(Repo::new(db, checkpoints, org, key)))
    }

    /// This device's id.
    pub fn device_id(&self) -> &DeviceId {
        self.repo.device_id()
    }

    /// The organisation's id.
    pub fn org_id(&self) -> &OrgId {
        self.repo.org()
    }

    /// The organisation's name.
    pub fn org_name(&mut self) -> Result<String> {
        settings::org_name(&mut self.repo)
    }

    /// This device's registration (code, site, role).
    pub fn me(&self) -> Result<Device> {
        self.repo.me()
    }

    /// Orders: create, save the order form, lifecycle steps, lists.
    pub fn orders(&mut self) -> Orders<'_> {
        Orders {
            repo: &mut self.repo,
        }
    }

    /// Stock: operations, levels, movements, transit.
    pub fn stock(&mut self) -> Stock<'_> {
        Stock {
            repo: &mut self.repo,
        }
    }

    /// Tasks: create, save the task form, comment, lists.
    pub fn tasks(&mut self) -> Tasks<'_> {
        Tasks {
            repo: &mut self.repo,
        }
    }

    /// The journal: post and reverse entries, list them, trial balances.
    pub fn ledger(&mut self) -> crate::kind::ledger::Ledger<'_> {
        crate::kind::ledger::Ledger {
            repo: &mut self.repo,
        }
    }

    /// The accounts and VAT rates the organisation adds to the preset chart.
    pub fn chart(&mut self) -> crate::kind::chart::Chart<'_> {
        crate::kind::chart::Chart {
            repo: &mut self.repo,
        }
    }

    /// Invoices, credit notes, receipts and payments; what parties owe.
    pub fn billing(&mut self) -> crate::kind::billing::Billing<'_> {
        crate::kind::billing::Billing {
            repo: &mut self.repo,
        }
    }

    /// Bank statements: import, lines with suggested matches, matching.
    pub fn bank(&mut self) -> crate::kind::bank::Bank<'_> {
        crate::kind::bank::Bank {
            repo: &mut self.repo,
        }
    }

    /// Takes a lifecycle step on an order. Invoicing and paying go through billing: the
    /// first issues an invoice for the order, the second records a receipt or payment of
    /// what its invoice still owes; both then mark the order. Returns the new status.
    pub fn order_step(
        &mut self,
        key: &str,
        action: crate::Action,
        note: &str,
        at: Timestamp,
    ) -> Result<crate::Status> {
        match action {
            crate::Action::Invoice => {
                self.billing().invoice_order(key, note, at)?;
            }
            crate::Action::Pay => {
                self.billing().settle_order(key, note, at)?;
            }
            _ => return self.orders().act(key, action, note, at),
        }
        Ok(self.orders().get(key)?.row.status)
    }

    /// The catalogue of items.
    pub fn items(&mut self) -> Items<'_> {
        Items {
            repo: &mut self.repo,
        }
    }

    /// Customers and suppliers.
    pub fn parties(&mut self) -> Parties<'_> {
        Parties {
            repo: &mut self.repo,
        }
    }

    /// Sites and warehouses.
    pub fn sites(&mut self) -> Sites<'_> {
        Sites {
            repo: &mut self.repo,
        }
    }

    /// Members (devices) and invites.
    pub fn members(&mut self) -> Members<'_> {
        Members {
            repo: &mut self.repo,
        }
    }

    /// Open conflicts, and settling them.
    pub fn conflicts(&mut self) -> Conflicts<'_> {
        Conflicts {
            repo: &mut self.repo,
        }
    }

    /// What people typed into forms and have not saved (this device only).
    pub fn drafts(&self) -> Drafts<'_> {
        Drafts { db: self.repo.db() }
    }

    /// The book's side of network sync.
    pub fn sync(&mut self) -> Sync<'_> {
        Sync {
            repo: &mut self.repo,
        }
    }

    /// What this device's member may do now: the window shows only that.
    pub fn capabilities(&self) -> Result<Capabilities> {
        Ok(Capabilities::of(&self.repo.me()?))
    }

    /// Every broken invariant: stock below zero, duplicate numbers or SKUs, orders changed
    /// after submission, orders whose stock movements disagree with their lines and status,
    /// transfers received with another quantity.
    /// A clerk's or warehouse person's stock exceptions are those of its own site (the
    /// only one whose stock it holds in full).
    /// Exceptions a person acknowledged as they stand leave this list (see
    /// [`Book::acknowledged_exceptions`]) until their figures move.
    pub fn exceptions(&self) -> Result<Vec<ExceptionRow>> {
        let mut rows = self.all_exceptions()?;
        rows.retain(|row| row.acknowledged.is_none());
        Ok(rows)
    }

    /// Exceptions acknowledged as they stand, each with its acknowledgement.
    pub fn acknowledged_exceptions(&self) -> Result<Vec<ExceptionRow>> {
        let mut rows = self.all_exceptions()?;
        rows.retain(|row| row.acknowledged.is_some());
        Ok(rows)
    }

    /// Acknowledges the open exception of `kind` about `subject` with `note` (why it may
    /// stand): it leaves the open list on every device that sees it, until its figures
    /// move. Finance exceptions are noted in the site's ledger, others in its operations.
    pub fn acknowledge(
        &mut self,
        kind: &str,
        subject: &str,
        note: &str,
        at: Timestamp,
    ) -> Result<()> {
        let row = self
            .exceptions()?
            .into_iter()
            .find(|row| row.kind == kind.trim() && row.subject == subject.trim())
            .ok_or_else(|| Error::not_found("open exception", format!("{kind} {subject}")))?;
        crate::kind::ack::acknowledge(&mut self.repo, &row, note, at)
    }

    fn all_exceptions(&self) -> Result<Vec<ExceptionRow>> {
        let me = self.repo.me()?;
        let stock_site = crate::access::stock_site(&me);
        self.exceptions.borrow_mut().get(self.repo.db(), stock_site)
    }

    /// The history of an order, task, item, customer or supplier, oldest first.
    pub fn history(&mut self, key: &str) -> Result<Vec<HistoryEntry>> {
        history::of(&mut self.repo, key)
    }

    /// Writes a bundle of this device's documents.
    pub fn export_bundle(&mut self, scope: &ExportScope, at: Timestamp) -> Result<Vec<u8>> {
        merge::export(&mut self.repo, scope, at)
    }

    /// The active members who may read every document `bundle` carries: those it may be
    /// encrypted to.
    pub fn bundle_readers(&mut self, bundle: &[u8]) -> Result<Vec<DeviceId>> {
        let header = crate::bundle::header(bundle)?;
        let docs = header
            .docs
            .iter()
            .map(|d| DocId::parse(&d.id))
            .collect::<Result<Vec<_>>>()?;
        Ok(self
            .members()
            .list()?
            .into_iter()
            .filter(|m| !m.revoked && docs.iter().all(|d| crate::access::may_read(m, d)))
            .map(|m| m.id)
            .collect())
    }

    /// Merges a bundle. Either every document in it is merged and committed, or nothing
    /// changes (a damaged bundle, another organisation's, an unreadable document).
    pub fn import_bundle(&mut self, bytes: &[u8], at: Timestamp) -> Result<ImportReport> {
        let mut report = merge::import(&mut self.repo, bytes, at)?;
        report.conflicts = self.conflicts().list()?.len();
        report.exceptions = self.exceptions()?.len();
        Ok(report)
    }

    /// Fills this book with sample data at this device's site, ending at `end`.
    pub fn fill_sample(&mut self, spec: &SampleSpec, end: Timestamp) -> Result<SampleReport> {
        sample::fill(&mut self.repo, spec, end)
    }

    /// Documents whose heads moved (local writes and merges) since the last call.
    pub fn take_changed_docs(&mut self) -> Vec<DocId> {
        self.repo.take_changed()
    }

    /// Compacts every loaded document into one snapshot each (e.g. when idle or closing).
    pub fn compact(&mut self) -> Result<()> {
        self.repo.compact()
    }

    /// Drops and recreates every projection from the stored documents.
    pub fn rebuild(&mut self) -> Result<()> {
        self.repo.forget_all();
        self.exceptions.borrow_mut().clear();
        let org = self.repo.org().to_string();
        let db = self.repo.db();
        let ids = store::doc_ids(db)?;
        let tx = db.unchecked_transaction()?;
        crate::projection::clear(&tx)?;
        for doc_id in &ids {
            let Some((doc, _, _)) = store::load_doc(&tx, doc_id)? else {
                continue;
            };
            crate::schema::check_document(&doc, doc_id, &org)?;
            let genesis = crate::schema::genesis_actor(doc_id, &org);
            let entries = crate::projection::LogEntries::of(&doc, &genesis, &[]);
            let (decoded, known) = (Default::default(), Default::default());
            let log = crate::projection::ChangeLog::of(&doc, &entries, &decoded, &known);
            crate::projection::project_while(
                &tx,
                doc_id,
                &doc,
                &crate::kind::all_records(&doc),
                || log.write(&tx, doc_id),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A stable text dump of every projection table, for comparing replicas and checking
    /// that a failed command changed nothing.
    pub fn dump(&self) -> Result<String> {
        crate::projection::dump(self.repo.db())
    }
}

/// Every held change, oldest first (the member kind lists them for admins).
pub(crate) fn held_changes(db: &rusqlite::Connection) -> Result<Vec<HeldChange>> {
    held::list(db)
}

/// Screens the held changes again after a decision or a revocation written here.
pub(crate) fn rescreen_held(repo: &mut Repo, at: Timestamp) -> Result<()> {
    let org = repo.org().clone();
    repo.merging(|m| held::rescreen(m, &org, at).map(|_| ()))
}

/// Opens the database and makes sure every kind's projection tables exist (a new kind's
/// appear at the next open); starts its checkpoint thread.
fn open_db(path: &Path, book_key: &BookKey) -> Result<(rusqlite::Connection, store::Checkpointer)> {
    let db = store::open(path, book_key)?;
    let tx = db.unchecked_transaction()?;
    let existing = store::meta_get(&tx, META_ORG)?.is_some();
    if existing && store::meta_get(&tx, META_PROJECTIONS)?.as_deref() != Some(PROJECTIONS) {
        // Tables of an earlier build may lack columns: made anew, filled by the rebuild.
        for table in crate::projection::all_tables() {
            tx.execute_batch(&format!("DROP TABLE IF EXISTS {table}"))?;
        }
    }
    tx.execute_batch(crate::projection::TABLES)?;
    for kind in crate::kind::KINDS {
        tx.execute_batch(kind.tables())?;
    }
    tx.commit()?;
    let checkpoints = store::Checkpointer::start(&db, path, book_key);
    Ok((db, checkpoints))
}
