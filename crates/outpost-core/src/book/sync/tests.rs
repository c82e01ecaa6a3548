//! Sync between real books (SQLite files in a temp dir): changes relayed by a member but
//! authored by a device that may not write the document are refused and logged, and so
//! is everything built on them; invites are admitted once.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc};

use super::*;
use crate::access::Role;
use crate::book::{Book, NewOrg};
use crate::code::{SiteCode, WarehouseCode};
use crate::doc_id::Month;
use crate::kind::item::NewItem;
use crate::kind::member::InviteRefusal;
use crate::kind::stock::StockMove;
use crate::money::Money;
use crate::sign::DeviceKey;

mod billing;
mod ledger;
mod rules;

struct Org {
    dir: tempfile::TempDir,
    hq: Book,
    hq_id: DeviceId,
    now: i64,
}

impl Org {
    /// HQ (admin at SH) with sites SH and BJ, one item and 10 received at BJ1.
    fn new() -> Org {
        let dir = tempfile::tempdir().unwrap();
        let hq_key = DeviceKey::generate().unwrap();
        let hq_id = hq_key.device_id();
        let mut org = Org {
            hq: Book::create(
                &dir.path().join("hq.db"),
                &crate::BookKey::from_bytes([7; 32]),
                NewOrg {
                    name: "Acme".into(),
                    site: SiteCode::parse("SH").unwrap(),
                    site_name: "Shanghai".into(),
                    device_name: "Boss".into(),
                },
                hq_key,
                Timestamp::from_second(1_790_000_000).unwrap(),
            )
            .unwrap(),
            dir,
            hq_id,
            now: 1_790_000_000,
        };
        let t = org.tick();
        org.hq
            .sites()
            .add(&SiteCode::parse("BJ").unwrap(), "Beijing", t)
            .unwrap();
        let t = org.tick();
        org.hq
            .items()
            .add(
                NewItem {
                    sku: "TEA".into(),
                    name: "Tea".into(),
                    unit: "box".into(),
                    price: Money::parse("10").unwrap(),
                    low_stock: 0,
                },
                t,
            )
            .unwrap();
        let t = org.tick();
        org.hq
            .stock()
            .record(
                StockMove::Receive {
                    item: "TEA".into(),
                    warehouse: WarehouseCode::parse("BJ1").unwrap(),
                    qty: 10,
                    note: String::new(),
                },
                t,
            )
            .unwrap();
        org
    }

    fn tick(&mut self) -> Timestamp {
        self.now += 1;
        Timestamp::from_second(self.now).unwrap()
    }

    /// A device admitted by HQ with an invite, holding the org document HQ sent.
    fn admit(&mut self, name: &str, role: Role, site: &str) -> (Book, DeviceKey) {
        let t = self.tick();
        let invite = format!("invite-{name}");
        self.hq
            .members()
            .invite(
                &invite,
                role,
                &SiteCode::parse(site).unwrap(),
                jiff::SignedDuration::from_secs(3600),
                t,
            )
            .unwrap();
        let key = DeviceKey::generate().unwrap();
        let device = key.device_id();
        let admitted = self
            .hq
            .members()
            .admit(&invite, &device, name, t)
            .unwrap()
            .unwrap();
        let book = Book::join_admitted(
            &self.dir.path().join(format!("{name}.db")),
            &crate::BookKey::from_bytes([7; 32]),
            self.hq.org_id().as_str(),
            key.clone(),
            &admitted.org_doc,
            &admitted.parties_doc,
        )
        .unwrap();
        (book, key)
    }

    /// A BJ clerk admitted by HQ, in sync with it on BJ's ops document.
    fn bj_clerk(&mut self) -> (Book, DeviceKey, DocId) {
        let (mut clerk, key) = self.admit("Li", Role::Clerk, "BJ");
        let doc = self.bj_ops();
        let hq_id = self.hq_id.clone();
        let clerk_id = key.device_id();
        assert!(sync_pair(
            &mut self.hq,
            &hq_id,
            &mut clerk,
            &clerk_id,
            &doc,
            10
        ));
        (clerk, key, doc)
    }

    fn bj_ops(&self) -> DocId {
        DocId::Ops {
            site: SiteCode::parse("BJ").unwrap(),
            month: Month::of(Timestamp::from_second(self.now).unwrap()),
        }
    }
}

