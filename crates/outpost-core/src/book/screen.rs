//! The screen every change from elsewhere passes before it is applied, whether it came
//! over the network, in a bundle or with a join: its signature is its author's, its
//! author is a member who may write the document, and it builds on nothing refused.
//! What fails is refused whole, logged with where it came from and listed; the rest is
//! merged through [`Repo::merging`]. Sync and bundles call [`merge_screened`] alone.

use std::collections::{HashMap, HashSet};

use automerge::{Change, ChangeHash};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::access::{self, Device, Role};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::{DeviceId, OrgId};
use crate::record::RecordRef;
use crate::repo::{DocMerge, Merger};
use crate::schema;
use crate::sign::{self, Signatures, Signed};

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

/// What a screened merge into one document did.
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
        }));
    }
    Ok(None)
}

/// A change that failed the screen, and why.
type Refusal = (Change, String);

/// Whether `change` depends on a change refused in this batch, or refused here before
/// (and still remembered) and not accepted since: `db` is `None` when nothing was.
fn builds_on_refused(
    db: Option<&Connection>,
    change: &Change,
    refused_in_batch: &HashSet<ChangeHash>,
    accepted_in_batch: &HashSet<ChangeHash>,
) -> Result<bool> {
    for dep in change.deps() {
        if refused_in_batch.contains(dep) {
            return Ok(true);
        }
        if let Some(db) = db
            && !accepted_in_batch.contains(dep)
            && db
                .prepare_cached("SELECT 1 FROM refused_changes WHERE hash = ?1")?
                .exists([dep.to_string()])?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Splits `changes` for `doc_id` into those that pass the screen and the refused, in
/// order (dependencies before dependents, as sync messages and bundles carry them).
fn screen(
    db: &Connection,
    org: &OrgId,
    doc_id: &DocId,
    changes: Vec<Change>,
    sigs: &Signatures,
    from: &str,
) -> Result<(Vec<Change>, Vec<Refusal>)> {
    let genesis = schema::genesis(doc_id, org.as_str())?.get_heads();
    let signed: Vec<Signed<'_>> = changes
        .iter()
        .map(|c| Signed {
            hash: c.hash(),
            actor: c.actor_id(),
            sig: sigs.get(&c.hash()),
        })
        .collect();
    let verdicts = sign::verify_all(&signed);
    let mut accepted = Vec::with_capacity(changes.len());
    let mut refused = Vec::new();
    let mut refused_hashes = HashSet::new();
    let mut accepted_hashes = HashSet::new();
    let refused_before = any_refused(db)?.then_some(db);
    let mut members: HashMap<Vec<u8>, Option<Device>> = HashMap::new();
    for (change, unsigned) in changes.into_iter().zip(verdicts) {
        let actor = change.actor_id().to_bytes().to_vec();
        let reason = if genesis.contains(&change.hash()) {
            None
        } else if let Some(why) = unsigned {
            Some(why.to_string())
        } else if builds_on_refused(refused_before, &change, &refused_hashes, &accepted_hashes)? {
            Some("it builds on a refused change".to_string())
        } else {
            let member = match members.get(&actor) {
                Some(m) => m.clone(),
                None => {
                    let m = author(db, org, &DeviceId::from_bytes(&actor))?;
                    members.insert(actor.clone(), m.clone());
                    m
                }
            };
            match member {
                None => Some("its author is not a member".to_string()),
                Some(m) if !access::may_author(&m, doc_id, change.timestamp()) => Some(format!(
                    "a {} of {} may not write {doc_id}{}",
                    m.role.as_str(),
                    m.site,
                    if m.revoked { " (revoked)" } else { "" }
                )),
                Some(_) => None,
            }
        };
        match reason {
            None => {
                accepted_hashes.insert(change.hash());
                accepted.push(change);
            }
            Some(reason) => {
                tracing::warn!(doc = %doc_id, hash = %change.hash(), %from, %reason, "refused a change");
                refused_hashes.insert(change.hash());
                refused.push((change, reason));
            }
        }
    }
    Ok((accepted, refused))
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
    sigs: &Signatures,
    from: &str,
    at: Timestamp,
) -> Result<Screened> {
    let mut out = Screened::default();
    let mut candidates = changes;
    loop {
        let (accepted, refused) = screen(m.db(), org, doc_id, candidates, sigs, from)?;
        let progress = !accepted.is_empty();
        let mut refused = refused;
        if progress {
            forget_refused(m.db(), &accepted)?;
            let (merged, equivocations) = merge_refusing_equivocation(m, doc_id, accepted, sigs)?;
            refused.extend(equivocations);
            if let Some(merged) = merged {
                out.new_changes += merged.new_changes;
                out.waiting += merged.waiting;
                out.records.extend(merged.records);
            }
        }
        // Only the organisation document can make a refused author a member.
        if !progress || *doc_id != DocId::Org || refused.is_empty() {
            for (change, reason) in refused {
                out.refused.push(RefusedChange {
                    hash: change.hash().to_string(),
                    doc: doc_id.to_string(),
                    author: DeviceId::from_bytes(change.actor_id().to_bytes()).to_string(),
                    from_peer: from.to_string(),
                    reason,
                    at_ms: at.as_millisecond(),
                });
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
) -> Result<(Option<DocMerge>, Vec<Refusal>)> {
    let mut refused: Vec<Refusal> = Vec::new();
    while !changes.is_empty() {
        let (seq, actor) = match m.merge(doc_id, &changes, sigs) {
            Err(Error::Document(automerge::AutomergeError::DuplicateSeqNumber(seq, actor))) => {
                (seq, actor)
            }
            merged => return Ok((Some(merged?), refused)),
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
    repo.merging(|m| m.merge(doc_id, changes, sigs).map(|_| ()))
}
