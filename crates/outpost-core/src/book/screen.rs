//! The screen every change from elsewhere passes before it is applied, whether it came
//! over the network, in a bundle or with a join: its signature is its author's, its
//! author is a member who may write the document, and it builds on nothing refused.
//! What fails is refused whole, logged with where it came from and listed; the rest is
//! merged through [`Repo::merging`]. Sync and bundles call [`merge_screened`] alone.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash, ExpandedChange, ReadDoc};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::access::{self, Device, Role};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::free;
use crate::id::{DeviceId, OrgId};
use crate::projection::LogEntries;
use crate::record::RecordRef;
use crate::repo::{Applied, DocMerge, Merger, WholeDoc};
use crate::rules::{self, Broken, Judged};
use crate::schema;
use crate::sign::{self, Signatures};
use crate::store;

use super::held::HeldChange;

/// The most refused changes kept for people to look at; the oldest go first.
const MAX_REFUSED: i64 = 10_000;

/// A change that was received and not applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefusedChange {
    /// The change's hash.
    pub hash: String,
    /// The document it was for.
    pub doc: String,
    /// Its author (device id, or the raw actor if not a device).
    pub author: String,
    /// Where it came from: the peer that sent it, or `file:` and the device that wrote
    /// the bundle.
    pub from_peer: String,
    /// Why it was refused.
    pub reason: String,
    /// When it was refused (ms).
    pub at_ms: i64,
}

/// What a screened merge did.
#[derive(Debug, Default)]
pub(crate) struct Screened {
    /// Changes new to this device (not counting genesis).
    pub new_changes: usize,
    /// Changes kept aside until their dependencies arrive.
    pub waiting: usize,
    /// Records whose projections changed.
    pub records: Vec<RecordRef>,
    /// Changes refused.
    pub refused: Vec<RefusedChange>,
    /// Changes held for an admin.
    pub held: Vec<HeldChange>,
    /// Changes that came before the changes they depend on: judged once those arrive
    /// (a sync session keeps them; a bundle counts them as waiting).
    pub early: Vec<Change>,
}

impl Screened {
    /// Adds what another screened merge did.
    pub fn absorb(&mut self, other: Screened) {
        self.new_changes += other.new_changes;
        self.waiting += other.waiting;
        self.records.extend(other.records);
        self.refused.extend(other.refused);
        self.held.extend(other.held);
        self.early.extend(other.early);
    }
}

/// The member a change's author is, as far as this device knows: its registration, or
/// for the organisation's founder before its first change is in, an admin at no site.
fn author(db: &Connection, org: &OrgId, actor: &DeviceId) -> Result<Option<Device>> {
    if let Some(member) = access::member(db, actor)? {
        return Ok(Some(member));
    }
    if org.is_founded_by(actor) {
        return Ok(Some(Device {
            id: actor.clone(),
            code: crate::code::DeviceCode::from_stored("A1".into()),
            name: String::new(),
            site: crate::code::SiteCode::from_stored(String::new()),
            role: Role::Admin,
            joined_at_ms: 0,
            revoked: false,
            revoked_at_ms: None,
            at_head_office: true,
        }));
    }
    Ok(None)
}

/// A change that failed the screen, and why.
type Refusal = (Change, String);

/// Why a change is held (a code the front ends translate): its device's revocation does
/// not cover it.
pub const HOLD_AFTER_REVOCATION: &str = "after_revocation";
/// Why a change is held: it builds on a held change.
pub const HOLD_BUILDS_ON_HELD: &str = "builds_on_held";
/// Why a change is held: the book is kept under rules newer than this program knows.
pub const HOLD_NEWER_RULES: &str = "newer_rules";

/// What the screen says of one change.
enum Verdict {
    Accept,
    Refuse(String),
    Hold(String),
}

/// What came before a batch: the refused and held changes remembered here (each `None`
/// when there are none, which is most of the time).
struct Before<'a> {
    refused: Option<&'a Connection>,
    held: HashSet<ChangeHash>,
}

