//! The book's side of network sync: one place decides each step of it.
//!
//! [`Sync::receive`] takes a sealed message (an Automerge sync message and the
//! signatures of the changes in it) for one document from one peer and, under the one
//! borrow of the book the caller holds, checks that the peer may read the document,
//! screens every change it carries ([`super::screen`]: signature, author, membership),
//! applies what passes with its projections in one SQLite transaction, refuses the rest
//! and returns what it did with the reply. [`Sync::generate`] speaks first. A peer that
//! may not read a document gets no byte of it either way.

mod chunks;
mod whole;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};
use jiff::Timestamp;
use serde::Serialize;

use super::screen::RefusedChange;
use crate::access::{self, Device};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::DeviceId;
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::store;

/// How many months before now a document sync creates may be dated (an office offline for
/// years still catches up), and how many after (a clock a little ahead).
const CREATE_MONTHS_BACK: i32 = 60;
const CREATE_MONTHS_AHEAD: i32 = 2;

/// How many exchanges on one document may bring only refused changes before we stop
/// answering (a peer that keeps offering a change we refuse would ping-pong forever).
const MAX_IDLE_EXCHANGES: u8 = 4;

/// One peer's sync of one document: Automerge's sync state, and how many exchanges in a
/// row brought nothing but refused changes.
#[derive(Debug, Default)]
pub struct SyncSession {
    state: sync::State,
    idle: u8,
    last_their_heads: Vec<ChangeHash>,
    /// Changes received before the changes they depend on (the peer's Bloom filter
    /// mistook one of ours for one of theirs): kept until those arrive, which the next
    /// message asks for by name. Automerge is not given them, so nothing unjudged ever
    /// enters a document.
    early: Vec<automerge::Change>,
    /// The signatures of the early changes.
    early_sigs: crate::sign::Signatures,
}

/// The most early changes a session keeps.
const MAX_EARLY: usize = 10_000;

/// The book's side of network sync: [`crate::Book::sync`].
pub struct Sync<'a> {
    pub(crate) repo: &'a mut Repo,
}

/// What receiving one sync message did.
#[derive(Clone, Debug, Default)]
pub struct SyncReceipt {
    /// Changes new to this device.
    pub new_changes: usize,
    /// Records whose projections changed.
    pub records: Vec<RecordRef>,
    /// Changes refused in this message.
    pub refused: Vec<RefusedChange>,
    /// Changes held for an admin in this message.
    pub held: Vec<super::HeldChange>,
    /// Whether the document's heads moved.
    pub changed: bool,
    /// The message to send back, if there is anything to say (sealed like the one
    /// received).
    pub reply: Option<Vec<u8>>,
}

/// A sync message for one document made ready to apply without the book: unsealed,
/// decoded, what it carries parsed (a whole document loaded and its changes taken out,
/// the longest step of a catch-up), its signatures matched to the changes. Preparing
/// one message while the book applies another lets a catch-up of several documents
/// use both cores.
pub struct SyncMessage {
    doc_id: DocId,
    message: sync::Message,
    carried: chunks::Carried,
    sigs: crate::sign::Signatures,
    vouchers: Vec<automerge::Change>,
}

impl SyncMessage {
    /// Prepares `sealed`, a message for `doc_id`; a malformed one is an error.
    pub fn prepare(doc_id: &DocId, sealed: &[u8]) -> Result<SyncMessage> {
        let _stage = tracing::debug_span!("prepare", doc = %doc_id).entered();
        let (message, sealed_sigs) = crate::sign::unseal(sealed)
            .ok_or_else(|| Error::corrupt(doc_id, "a sync message without signatures"))?;
        let message = sync::Message::decode(message)
            .map_err(|e| Error::corrupt(doc_id, format!("sync message: {e}")))?;
        let carried = chunks::changes_of(&message, doc_id)?;
        let mut sigs = sealed_sigs.for_changes(carried.changes.iter().map(|c| c.hash()));
        let mut vouchers = Vec::with_capacity(sealed_sigs.vouchers.len());
        for (raw, sig) in &sealed_sigs.vouchers {
            let voucher = crate::bundle::parse_change(raw)
                .map_err(|e| Error::corrupt(doc_id, format!("a voucher is {e}")))?;
            sigs.insert(voucher.hash(), *sig);
            vouchers.push(voucher);
        }
        Ok(SyncMessage {
            doc_id: doc_id.clone(),
            message,
            carried,
            sigs,
            vouchers,
        })
    }

    /// The document the message is for.
    pub fn doc_id(&self) -> &DocId {
        &self.doc_id
    }
}

/// How much of a document a peer lacks or has that we lack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pending {
    /// We have changes the peer has not acknowledged.
    pub to_send: bool,
    /// The peer has changes we lack.
    pub to_receive: bool,
}