/// Runs sync of `doc` between `a` and `b` (each message answered by the other's reply)
/// for at most `rounds` messages; true when neither side had anything more to say.
fn sync_pair(
    a: &mut Book,
    a_id: &DeviceId,
    b: &mut Book,
    b_id: &DeviceId,
    doc: &DocId,
    rounds: usize,
) -> bool {
    let at = Timestamp::from_second(1_790_100_000).unwrap();
    let (mut sa, mut sb) = (SyncSession::default(), SyncSession::default());
    let mut message = a.sync().generate(b_id, doc, &mut sa).unwrap();
    let mut a_speaks = true;
    for _ in 0..rounds {
        let Some(m) = message.take() else {
            // Quiet this way: does the other side have anything to start with?
            let opener = if a_speaks {
                b.sync().generate(a_id, doc, &mut sb).unwrap()
            } else {
                a.sync().generate(b_id, doc, &mut sa).unwrap()
            };
            if opener.is_none() {
                return true;
            }
            message = opener;
            a_speaks = !a_speaks;
            continue;
        };
        message = if a_speaks {
            b.sync().receive(a_id, doc, &mut sb, &m, at).unwrap().reply
        } else {
            a.sync().receive(b_id, doc, &mut sa, &m, at).unwrap().reply
        };
        a_speaks = !a_speaks;
    }
    false
}

/// A sealed sync message with `heads` carrying `changes`, with `key`'s signatures of
/// `signed` only.
fn message_carrying(
    heads: Vec<ChangeHash>,
    changes: &[&automerge::Change],
    signed: &[&automerge::Change],
    key: &DeviceKey,
) -> Vec<u8> {
    let message = sync::Message {
        heads,
        need: Vec::new(),
        have: Vec::new(),
        changes: changes
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect::<Vec<_>>()
            .into(),
        flags: None,
        version: sync::MessageVersion::V1,
    };
    let sigs = signed
        .iter()
        .map(|c| (c.hash(), key.sign(&c.hash())))
        .collect();
    crate::sign::seal(&message.encode(), &sigs, &[])
}

/// Slips `change`, signed with `key`, into `book` unscreened (as a modified program, or a
/// relay that took it in before it knew better).
fn slip(book: &mut Book, doc: &DocId, change: &automerge::Change, key: &DeviceKey) {
    let mut sigs = crate::sign::Signatures::new();
    sigs.insert(change.hash(), key.sign(&change.hash()));
    crate::book::screen::merge_unscreened(&mut book.repo, doc, std::slice::from_ref(change), &sigs)
        .unwrap();
}