/// Whether `change` builds on a refused change (in this batch, or refused here before
/// and not accepted since) or on a held one.
fn builds_on(before: &Before<'_>, change: &Change, batch: &Batch) -> Result<Option<Verdict>> {
    for dep in change.deps() {
        if batch.refused.contains(dep) {
            return Ok(Some(Verdict::Refuse(
                "it builds on a refused change".into(),
            )));
        }
        if batch.held.contains(dep) || before.held.contains(dep) {
            return Ok(Some(Verdict::Hold(HOLD_BUILDS_ON_HELD.into())));
        }
        if let Some(db) = before.refused
            && !batch.accepted.contains(dep)
            && db
                .prepare_cached("SELECT 1 FROM refused_changes WHERE hash = ?1")?
                .exists([dep.to_string()])?
        {
            return Ok(Some(Verdict::Refuse(
                "it builds on a refused change".into(),
            )));
        }
    }
    Ok(None)
}

/// The hashes decided so far in one batch.
#[derive(Default)]
struct Batch {
    accepted: HashSet<ChangeHash>,
    refused: HashSet<ChangeHash>,
    held: HashSet<ChangeHash>,
}

/// The verdict on a change by `member` (its signature checked): its role must allow
/// writing `doc_id`; a revoked member's change counts only if its revocations cover it
/// (by sequence number: the change's own time proves nothing) or an admin accepted it.
fn judge_author(
    db: &Connection,
    member: Option<&Device>,
    doc_id: &DocId,
    change: &Change,
) -> Result<Verdict> {
    let Some(m) = member else {
        return Ok(Verdict::Refuse("its author is not a member".into()));
    };
    if !access::may_author(m, doc_id) {
        return Ok(Verdict::Refuse(format!(
            "a {} of {} may not write {doc_id}",
            m.role.as_str(),
            m.site
        )));
    }
    if !m.revoked {
        return Ok(Verdict::Accept);
    }
    use crate::kind::member::revocation::{self, Decision};
    Ok(
        match revocation::decision(db, &change.hash().to_string())? {
            Some(Decision::Accept) => Verdict::Accept,
            Some(Decision::Discard) => Verdict::Refuse("an admin discarded it".into()),
            None if i64::try_from(change.seq()).is_ok_and(|seq| {
                seq <= revocation::counts_through(db, &m.id, doc_id).unwrap_or(0)
            }) =>
            {
                Verdict::Accept
            }
            None => Verdict::Hold(HOLD_AFTER_REVOCATION.into()),
        },
    )
}

/// What the screen made of a batch, in order.
#[derive(Default)]
struct Sorted {
    accepted: Vec<Change>,
    refused: Vec<Refusal>,
    held: Vec<Refusal>,
    /// Changes whose dependencies have not arrived.
    early: Vec<Change>,
    /// Changes to screen again once what was accepted before them is merged (a change
    /// resolving a conflict is judged against the document itself).
    rest: Vec<Change>,
    /// The records each accepted change touched, as the rules read them.
    touched: Touched,
}

/// The records each change touched, by change.
pub(crate) type Touched = crate::record::RecordsByChange;

/// What the rules said: a verdict, come again later, or merge first.
enum RulesSay {
    Verdict(Verdict),
    Early,
    Flush,
}

/// The rules applied to a change its author was entitled to make ([`crate::rules`]):
/// what breaks one is refused, what names something the organisation document has not
/// told this device yet is held until it does.
fn keeps_rules(
    judge: &mut rules::Judge<'_>,
    change: &Change,
    expanded: &ExpandedChange,
    author: &Device,
    version: i64,
) -> RulesSay {
    if version > rules::RULES_VERSION && judge.doc_id() != &DocId::Org {
        return RulesSay::Verdict(Verdict::Hold(HOLD_NEWER_RULES.into()));
    }
    match judge.judge_expanded(change, expanded, author, version) {
        Judged::Keeps(decoded) => {
            judge.accepted(*decoded);
            RulesSay::Verdict(Verdict::Accept)
        }
        Judged::Breaks(Broken::Rule(why)) => RulesSay::Verdict(Verdict::Refuse(why)),
        Judged::Breaks(Broken::Unknown(code)) => RulesSay::Verdict(Verdict::Hold(code.into())),
        Judged::Early => RulesSay::Early,
        Judged::AfterMerge => RulesSay::Flush,
    }
}