/// The heads of `theirs` that `doc` holds: only those can anchor "changes since".
fn known_heads(doc: &Automerge, theirs: &[ChangeHash]) -> Vec<ChangeHash> {
    theirs
        .iter()
        .filter(|h| doc.get_change_meta_by_hash(h).is_some())
        .copied()
        .collect()
}

impl Sync<'_> {
    /// Documents stored here that `member` may read, with their heads.
    pub fn readable_docs(&self, member: &Device) -> Result<Vec<(DocId, Vec<ChangeHash>)>> {
        Ok(store::all_doc_heads(self.repo.db())?
            .into_iter()
            .filter(|(doc, _)| access::may_read(member, doc))
            .collect())
    }

    /// The session with `peer` on `doc`, resumed from what the last one kept (the heads
    /// both sides shared), or a fresh one.
    pub fn session(&self, peer: &DeviceId, doc: &DocId) -> Result<SyncSession> {
        let state = store::sync_state(self.repo.db(), peer.as_str(), doc)?
            .and_then(|bytes| sync::State::decode(&bytes).ok())
            .unwrap_or_default();
        Ok(SyncSession {
            state,
            ..SyncSession::default()
        })
    }

    /// Keeps what outlives sessions with `peer` (only their shared heads are kept).
    pub fn end_sessions<'a>(
        &self,
        peer: &DeviceId,
        sessions: impl IntoIterator<Item = (&'a DocId, &'a SyncSession)>,
    ) -> Result<()> {
        let tx = self.repo.db().unchecked_transaction()?;
        for (doc, session) in sessions {
            store::set_sync_state(&tx, peer.as_str(), doc, &session.state.encode())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The next sync message for `doc` to `peer` in `session`, sealed with the
    /// signatures of the changes it carries; `None` when there is nothing to say. A peer
    /// that may not read `doc` is refused and sent nothing of it. Of a document not stored
    /// here there is nothing to say: the peer that has it speaks first (and a peer naming
    /// many documents it made up costs nothing here).
    pub fn generate(
        &mut self,
        peer: &DeviceId,
        doc: &DocId,
        session: &mut SyncSession,
    ) -> Result<Option<Vec<u8>>> {
        let _stage = tracing::debug_span!("generate", doc = %doc).entered();
        self.reader(peer, doc)?;
        session.idle = 0;
        if store::doc_heads(self.repo.db(), doc)?.is_none() {
            return Ok(None);
        }
        self.next_message(doc, session)
    }

    /// Refuses a message that would bring a document into being here unless its sites
    /// exist and its month is near `at`: a member cannot fill a node with documents by
    /// naming them. (The sender need only read it: a relay such as an auditor's device
    /// passes on what others wrote.)
    fn may_create(&self, doc: &DocId, at: Timestamp) -> Result<()> {
        if store::doc_heads(self.repo.db(), doc)?.is_some() {
            return Ok(());
        }
        let refuse = |why: String| Err(Error::corrupt(doc, why));
        for site in doc.sites() {
            if crate::kind::site::exists(self.repo.db(), site).is_err() {
                return refuse(format!("site {site} does not exist"));
            }
        }
        if let Some(month) = doc.month() {
            let now = crate::doc_id::Month::of(at).ordinal();
            let months = month.ordinal() - now;
            if !(-CREATE_MONTHS_BACK..=CREATE_MONTHS_AHEAD).contains(&months) {
                return refuse(format!("{month} is too far from now to start a document"));
            }
        }
        Ok(())
    }

    fn next_message(&mut self, doc: &DocId, session: &mut SyncSession) -> Result<Option<Vec<u8>>> {
        let org = self.repo.org().clone();
        let (db, loaded) = self.repo.db_and_loaded(doc)?;
        let whole = tracing::debug_span!("whole_message")
            .in_scope(|| whole::message(db, &org, doc, &loaded.doc, &mut session.state))?;
        let (message, latest) = match whole {
            Some(whole::Whole::Message(message, latest)) => (Some(message), Some(latest)),
            Some(whole::Whole::InFlight) => (None, None),
            None => (loaded.doc.generate_sync_message(&mut session.state), None),
        };
        let Some(mut message) = message else {
            return Ok(None);
        };
        // Ask by name for what early changes wait on: the peer sends what is needed
        // whatever its view of our Bloom filter.
        let early: std::collections::HashSet<ChangeHash> =
            session.early.iter().map(|c| c.hash()).collect();
        for change in &session.early {
            for dep in change.deps() {
                if !early.contains(dep)
                    && loaded.doc.get_change_meta_by_hash(dep).is_none()
                    && !message.need.contains(dep)
                {
                    message.need.push(*dep);
                }
            }
        }
        // The encoding wants them sorted.
        message.need.sort();
        let (sigs, vouchers) = tracing::debug_span!("sigs_of")
            .in_scope(|| chunks::sigs_of(db, doc, &loaded.doc, &message, latest))?;
        Ok(Some(crate::sign::seal(&message.encode(), &sigs, &vouchers)))
    }

    /// The member `peer` is, if it may read `doc` (and this device may hold it); else the
    /// refusal, before any byte of the document moves.
    fn reader(&self, peer: &DeviceId, doc: &DocId) -> Result<Device> {
        let not_permitted = |role: &str| Error::NotPermitted {
            doc: doc.to_string(),
            role: role.to_string(),
        };
        let member = access::member(self.repo.db(), peer)?
            .filter(|m| !m.revoked)
            .ok_or_else(|| not_permitted("non-member"))?;
        if !access::may_read(&member, doc) {
            return Err(not_permitted(member.role.as_str()));
        }
        let me = self.repo.me()?;
        if !access::may_read(&me, doc) {
            return Err(not_permitted(me.role.as_str()));
        }
        Ok(member)
    }

    /// Receives a sync message for `doc` from `peer` in `session` and answers it: checks
    /// that the peer may read (and so sync) `doc`, screens the changes it carries
    /// (signature, author, membership), applies what passes, refuses the rest, and
    /// returns what it did with the reply to send. A malformed message is an error and
    /// changes nothing.
    pub fn receive(
        &mut self,
        peer: &DeviceId,
        doc_id: &DocId,
        session: &mut SyncSession,
        sealed: &[u8],
        at: Timestamp,
    ) -> Result<SyncReceipt> {
        self.may_receive(peer, doc_id, at)?;
        let prepared = SyncMessage::prepare(doc_id, sealed)?;
        self.receive_prepared(peer, session, prepared, at)
    }

    /// Whether a sync message for `doc` from `peer` may be taken at `at`: the peer may
    /// read the document, and a document it would bring into being here may be made. A
    /// caller that prepares a message apart from the book asks this first, so that no
    /// work is spent on a message that will be refused.
    pub fn may_receive(&self, peer: &DeviceId, doc: &DocId, at: Timestamp) -> Result<()> {
        self.reader(peer, doc)?;
        self.may_create(doc, at)
    }

    /// [`Sync::receive`] of a message prepared apart from the book
    /// ([`SyncMessage::prepare`]); the checks of [`Sync::may_receive`] are made again, as
    /// the book may have changed meanwhile.
    pub fn receive_prepared(
        &mut self,
        peer: &DeviceId,
        session: &mut SyncSession,
        prepared: SyncMessage,
        at: Timestamp,
    ) -> Result<SyncReceipt> {
        let SyncMessage {
            doc_id,
            mut message,
            carried: chunks::Carried { mut changes, whole },
            mut sigs,
            vouchers,
        } = prepared;
        let doc_id = &doc_id;
        // Declared first, dropped last: what the merge leaves is freed once the reply
        // is made.
        let _free_after_reply = crate::free::hold();
        let _stage = tracing::debug_span!("receive", doc = %doc_id).entered();
        self.may_receive(peer, doc_id, at)?;
        changes.append(&mut session.early);
        sigs.extend(session.early_sigs.drain());
        let mut receipt = SyncReceipt::default();
        let before = self.repo.loaded(doc_id)?.doc.get_heads();
        let org = self.repo.org().clone();
        let from = peer.to_string();
        let me = self.repo.device_id().to_string();
        let screened = self.repo.merging(|m| {
            store::set_peer_heads(m.db(), &from, doc_id, &message.heads)?;
            let arrival = super::screen::Arrival {
                sigs: &sigs,
                vouchers: &vouchers,
                from: &from,
                at,
                whole,
            };
            let mut screened = super::screen::merge_screened(m, &org, doc_id, changes, arrival)?;
            super::restore::note_heads(m, doc_id, &from, &me, &message.heads)?;
            if super::held::releases_held(doc_id) && screened.new_changes > 0 {
                // A decision, a revocation, a member or an account arrived: held changes
                // may now pass.
                let released = super::held::rescreen(m, &org, at)?;
                screened.records.extend(released.records);
                screened.refused.extend(released.refused);
            }
            Ok(screened)
        })?;
        session.early = screened.early;
        session.early.truncate(MAX_EARLY);
        session.early_sigs = session
            .early
            .iter()
            .filter_map(|c| sigs.get(&c.hash()).map(|s| (c.hash(), *s)))
            .collect();
        receipt.new_changes = screened.new_changes;
        receipt.records = screened.records;
        receipt.refused = screened.refused;
        receipt.held = screened.held;
        receipt.changed = self.repo.loaded(doc_id)?.doc.get_heads() != before;
        // The changes are in (or refused); let Automerge update what it knows of the peer.
        message.changes = sync::ChunkList::empty();
        let state = &mut session.state;
        self.repo
            .loaded(doc_id)?
            .doc
            .receive_sync_message(state, message)?;
        if receipt.changed {
            // Automerge saw the changes already applied, so it believes the peer knows our
            // new heads; it must be told them (the acknowledgement the sender waits for).
            state.last_sent_heads = before;
        }
        // Only a message that brought nothing but refused changes counts as idle:
        // Automerge's own exchanges (bloom filters, acknowledgements) end by themselves,
        // a refused change would be offered again forever.
        let their_heads = state.their_heads.clone().unwrap_or_default();
        let progress = receipt.changed
            || (receipt.refused.is_empty() && receipt.held.is_empty())
            || their_heads != session.last_their_heads;
        session.last_their_heads = their_heads;
        session.idle = if progress {
            0
        } else {
            session.idle.saturating_add(1)
        };
        receipt.reply = if session.idle >= MAX_IDLE_EXCHANGES {
            tracing::info!(%peer, doc = %doc_id, "no progress: waiting for new changes");
            None
        } else {
            tracing::debug_span!("reply").in_scope(|| self.next_message(doc_id, session))?
        };
        Ok(receipt)
    }

    /// Changes refused from peers, newest first.
    pub fn refused(&self) -> Result<Vec<RefusedChange>> {
        let mut stmt = self.repo.db().prepare_cached(
            "SELECT hash, doc, author, from_peer, reason, at FROM refused_changes ORDER BY at DESC, hash",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RefusedChange {
                    hash: r.get(0)?,
                    doc: r.get(1)?,
                    author: r.get(2)?,
                    from_peer: r.get(3)?,
                    reason: r.get(4)?,
                    at_ms: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// How `doc` stands against a peer whose heads are `theirs`.
    pub fn pending_against(&mut self, doc: &DocId, theirs: &[ChangeHash]) -> Result<Pending> {
        if self.holds_heads(doc, theirs)? {
            return Ok(Pending {
                to_receive: false,
                to_send: false,
            });
        }
        let loaded = self.repo.loaded(doc)?;
        let known = known_heads(&loaded.doc, theirs);
        let ours = loaded.doc.get_heads();
        Ok(Pending {
            to_receive: known.len() < theirs.len(),
            to_send: ours != theirs && !loaded.doc.get_changes(&known).is_empty(),
        })
    }

    /// How many of this device's own changes to `doc` are not in the history of `theirs`
    /// (what the HQ node has not seen yet).
    pub fn own_changes_unseen(&mut self, doc: &DocId, theirs: &[ChangeHash]) -> Result<usize> {
        if self.holds_heads(doc, theirs)? {
            return Ok(0);
        }
        let me = self.repo.device_id().actor();
        let loaded = self.repo.loaded(doc)?;
        let known = known_heads(&loaded.doc, theirs);
        Ok(loaded
            .doc
            .get_changes_meta(&known)
            .iter()
            .filter(|m| *m.actor == me)
            .count())
    }

    /// Whether `doc` is stored here at exactly `theirs`: nothing pending either way, known
    /// without loading the document (the status screens ask this for every document).
    fn holds_heads(&self, doc: &DocId, theirs: &[ChangeHash]) -> Result<bool> {
        let mut theirs = theirs.to_vec();
        theirs.sort();
        Ok(store::doc_heads(self.repo.db(), doc)?.is_some_and(|ours| ours == theirs))
    }

    /// Heads another device had of `doc` when we last heard (bundle or sync).
    pub fn peer_heads(&self, device: &str, doc: &DocId) -> Result<Vec<ChangeHash>> {
        store::peer_heads(self.repo.db(), device, doc)
    }

    /// Records the heads another device has of `doc`.
    pub fn set_peer_heads(&self, device: &str, doc: &DocId, heads: &[ChangeHash]) -> Result<()> {
        store::set_peer_heads(self.repo.db(), device, doc, heads)
    }

    /// Every stored document id with its heads.
    pub fn doc_heads(&self) -> Result<Vec<(DocId, Vec<ChangeHash>)>> {
        store::all_doc_heads(self.repo.db())
    }

    /// The changes of `doc` that `since` lacks, as an Automerge bundle (the compact,
    /// columnar encoding of `save`): the yardstick for what sync puts on the wire.
    pub fn changes_bundle(&mut self, doc: &DocId, since: &[ChangeHash]) -> Result<Vec<u8>> {
        let loaded = self.repo.loaded(doc)?;
        let hashes: Vec<ChangeHash> = loaded
            .doc
            .get_changes(since)
            .iter()
            .map(|c| c.hash())
            .collect();
        Ok(loaded.doc.bundle(hashes)?.bytes().to_vec())
    }
}

#[cfg(test)]
mod tests;