/// Who makes a forged change: a member with its own key (a modified program), or
/// someone posing as `DeviceId` without its key.
#[derive(Clone, Copy)]
enum Forger<'a> {
    Key(&'a DeviceKey),
    Posing(&'a DeviceId),
}

/// Makes a change to `doc` of `book` by `forger` (bypassing every local check, as a
/// modified program would) and slips it into `book` unscreened, as if a relay had
/// taken it in before it knew better. Returns the change's hash.
fn forge(book: &mut Book, doc: &DocId, forger: Forger<'_>) -> ChangeHash {
    forge_field(book, doc, forger, "movements", None, "qty", 9_999_i64)
}

/// Like [`forge`], setting `field` of record `record` (or the first) of `collection`
/// to `value`.
fn forge_field(
    book: &mut Book,
    doc: &DocId,
    forger: Forger<'_>,
    collection: &str,
    record: Option<&str>,
    field: &str,
    value: impl Into<automerge::ScalarValue>,
) -> ChangeHash {
    let actor = match forger {
        Forger::Key(key) => key.device_id(),
        Forger::Posing(device) => device.clone(),
    };
    let saved = book.repo.doc(doc).unwrap().save();
    let mut forged = AutoCommit::load(&saved).unwrap().with_actor(actor.actor());
    let (_, records) = forged
        .get(automerge::ROOT, collection)
        .unwrap()
        .expect("the collection");
    let key = match record {
        Some(key) => key.to_string(),
        None => forged.keys(&records).next().expect("a record"),
    };
    let (_, obj) = forged.get(&records, &key).unwrap().expect("record");
    forged.put(&obj, field, value).unwrap();
    let hash = forged.commit().expect("a change");
    let change = forged.document().get_change_by_hash(&hash).unwrap().clone();
    let mut sigs = crate::sign::Signatures::new();
    if let Forger::Key(key) = forger {
        sigs.insert(hash, key.sign(&hash));
    }
    crate::book::screen::merge_unscreened(&mut book.repo, doc, &[change], &sigs).unwrap();
    hash
}

#[test]
fn a_relayed_change_by_a_device_that_may_not_write_is_refused() {
    let mut org = Org::new();
    let (mut mgr, mgr_key) = org.admit("Zhou", Role::Manager, "BJ");
    let (_sh, sh_key) = org.admit("Wang", Role::Clerk, "SH");
    let (mgr_id, sh_id) = (mgr_key.device_id(), sh_key.device_id());
    let doc = org.bj_ops();
    let hq_id = org.hq_id.clone();
    assert!(sync_pair(&mut org.hq, &hq_id, &mut mgr, &mgr_id, &doc, 10));
    let levels_before = format!("{:?}", org.hq.stock().levels(None).unwrap());
    let heads_before = org.hq.repo.doc(&doc).unwrap().get_heads();

    // A clerk of SH "edits" BJ's stock; the manager relays it, then builds on it.
    let forged = forge(&mut mgr, &doc, Forger::Key(&sh_key));
    let t = org.tick();
    receive_tea_at_bj1(&mut mgr, 1, t);
    let dependent = mgr.repo.doc(&doc).unwrap().get_heads();
    assert!(!sync_pair(&mut mgr, &mgr_id, &mut org.hq, &hq_id, &doc, 6));

    let hq_doc = org.hq.repo.doc(&doc).unwrap();
    assert!(
        hq_doc.get_change_by_hash(&forged).is_none(),
        "forged change applied"
    );
    assert!(hq_doc.get_change_by_hash(&dependent[0]).is_none());
    assert_eq!(org.hq.repo.doc(&doc).unwrap().get_heads(), heads_before);
    assert_eq!(
        format!("{:?}", org.hq.stock().levels(None).unwrap()),
        levels_before
    );

    let refused = org.hq.sync().refused().unwrap();
    let by_sh = refused
        .iter()
        .find(|r| r.hash == forged.to_string())
        .expect("the forged change is logged");
    assert_eq!(by_sh.author, sh_id.as_str());
    assert_eq!(by_sh.from_peer, mgr_id.as_str());
    assert!(
        by_sh.reason.contains("clerk of SH may not write"),
        "{}",
        by_sh.reason
    );
    let built_on = refused
        .iter()
        .find(|r| r.hash == dependent[0].to_string())
        .expect("the change built on it is logged");
    assert!(built_on.reason.contains("builds on a refused change"));
}

/// Whether a sealed sync message carries its sender's whole document.
fn carries_whole_document(sealed: &[u8]) -> bool {
    let (message, _) = crate::sign::unseal(sealed).unwrap();
    let message = sync::Message::decode(message).unwrap();
    message.changes.iter().any(|chunk| chunk.get(8) == Some(&0))
}

/// Records `qty` boxes of TEA received at BJ1 in `book`.
fn receive_tea_at_bj1(book: &mut Book, qty: i64, at: Timestamp) {
    book.stock()
        .record(
            StockMove::Receive {
                item: "TEA".into(),
                warehouse: WarehouseCode::parse("BJ1").unwrap(),
                qty,
                note: String::new(),
            },
            at,
        )
        .unwrap();
}

/// Records `n` receipts of one box of TEA at BJ1 at HQ.
fn receive_at_bj(org: &mut Org, n: usize) {
    for _ in 0..n {
        let t = org.tick();
        receive_tea_at_bj1(&mut org.hq, 1, t);
    }
}

#[test]
fn a_whole_document_from_a_peer_merges_with_what_was_written_here_and_is_screened() {
    let mut org = Org::new();
    let (mut clerk, key) = org.admit("Li", Role::Clerk, "BJ");
    let (clerk_id, hq_id) = (key.device_id(), org.hq_id.clone());
    let doc = org.bj_ops();
    // HQ writes a month at BJ while the clerk, never synced, receives 2 boxes.
    receive_at_bj(&mut org, 100);
    let t = org.tick();
    receive_tea_at_bj1(&mut clerk, 2, t);
    let at = Timestamp::from_second(1_790_100_000).unwrap();
    let (mut at_hq, mut at_clerk) = (SyncSession::default(), SyncSession::default());
    let hello = clerk
        .sync()
        .generate(&hq_id, &doc, &mut at_clerk)
        .unwrap()
        .unwrap();
    let whole = org
        .hq
        .sync()
        .receive(&clerk_id, &doc, &mut at_hq, &hello, at)
        .unwrap()
        .reply
        .unwrap();
    assert!(
        carries_whole_document(&whole),
        "HQ sent changes, not its document"
    );
    let received = clerk
        .sync()
        .receive(&hq_id, &doc, &mut at_clerk, &whole, at)
        .unwrap();
    assert_eq!(received.new_changes, 101);
    assert!(received.refused.is_empty());
    // Stored as it came, with the clerk's own change after it: nothing re-encoded, and
    // what loads from the file is the merge.
    let chunks: Vec<String> = clerk
        .repo
        .db()
        .prepare("SELECT kind FROM doc_chunks WHERE doc = ?1 ORDER BY id")
        .unwrap()
        .query_map([doc.to_string()], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(chunks, ["snapshot", "changes"]);
    let merged = clerk.repo.doc(&doc).unwrap().get_heads();
    assert_eq!(merged.len(), 2, "HQ's month and the clerk's receipt");
    clerk.repo.forget_all();
    assert_eq!(clerk.repo.doc(&doc).unwrap().get_heads(), merged);
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut clerk,
        &clerk_id,
        &doc,
        10
    ));
    // 10 + 100 received at HQ and 2 by the clerk, on both sides.
    let levels = format!("{:?}", org.hq.stock().levels(None).unwrap());
    assert!(levels.contains("112"), "{levels}");
    assert_eq!(format!("{:?}", clerk.stock().levels(None).unwrap()), levels);
    let history = clerk.dump().unwrap();
    clerk.rebuild().unwrap();
    assert_eq!(history, clerk.dump().unwrap());

    // A forged change inside a whole document is refused, the rest still merges.
    let (mut late, late_key) = org.admit("Sun", Role::Clerk, "BJ");
    let late_id = late_key.device_id();
    receive_at_bj(&mut org, 80);
    let forged = forge(&mut org.hq, &doc, Forger::Posing(&hq_id));
    receive_at_bj(&mut org, 1);
    let (_, mut at_late, whole) = hq_answers_newcomer(&mut org, &mut late, &late_id, &doc, at);
    assert!(carries_whole_document(&whole));
    let received = late
        .sync()
        .receive(&hq_id, &doc, &mut at_late, &whole, at)
        .unwrap();
    let refused: Vec<_> = received.refused.iter().map(|r| r.hash.clone()).collect();
    assert!(refused.contains(&forged.to_string()), "{refused:?}");
    let late_doc = late.repo.doc(&doc).unwrap();
    assert!(late_doc.get_change_by_hash(&forged).is_none());
    // Everything before the forged change is in; what HQ wrote after it built on it.
    assert_eq!(received.new_changes, 1 + 100 + 1 + 80);
}