/// Runs `judge_all` over each change's operations, expanded (`Change::decode`), in
/// order: for a large batch the second core expands them ahead of the judging (a third of
/// its cost, and the rules need nothing of it), and another thread frees them after (a
/// fifth).
fn with_expanded<T>(
    changes: &[Change],
    judge_all: impl FnOnce(&mut dyn Iterator<Item = free::Lent<'_, ExpandedChange>>) -> T,
) -> T {
    if changes.len() < crate::repo::PARALLEL_FROM {
        let bin = free::Bin::here();
        return judge_all(&mut changes.iter().map(|c| free::Lent::new(c.decode(), &bin)));
    }
    let bin = free::Bin::new();
    std::thread::scope(|s| {
        // Bounded: the judging may stop early (a change to judge after a merge).
        let expanded = crate::ahead::ahead(s, 256, changes.iter().map(Change::decode));
        judge_all(&mut expanded.map(|e| free::Lent::new(e, &bin)))
    })
}

/// What became of one change of a batch.
enum Decision {
    Verdict(Verdict),
    /// Its dependencies have not arrived.
    Early,
}

/// Sorts `changes` for `doc_id` into those that pass the screen, the refused and the
/// held, in order (dependencies before dependents, as sync messages and bundles carry
/// them).
#[allow(clippy::too_many_arguments)]
fn screen(
    db: &Connection,
    doc: &Automerge,
    version: i64,
    org: &OrgId,
    doc_id: &DocId,
    changes: Vec<Change>,
    vouchers: &[Change],
    refused_before: &HashSet<ChangeHash>,
    sigs: &Signatures,
    from: &str,
) -> Result<Sorted> {
    let _stage = tracing::debug_span!("screen", changes = changes.len()).entered();
    let genesis = schema::genesis(doc_id, org.as_str())?.get_heads();
    let batch_signed: Vec<_> = changes.iter().map(|c| sign::with_deps(c, sigs)).collect();
    let voucher_signed: Vec<_> = vouchers.iter().map(|c| sign::with_deps(c, sigs)).collect();
    let verdicts = sign::authenticate(&batch_signed, &voucher_signed);
    drop(batch_signed);
    let mut batch = Batch {
        refused: refused_before.clone(),
        ..Batch::default()
    };
    let before = Before {
        refused: any_refused(db)?.then_some(db),
        held: super::held::hashes(db)?,
    };
    let mut members: HashMap<Vec<u8>, Option<Device>> = HashMap::new();
    let mut judge = rules::Judge::new(doc_id, doc, db);
    judge.reserve(changes.len());
    // One decision per change, in order, until a change must wait for a merge (it and
    // every change after it are screened again then).
    let mut decisions: Vec<Decision> = Vec::with_capacity(changes.len());
    let here = free::Bin::here();
    with_expanded(&changes, |expanded| -> Result<()> {
        for (change, unsigned) in changes.iter().zip(&verdicts) {
            let expanded = expanded
                .next()
                .unwrap_or_else(|| free::Lent::new(change.decode(), &here));
            let actor = change.actor_id().to_bytes().to_vec();
            let verdict = if genesis.contains(&change.hash()) {
                Verdict::Accept
            } else if let Some(why) = unsigned {
                Verdict::Refuse(why.to_string())
            } else if let Some(verdict) = builds_on(&before, change, &batch)? {
                verdict
            } else {
                let member = match members.get(&actor) {
                    Some(m) => m.clone(),
                    None => {
                        let m = author(db, org, &DeviceId::from_bytes(&actor))?;
                        members.insert(actor.clone(), m.clone());
                        m
                    }
                };
                match (judge_author(db, member.as_ref(), doc_id, change)?, &member) {
                    (Verdict::Accept, Some(author)) => {
                        match keeps_rules(&mut judge, change, &expanded, author, version) {
                            RulesSay::Verdict(verdict) => verdict,
                            RulesSay::Early => {
                                decisions.push(Decision::Early);
                                continue;
                            }
                            RulesSay::Flush => break,
                        }
                    }
                    (verdict, _) => verdict,
                }
            };
            match &verdict {
                Verdict::Accept => {
                    batch.accepted.insert(change.hash());
                }
                Verdict::Refuse(reason) => {
                    tracing::warn!(doc = %doc_id, hash = %change.hash(), %from, %reason, "refused a change");
                    batch.refused.insert(change.hash());
                }
                Verdict::Hold(reason) => {
                    tracing::warn!(doc = %doc_id, hash = %change.hash(), %from, %reason, "held a change");
                    batch.held.insert(change.hash());
                }
            }
            decisions.push(Decision::Verdict(verdict));
        }
        Ok(())
    })?;
    let mut out = Sorted {
        touched: judge.into_touched(),
        // Nearly always every change: a month's, grown by doubling, is copied a dozen times.
        accepted: Vec::with_capacity(decisions.len()),
        ..Sorted::default()
    };
    let mut decisions = decisions.into_iter();
    for change in changes {
        match decisions.next() {
            Some(Decision::Verdict(Verdict::Accept)) => out.accepted.push(change),
            Some(Decision::Verdict(Verdict::Refuse(reason))) => out.refused.push((change, reason)),
            Some(Decision::Verdict(Verdict::Hold(reason))) => out.held.push((change, reason)),
            Some(Decision::Early) => out.early.push(change),
            None => out.rest.push(change),
        }
    }
    Ok(out)
}

/// What came with a batch of changes, besides the changes.
pub(crate) struct Arrival<'a> {
    /// The signatures of the changes and of the vouchers.
    pub sigs: &'a Signatures,
    /// Signed changes carried only to vouch for earlier changes of their authors.
    pub vouchers: &'a [Change],
    /// Where it came from: the peer that sent it, or `file:` and the device that wrote
    /// the bundle.
    pub from: &'a str,
    /// When it arrived.
    pub at: Timestamp,
    /// The sender's whole document, when the changes came as one (a peer sends that
    /// when we lack most of it): if every change passes, it is the merge, and nothing
    /// need be applied.
    pub whole: Option<WholeDoc>,
}

