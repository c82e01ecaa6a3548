//! Journal entries against a finance member's modified program: an entry is made whole
//! once, balanced on accounts of the chart, in its document's month and site, by its
//! author; anything else is refused by every device that judges it.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc};

use super::*;
use crate::kind::ledger::{NewEntry, NewEntryLine};
use crate::rules::Broken;

/// A line for `post`.
fn line(account: &str, debit: i64, credit: i64) -> NewEntryLine {
    NewEntryLine {
        account: account.into(),
        debit: Money(debit),
        credit: Money(credit),
    }
}

/// Writes a whole entry as a program would, with `lines` of (account, debit, credit).
fn put_entry(
    d: &mut AutoCommit,
    id: &str,
    site: &str,
    date: &str,
    by: &str,
    lines: &[(&str, i64, i64)],
) {
    let (_, coll) = d.get(automerge::ROOT, "entries").unwrap().unwrap();
    let e = d.put_object(&coll, id, ObjType::Map).unwrap();
    for (k, v) in [
        ("number", "BJ-X-J000099"),
        ("site", site),
        ("date", date),
        ("created_by", by),
        ("memo", ""),
        ("counterparty", ""),
        ("link", ""),
        ("reverses", ""),
    ] {
        d.put(&e, k, v).unwrap();
    }
    d.put(&e, "created_at", 1_i64).unwrap();
    let list = d.put_object(&e, "lines", ObjType::List).unwrap();
    for (i, (account, debit, credit)) in lines.iter().enumerate() {
        let l = d.insert_object(&list, i, ObjType::Map).unwrap();
        d.put(&l, "account", *account).unwrap();
        d.put(&l, "debit", *debit).unwrap();
        d.put(&l, "credit", *credit).unwrap();
    }
}