/// The first exchange of `doc` between HQ and `newcomer`, a device that holds nothing of
/// it: HQ speaks first, the newcomer answers with its (empty) heads, and HQ replies with
/// what it has. Returns both sessions and that reply.
fn hq_answers_newcomer(
    org: &mut Org,
    newcomer: &mut Book,
    newcomer_id: &DeviceId,
    doc: &DocId,
    at: Timestamp,
) -> (SyncSession, SyncSession, Vec<u8>) {
    let (mut at_hq, mut at_newcomer) = (SyncSession::default(), SyncSession::default());
    let opener = org
        .hq
        .sync()
        .generate(newcomer_id, doc, &mut at_hq)
        .unwrap()
        .unwrap();
    let hello = newcomer
        .sync()
        .receive(&org.hq_id, doc, &mut at_newcomer, &opener, at)
        .unwrap()
        .reply
        .unwrap();
    let reply = org
        .hq
        .sync()
        .receive(newcomer_id, doc, &mut at_hq, &hello, at)
        .unwrap()
        .reply
        .unwrap();
    (at_hq, at_newcomer, reply)
}

/// The sync chunk a sealed message carries.
fn carried_bytes(sealed: &[u8]) -> Vec<u8> {
    let (message, _) = crate::sign::unseal(sealed).unwrap();
    let message = sync::Message::decode(message).unwrap();
    message.changes.iter().flatten().copied().collect()
}