/// Screens `changes` for `doc_id` and merges what passes, inside the merge transaction
/// `m`; refused changes are logged in `refused_changes`. The organisation document is
/// screened to a fixed point: a change admitting a member lets that member's later
/// changes in the same batch pass.
pub(crate) fn merge_screened(
    m: &mut Merger<'_>,
    org: &OrgId,
    doc_id: &DocId,
    changes: Vec<Change>,
    arrival: Arrival<'_>,
) -> Result<Screened> {
    let Arrival {
        sigs,
        vouchers,
        from,
        at,
        mut whole,
    } = arrival;
    let mut out = Screened::default();
    // What is in already was screened when it came: only what is new is judged (and a
    // bundle carried twice costs no signature checks).
    let mut candidates = Vec::with_capacity(changes.len());
    for change in changes {
        if !m.holds(doc_id, &change.hash())? {
            candidates.push(change);
        }
    }
    let mut candidates = causal_order(candidates);
    let version = crate::kind::settings::rules_version(m.db_and_doc(&DocId::Org)?.1);
    let mut refused_before = HashSet::new();
    let mut first_round = true;
    let before = m.heads_before(doc_id)?;
    loop {
        let (db, doc) = m.db_and_doc(doc_id)?;
        let count = candidates.len();
        // A large batch is applied to a copy of the document on the second core while it
        // is screened: if every change passes (nearly always), that copy is the merge.
        let speculate = first_round && count >= crate::repo::PARALLEL_FROM;
        first_round = false;
        let judge = |candidates| {
            screen(
                db,
                doc,
                version,
                org,
                doc_id,
                candidates,
                vouchers,
                &refused_before,
                sigs,
                from,
            )
        };
        let (sorted, speculative) = if speculate {
            // What the copy lacks: every change, or those carried after a whole document
            // (what its sender appended to it since its last snapshot).
            let whole = whole.take();
            let copies: Vec<Change> = match &whole {
                Some(w) => candidates
                    .iter()
                    .filter(|c| w.doc.get_change_meta_by_hash(&c.hash()).is_none())
                    .cloned()
                    .collect(),
                None => candidates.clone(),
            };
            // The changes for the change log are read from the copy too.
            let genesis = schema::genesis_actor(doc_id, org.as_str());
            std::thread::scope(|s| {
                let applying = s.spawn(|| {
                    let _stage = tracing::debug_span!("speculate").entered();
                    let applied = match whole {
                        Some(whole) => with_local_changes(with_after(whole, copies)?, doc)?,
                        None => {
                            let mut copy = doc.clone();
                            copy.apply_changes(copies).ok()?;
                            Applied::Doc(copy)
                        }
                    };
                    let entries = LogEntries::of(applied.doc(), &genesis, &before);
                    Some((applied, entries))
                });
                let sorted = judge(candidates);
                (sorted, applying.join().ok().flatten())
            })
        } else {
            (judge(candidates), None)
        };
        let Sorted {
            accepted,
            mut refused,
            held,
            early,
            rest,
            touched,
        } = sorted?;
        let speculative = speculative.filter(|_| accepted.len() == count);
        keep_vouchers(
            m.db(),
            doc_id,
            &accepted,
            refused
                .iter()
                .chain(&held)
                .map(|(c, _)| c)
                .chain(&early)
                .chain(vouchers),
            sigs,
        )?;
        out.waiting += early.len();
        out.early.extend(early);
        for (change, reason) in held {
            let kept = super::held::hold(
                m.db(),
                doc_id,
                &change,
                sigs.get(&change.hash()),
                from,
                &reason,
                at,
            )?;
            out.held.push(kept);
        }
        let progress = !accepted.is_empty();
        if progress {
            forget_refused(m.db(), &accepted)?;
            let (merged, equivocations) =
                merge_refusing_equivocation(m, doc_id, accepted, sigs, &touched, speculative)?;
            if touched.len() >= crate::repo::PARALLEL_FROM {
                crate::free::after_commit(touched);
            }
            refused.extend(equivocations);
            if let Some(merged) = merged {
                out.new_changes += merged.new_changes;
                out.waiting += merged.waiting;
                out.records.extend(merged.records);
            }
        }
        if !rest.is_empty() {
            // What was accepted is merged: judge the rest against the document.
            refused_before.extend(refused.iter().map(|(c, _)| c.hash()));
            out.refused.extend(
                refused
                    .into_iter()
                    .map(|(change, reason)| refused_change(doc_id, &change, from, reason, at)),
            );
            candidates = rest;
            continue;
        }
        // Only the organisation document can make a refused author a member.
        if !progress || *doc_id != DocId::Org || refused.is_empty() {
            for (change, reason) in refused {
                out.refused
                    .push(refused_change(doc_id, &change, from, reason, at));
            }
            break;
        }
        candidates = refused.into_iter().map(|(c, _)| c).collect();
    }
    out.records.sort();
    out.records.dedup();
    log_refused(m.db(), &out.refused)?;
    Ok(out)
}