#[test]
fn crafted_journal_entries_are_refused_and_honest_ones_pass() {
    let mut org = Org::new();
    let (mut finance, key) = org.admit("Qian", Role::Finance, "BJ");
    let t = org.tick();
    let today = t.to_zoned(jiff::tz::TimeZone::UTC).date();
    let (number, id) = finance
        .ledger()
        .post(
            NewEntry {
                site: Some("BJ".into()),
                memo: "cash sale".into(),
                lines: vec![line("1001", 500, 0), line("6001", 0, 500)],
                ..NewEntry::default()
            },
            t,
        )
        .unwrap();
    assert!(number.starts_with("BJ-"));
    let doc = DocId::Ledger {
        site: SiteCode::parse("BJ").unwrap(),
        month: Month::of(t),
    };
    let hq_id = org.hq_id.clone();
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut finance,
        &key.device_id(),
        &doc,
        10
    ));
    assert_eq!(org.hq.ledger().get(&number).unwrap().total, Money(500));

    let me = key.device_id().to_string();
    let date = today.to_string();
    let verdict = |org: &mut Org, change: &automerge::Change| {
        judged(&mut org.hq, &key.device_id(), &doc, change)
    };

    let honest = craft(&mut finance, &key, &doc, |d| {
        put_entry(
            d,
            "e-honest",
            "BJ",
            &date,
            &me,
            &[("1002", 700, 0), ("2202", 0, 700)],
        );
    });
    assert_eq!(verdict(&mut org, &honest), Ok(()));

    let other_month = format!("{}-01-15", today.year() - 1);
    type Edit<'a> = Box<dyn FnOnce(&mut AutoCommit) + 'a>;
    let entry = id.to_string();
    let cases: Vec<(&str, Edit<'_>)> = vec![
        (
            "does not balance",
            Box::new(|d| {
                put_entry(
                    d,
                    "e1",
                    "BJ",
                    &date,
                    &me,
                    &[("1002", 700, 0), ("2202", 0, 699)],
                )
            }),
        ),
        (
            "not in the chart",
            Box::new(|d| put_entry(d, "e2", "BJ", &date, &me, &[("9999", 1, 0), ("2202", 0, 1)])),
        ),
        (
            "both a debit and a credit",
            Box::new(|d| put_entry(d, "e3", "BJ", &date, &me, &[("1002", 5, 5), ("2202", 0, 0)])),
        ),
        (
            "1 lines",
            Box::new(|d| put_entry(d, "e4", "BJ", &date, &me, &[("1002", 0, 0)])),
        ),
        (
            "outside its document's month",
            Box::new(|d| {
                put_entry(
                    d,
                    "e5",
                    "BJ",
                    &other_month,
                    &me,
                    &[("1002", 1, 0), ("2202", 0, 1)],
                )
            }),
        ),
        (
            "another site",
            Box::new(|d| put_entry(d, "e6", "SH", &date, &me, &[("1002", 1, 0), ("2202", 0, 1)])),
        ),
        (
            "another device",
            Box::new(|d| {
                put_entry(
                    d,
                    "e7",
                    "BJ",
                    &date,
                    hq_id.as_str(),
                    &[("1002", 1, 0), ("2202", 0, 1)],
                )
            }),
        ),
        (
            "changes a posted journal entry",
            Box::new(|d| {
                let (_, coll) = d.get(automerge::ROOT, "entries").unwrap().unwrap();
                let (_, e) = d.get(&coll, entry.as_str()).unwrap().unwrap();
                let (_, lines) = d.get(&e, "lines").unwrap().unwrap();
                let (_, first) = d.get(&lines, 0).unwrap().unwrap();
                d.put(&first, "debit", 50_000_i64).unwrap();
            }),
        ),
        (
            "changes a posted journal entry",
            Box::new(|d| {
                let (_, coll) = d.get(automerge::ROOT, "entries").unwrap().unwrap();
                let (_, e) = d.get(&coll, entry.as_str()).unwrap().unwrap();
                d.put(&e, "memo", "rewritten").unwrap();
            }),
        ),
    ];
    for (words, edit) in cases {
        let change = craft(&mut finance, &key, &doc, edit);
        match verdict(&mut org, &change) {
            Err(Broken::Rule(why)) => assert!(why.contains(words), "{why} (expected {words})"),
            other => panic!("expected a refusal about {words}, got {other:?}"),
        }
    }
}

#[test]
fn a_branch_finance_may_not_post_into_another_sites_ledger_even_with_a_modified_program() {
    let mut org = Org::new();
    let (mut finance, key) = org.admit("Zhao", Role::Finance, "BJ");
    let t = org.tick();
    let entry = |site: &str| NewEntry {
        site: Some(site.into()),
        lines: vec![line("1001", 300, 0), line("6001", 0, 300)],
        ..NewEntry::default()
    };
    // The head office (SH, the founding site) posts at SH; BJ's finance reads it.
    org.hq.ledger().post(entry("SH"), t).unwrap();
    let doc = DocId::Ledger {
        site: SiteCode::parse("SH").unwrap(),
        month: Month::of(t),
    };
    let (hq_id, bj_id) = (org.hq_id.clone(), key.device_id());
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut finance,
        &bj_id,
        &doc,
        10
    ));
    assert_eq!(finance.ledger().list(&Default::default()).unwrap().len(), 1);

    // Its own program refuses at once, and says whose books SH's are.
    let err = finance.ledger().post(entry("SH"), org.tick()).unwrap_err();
    assert!(matches!(err, crate::Error::OtherSiteBooks { .. }), "{err}");
    finance.ledger().post(entry("BJ"), org.tick()).unwrap();

    // A modified program writes the entry anyway: the head office refuses it and logs why.
    let date = t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
    let me = bj_id.to_string();
    let crafted = craft(&mut finance, &key, &doc, |d| {
        put_entry(
            d,
            "e-bj",
            "SH",
            &date,
            &me,
            &[("1001", 900, 0), ("6001", 0, 900)],
        );
    });
    slip(&mut finance, &doc, &crafted, &key);
    assert!(!sync_pair(
        &mut finance,
        &bj_id,
        &mut org.hq,
        &hq_id,
        &doc,
        6
    ));
    assert!(
        org.hq
            .repo
            .doc(&doc)
            .unwrap()
            .get_change_by_hash(&crafted.hash())
            .is_none()
    );
    assert_eq!(org.hq.ledger().list(&Default::default()).unwrap().len(), 1);
    let refused = org.hq.sync().refused().unwrap();
    let logged = refused
        .iter()
        .find(|r| r.hash == crafted.hash().to_string())
        .expect("the crafted entry is logged");
    assert!(
        logged
            .reason
            .contains("finance of BJ may not write ledger/SH"),
        "{}",
        logged.reason
    );
}