#[test]
fn a_peer_holding_nothing_gets_the_document_as_stored_and_a_damaged_one_changes_nothing() {
    let mut org = Org::new();
    let (mut late, late_key) = org.admit("Sun", Role::Clerk, "BJ");
    let (late_id, hq_id) = (late_key.device_id(), org.hq_id.clone());
    let doc = org.bj_ops();
    // Enough receipts for HQ to compact the document once, and some appended after.
    receive_at_bj(&mut org, store::COMPACT_AFTER_CHUNKS + 20);
    let stored = store::stored_whole(org.hq.repo.db(), &doc)
        .unwrap()
        .expect("compacted, with changes appended");
    let at = Timestamp::from_second(1_790_100_000).unwrap();
    let (mut at_hq, mut at_late, whole) =
        hq_answers_newcomer(&mut org, &mut late, &late_id, &doc, at);
    assert_eq!(carried_bytes(&whole), stored, "not the stored document");
    // Sent and not acknowledged: nothing more to say yet.
    assert!(
        org.hq
            .sync()
            .generate(&late_id, &doc, &mut at_hq)
            .unwrap()
            .is_none()
    );

    // The same message with a byte of an appended change damaged: refused, nothing kept.
    let mut damaged = whole.clone();
    let at_byte = damaged
        .windows(stored.len())
        .position(|w| w == stored.as_slice())
        .unwrap()
        + stored.len()
        - 3;
    damaged[at_byte] ^= 0x55;
    let mut fresh = SyncSession::default();
    let before = store::doc_heads(late.repo.db(), &doc).unwrap();
    assert!(
        late.sync()
            .receive(&hq_id, &doc, &mut fresh, &damaged, at)
            .is_err()
    );
    assert_eq!(store::doc_heads(late.repo.db(), &doc).unwrap(), before);

    let received = late
        .sync()
        .receive(&hq_id, &doc, &mut at_late, &whole, at)
        .unwrap();
    assert!(received.refused.is_empty(), "{:?}", received.refused);
    let hq_doc = org.hq.repo.doc(&doc).unwrap().clone();
    assert_eq!(received.new_changes, hq_doc.get_changes_meta(&[]).len() - 1);
    assert_eq!(late.repo.doc(&doc).unwrap().get_heads(), hq_doc.get_heads());
    // Kept as it came, and what loads from the file is the same document.
    assert_eq!(
        store::stored_whole(late.repo.db(), &doc).unwrap().as_ref(),
        Some(&stored)
    );
    late.repo.forget_all();
    assert_eq!(late.repo.doc(&doc).unwrap().get_heads(), hq_doc.get_heads());
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut late,
        &late_id,
        &doc,
        10
    ));
    assert_eq!(
        format!("{:?}", late.stock().levels(None).unwrap()),
        format!("{:?}", org.hq.stock().levels(None).unwrap())
    );
}

#[test]
fn a_change_by_a_stranger_is_refused() {
    let mut org = Org::new();
    let (mut mgr, mgr_key) = org.admit("Zhou", Role::Manager, "BJ");
    let mgr_id = mgr_key.device_id();
    let doc = org.bj_ops();
    let hq_id = org.hq_id.clone();
    assert!(sync_pair(&mut org.hq, &hq_id, &mut mgr, &mgr_id, &doc, 10));
    let stranger = DeviceKey::generate().unwrap();
    let forged = forge(&mut mgr, &doc, Forger::Key(&stranger));
    sync_pair(&mut mgr, &mgr_id, &mut org.hq, &hq_id, &doc, 6);
    assert!(
        org.hq
            .repo
            .doc(&doc)
            .unwrap()
            .get_change_by_hash(&forged)
            .is_none()
    );
    let refused = org.hq.sync().refused().unwrap();
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].reason.contains("not a member"),
        "{}",
        refused[0].reason
    );
}

#[test]
fn an_invite_admits_one_device_and_repeats_its_grant() {
    let mut org = Org::new();
    let t = org.tick();
    let expires = jiff::SignedDuration::from_secs(60);
    let site = SiteCode::parse("BJ").unwrap();
    org.hq
        .members()
        .invite("inv", Role::Clerk, &site, expires, t)
        .unwrap();
    let device = DeviceKey::generate().unwrap().device_id();
    let first = org
        .hq
        .members()
        .admit("inv", &device, "Li", t)
        .unwrap()
        .unwrap();
    // Its grant was lost on the way: the same device asks again and gets it again.
    let again = org
        .hq
        .members()
        .admit("inv", &device, "Li", t)
        .unwrap()
        .unwrap();
    assert_eq!(first.device.code, again.device.code);
    let other = DeviceKey::generate().unwrap().device_id();
    let used = org.hq.members().admit("inv", &other, "Zhao", t).unwrap();
    assert!(matches!(used, Err(InviteRefusal::Used)));
    assert_eq!(
        org.hq.members().list().unwrap().len(),
        2,
        "one device admitted, once"
    );
    let late = Timestamp::from_second(org.now + 120).unwrap();
    org.hq
        .members()
        .invite("late", Role::Clerk, &site, expires, t)
        .unwrap();
    let expired = org
        .hq
        .members()
        .admit("late", &other, "Zhao", late)
        .unwrap();
    assert!(matches!(expired, Err(InviteRefusal::Expired)));
}