/// `changes` with every change after those of them it depends on (a sync message need
/// not carry them in that order; the rules judge a change by what came before it).
/// Stable: an ordered batch stays as it is.
fn causal_order(changes: Vec<Change>) -> Vec<Change> {
    let index: HashMap<ChangeHash, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.hash(), i))
        .collect();
    let ordered = changes.iter().enumerate().all(|(i, c)| {
        c.deps()
            .iter()
            .all(|d| index.get(d).is_none_or(|&at| at < i))
    });
    if ordered {
        return changes;
    }
    let mut waiting_on: Vec<usize> = vec![0; changes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for (i, c) in changes.iter().enumerate() {
        for d in c.deps() {
            if let Some(&at) = index.get(d) {
                waiting_on[i] += 1;
                dependents[at].push(i);
            }
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..changes.len()).filter(|&i| waiting_on[i] == 0).collect();
    let mut order = Vec::with_capacity(changes.len());
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &next in &dependents[i] {
            waiting_on[next] -= 1;
            if waiting_on[next] == 0 {
                ready.insert(next);
            }
        }
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Keeps, as vouchers, the signed changes of `not_applied` whose authors' changes in
/// `accepted` came without their own signature: this device passes those on with the
/// voucher as their proof.
fn keep_vouchers<'a>(
    db: &Connection,
    doc_id: &DocId,
    accepted: &[Change],
    not_applied: impl Iterator<Item = &'a Change>,
    sigs: &Signatures,
) -> Result<()> {
    let vouched: HashSet<&automerge::ActorId> = accepted
        .iter()
        .filter(|c| !sigs.contains_key(&c.hash()))
        .map(Change::actor_id)
        .collect();
    if vouched.is_empty() {
        return Ok(());
    }
    for change in not_applied {
        if vouched.contains(change.actor_id())
            && let Some(sig) = sigs.get(&change.hash())
        {
            store::put_voucher(db, doc_id, change, sig)?;
        }
    }
    Ok(())
}

/// How a refused change is listed.
fn refused_change(
    doc_id: &DocId,
    change: &Change,
    from: &str,
    reason: String,
    at: Timestamp,
) -> RefusedChange {
    RefusedChange {
        hash: change.hash().to_string(),
        doc: doc_id.to_string(),
        author: DeviceId::from_bytes(change.actor_id().to_bytes()).to_string(),
        from_peer: from.to_string(),
        reason,
        at_ms: at.as_millisecond(),
    }
}

/// Whether any refused change is remembered (most of the time none is, and the checks
/// against the list are skipped).
fn any_refused(db: &Connection) -> Result<bool> {
    Ok(db
        .prepare_cached("SELECT 1 FROM refused_changes LIMIT 1")?
        .exists([])?)
}

/// Takes changes refused before and accepted now (their author's admission arrived
/// since) off the refused list.
fn forget_refused(db: &Connection, accepted: &[Change]) -> Result<()> {
    if !any_refused(db)? {
        return Ok(());
    }
    let mut delete = db.prepare_cached("DELETE FROM refused_changes WHERE hash = ?1")?;
    for change in accepted {
        delete.execute([change.hash().to_string()])?;
    }
    Ok(())
}

/// `whole` with the changes carried `after` it applied, and stored after it as they
/// came; `None` if one of them lacks a dependency (the merge then takes the slow path,
/// which keeps it waiting).
fn with_after(mut whole: WholeDoc, after: Vec<Change>) -> Option<WholeDoc> {
    if after.is_empty() {
        return Some(whole);
    }
    for change in &after {
        whole.bytes.extend_from_slice(change.raw_bytes());
    }
    whole.doc.apply_changes(after).ok()?;
    whole.doc.get_missing_deps(&[]).is_empty().then_some(whole)
}

/// The sender's whole document `whole` with the changes only `local` holds added: the
/// merge of the two when every change of `whole` passed. `None` if they cannot be merged
/// (two changes with one author's sequence number: the plain merge sorts that out).
fn with_local_changes(mut whole: WholeDoc, local: &Automerge) -> Option<Applied> {
    let only_here: Vec<Change> = whole.doc.get_changes_added(local);
    let bytes: Vec<u8> = only_here
        .iter()
        .flat_map(|c| c.raw_bytes().to_vec())
        .collect();
    whole.doc.apply_changes(only_here).ok()?;
    Some(Applied::Whole {
        whole,
        local: bytes,
    })
}

/// Merges `changes`, refusing a change whose author made another change with the same
/// sequence number (only the author's own key can: a member equivocating), and what
/// builds on it. Automerge refuses a whole batch for one such change, which would let one
/// member stop a document's sync for everyone. One already held here is kept; of two
/// arriving together, the first.
fn merge_refusing_equivocation(
    m: &mut Merger<'_>,
    doc_id: &DocId,
    mut changes: Vec<Change>,
    sigs: &Signatures,
    touched: &Touched,
    mut applied: Option<(Applied, LogEntries)>,
) -> Result<(Option<DocMerge>, Vec<Refusal>)> {
    let mut refused: Vec<Refusal> = Vec::new();
    while !changes.is_empty() {
        let merged = match applied.take() {
            Some(doc) => m.merge_applied(doc_id, &changes, sigs, touched, doc),
            None => m.merge(doc_id, &changes, sigs, touched),
        };
        let (seq, actor) = match merged {
            Err(Error::Document(automerge::AutomergeError::DuplicateSeqNumber(seq, actor))) => {
                (seq, actor)
            }
            merged => {
                if changes.len() >= crate::repo::PARALLEL_FROM {
                    // A month's changes are ten thousand buffers to free: not on the
                    // way to the commit.
                    crate::free::after_commit(changes);
                }
                return Ok((Some(merged?), refused));
            }
        };
        // Automerge stopped before applying anything; load the document afresh.
        m.forget(doc_id);
        let same: Vec<ChangeHash> = changes
            .iter()
            .filter(|c| c.seq() == seq && *c.actor_id() == actor)
            .map(Change::hash)
            .collect();
        let mut new = Vec::new();
        let mut held = false;
        for hash in same {
            if m.holds(doc_id, &hash)? {
                held = true;
            } else {
                new.push(hash);
            }
        }
        // Keep the held one; else try keeping the first (if the document holds another of
        // that number, the next round refuses the first too). Refuse the rest and what
        // builds on them.
        let keep_first = !held && new.len() > 1;
        let mut bad: HashSet<ChangeHash> = new.into_iter().skip(usize::from(keep_first)).collect();
        let before = changes.len();
        let mut kept = Vec::with_capacity(before);
        for change in changes {
            let reason = if bad.contains(&change.hash()) {
                "its author made another change with the same sequence number"
            } else if change.deps().iter().any(|d| bad.contains(d)) {
                bad.insert(change.hash());
                "it builds on a refused change"
            } else {
                kept.push(change);
                continue;
            };
            refused.push((change, reason.to_string()));
        }
        if kept.len() == before {
            // Nothing of ours to refuse: the document itself is at fault.
            return Err(Error::corrupt(
                doc_id,
                format!("duplicate sequence number {seq}"),
            ));
        }
        changes = kept;
    }
    Ok((None, refused))
}

/// Keeps the refused changes for people to look at, dropping the oldest beyond the cap.
fn log_refused(db: &Connection, refused: &[RefusedChange]) -> Result<()> {
    if refused.is_empty() {
        return Ok(());
    }
    let mut insert = db.prepare_cached(
        "INSERT INTO refused_changes(hash, doc, author, from_peer, reason, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(hash) DO UPDATE SET from_peer = excluded.from_peer, at = excluded.at",
    )?;
    for r in refused {
        insert.execute(params![
            r.hash,
            r.doc,
            r.author,
            r.from_peer,
            r.reason,
            r.at_ms
        ])?;
    }
    let dropped = db
        .prepare_cached(
            "DELETE FROM refused_changes WHERE hash IN (
                 SELECT hash FROM refused_changes ORDER BY at DESC, hash LIMIT -1 OFFSET ?1)",
        )?
        .execute([MAX_REFUSED])?;
    if dropped > 0 {
        tracing::warn!(
            dropped,
            "forgot the oldest refused changes (over {MAX_REFUSED} kept)"
        );
    }
    Ok(())
}

/// Merges changes that passed no screen: only for tests that play a modified program.
#[cfg(test)]
pub(crate) fn merge_unscreened(
    repo: &mut crate::repo::Repo,
    doc_id: &DocId,
    changes: &[Change],
    sigs: &Signatures,
) -> Result<()> {
    repo.merging(|m| {
        m.merge(doc_id, changes, sigs, &Touched::default())
            .map(|_| ())
    })
}