#[test]
fn an_entry_naming_an_account_the_chart_has_not_brought_yet_waits_for_it() {
    let mut org = Org::new();
    let (mut finance, key) = org.admit("Qian", Role::Finance, "SH");
    let (mut auditor, auditor_key) = org.admit("Shen", Role::Auditor, "BJ");
    let (hq_id, f_id, a_id) = (org.hq_id.clone(), key.device_id(), auditor_key.device_id());
    // The auditor hears of the finance device from HQ.
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut auditor,
        &a_id,
        &DocId::Org,
        10
    ));

    let t = org.tick();
    finance.chart().add_account("100201", "ICBC", t).unwrap();
    finance
        .ledger()
        .post(
            NewEntry {
                site: Some("SH".into()),
                lines: vec![line("100201", 800, 0), line("4001", 0, 800)],
                ..NewEntry::default()
            },
            org.tick(),
        )
        .unwrap();
    let ledger = DocId::Ledger {
        site: SiteCode::parse("SH").unwrap(),
        month: Month::of(t),
    };
    assert!(sync_pair(
        &mut finance,
        &f_id,
        &mut org.hq,
        &hq_id,
        &DocId::Chart,
        10
    ));
    assert!(sync_pair(
        &mut finance,
        &f_id,
        &mut org.hq,
        &hq_id,
        &ledger,
        10
    ));
    assert_eq!(org.hq.ledger().list(&Default::default()).unwrap().len(), 1);

    // The ledger reaches the auditor before the chart: the entry waits, refused by nobody.
    sync_pair(&mut org.hq, &hq_id, &mut auditor, &a_id, &ledger, 10);
    assert!(
        auditor
            .ledger()
            .list(&Default::default())
            .unwrap()
            .is_empty()
    );
    let held = auditor.members().held().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].reason, "unknown_account");
    assert!(auditor.sync().refused().unwrap().is_empty());

    // The chart comes: the entry is in, on the account it named.
    assert!(sync_pair(
        &mut org.hq,
        &hq_id,
        &mut auditor,
        &a_id,
        &DocId::Chart,
        10
    ));
    assert!(auditor.members().held().unwrap().is_empty());
    let tb = auditor.ledger().trial_balance(&Default::default()).unwrap();
    let icbc = tb.rows.iter().find(|r| r.account.code == "100201").unwrap();
    assert_eq!(
        (icbc.balance, icbc.account.name_zh.as_str()),
        (Money(800), "ICBC")
    );

    // A code no chart can hold is refused outright.
    let date = t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
    let me = f_id.to_string();
    let crafted = craft(&mut finance, &key, &ledger, |d| {
        put_entry(
            d,
            "e-bad",
            "SH",
            &date,
            &me,
            &[("999901", 5, 0), ("4001", 0, 5)],
        );
    });
    assert!(matches!(
        judged(&mut org.hq, &f_id, &ledger, &crafted),
        Err(Broken::Rule(_))
    ));
}

/// Writes added account `code` as a program would.
fn put_account(d: &mut AutoCommit, code: &str, name: &str, by: &str) {
    let (_, accounts) = d.get(automerge::ROOT, "accounts").unwrap().unwrap();
    let a = d.put_object(&accounts, code, ObjType::Map).unwrap();
    d.put(&a, "name", name).unwrap();
    d.put(&a, "active", true).unwrap();
    d.put(&a, "created_at", 1_i64).unwrap();
    d.put(&a, "created_by", by).unwrap();
}

