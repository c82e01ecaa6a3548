//! Invoices and payments against a finance member's modified program: made whole once by
//! a member who may bill, for the document's site and month, by their author, with
//! figures that add up; only an invoice's tax number may be typed later.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc};

use super::*;
use crate::kind::billing::{NewAllocation, NewInvoice, NewPayment};
use crate::kind::party::{NewParty, PartyKind};
use crate::rules::Broken;

/// An invoice as a program would write it: (net, tax, gross, rate) and what it corrects.
struct Crafted<'a> {
    site: &'a str,
    date: &'a str,
    by: &'a str,
    figures: (i64, i64, i64, i64),
    corrects: &'a str,
}

fn put_invoice(d: &mut AutoCommit, id: &str, c: &Crafted<'_>) {
    let (_, coll) = d.get(automerge::ROOT, "invoices").unwrap().unwrap();
    let e = d.put_object(&coll, id, ObjType::Map).unwrap();
    for (k, v) in [
        ("number", "BJ-X-I000099"),
        ("site", c.site),
        ("kind", "sales"),
        ("party", "p-1"),
        ("date", c.date),
        ("due", c.date),
        ("vat", "special"),
        ("corrects", c.corrects),
        ("tax_no", ""),
        ("memo", ""),
        ("created_by", c.by),
    ] {
        d.put(&e, k, v).unwrap();
    }
    d.put_object(&e, "orders", ObjType::List).unwrap();
    let (net, tax, gross, rate) = c.figures;
    for (k, v) in [
        ("net", net),
        ("tax", tax),
        ("gross", gross),
        ("rate_bp", rate),
        ("created_at", 1),
    ] {
        d.put(&e, k, v).unwrap();
    }
}

fn put_payment(d: &mut AutoCommit, id: &str, date: &str, by: &str, account: &str, allocs: &[i64]) {
    let (_, coll) = d.get(automerge::ROOT, "payments").unwrap().unwrap();
    let e = d.put_object(&coll, id, ObjType::Map).unwrap();
    for (k, v) in [
        ("number", "BJ-X-P000099"),
        ("site", "BJ"),
        ("direction", "received"),
        ("party", "p-1"),
        ("date", date),
        ("account", account),
        ("reference", ""),
        ("memo", ""),
        ("created_by", by),
    ] {
        d.put(&e, k, v).unwrap();
    }
    d.put(&e, "amount", 1_000_i64).unwrap();
    d.put(&e, "created_at", 1_i64).unwrap();
    let list = d.put_object(&e, "allocations", ObjType::List).unwrap();
    for (i, amount) in allocs.iter().enumerate() {
        let a = d.insert_object(&list, i, ObjType::Map).unwrap();
        d.put(&a, "invoice", "i-1").unwrap();
        d.put(&a, "amount", *amount).unwrap();
    }
}

fn put_bank_line(d: &mut AutoCommit, id: &str, date: &str, by: &str, account: &str, amount: i64) {
    let (_, coll) = d.get(automerge::ROOT, "bank_lines").unwrap().unwrap();
    let e = d.put_object(&coll, id, ObjType::Map).unwrap();
    for (k, v) in [
        ("site", "BJ"),
        ("account", account),
        ("date", date),
        ("counterparty", "Acme"),
        ("reference", "CMB1"),
        ("memo", ""),
        ("batch", "statement.csv"),
        ("imported_by", by),
        ("payment", ""),
    ] {
        d.put(&e, k, v).unwrap();
    }
    d.put(&e, "amount", amount).unwrap();
    d.put(&e, "imported_at", 1_i64).unwrap();
}

