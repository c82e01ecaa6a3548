//! The rules of [`crate::rules`] against a member's modified program: each crafted
//! change, signed with the member's own key and built on what it saw, breaks one rule
//! and is refused; honest changes, including rival edits made offline, pass on every
//! device whatever order they arrive in.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc};

use super::*;
use crate::kind::order::{NewLine, NewOrder, OrderKind};
use crate::rules::{Broken, Judge, Judged};

/// A BJ clerk in sync with HQ on BJ's ops document, which holds a submitted order (with
/// one line) and a draft, and a receipt of 10 at BJ1.
struct Scene {
    org: Org,
    clerk: Book,
    clerk_key: DeviceKey,
    doc: DocId,
    submitted: String,
    draft: String,
}

impl Scene {
    fn new() -> Scene {
        let mut org = Org::new();
        let (mut clerk, clerk_key, doc) = org.bj_clerk();
        let hq_id = org.hq_id.clone();
        let clerk_id = clerk_key.device_id();
        let order = |clerk: &mut Book, org: &mut Org| {
            let t = org.tick();
            let line = NewLine {
                item: "TEA".into(),
                qty: 2,
                price: None,
                discount: Money::ZERO,
            };
            let new = NewOrder {
                kind: OrderKind::Sales,
                party: None,
                warehouse: None,
                note: String::new(),
                lines: vec![line],
            };
            clerk.orders().create(new, t).unwrap().1.to_string()
        };
        let submitted = order(&mut clerk, &mut org);
        let draft = order(&mut clerk, &mut org);
        let t = org.tick();
        clerk
            .orders()
            .act(&submitted, crate::Action::Submit, "", t)
            .unwrap();
        assert!(sync_pair(
            &mut clerk,
            &clerk_id,
            &mut org.hq,
            &hq_id,
            &doc,
            10
        ));
        Scene {
            org,
            clerk,
            clerk_key,
            doc,
            submitted,
            draft,
        }
    }

    /// A change the clerk's modified program makes with `edit`, on what it holds now.
    fn craft(&mut self, edit: impl FnOnce(&mut AutoCommit)) -> automerge::Change {
        let saved = self.clerk.repo.doc(&self.doc).unwrap().save();
        let mut doc = AutoCommit::load(&saved)
            .unwrap()
            .with_actor(self.clerk_key.device_id().actor());
        edit(&mut doc);
        let hash = doc.commit().expect("a change");
        doc.document().get_change_by_hash(&hash).unwrap().clone()
    }

    /// What HQ's rules say of `change` by the clerk.
    fn verdict(&mut self, change: &automerge::Change) -> Result<(), Broken> {
        let hq = &mut self.org.hq;
        let author = crate::access::member(hq.repo.db(), &self.clerk_key.device_id())
            .unwrap()
            .unwrap();
        let doc = hq.repo.doc(&self.doc).unwrap().clone();
        let judge = Judge::new(&self.doc, &doc, hq.repo.db());
        match judge.judge(change, &author, crate::rules::RULES_VERSION) {
            Judged::Keeps(_) => Ok(()),
            Judged::Breaks(broken) => Err(broken),
            Judged::Early | Judged::AfterMerge => panic!("its dependencies are here"),
        }
    }
}

/// The object of record `key` in `collection`, or of its field `field` if given.
fn obj(doc: &AutoCommit, collection: &str, key: &str, field: Option<&str>) -> automerge::ObjId {
    let (_, coll) = doc.get(automerge::ROOT, collection).unwrap().unwrap();
    let (_, rec) = doc.get(&coll, key).unwrap().unwrap();
    match field {
        None => rec,
        Some(f) => doc.get(&rec, f).unwrap().unwrap().1,
    }
}

/// The first line of order `key`.
fn first_line(doc: &AutoCommit, key: &str) -> automerge::ObjId {
    let lines = obj(doc, "orders", key, Some("lines"));
    let first = doc.keys(&lines).next().expect("a line");
    doc.get(&lines, first).unwrap().unwrap().1
}

/// Appends a status event to order `key`.
fn append_event(doc: &mut AutoCommit, key: &str, status: &str, by: &str) {
    let events = obj(doc, "orders", key, Some("events"));
    let len = doc.length(&events);
    let ev = doc.insert_object(&events, len, ObjType::Map).unwrap();
    doc.put(&ev, "status", status).unwrap();
    doc.put(&ev, "by", by).unwrap();
}

fn refused_for(verdict: Result<(), Broken>, words: &str) {
    match verdict {
        Err(Broken::Rule(why)) => assert!(why.contains(words), "{why} (expected {words})"),
        other => panic!("expected a refusal about {words}, got {other:?}"),
    }
}

