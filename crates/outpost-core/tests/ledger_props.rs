//! Property test of the journal's merge: random entries, reversals, invoices, credit
//! notes, payments, purchases received, shipments and transfers between the sites made at
//! 2–4 replicas (an admin and finance at two sites, real SQLite files), bundles exchanged
//! in random order, then a full exchange. Every replica must hold the same entries,
//! invoices, payments, trial balances (per site and consolidated) and stock valuation;
//! every entry and every trial balance must balance; no entry number may repeat; each
//! invoice and payment posts exactly one entry; receivables equal what invoices billed
//! less what receipts brought in; what the sites owe each other nets to zero; and the
//! stock at cost is what was bought plus what the movements posted to 1405.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{Clock, admit, book_key, item, line, org, sales};
use outpost_core::*;
use proptest::prelude::*;

const SITES: [&str; 2] = ["SH", "BJ"];
/// Debit and credit accounts of the entries posted: sales, purchases, receipts, wages,
/// and a receipt into the organisation's own bank sub-account (added to the chart first).
const PAIRS: [(&str, &str); 5] = [
    ("1122", "6001"),
    ("1405", "2202"),
    ("1002", "1122"),
    ("6602", "2211"),
    ("100201", "1122"),
];

#[derive(Clone, Debug)]
enum Op {
    Post {
        r: usize,
        site: usize,
        pair: usize,
        fen: i64,
        split: bool,
    },
    Reverse {
        r: usize,
        which: usize,
    },
    Sync {
        from: usize,
        to: usize,
    },
    Invoice {
        r: usize,
        site: usize,
        fen: i64,
        rate: usize,
    },
    Pay {
        r: usize,
        which: usize,
        half: bool,
    },
    Credit {
        r: usize,
        which: usize,
    },
    /// A purchase of TEA at the replica's site, received whole.
    Purchase {
        r: usize,
        qty: i64,
        fen: i64,
    },
    /// A sale of TEA shipped from the replica's site.
    Ship {
        r: usize,
        qty: i64,
    },
    /// TEA sent from the replica's site to the other.
    Send {
        r: usize,
        qty: i64,
    },
    /// A transfer to the replica's site received, maybe one short.
    Arrive {
        r: usize,
        which: usize,
        short: bool,
    },
}

/// VAT rates invoices are issued at.
const RATES: [&str; 4] = ["13", "9", "6", "0"];

fn op() -> impl Strategy<Value = Op> {
    let r = 0..4usize;
    prop_oneof![
        4 => (r.clone(), 0..2usize, 0..PAIRS.len(), 1..1_000_000i64, any::<bool>())
            .prop_map(|(r, site, pair, fen, split)| Op::Post { r, site, pair, fen, split }),
        1 => (r.clone(), 0..8usize).prop_map(|(r, which)| Op::Reverse { r, which }),
        2 => (r.clone(), 0..2usize, 1..1_000_000i64, 0..4usize)
            .prop_map(|(r, site, fen, rate)| Op::Invoice { r, site, fen, rate }),
        2 => (r.clone(), 0..8usize, any::<bool>()).prop_map(|(r, which, half)| Op::Pay { r, which, half }),
        1 => (r.clone(), 0..8usize).prop_map(|(r, which)| Op::Credit { r, which }),
        2 => (r.clone(), 1..20i64, 1..10_000i64).prop_map(|(r, qty, fen)| Op::Purchase { r, qty, fen }),
        2 => (r.clone(), 1..10i64).prop_map(|(r, qty)| Op::Ship { r, qty }),
        2 => (r.clone(), 1..10i64).prop_map(|(r, qty)| Op::Send { r, qty }),
        2 => (r.clone(), 0..4usize, any::<bool>()).prop_map(|(r, which, short)| Op::Arrive { r, which, short }),
        3 => (r.clone(), r).prop_map(|(from, to)| Op::Sync { from, to }),
    ]
}

/// The site of replica `r` (the admin's is SH).
fn site_of(r: usize) -> &'static str {
    if r == 0 { "SH" } else { SITES[r % 2] }
}

/// Whether replica `r` keeps `site`'s books: SH is the head office (its finance keeps
/// every site's), BJ's finance its own.
fn keeps_books_of(r: usize, site: &str) -> bool {
    site_of(r) == "SH" || site_of(r) == site
}