fn put_close(d: &mut AutoCommit, id: &str, month: &str, by: &str) {
    let (_, coll) = d.get(automerge::ROOT, "closes").unwrap().unwrap();
    let c = d.put_object(&coll, id, ObjType::Map).unwrap();
    for (k, v) in [("site", "BJ"), ("month", month), ("closed_by", by)] {
        d.put(&c, k, v).unwrap();
    }
    d.put(&c, "closed_at", 1_i64).unwrap();
    let entries = d.put_object(&c, "entries", ObjType::List).unwrap();
    d.insert(&entries, 0, "e-1").unwrap();
    let balances = d.put_object(&c, "balances", ObjType::List).unwrap();
    let b = d.insert_object(&balances, 0, ObjType::Map).unwrap();
    d.put(&b, "account", "1002").unwrap();
    d.put(&b, "debit", 500_i64).unwrap();
    d.put(&b, "credit", 0_i64).unwrap();
}

#[test]
fn crafted_invoices_and_payments_are_refused_and_honest_ones_pass() {
    let mut org = Org::new();
    let (mut finance, key) = org.admit("Qian", Role::Finance, "BJ");
    let t = org.tick();
    let today = t.to_zoned(jiff::tz::TimeZone::UTC).date();
    finance
        .parties()
        .add(
            NewParty {
                kind: PartyKind::Customer,
                name: "Acme".into(),
                phone: String::new(),
                address: String::new(),
            },
            t,
        )
        .unwrap();
    let (number, id) = finance
        .billing()
        .invoice(
            NewInvoice {
                site: Some("BJ".into()),
                party: Some("Acme".into()),
                net: Some(Money(10_000)),
                ..NewInvoice::default()
            },
            t,
        )
        .unwrap();
    finance
        .billing()
        .pay(
            NewPayment {
                amount: Some(Money(500)),
                allocations: vec![NewAllocation {
                    invoice: number.clone(),
                    amount: None,
                }],
                ..NewPayment::default()
            },
            t,
        )
        .unwrap();
    let doc = DocId::Billing {
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
    assert_eq!(
        org.hq.billing().invoice_row(&number).unwrap().outstanding,
        Money(10_800)
    );

    let me = key.device_id().to_string();
    let date = today.to_string();
    let verdict = |org: &mut Org, change: &automerge::Change| {
        judged(&mut org.hq, &key.device_id(), &doc, change)
    };
    let honest = Crafted {
        site: "BJ",
        date: &date,
        by: &me,
        figures: (10_000, 1_300, 11_300, 1_300),
        corrects: "",
    };
    let change = craft(&mut finance, &key, &doc, |d| {
        put_invoice(d, "i-honest", &honest)
    });
    assert_eq!(verdict(&mut org, &change), Ok(()));
    let change = craft(&mut finance, &key, &doc, |d| {
        put_payment(d, "p-honest", &date, &me, "1002", &[400, 600])
    });
    assert_eq!(verdict(&mut org, &change), Ok(()));
    let invoice = id.to_string();
    let change = craft(&mut finance, &key, &doc, |d| {
        let (_, coll) = d.get(automerge::ROOT, "invoices").unwrap().unwrap();
        let (_, e) = d.get(&coll, invoice.as_str()).unwrap().unwrap();
        d.put(&e, "tax_no", "04400201").unwrap();
    });
    assert_eq!(
        verdict(&mut org, &change),
        Ok(()),
        "a tax number typed later"
    );

    // An honest bank line, imported and later matched.
    let line = craft(&mut finance, &key, &doc, |d| {
        put_bank_line(d, "BL-honest", &date, &me, "1002", 500)
    });
    assert_eq!(verdict(&mut org, &line), Ok(()));
    let mut hq_doc = org.hq.repo.doc(&doc).unwrap().clone();
    hq_doc.apply_changes([line.clone()]).unwrap();
    let later = |field: &str, value: automerge::ScalarValue| {
        let mut d = AutoCommit::load(&hq_doc.save())
            .unwrap()
            .with_actor(key.device_id().actor());
        let (_, coll) = d.get(automerge::ROOT, "bank_lines").unwrap().unwrap();
        let (_, obj) = d.get(&coll, "BL-honest").unwrap().unwrap();
        d.put(&obj, field, value).unwrap();
        let hash = d.commit().unwrap();
        let change = d.document().get_change_by_hash(&hash).unwrap().clone();
        let judge = crate::rules::Judge::new(&doc, &hq_doc, org.hq.repo.db());
        let author = crate::access::member(org.hq.repo.db(), &key.device_id())
            .unwrap()
            .unwrap();
        match judge.judge(&change, &author, crate::rules::RULES_VERSION) {
            crate::rules::Judged::Keeps(_) => Ok(()),
            crate::rules::Judged::Breaks(broken) => Err(broken),
            _ => panic!("its dependencies are here"),
        }
    };
    assert_eq!(
        later("payment", "p-honest".into()),
        Ok(()),
        "a match set later"
    );
    match later("amount", 1_i64.into()) {
        Err(Broken::Rule(why)) => assert!(why.contains("other than by matching"), "{why}"),
        other => panic!("a rewritten amount is refused, got {other:?}"),
    }

    let this_month = Month::of(t).to_string();
    let close = craft(&mut finance, &key, &doc, |d| {
        put_close(d, "c-honest", &this_month, &me)
    });
    assert_eq!(verdict(&mut org, &close), Ok(()), "an honest close");

    let other_month = format!("{}-01-15", today.year() - 1);
    type Edit<'a> = Box<dyn FnOnce(&mut AutoCommit) + 'a>;
    let with = |figures, corrects| Crafted {
        figures,
        corrects,
        ..honest
    };
    let cases: Vec<(&str, Edit<'_>)> = vec![
        (
            "do not add up",
            Box::new(|d| put_invoice(d, "i1", &with((10_000, 1_300, 11_400, 1_300), ""))),
        ),
        (
            "do not add up",
            Box::new(|d| put_invoice(d, "i2", &with((10_000, 1, 10_001, 1_300), ""))),
        ),
        (
            "VAT rate",
            Box::new(|d| put_invoice(d, "i3", &with((100, 200, 300, 20_000), ""))),
        ),
        (
            "adds to what is owed",
            Box::new(|d| put_invoice(d, "i4", &with((100, 13, 113, 1_300), "i-honest"))),
        ),
        (
            "corrects no invoice",
            Box::new(|d| put_invoice(d, "i5", &with((-100, -13, -113, 1_300), ""))),
        ),
        (
            "outside its document's month",
            Box::new(|d| {
                put_invoice(
                    d,
                    "i6",
                    &Crafted {
                        date: &other_month,
                        ..honest
                    },
                )
            }),
        ),
        (
            "another site",
            Box::new(|d| {
                put_invoice(
                    d,
                    "i7",
                    &Crafted {
                        site: "SH",
                        ..honest
                    },
                )
            }),
        ),
        (
            "another device",
            Box::new(|d| {
                put_invoice(
                    d,
                    "i8",
                    &Crafted {
                        by: hq_id.as_str(),
                        ..honest
                    },
                )
            }),
        ),
        (
            "after it was written",
            Box::new(|d| {
                let (_, coll) = d.get(automerge::ROOT, "invoices").unwrap().unwrap();
                let (_, e) = d.get(&coll, invoice.as_str()).unwrap().unwrap();
                d.put(&e, "net", 1_i64).unwrap();
            }),
        ),
        (
            "allocations above",
            Box::new(|d| put_payment(d, "p1", &date, &me, "1002", &[600, 600])),
        ),
        (
            "through account 6001",
            Box::new(|d| put_payment(d, "p2", &date, &me, "6001", &[])),
        ),
        (
            "an account that holds no money",
            Box::new(|d| put_bank_line(d, "BL-2", &date, &me, "6001", 100)),
        ),
        (
            "another month than its document's",
            Box::new(|d| put_close(d, "c1", "2001-01", &me)),
        ),
        (
            "without an amount",
            Box::new(|d| put_bank_line(d, "BL-3", &date, &me, "1002", 0)),
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