type Edit = Box<dyn FnOnce(&mut AutoCommit)>;

#[test]
fn crafted_changes_that_break_a_rule_are_refused() {
    let mut s = Scene::new();
    let (submitted, draft) = (s.submitted.clone(), s.draft.clone());
    let me = s.clerk_key.device_id().to_string();
    let hq = s.org.hq_id.to_string();

    // Honest edits pass: the draft's line, an approval of the submitted order.
    let honest: Vec<Edit> = vec![
        Box::new({
            let draft = draft.clone();
            move |d| {
                let line = first_line(d, &draft);
                d.put(&line, "qty", 3_i64).unwrap();
            }
        }),
        Box::new({
            let (submitted, me) = (submitted.clone(), me.clone());
            move |d| append_event(d, &submitted, "approved", &me)
        }),
    ];
    for edit in honest {
        let change = s.craft(edit);
        assert_eq!(s.verdict(&change), Ok(()));
    }

    let o = |key: &String| key.clone();
    let cases: Vec<(&str, Edit)> = vec![
        (
            "movements are facts",
            Box::new(|d| {
                let (_, coll) = d.get(automerge::ROOT, "movements").unwrap().unwrap();
                let key = d.keys(&coll).next().unwrap();
                let (_, m) = d.get(&coll, key).unwrap().unwrap();
                d.put(&m, "qty", 9_999_i64).unwrap();
            }),
        ),
        ("only appended", {
            let submitted = o(&submitted);
            Box::new(move |d| {
                let events = obj(d, "orders", &submitted, Some("events"));
                let (_, ev) = d.get(&events, 0).unwrap().unwrap();
                d.put(&ev, "status", "cancelled").unwrap();
            })
        }),
        ("freeze at submit", {
            let submitted = o(&submitted);
            Box::new(move |d| {
                let line = first_line(d, &submitted);
                d.put(&line, "qty", 1_i64).unwrap();
            })
        }),
        ("deletes", {
            let draft = o(&draft);
            Box::new(move |d| {
                let (_, coll) = d.get(automerge::ROOT, "orders").unwrap().unwrap();
                d.delete(&coll, draft.as_str()).unwrap();
            })
        }),
        ("deletes", {
            let draft = o(&draft);
            Box::new(move |d| {
                let order = obj(d, "orders", &draft, None);
                d.delete(&order, "note").unwrap();
            })
        }),
        ("cannot become paid", {
            let (submitted, me) = (o(&submitted), me.clone());
            Box::new(move |d| append_event(d, &submitted, "paid", &me))
        }),
        ("names another device", {
            let submitted = o(&submitted);
            Box::new(move |d| append_event(d, &submitted, "approved", &hq))
        }),
        ("longer than", {
            let draft = o(&draft);
            Box::new(move |d| {
                let order = obj(d, "orders", &draft, None);
                d.put(&order, "note", "x".repeat(5000)).unwrap();
            })
        }),
        ("warehouse of another site", {
            let draft = o(&draft);
            Box::new(move |d| {
                let order = obj(d, "orders", &draft, None);
                d.put(&order, "warehouse", "SH1").unwrap();
            })
        }),
        ("replaces", {
            let draft = o(&draft);
            Box::new(move |d| {
                let (_, coll) = d.get(automerge::ROOT, "orders").unwrap().unwrap();
                d.put_object(&coll, draft.as_str(), ObjType::Map).unwrap();
            })
        }),
        ("sign or size", {
            let me = me.clone();
            Box::new(move |d| {
                let (_, coll) = d.get(automerge::ROOT, "movements").unwrap().unwrap();
                let m = d.put_object(&coll, "m-crafted", ObjType::Map).unwrap();
                d.put(&m, "kind", "receipt").unwrap();
                d.put(&m, "item", "x").unwrap();
                d.put(&m, "warehouse", "BJ1").unwrap();
                d.put(&m, "qty", -5_i64).unwrap();
                d.put(&m, "by", me.as_str()).unwrap();
            })
        }),
    ];
    for (words, edit) in cases {
        let change = s.craft(edit);
        refused_for(s.verdict(&change), words);
    }
}