#[test]
fn a_clerk_adds_a_customer_every_office_accepts_and_an_auditor_cannot() {
    use crate::kind::party::{NewParty, PartyKind};
    let mut org = Org::new();
    let (mut clerk, clerk_key) = org.admit("Li", Role::Clerk, "BJ");
    let clerk_id = clerk_key.device_id();
    let (mut auditor, auditor_key) = org.admit("Audit", Role::Auditor, "SH");
    let t = org.tick();
    let party = |name: &str| NewParty {
        kind: PartyKind::Customer,
        name: name.into(),
        phone: String::new(),
        address: String::new(),
    };
    clerk.parties().add(party("Acme Foods"), t).unwrap();
    let refused = auditor.parties().add(party("Nope Ltd"), t).unwrap_err();
    assert!(matches!(refused, Error::NotPermitted { .. }), "{refused}");

    // HQ takes the clerk's change: nothing refused, and the customer is in its lists.
    let hq_id = org.hq_id.clone();
    assert!(sync_pair(
        &mut clerk,
        &clerk_id,
        &mut org.hq,
        &hq_id,
        &DocId::Parties,
        10
    ));
    assert!(org.hq.sync().refused().unwrap().is_empty());
    let names: Vec<String> = org
        .hq
        .parties()
        .list(PartyKind::Customer)
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Acme Foods"]);
    assert_eq!(
        org.hq.history("Acme Foods").unwrap().len(),
        1,
        "the party's history is read from the parties document"
    );

    // A change to `parties` forged as the auditor is refused when relayed.
    let forged = forge_field(
        &mut clerk,
        &DocId::Parties,
        Forger::Key(&auditor_key),
        "customers",
        None,
        "name",
        "Hijacked",
    );
    sync_pair(
        &mut clerk,
        &clerk_id,
        &mut org.hq,
        &hq_id,
        &DocId::Parties,
        10,
    );
    assert!(
        org.hq
            .repo
            .doc(&DocId::Parties)
            .unwrap()
            .get_change_by_hash(&forged)
            .is_none()
    );
    assert_eq!(
        org.hq.parties().list(PartyKind::Customer).unwrap()[0].name,
        "Acme Foods"
    );
}

#[test]
fn a_change_forged_as_the_admin_without_its_key_is_refused_and_the_real_one_applies() {
    let mut org = Org::new();
    let (mut mgr, mgr_key) = org.admit("Zhou", Role::Manager, "BJ");
    let (mut clerk, clerk_key) = org.admit("Li", Role::Clerk, "BJ");
    let (mgr_id, clerk_id) = (mgr_key.device_id(), clerk_key.device_id());
    let hq_id = org.hq_id.clone();
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut mgr,
        &mgr_id,
        &DocId::Org,
        10
    ));
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut clerk,
        &clerk_id,
        &DocId::Org,
        10
    ));

    // The manager's modified program makes itself an admin, as the admin (the next
    // sequence number of the admin's own changes), without the admin's key.
    let forged = forge_field(
        &mut mgr,
        &DocId::Org,
        Forger::Posing(&hq_id),
        "devices",
        Some(mgr_id.as_str()),
        "role",
        "admin",
    );
    sync_pair(&mut mgr, &mgr_id, &mut clerk, &clerk_id, &DocId::Org, 10);
    sync_pair(&mut mgr, &mgr_id, &mut org.hq, &hq_id, &DocId::Org, 10);
    for book in [&mut clerk, &mut org.hq] {
        let org_doc = book.repo.doc(&DocId::Org).unwrap();
        assert!(org_doc.get_change_by_hash(&forged).is_none());
        let seen = book.members().list().unwrap();
        let manager = seen.iter().find(|d| d.id == mgr_id).expect("listed");
        assert_eq!(manager.role, Role::Manager);
        let refused = book.sync().refused().unwrap();
        let entry = refused
            .iter()
            .find(|r| r.hash == forged.to_string())
            .expect("the forged change is listed");
        assert_eq!(entry.author, hq_id.as_str());
        assert_eq!(entry.from_peer, mgr_id.as_str());
        assert!(entry.reason.contains("not signed"), "{}", entry.reason);
    }

    // The admin's real change with that same sequence number reaches the clerk.
    let t = org.tick();
    org.hq
        .sites()
        .add(&SiteCode::parse("GZ").unwrap(), "Guangzhou", t)
        .unwrap();
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut clerk,
        &clerk_id,
        &DocId::Org,
        10
    ));
    let sites = crate::kind::site::list(clerk.repo.db()).unwrap();
    assert!(sites.iter().any(|s| s.code.as_str() == "GZ"), "{sites:?}");
}