/// A write refused because a branch's finance reached for another site's books.
fn refused_as_other_site<T: std::fmt::Debug>(result: outpost_core::Result<T>) {
    let err = result.unwrap_err();
    assert!(matches!(err, Error::OtherSiteBooks { .. }), "{err}");
}

fn exchange(books: &mut [Book], from: usize, to: usize, clock: &mut Clock) {
    if from == to {
        return;
    }
    let bundle = books[from]
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    books[to].import_bundle(&bundle, clock.tick()).unwrap();
}

fn run(n: usize, ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let mut clock = Clock::new();
    let mut first = Book::create(
        &dir.path().join("r0.sqlite3"),
        &book_key(),
        org("SH"),
        DeviceKey::generate().unwrap(),
        clock.tick(),
    )
    .unwrap();
    first
        .sites()
        .add(&SiteCode::parse("BJ").unwrap(), "Beijing", clock.tick())
        .unwrap();
    first
        .parties()
        .add(
            NewParty {
                kind: PartyKind::Customer,
                name: "Acme".into(),
                phone: String::new(),
                address: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    first
        .items()
        .add(item("TEA", "35.00"), clock.tick())
        .unwrap();
    first
        .parties()
        .add(
            NewParty {
                kind: PartyKind::Supplier,
                name: "Tea Co".into(),
                phone: String::new(),
                address: String::new(),
            },
            clock.tick(),
        )
        .unwrap();
    first
        .chart()
        .add_account("100201", "ICBC", clock.tick())
        .unwrap();
    let mut books = vec![first];
    // What purchases brought into stock at their prices.
    let mut bought = 0i64;
    for i in 1..n {
        let book = admit(
            &mut books[0],
            &dir.path().join(format!("r{i}.sqlite3")),
            SITES[i % 2],
            Role::Finance,
            &format!("Finance {i}"),
            DeviceKey::generate().unwrap(),
            &mut clock,
        );
        books.push(book);
    }
    for op in ops {
        match op {
            Op::Post {
                r,
                site,
                pair,
                fen,
                split,
            } => {
                let (debit, credit) = PAIRS[pair];
                let mut lines = vec![NewEntryLine {
                    account: debit.into(),
                    debit: Money(fen),
                    credit: Money::ZERO,
                }];
                let half = fen / 2;
                if split && half > 0 {
                    // Two credit lines summing to the debit.
                    for part in [half, fen - half] {
                        lines.push(NewEntryLine {
                            account: credit.into(),
                            debit: Money::ZERO,
                            credit: Money(part),
                        });
                    }
                } else {
                    lines.push(NewEntryLine {
                        account: credit.into(),
                        debit: Money::ZERO,
                        credit: Money(fen),
                    });
                }
                let new = NewEntry {
                    site: Some(SITES[site].into()),
                    lines,
                    ..NewEntry::default()
                };
                let result = books[r % n].ledger().post(new, clock.tick());
                if keeps_books_of(r % n, SITES[site]) {
                    result.unwrap();
                } else {
                    refused_as_other_site(result);
                }
            }
            Op::Reverse { r, which } => {
                let book = &mut books[r % n];
                let entries = book.ledger().list(&EntryFilter::default()).unwrap();
                if let Some(e) = entries.get(which % entries.len().max(1)) {
                    // Refused when this replica knows it reversed already: that is fine.
                    let _ = book.ledger().reverse(&e.number, None, clock.tick());
                }
            }
            Op::Sync { from, to } => exchange(&mut books, from % n, to % n, &mut clock),
            Op::Invoice { r, site, fen, rate } => {
                let new = NewInvoice {
                    site: Some(SITES[site].into()),
                    party: Some("Acme".into()),
                    net: Some(Money(fen)),
                    rate: Some(RATES[rate].into()),
                    ..NewInvoice::default()
                };
                let result = books[r % n].billing().invoice(new, clock.tick());
                if keeps_books_of(r % n, SITES[site]) {
                    result.unwrap();
                } else {
                    refused_as_other_site(result);
                }
            }
            Op::Pay { r, which, half } => {
                let book = &mut books[r % n];
                let open = book
                    .billing()
                    .invoices(&InvoiceFilter {
                        open: true,
                        ..InvoiceFilter::default()
                    })
                    .unwrap()
                    .into_iter()
                    .filter(|i| i.outstanding.0 > 0 && keeps_books_of(r % n, i.site.as_str()))
                    .collect::<Vec<_>>();
                if let Some(inv) = open.get(which % open.len().max(1)) {
                    let amount =
                        (half && inv.outstanding.0 > 1).then_some(Money(inv.outstanding.0 / 2));
                    let new = NewPayment {
                        allocations: vec![NewAllocation {
                            invoice: inv.number.clone(),
                            amount,
                        }],
                        ..NewPayment::default()
                    };
                    book.billing().pay(new, clock.tick()).unwrap();
                }
            }
            Op::Purchase { r, qty, fen } => {
                let book = &mut books[r % n];
                let order = NewOrder {
                    kind: OrderKind::Purchase,
                    party: Some("Tea Co".into()),
                    warehouse: None,
                    note: String::new(),
                    lines: vec![NewLine {
                        item: "TEA".into(),
                        qty,
                        price: Some(Money(fen)),
                        discount: Money::ZERO,
                    }],
                };
                let (number, _) = book.orders().create(order, clock.tick()).unwrap();
                for action in [Action::Submit, Action::Approve, Action::Receive] {
                    book.orders()
                        .act(&number, action, "", clock.tick())
                        .unwrap();
                }
                bought += qty * fen;
            }
            Op::Ship { r, qty } => {
                let book = &mut books[r % n];
                let (number, _) = book
                    .orders()
                    .create(sales("Acme", vec![line("TEA", qty)]), clock.tick())
                    .unwrap();
                for action in [Action::Submit, Action::Approve, Action::Ship] {
                    // Refused when the stock here is short: the order stays approved.
                    if book
                        .orders()
                        .act(&number, action, "", clock.tick())
                        .is_err()
                    {
                        break;
                    }
                }
            }
            Op::Send { r, qty } => {
                let from = site_of(r % n);
                let to = SITES[(SITES.iter().position(|s| *s == from).unwrap() + 1) % 2];
                // Refused when the stock here is short.
                let _ = books[r % n].stock().record(
                    StockMove::Transfer {
                        item: "TEA".into(),
                        from: WarehouseCode::parse(&format!("{from}1")).unwrap(),
                        to: WarehouseCode::parse(&format!("{to}1")).unwrap(),
                        qty,
                        note: String::new(),
                    },
                    clock.tick(),
                );
            }
            Op::Arrive { r, which, short } => {
                let here = format!("{}1", site_of(r % n));
                let book = &mut books[r % n];
                let coming: Vec<Transit> = book
                    .stock()
                    .in_transit()
                    .unwrap()
                    .into_iter()
                    .filter(|t| t.to == here)
                    .collect();
                if let Some(t) = coming.get(which % coming.len().max(1)) {
                    let qty = if short && t.qty > 1 { t.qty - 1 } else { t.qty };
                    // Refused when this replica knows it arrived already.
                    let _ = book.stock().record(
                        StockMove::ReceiveTransfer {
                            transfer: t.transfer.clone(),
                            qty: Some(qty),
                            note: String::new(),
                        },
                        clock.tick(),
                    );
                }
            }
            Op::Credit { r, which } => {
                let book = &mut books[r % n];
                let invoices = book.billing().invoices(&InvoiceFilter::default()).unwrap();
                if let Some(inv) = invoices.get(which % invoices.len().max(1)) {
                    // Refused for a credit note, or an invoice credited in full already.
                    let _ = book.billing().credit(
                        NewCreditNote {
                            invoice: inv.number.clone(),
                            ..NewCreditNote::default()
                        },
                        clock.tick(),
                    );
                }
            }
        }
    }
    for _ in 0..2 {
        for from in 0..n {
            for to in 0..n {
                exchange(&mut books, from, to, &mut clock);
            }
        }
    }

    let filters: Vec<BalanceFilter> = SITES
        .iter()
        .map(|s| Some(s.to_string()))
        .chain([None])
        .map(|site| BalanceFilter {
            site,
            through: None,
        })
        .collect();
    let first_entries = books[0].ledger().list(&EntryFilter::default()).unwrap();
    let numbers: BTreeSet<&str> = first_entries.iter().map(|e| e.number.as_str()).collect();
    assert_eq!(
        numbers.len(),
        first_entries.len(),
        "an entry number repeats"
    );
    for e in &first_entries {
        let debit: i64 = e.lines.iter().map(|l| l.debit.0).sum();
        let credit: i64 = e.lines.iter().map(|l| l.credit.0).sum();
        assert_eq!(debit, credit, "{}", e.number);
        assert_eq!(e.total.0, debit);
    }
    let first_tbs: Vec<TrialBalance> = filters
        .iter()
        .map(|f| books[0].ledger().trial_balance(f).unwrap())
        .collect();
    for tb in &first_tbs {
        assert_eq!(tb.debit, tb.credit);
    }
    for f in &filters {
        let sheet = books[0].ledger().balance_sheet(f).unwrap();
        assert!(sheet.balances(), "{sheet:?}");
    }
    // Consolidated = the sum of the sites, less what they owe each other.
    assert_eq!(
        first_tbs[2].debit.0 + first_tbs[2].eliminated.0,
        first_tbs[0].debit.0 + first_tbs[1].debit.0
    );
    // Each invoice and payment posts one entry, and receivables are what invoices
    // billed less what receipts brought in.
    let invoices = books[0]
        .billing()
        .invoices(&InvoiceFilter::default())
        .unwrap();
    let payments = books[0]
        .billing()
        .payments(&PaymentFilter::default())
        .unwrap();
    let billing_postings = first_entries
        .iter()
        .filter(|e| matches!(e.source.as_deref(), Some("invoice" | "payment")))
        .count();
    assert_eq!(billing_postings, invoices.len() + payments.len());
    let billed: i64 = invoices.iter().map(|i| i.gross.0).sum();
    let received: i64 = payments.iter().map(|p| p.amount.0).sum();
    let receivable = first_tbs[2]
        .rows
        .iter()
        .find(|r| r.account.code == "1122")
        .map_or(0, |r| r.balance.0);
    let manual_receivable: i64 = first_entries
        .iter()
        .filter(|e| e.source.is_none())
        .flat_map(|e| &e.lines)
        .filter(|l| l.account == "1122")
        .map(|l| l.debit.0 - l.credit.0)
        .sum();
    assert_eq!(receivable, billed - received + manual_receivable);
    // What the sites owe each other nets to zero, and is eliminated whole when they are
    // taken together.
    let balance_in = |tb: &TrialBalance, code: &str| {
        tb.rows
            .iter()
            .find(|r| r.account.code == code)
            .map_or(0, |r| r.balance.0)
    };
    let consolidated = |code: &str| balance_in(&first_tbs[2], code);
    let owed_to_sites: i64 = first_tbs[..2].iter().map(|tb| balance_in(tb, "1221")).sum();
    let owed_by_sites: i64 = first_tbs[..2].iter().map(|tb| balance_in(tb, "2241")).sum();
    assert_eq!(owed_to_sites, owed_by_sites);
    assert_eq!((consolidated("1221"), consolidated("2241")), (0, 0));
    // The stock at cost is the ledger's 1405, manual entries on it aside: every movement
    // posts what it moves (purchases at receipt); and what was bought is owed on 2202.
    let valuation = books[0]
        .ledger()
        .stock_valuation(&BalanceFilter::default())
        .unwrap();
    let manual = |code: &str| -> i64 {
        first_entries
            .iter()
            .filter(|e| e.source.is_none())
            .flat_map(|e| &e.lines)
            .filter(|l| l.account == code)
            .map(|l| l.debit.0 - l.credit.0)
            .sum()
    };
    assert_eq!(
        valuation.iter().map(|v| v.value.0).sum::<i64>(),
        consolidated("1405") - manual("1405"),
        "{valuation:?}"
    );
    assert_eq!(consolidated("2202"), bought - manual("2202"));
    for book in &mut books[1..] {
        assert_eq!(
            book.billing().invoices(&InvoiceFilter::default()).unwrap(),
            invoices
        );
        assert_eq!(
            book.billing().payments(&PaymentFilter::default()).unwrap(),
            payments
        );
        assert_eq!(
            book.ledger().list(&EntryFilter::default()).unwrap(),
            first_entries
        );
        for (f, tb) in filters.iter().zip(&first_tbs) {
            assert_eq!(&book.ledger().trial_balance(f).unwrap(), tb);
        }
        assert_eq!(
            book.ledger()
                .stock_valuation(&BalanceFilter::default())
                .unwrap(),
            valuation
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn journals_merge_to_one_balanced_ledger(n in 2..=4usize, ops in prop::collection::vec(op(), 1..30)) {
        run(n, ops);
    }
}