#[test]
fn a_crafted_change_over_the_network_is_refused_whole_and_listed() {
    let mut s = Scene::new();
    let hq_id = s.org.hq_id.clone();
    let clerk_id = s.clerk_key.device_id();
    let submitted = s.submitted.clone();
    let before = s.org.hq.dump().unwrap();
    // One change that approves the submitted order (allowed) and reprices its line
    // (not): refused whole.
    let change = s.craft(|d| {
        append_event(d, &submitted, "approved", clerk_id.as_str());
        let line = first_line(d, &submitted);
        d.put(&line, "price", 1_i64).unwrap();
    });
    let hash = change.hash();
    slip(&mut s.clerk, &s.doc.clone(), &change, &s.clerk_key.clone());
    let doc = s.doc.clone();
    assert!(!sync_pair(
        &mut s.clerk,
        &clerk_id,
        &mut s.org.hq,
        &hq_id,
        &doc,
        6
    ));
    assert!(
        s.org
            .hq
            .repo
            .doc(&doc)
            .unwrap()
            .get_change_by_hash(&hash)
            .is_none()
    );
    assert_eq!(before, s.org.hq.dump().unwrap(), "nothing of it applied");
    let refused = s.org.hq.sync().refused().unwrap();
    let it = refused
        .iter()
        .find(|r| r.hash == hash.to_string())
        .expect("listed");
    assert!(it.reason.contains("freeze at submit"), "{}", it.reason);
    assert_eq!(it.from_peer, clerk_id.as_str());
}

#[test]
fn rival_offline_edits_pass_on_every_device_in_any_order() {
    // The clerk edits the draft's line while HQ, not having seen it, submits the draft:
    // each is right by what its author saw, so every device takes both, whichever
    // arrives first.
    let mut s = Scene::new();
    let draft = s.draft.clone();
    let hq_id = s.org.hq_id.clone();
    let clerk_id = s.clerk_key.device_id();
    let (mut other, other_key) = s.org.admit("Zhao", Role::Manager, "BJ");
    let other_id = other_key.device_id();
    let doc = s.doc.clone();
    assert!(sync_pair(
        &mut s.org.hq,
        &hq_id,
        &mut other,
        &other_id,
        &doc,
        10
    ));
    // The clerk learns of the manager.
    assert!(sync_pair(
        &mut s.org.hq,
        &hq_id,
        &mut s.clerk,
        &clerk_id,
        &DocId::Org,
        10
    ));
    let t = s.org.tick();
    let edit = crate::LineEdit::Set {
        line: 1,
        item: None,
        qty: Some(5),
        price: None,
        discount: None,
    };
    s.clerk.orders().edit_lines(&draft, edit, t).unwrap();
    let t = s.org.tick();
    s.org
        .hq
        .orders()
        .act(&draft, crate::Action::Submit, "", t)
        .unwrap();
    // The manager hears the clerk first, then HQ; HQ hears the clerk after its submit.
    assert!(sync_pair(
        &mut s.clerk,
        &clerk_id,
        &mut other,
        &other_id,
        &doc,
        10
    ));
    assert!(sync_pair(
        &mut s.org.hq,
        &hq_id,
        &mut other,
        &other_id,
        &doc,
        10
    ));
    assert!(sync_pair(
        &mut s.clerk,
        &clerk_id,
        &mut s.org.hq,
        &hq_id,
        &doc,
        10
    ));
    assert!(s.org.hq.sync().refused().unwrap().is_empty());
    assert!(other.sync().refused().unwrap().is_empty());
    let heads = |b: &mut Book| {
        let mut h = b.repo.doc(&doc).unwrap().get_heads();
        h.sort();
        h
    };
    assert_eq!(heads(&mut s.org.hq), heads(&mut other));
    assert_eq!(s.org.hq.dump().unwrap(), other.dump().unwrap());
}

#[test]
fn a_program_that_knows_only_older_rules_holds_what_it_cannot_judge() {
    let mut s = Scene::new();
    let hq_id = s.org.hq_id.clone();
    let clerk_id = s.clerk_key.device_id();
    let doc = s.doc.clone();
    // HQ's book moves to a newer rule set (as a newer program would when every office
    // runs it), then approves the submitted order.
    let saved = s.org.hq.repo.doc(&DocId::Org).unwrap().save();
    let mut org_doc = AutoCommit::load(&saved).unwrap().with_actor(hq_id.actor());
    let (_, settings) = org_doc.get(automerge::ROOT, "settings").unwrap().unwrap();
    org_doc
        .put(&settings, "rules", crate::rules::RULES_VERSION + 1)
        .unwrap();
    let hash = org_doc.commit().unwrap();
    let change = org_doc
        .document()
        .get_change_by_hash(&hash)
        .unwrap()
        .clone();
    let hq_key = s.org.hq.repo.key().clone();
    slip(&mut s.org.hq, &DocId::Org, &change, &hq_key);
    let t = s.org.tick();
    let submitted = s.submitted.clone();
    s.org
        .hq
        .orders()
        .act(&submitted, crate::Action::Approve, "", t)
        .unwrap();
    assert!(sync_pair(
        &mut s.org.hq,
        &hq_id,
        &mut s.clerk,
        &clerk_id,
        &DocId::Org,
        10
    ));
    let before = s.clerk.dump().unwrap();
    sync_pair(&mut s.org.hq, &hq_id, &mut s.clerk, &clerk_id, &doc, 6);
    let held = crate::book::held::list(s.clerk.repo.db()).unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].reason, crate::book::screen::HOLD_NEWER_RULES);
    assert_eq!(
        before,
        s.clerk.dump().unwrap(),
        "nothing judged by older rules"
    );
}

