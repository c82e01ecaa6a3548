//! Stock at moving-average cost: purchases received at their prices, shipments posting
//! their cost of sales, a transfer to another site posting due-to and due-from at both
//! ends, a count's difference held for a person, the valuation per site; alike on every
//! replica and after a rebuild.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use outpost_core::*;

fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::parse(code).unwrap()
}

/// A purchase of `qty` TEA at `price` from the supplier, received at SH1; its number.
fn purchase(a: &mut Book, qty: i64, price: &str, clock: &mut Clock) -> String {
    let order = NewOrder {
        kind: OrderKind::Purchase,
        party: Some("Hangzhou Tea Co".into()),
        warehouse: Some(wh("SH1")),
        note: String::new(),
        lines: vec![NewLine {
            item: "TEA".into(),
            qty,
            price: Some(Money::parse(price).unwrap()),
            discount: Money::ZERO,
        }],
    };
    let (number, _) = a.orders().create(order, clock.tick()).unwrap();
    for action in [Action::Submit, Action::Approve, Action::Receive] {
        a.orders().act(&number, action, "", clock.tick()).unwrap();
    }
    number
}

/// The lines of the automatic posting with id `id`, as (account, debit, credit).
fn posting(
    book: &mut Book,
    site: &str,
    counterparty: &str,
    account: &str,
) -> Vec<(String, i64, i64)> {
    let entries = book
        .ledger()
        .list(&EntryFilter {
            site: Some(site.into()),
            ..EntryFilter::default()
        })
        .unwrap();
    let found: Vec<_> = entries
        .iter()
        .filter(|e| e.source.as_deref() == Some("movement"))
        .filter(|e| e.counterparty == counterparty)
        .filter(|e| {
            e.lines
                .iter()
                .any(|l| l.account == account && l.debit.0 > 0)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{site} {counterparty} {account}: {entries:#?}"
    );
    found[0]
        .lines
        .iter()
        .map(|l| (l.account.clone(), l.debit.0, l.credit.0))
        .collect()
}

fn balance(book: &mut Book, site: Option<&str>, code: &str) -> i64 {
    let tb = book
        .ledger()
        .trial_balance(&BalanceFilter {
            site: site.map(str::to_string),
            through: None,
        })
        .unwrap();
    assert_eq!(tb.debit, tb.credit);
    tb.rows
        .iter()
        .find(|r| r.account.code == code)
        .map_or(0, |r| r.balance.0)
}

fn valuation(book: &mut Book, site: &str) -> (i64, i64) {
    let rows = book
        .ledger()
        .stock_valuation(&BalanceFilter {
            site: Some(site.into()),
            through: None,
        })
        .unwrap();
    let tea: Vec<_> = rows.iter().filter(|r| r.sku == "TEA").collect();
    assert!(tea.len() <= 1);
    tea.first().map_or((0, 0), |r| (r.qty, r.value.0))
}

#[test]
fn stock_moves_at_moving_average_cost_and_sites_owe_each_other_what_travelled() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        ..
    } = two_offices();
    let po1 = purchase(&mut a, 10, "20.00", &mut clock);
    let po2 = purchase(&mut a, 10, "30.00", &mut clock);
    // Received at their prices: 20 at 25.00 on average, booked at receipt against what
    // is owed to the supplier (invoice or not).
    assert_eq!(valuation(&mut a, "SH"), (20, 50_000));
    assert_eq!(balance(&mut a, Some("SH"), "1405"), 50_000);
    assert_eq!(balance(&mut a, Some("SH"), "2202"), 50_000);

    // A shipment costs the average: 4 × 25.00.
    let (sale, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 4)]), clock.tick())
        .unwrap();
    for action in [Action::Submit, Action::Approve, Action::Ship] {
        a.orders().act(&sale, action, "", clock.tick()).unwrap();
    }
    assert_eq!(
        posting(&mut a, "SH", "Acme 客户", "6401"),
        vec![("6401".into(), 10_000, 0), ("1405".into(), 0, 10_000)]
    );
    let cogs = a
        .ledger()
        .list(&EntryFilter::default())
        .unwrap()
        .into_iter()
        .find(|e| e.source.as_deref() == Some("movement") && e.link == sale)
        .unwrap();
    assert!(cogs.lines.iter().any(|l| l.account == "6401"));
    // The receipts' entries link to their purchase orders.
    let receipts: Vec<String> = a
        .ledger()
        .list(&EntryFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.source.as_deref() == Some("movement") && e.link != sale)
        .map(|e| e.link)
        .collect();
    assert_eq!(receipts.len(), 2);
    assert!(
        receipts.contains(&po1) && receipts.contains(&po2),
        "{receipts:?}"
    );
    assert!(
        matches!(
            a.ledger().reverse(&cogs.number, None, clock.tick()),
            Err(Error::AutomaticPosting { .. })
        ),
        "an automatic posting is corrected at its source"
    );

    // Sold at 35.00, costing 25.00: by item, customer and site alike.
    for (by, key) in [
        (SalesBy::Item, "TEA"),
        (SalesBy::Customer, "Acme 客户"),
        (SalesBy::Site, "SH"),
    ] {
        let sold = a
            .ledger()
            .sales(&SalesFilter {
                by: Some(by),
                ..SalesFilter::default()
            })
            .unwrap();
        assert_eq!(sold.len(), 1, "{by:?}: {sold:?}");
        assert_eq!(sold[0].key, key);
        assert_eq!(
            (sold[0].qty, sold[0].net, sold[0].cost, sold[0].margin),
            (4, Money(14_000), Money(10_000), Money(4_000)),
            "{by:?}"
        );
    }
    let by_customer = a
        .ledger()
        .sales(&SalesFilter {
            by: Some(SalesBy::Customer),
            site: Some("BJ".into()),
            ..SalesFilter::default()
        })
        .unwrap();
    assert!(by_customer.is_empty(), "nothing sold at BJ");

    // To BJ: SH is owed what left, BJ owes it and holds it in transit.
    let sent = a
        .stock()
        .record(
            StockMove::Transfer {
                item: "TEA".into(),
                from: wh("SH1"),
                to: wh("BJ1"),
                qty: 4,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        posting(&mut a, "SH", "BJ", "1221"),
        vec![("1221".into(), 10_000, 0), ("1405".into(), 0, 10_000)]
    );
    assert_eq!(
        posting(&mut a, "BJ", "SH", "1402"),
        vec![("1402".into(), 10_000, 0), ("2241".into(), 0, 10_000)]
    );

    // BJ's clerk receives 3 of the 4; the 3 arrive at the unit value they left with.
    sync(&mut a, &mut b, &mut clock);
    b.stock()
        .record(
            StockMove::ReceiveTransfer {
                transfer: sent.id.to_string(),
                qty: Some(3),
                note: "one box short".into(),
            },
            clock.tick(),
        )
        .unwrap();
    sync(&mut a, &mut b, &mut clock);
    assert_eq!(
        posting(&mut a, "BJ", "SH", "1405"),
        vec![("1405".into(), 7_500, 0), ("1402".into(), 0, 7_500)]
    );
    assert_eq!(valuation(&mut a, "BJ"), (3, 7_500));
    // What is owed between the sites nets to zero; the short box stays in transit.
    assert_eq!(balance(&mut a, Some("SH"), "1221"), 10_000);
    assert_eq!(balance(&mut a, Some("BJ"), "2241"), 10_000);
    // Taken together, what the sites owe each other is eliminated.
    assert_eq!(balance(&mut a, None, "1221"), 0);
    assert_eq!(balance(&mut a, None, "2241"), 0);
    let together = a.ledger().trial_balance(&BalanceFilter::default()).unwrap();
    assert_eq!(together.eliminated, Money(10_000));
    assert_eq!(balance(&mut a, Some("BJ"), "1402"), 2_500);
    // The clerk's device derives the same but shows no journal.
    assert!(b.ledger().list(&EntryFilter::default()).is_err());
    assert!(
        b.ledger()
            .stock_valuation(&BalanceFilter::default())
            .is_err()
    );

    // A count one short at SH: 25.00 waits in 1901 for a person.
    a.stock()
        .record(
            StockMove::Count {
                item: "TEA".into(),
                warehouse: wh("SH1"),
                counted: 11,
                note: "broken box".into(),
            },
            clock.tick(),
        )
        .unwrap();
    assert_eq!(
        posting(&mut a, "SH", "", "1901"),
        vec![("1901".into(), 2_500, 0), ("1405".into(), 0, 2_500)]
    );
    assert_eq!(valuation(&mut a, "SH"), (11, 27_500));

    // The sites agree on what they owe each other, until an entry says otherwise on one
    // side only.
    let kinds = |book: &Book, kind: &str| -> Vec<(String, Option<i64>, Option<i64>)> {
        book.exceptions()
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| (e.subject, e.expected, e.actual))
            .collect()
    };
    assert_eq!(kinds(&a, "intersite_unbalanced"), vec![]);
    a.ledger()
        .post(
            NewEntry {
                site: Some("SH".into()),
                counterparty: "BJ".into(),
                memo: "BJ's share of the rent".into(),
                lines: vec![
                    NewEntryLine {
                        account: "1221".into(),
                        debit: Money(5_000),
                        credit: Money::ZERO,
                    },
                    NewEntryLine {
                        account: "6602".into(),
                        debit: Money::ZERO,
                        credit: Money(5_000),
                    },
                ],
                ..NewEntry::default()
            },
            clock.tick(),
        )
        .unwrap();
    assert_eq!(
        kinds(&a, "intersite_unbalanced"),
        vec![("BJ/SH".into(), Some(-15_000), Some(-10_000))]
    );
    // Sites that disagree are not eliminated: both figures stay for a person to see.
    assert_eq!(balance(&mut a, None, "1221"), 15_000);
    assert_eq!(balance(&mut a, None, "2241"), 10_000);

    // A transfer still on the way a week after is listed (by the book's latest change).
    let slow = a
        .stock()
        .record(
            StockMove::Transfer {
                item: "TEA".into(),
                from: wh("SH1"),
                to: wh("BJ1"),
                qty: 1,
                note: String::new(),
            },
            clock.tick(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(kinds(&a, "transfer_not_received"), vec![]);
    clock.0 += 8 * 86_400;

    // The books' stock is the valuation, invoiced or not; invoicing the purchases adds
    // their input VAT (13% of 500.00) to what is owed, and moves no stock.
    assert_eq!(balance(&mut a, Some("SH"), "1405"), 25_000);
    let owed = balance(&mut a, Some("SH"), "2202");
    for po in [&po1, &po2] {
        a.billing().invoice_order(po, "", clock.tick()).unwrap();
    }
    assert_eq!(balance(&mut a, Some("SH"), "2202"), owed + 6_500);
    assert_eq!(balance(&mut a, Some("SH"), "2221"), -6_500);
    assert_eq!(
        kinds(&a, "transfer_not_received"),
        vec![(slow.id.to_string(), Some(7), Some(8))]
    );
    assert_eq!(valuation(&mut a, "SH"), (10, 25_000));
    assert_eq!(balance(&mut a, Some("SH"), "1405"), 25_000);
    assert_eq!(balance(&mut a, Some("BJ"), "1405"), 7_500);

    // The overview: the sale invoiced and not yet due, cash from a cash sale, what SH
    // shipped this month.
    a.billing().invoice_order(&sale, "", clock.tick()).unwrap();
    a.ledger()
        .post(
            NewEntry {
                site: Some("BJ".into()),
                memo: "cash sale".into(),
                lines: vec![
                    NewEntryLine {
                        account: "1001".into(),
                        debit: Money(3_000),
                        credit: Money::ZERO,
                    },
                    NewEntryLine {
                        account: "6001".into(),
                        debit: Money::ZERO,
                        credit: Money(3_000),
                    },
                ],
                ..NewEntry::default()
            },
            clock.tick(),
        )
        .unwrap();
    let now = clock.tick();
    let overview = a.finance_overview(now).unwrap();
    assert_eq!(overview.months.len(), OVERVIEW_MONTHS);
    assert_eq!(overview.months.last().unwrap(), &Month::of(now).to_string());
    assert_eq!(overview.cash.last(), Some(&Money(3_000)));
    assert_eq!(overview.cash[0], Money::ZERO);
    assert_eq!(
        overview.receivables,
        vec![
            Money(15_820),
            Money::ZERO,
            Money::ZERO,
            Money::ZERO,
            Money::ZERO
        ]
    );
    let sh = overview.sales.iter().find(|s| s.site == "SH").unwrap();
    assert_eq!(sh.net.last(), Some(&Money(14_000)));
    assert_eq!(sh.net.iter().map(|m| m.0).sum::<i64>(), 14_000);
    assert!(b.finance_overview(now).is_err(), "a clerk sees no overview");

    // A rebuild walks to the same costs and postings.
    let dump = a.dump().unwrap();
    a.rebuild().unwrap();
    assert_eq!(dump, a.dump().unwrap());
}

#[test]
fn goods_that_arrive_late_into_a_closed_month_are_costed_in_the_next() {
    let TwoOffices {
        dir,
        mut a,
        mut clock,
        ..
    } = two_offices();
    let mut f = admit(
        &mut a,
        &dir.path().join("sh-clerk.sqlite3"),
        "SH",
        Role::Clerk,
        "Zhao Min",
        DeviceKey::generate().unwrap(),
        &mut clock,
    );
    // The clock stands in late September 2026.
    purchase(&mut a, 10, "10.00", &mut clock);
    sync(&mut a, &mut f, &mut clock);
    // A clerk at SH, offline, receives dearer goods in September.
    purchase(&mut f, 10, "30.00", &mut clock);
    // HQ ships 5 at the 10.00 it knows of, and closes September.
    let (sale, _) = a
        .orders()
        .create(sales("Acme 客户", vec![line("TEA", 5)]), clock.tick())
        .unwrap();
    for action in [Action::Submit, Action::Approve, Action::Ship] {
        a.orders().act(&sale, action, "", clock.tick()).unwrap();
    }
    a.ledger()
        .close_month("SH", "2026-09", clock.tick())
        .unwrap();
    let closed = a.dump().unwrap();

    // The late receipt counts from 1 October: the closed month's cost of sales stays.
    for _ in 0..2 {
        sync(&mut a, &mut f, &mut clock);
    }
    let september = BalanceFilter {
        site: Some("SH".into()),
        through: Some("2026-09-30".into()),
    };
    assert_eq!(
        posting(&mut a, "SH", "Acme 客户", "6401"),
        vec![("6401".into(), 5_000, 0), ("1405".into(), 0, 5_000)]
    );
    let rows = a.ledger().stock_valuation(&september).unwrap();
    assert_eq!((rows[0].qty, rows[0].value.0), (5, 5_000));
    assert_eq!(valuation(&mut a, "SH"), (15, 35_000));
    assert_ne!(closed, a.dump().unwrap());
    let costs = |dump: String| -> Vec<String> {
        dump.lines()
            .filter(|l| l.contains("movement"))
            .map(str::to_string)
            .collect()
    };
    let here = costs(a.dump().unwrap());
    assert!(here.len() > 3, "{here:?}");
    // The clerk's device shows no costs, so it spends nothing on them...
    assert!(f.ledger().stock_valuation(&september).is_err());
    let clerks = f.dump().unwrap();
    assert!(
        clerks.contains("[movement_costs] 0\n") && clerks.contains("[journal_entries] 0\n"),
        "{clerks}"
    );
    // ...while a finance device that joins now walks to the same ones as HQ, and so does
    // a rebuild (which projects the movements before it knows who this device is).
    let mut g = admit_finance(&mut a, dir.path(), &mut clock);
    for _ in 0..2 {
        sync(&mut a, &mut g, &mut clock);
    }
    assert_eq!(here, costs(g.dump().unwrap()));
    assert_eq!(valuation(&mut g, "SH"), (15, 35_000));
    for book in [&mut a, &mut g] {
        let dump = book.dump().unwrap();
        book.rebuild().unwrap();
        assert_eq!(dump, book.dump().unwrap());
    }
}