#[test]
fn a_change_without_a_note_or_with_a_false_one_is_in_history_and_projections() {
    use crate::kind::party::{NewParty, PartyKind};
    let mut org = Org::new();
    let (mut clerk, clerk_key) = org.admit("Li", Role::Clerk, "BJ");
    let clerk_id = clerk_key.device_id();
    let hq_id = org.hq_id.clone();
    let t = org.tick();
    let party = |name: &str| NewParty {
        kind: PartyKind::Customer,
        name: name.into(),
        phone: String::new(),
        address: String::new(),
    };
    clerk.parties().add(party("Acme Foods"), t).unwrap();
    clerk.parties().add(party("Beta Shop"), t).unwrap();
    assert!(sync_pair(
        &mut clerk,
        &clerk_id,
        &mut org.hq,
        &hq_id,
        &DocId::Parties,
        10
    ));
    let id_of = |book: &mut Book, name: &str| {
        let parties = book.parties().list(PartyKind::Customer).unwrap();
        parties
            .into_iter()
            .find(|p| p.name == name)
            .unwrap()
            .id
            .to_string()
    };
    let beta_id = id_of(&mut org.hq, "Beta Shop");
    let acme_id = id_of(&mut org.hq, "Acme Foods");
    // The clerk's modified program renames Acme without a note, then changes Beta's
    // phone with a note that names Acme instead.
    forge_field(
        &mut clerk,
        &DocId::Parties,
        Forger::Key(&clerk_key),
        "customers",
        Some(&acme_id),
        "name",
        "Acme Renamed",
    );
    let saved = clerk.repo.doc(&DocId::Parties).unwrap().save();
    let mut liar = AutoCommit::load(&saved)
        .unwrap()
        .with_actor(clerk_id.actor());
    let (_, customers) = liar.get(automerge::ROOT, "customers").unwrap().unwrap();
    let (_, beta) = liar.get(&customers, beta_id.as_str()).unwrap().unwrap();
    liar.put(&beta, "phone", "021-0000").unwrap();
    let note = format!(r#"{{"action":"party.edit","records":["customer:{acme_id}"]}}"#);
    let hash = liar
        .commit_with(automerge::transaction::CommitOptions::default().with_message(note))
        .unwrap();
    let change = liar.document().get_change_by_hash(&hash).unwrap().clone();
    slip(&mut clerk, &DocId::Parties, &change, &clerk_key);

    assert!(sync_pair(
        &mut clerk,
        &clerk_id,
        &mut org.hq,
        &hq_id,
        &DocId::Parties,
        10
    ));
    let shown = org.hq.parties().list(PartyKind::Customer).unwrap();
    assert!(shown.iter().any(|p| p.name == "Acme Renamed"), "{shown:?}");
    let beta = shown.iter().find(|p| p.name == "Beta Shop").unwrap();
    assert_eq!(
        beta.phone, "021-0000",
        "the projection follows the operations"
    );
    let acme_history = org.hq.history("Acme Renamed").unwrap();
    assert_eq!(acme_history.len(), 2, "{acme_history:?}");
    assert!(
        acme_history
            .iter()
            .any(|e| e.fields.iter().any(|f| f.new == "Acme Renamed")),
        "{acme_history:?}"
    );
    let beta_history = org.hq.history("Beta Shop").unwrap();
    assert_eq!(beta_history.len(), 2, "{beta_history:?}");
    assert!(beta_history.iter().any(|e| e.change == hash.to_string()));
    let dump = org.hq.dump().unwrap();
    org.hq.rebuild().unwrap();
    assert_eq!(dump, org.hq.dump().unwrap());
}

#[test]
fn a_message_naming_a_document_that_should_not_exist_creates_nothing() {
    let mut org = Org::new();
    let (mut other_admin, key) = org.admit("Li", Role::Admin, "SH");
    let other_id = key.device_id();
    let hq_id = org.hq_id.clone();
    let doc = org.bj_ops();
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut other_admin,
        &other_id,
        &doc,
        10
    ));
    // A real message, sent under made-up document names.
    let message = org
        .hq
        .sync()
        .generate(&other_id, &DocId::Org, &mut SyncSession::default())
        .unwrap()
        .expect("org has changes to offer");
    let at = Timestamp::from_second(org.now).unwrap();
    let now = Month::of(at);
    let far = Month::parse(&format!("{}-01", now.year + 1)).unwrap();
    let unknown_site = DocId::parse(&format!("ops/XX/{now}")).unwrap();
    let far_month = DocId::parse(&format!("ops/BJ/{far}")).unwrap();
    for made_up in [&unknown_site, &far_month] {
        let refused =
            other_admin
                .sync()
                .receive(&hq_id, made_up, &mut SyncSession::default(), &message, at);
        assert!(refused.is_err(), "{made_up} was accepted");
        assert!(
            store::doc_heads(other_admin.repo.db(), made_up)
                .unwrap()
                .is_none()
        );
    }
    // Of a document it does not have, a device says nothing (the holder speaks first).
    assert!(
        other_admin
            .sync()
            .generate(&hq_id, &far_month, &mut SyncSession::default())
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_change_that_arrives_before_its_dependency_waits_and_asks_for_it() {
    let mut org = Org::new();
    let (mut clerk, _, doc) = org.bj_clerk();
    let hq_id = org.hq_id.clone();
    let receive = |org: &mut Org, qty: i64| {
        let t = org.tick();
        let mv = StockMove::Receive {
            item: "TEA".into(),
            warehouse: WarehouseCode::parse("BJ1").unwrap(),
            qty,
            note: String::new(),
        };
        org.hq.stock().record(mv, t).unwrap();
        let heads = org.hq.repo.doc(&doc).unwrap().get_heads();
        org.hq
            .repo
            .doc(&doc)
            .unwrap()
            .get_change_by_hash(&heads[0])
            .unwrap()
            .clone()
    };
    let first = receive(&mut org, 1);
    let second = receive(&mut org, 2);
    // A message carrying only the second (as when the sender's Bloom filter mistakes
    // the first for one the clerk has).
    let carrying = |org: &mut Org, change: &automerge::Change| {
        let heads = org.hq.repo.doc(&doc).unwrap().get_heads();
        let key = org.hq.repo.key().clone();
        message_carrying(heads, &[change], &[change], &key)
    };
    let at = Timestamp::from_second(org.now).unwrap();
    let mut session = SyncSession::default();
    let early = carrying(&mut org, &second);
    let receipt = clerk
        .sync()
        .receive(&hq_id, &doc, &mut session, &early, at)
        .unwrap();
    assert!(!receipt.changed && receipt.refused.is_empty());
    let reply = receipt.reply.expect("a reply");
    let (payload, _) = crate::sign::unseal(&reply).unwrap();
    let asked = sync::Message::decode(payload).unwrap();
    assert!(asked.need.contains(&first.hash()), "{:?}", asked.need);
    let dependency = carrying(&mut org, &first);
    let receipt = clerk
        .sync()
        .receive(&hq_id, &doc, &mut session, &dependency, at)
        .unwrap();
    assert_eq!(receipt.new_changes, 2);
    let held = clerk.repo.doc(&doc).unwrap();
    assert!(held.get_change_by_hash(&second.hash()).is_some());
}

/// Builds, on what `book` holds of `doc`, a change `key`'s program makes with `edit`.
fn craft(
    book: &mut Book,
    key: &DeviceKey,
    doc: &DocId,
    edit: impl FnOnce(&mut automerge::AutoCommit),
) -> automerge::Change {
    let saved = book.repo.doc(doc).unwrap().save();
    let mut d = automerge::AutoCommit::load(&saved)
        .unwrap()
        .with_actor(key.device_id().actor());
    edit(&mut d);
    let hash = d.commit().expect("a change");
    d.document().get_change_by_hash(&hash).unwrap().clone()
}

/// How `book` judges `change` to `doc` by member `author`: kept, or why it breaks a rule.
fn judged(
    book: &mut Book,
    author: &crate::id::DeviceId,
    doc: &DocId,
    change: &automerge::Change,
) -> Result<(), crate::rules::Broken> {
    use crate::rules::{Judge, Judged};
    let author = crate::access::member(book.repo.db(), author)
        .unwrap()
        .unwrap();
    let held = book.repo.doc(doc).unwrap().clone();
    let judge = Judge::new(doc, &held, book.repo.db());
    match judge.judge(change, &author, crate::rules::RULES_VERSION) {
        Judged::Keeps(_) => Ok(()),
        Judged::Breaks(broken) => Err(broken),
        Judged::Early | Judged::AfterMerge => panic!("its dependencies are here"),
    }
}