#[test]
fn crafted_chart_records_are_refused_and_honest_ones_pass() {
    let mut org = Org::new();
    let (mut finance, key) = org.admit("Qian", Role::Finance, "SH");
    let (mut branch, branch_key) = org.admit("Zhao", Role::Finance, "BJ");
    let me = key.device_id().to_string();
    let doc = DocId::Chart;
    let verdict = |org: &mut Org, change: &automerge::Change| {
        judged(&mut org.hq, &key.device_id(), &doc, change)
    };
    let honest = craft(&mut finance, &key, &doc, |d| {
        put_account(d, "100201", "ICBC", &me)
    });
    assert_eq!(verdict(&mut org, &honest), Ok(()));
    slip(&mut finance, &doc, &honest, &key);
    slip(&mut org.hq, &doc, &honest, &key);

    type Edit<'a> = Box<dyn FnOnce(&mut AutoCommit) + 'a>;
    let hq = org.hq_id.to_string();
    let cases: Vec<(&str, Edit<'_>)> = vec![
        (
            "not a sub-account",
            Box::new(|d| put_account(d, "999901", "x", &me)),
        ),
        (
            "a preset code",
            Box::new(|d| put_account(d, "1002", "x", &me)),
        ),
        (
            "without a name",
            Box::new(|d| put_account(d, "100202", " ", &me)),
        ),
        (
            "another author",
            Box::new(|d| put_account(d, "100203", "x", &hq)),
        ),
        (
            "a field it has not",
            Box::new(|d| {
                let (_, accounts) = d.get(automerge::ROOT, "accounts").unwrap().unwrap();
                let (_, a) = d.get(&accounts, "100201").unwrap().unwrap();
                d.put(&a, "created_by", "someone").unwrap();
            }),
        ),
        (
            "a preset VAT rate",
            Box::new(|d| {
                let (_, rates) = d.get(automerge::ROOT, "vat_rates").unwrap().unwrap();
                let r = d.put_object(&rates, "1300", ObjType::Map).unwrap();
                d.put(&r, "active", true).unwrap();
            }),
        ),
    ];
    for (what, edit) in cases {
        let change = craft(&mut finance, &key, &doc, edit);
        assert!(
            matches!(verdict(&mut org, &change), Err(Broken::Rule(_))),
            "{what}: {:?}",
            verdict(&mut org, &change)
        );
    }
    // Renaming and retiring pass.
    let rename = craft(&mut finance, &key, &doc, |d| {
        let (_, accounts) = d.get(automerge::ROOT, "accounts").unwrap().unwrap();
        let (_, a) = d.get(&accounts, "100201").unwrap().unwrap();
        d.put(&a, "name", "ICBC Shanghai").unwrap();
        d.put(&a, "active", false).unwrap();
    });
    assert_eq!(verdict(&mut org, &rename), Ok(()));

    // A branch's finance may not write the chart: refused where it arrives.
    let branch_id = branch_key.device_id();
    let by = branch_id.to_string();
    let crafted = craft(&mut branch, &branch_key, &doc, |d| {
        put_account(d, "100209", "mine", &by)
    });
    slip(&mut branch, &doc, &crafted, &branch_key);
    let hq_id = org.hq_id.clone();
    sync_pair(&mut branch, &branch_id, &mut org.hq, &hq_id, &doc, 6);
    assert!(
        org.hq
            .repo
            .doc(&doc)
            .unwrap()
            .get_change_by_hash(&crafted.hash())
            .is_none()
    );
    let refused = org.hq.sync().refused().unwrap();
    assert!(
        refused.iter().any(|r| r.hash == crafted.hash().to_string()
            && r.reason.contains("finance of BJ may not write chart")),
        "{refused:?}"
    );
}