#[test]
fn earlier_changes_vouched_for_by_a_refused_one_still_travel_with_it_as_proof() {
    let mut s = Scene::new();
    let hq_id = s.org.hq_id.clone();
    let clerk_id = s.clerk_key.device_id();
    let doc = s.doc.clone();
    let (mut mgr, mgr_key) = s.org.admit("Zhao", Role::Manager, "BJ");
    let mgr_id = mgr_key.device_id();
    assert!(sync_pair(
        &mut s.org.hq,
        &hq_id,
        &mut mgr,
        &mgr_id,
        &doc,
        10
    ));
    // An honest receipt, then (on top) a crafted change that breaks a rule, in one message
    // with only the latest's signature, which vouches for the receipt.
    let t = s.org.tick();
    let mv = crate::kind::stock::StockMove::Receive {
        item: "TEA".into(),
        warehouse: WarehouseCode::parse("BJ1").unwrap(),
        qty: 4,
        note: String::new(),
    };
    s.clerk.stock().record(mv, t).unwrap();
    let honest = s.clerk.repo.doc(&doc).unwrap().get_heads()[0];
    let submitted = s.submitted.clone();
    let crafted = s.craft(|d| {
        let line = first_line(d, &submitted);
        d.put(&line, "qty", 99_i64).unwrap();
    });
    let honest_change = s
        .clerk
        .repo
        .doc(&doc)
        .unwrap()
        .get_change_by_hash(&honest)
        .unwrap()
        .clone();
    let message = message_carrying(
        vec![crafted.hash()],
        &[&honest_change, &crafted],
        &[&crafted],
        &s.clerk_key,
    );
    let at = Timestamp::from_second(s.org.now).unwrap();
    let receipt = s
        .org
        .hq
        .sync()
        .receive(&clerk_id, &doc, &mut SyncSession::default(), &message, at)
        .unwrap();
    assert_eq!(receipt.refused.len(), 1, "{:?}", receipt.refused);
    let hq_doc = s.org.hq.repo.doc(&doc).unwrap();
    assert!(hq_doc.get_change_by_hash(&honest).is_some(), "vouched for");
    assert!(
        hq_doc.get_change_by_hash(&crafted.hash()).is_none(),
        "refused"
    );
    assert!(
        crate::store::sig(s.org.hq.repo.db(), &honest)
            .unwrap()
            .is_none()
    );
    // HQ passes the receipt on to the manager with the refused change as its proof.
    assert!(sync_pair(
        &mut s.org.hq,
        &hq_id,
        &mut mgr,
        &mgr_id,
        &doc,
        10
    ));
    let mgr_doc = mgr.repo.doc(&doc).unwrap();
    assert!(mgr_doc.get_change_by_hash(&honest).is_some());
    assert!(mgr_doc.get_change_by_hash(&crafted.hash()).is_none());
    assert!(mgr.sync().refused().unwrap().is_empty());
}

/// Writes an acknowledgement `id` as a program would, with `note`, by `by`, for `site`.
fn put_ack(d: &mut AutoCommit, id: &str, site: &str, by: &str, note: &str) {
    let (_, acks) = d.get(automerge::ROOT, "acks").unwrap().unwrap();
    let a = d.put_object(&acks, id, ObjType::Map).unwrap();
    for (k, v) in [
        ("kind", "negative_stock"),
        ("subject", "TEA@BJ1"),
        ("site", site),
        ("note", note),
        ("created_by", by),
    ] {
        d.put(&a, k, v).unwrap();
    }
    d.put(&a, "expected", 0_i64).unwrap();
    d.put(&a, "actual", -2_i64).unwrap();
    d.put(&a, "created_at", 1_i64).unwrap();
}

#[test]
fn crafted_acknowledgements_are_refused_and_honest_ones_pass() {
    let mut org = Org::new();
    let (mut clerk, key, ops) = org.bj_clerk();
    let doc = DocId::Notes {
        site: SiteCode::parse("BJ").unwrap(),
        month: ops.month().unwrap(),
    };
    let me = key.device_id().to_string();
    let hq = org.hq_id.to_string();
    let verdict = |org: &mut Org, change: &automerge::Change| {
        judged(&mut org.hq, &key.device_id(), &doc, change)
    };
    let honest = craft(&mut clerk, &key, &doc, |d| {
        put_ack(
            d,
            "a1",
            "BJ",
            &me,
            "counted again: two boxes sold from the shelf",
        )
    });
    assert_eq!(verdict(&mut org, &honest), Ok(()));
    slip(&mut clerk, &doc, &honest, &key);
    slip(&mut org.hq, &doc, &honest, &key);

    type Edit<'a> = Box<dyn FnOnce(&mut AutoCommit) + 'a>;
    let cases: Vec<(&str, Edit<'_>)> = vec![
        (
            "without a note",
            Box::new(|d| put_ack(d, "a2", "BJ", &me, " ")),
        ),
        (
            "another device as its author",
            Box::new(|d| put_ack(d, "a3", "BJ", &hq, "x")),
        ),
        (
            "another site",
            Box::new(|d| put_ack(d, "a4", "SH", &me, "x")),
        ),
        (
            "changes an acknowledgement",
            Box::new(|d| {
                let (_, acks) = d.get(automerge::ROOT, "acks").unwrap().unwrap();
                let (_, a1) = d.get(&acks, "a1").unwrap().unwrap();
                d.put(&a1, "actual", -9_i64).unwrap();
            }),
        ),
    ];
    for (what, edit) in cases {
        let change = craft(&mut clerk, &key, &doc, edit);
        assert!(
            matches!(verdict(&mut org, &change), Err(Broken::Rule(_))),
            "{what}: {:?}",
            verdict(&mut org, &change)
        );
    }
}

#[test]
fn order_steps_need_the_role_that_takes_them() {
    let mut s = Scene::new();
    let submitted = s.submitted.clone();
    let me = s.clerk_key.device_id().to_string();
    // A clerk approves and ships (its steps) …
    let shipped = s.craft({
        let (submitted, me) = (submitted.clone(), me.clone());
        move |d| {
            append_event(d, &submitted, "approved", &me);
            append_event(d, &submitted, "shipped", &me);
        }
    });
    assert_eq!(s.verdict(&shipped), Ok(()));
    // … but its modified program may not say the order was invoiced or paid.
    for steps in [vec!["invoiced"], vec!["invoiced", "paid"]] {
        let change = s.craft({
            let (submitted, me) = (submitted.clone(), me.clone());
            move |d| {
                for status in ["approved", "shipped"].into_iter().chain(steps) {
                    append_event(d, &submitted, status, &me);
                }
            }
        });
        refused_for(s.verdict(&change), "who may not bill here");
    }
    // Nor may its own program.
    let err = s
        .clerk
        .orders()
        .act(
            &submitted,
            crate::kind::order::Action::Invoice,
            "",
            s.org.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, crate::Error::NotBilling { .. }), "{err}");

    // Warehouse staff ship and receive; approving is not their step.
    let (mut warehouse, wh_key) = s.org.admit("Sun", Role::Warehouse, "BJ");
    let (hq_id, wh_id) = (s.org.hq_id.clone(), wh_key.device_id());
    let doc = s.doc.clone();
    assert!(sync_pair(
        &mut s.org.hq,
        &hq_id,
        &mut warehouse,
        &wh_id,
        &doc,
        10
    ));
    let offered = warehouse.orders().get(&submitted).unwrap().actions;
    assert!(
        !offered.contains(&crate::kind::order::Action::Approve),
        "{offered:?}"
    );
    assert!(
        offered.contains(&crate::kind::order::Action::Cancel),
        "{offered:?}"
    );
    let err = warehouse
        .orders()
        .act(
            &submitted,
            crate::kind::order::Action::Approve,
            "",
            s.org.tick(),
        )
        .unwrap_err();
    assert!(matches!(err, crate::Error::StepNotAllowed { .. }), "{err}");
    let by = wh_id.to_string();
    let approval = craft(&mut warehouse, &wh_key, &doc, |d| {
        append_event(d, &submitted, "approved", &by)
    });
    refused_for(
        judged(&mut s.org.hq, &wh_id, &doc, &approval),
        "who may not take that step",
    );
}
