//! Fuzz of the sync handler: real Automerge sync messages from one book, mutated at
//! random (bytes overwritten, cut short, bytes inserted), and random bytes, fed to
//! another book's `Sync::receive`. Never a panic; a refused message changes nothing; a
//! message that is still accepted only ever brings the sender's real changes.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Clock, book_key, exchange, line, sales, two_offices};
use outpost_core::*;
use proptest::prelude::*;

struct Fixture {
    _dir: tempfile::TempDir,
    source: Book,
    source_id: DeviceId,
    target: Book,
    clock: Clock,
    /// Real messages from the source during a full sync, per document.
    corpus: Vec<(DocId, Vec<u8>)>,
}

/// A book of a manager admitted with an invite: it may read and receive every document.
fn manager(source: &mut Book, dir: &std::path::Path, name: &str, clock: &mut Clock) -> Book {
    let t = clock.tick();
    let expires = jiff::SignedDuration::from_secs(3600);
    let site = SiteCode::parse("SH").unwrap();
    source
        .members()
        .invite(name, Role::Manager, &site, expires, t)
        .unwrap();
    let key = DeviceKey::generate().unwrap();
    let admitted = source
        .members()
        .admit(name, &key.device_id(), name, t)
        .unwrap()
        .unwrap();
    Book::join_admitted(
        &dir.join(format!("{name}.sqlite3")),
        &book_key(),
        source.org_id().as_str(),
        key,
        &admitted.org_doc,
        &admitted.parties_doc,
    )
    .unwrap()
}

/// Syncs `doc` between `a` and `b` until both are quiet; returns `a`'s messages.
fn full_sync(a: &mut Book, b: &mut Book, doc: &DocId) -> Vec<Vec<u8>> {
    let at = Timestamp::from_second(1_800_000_000).unwrap();
    let mut sent = Vec::new();
    let settled = exchange(a, b, doc, at, 40, |from_a, m| {
        if from_a {
            sent.push(m.to_vec());
        }
    });
    assert!(settled, "sync of {doc} did not settle");
    sent
}

fn fixture() -> Fixture {
    let offices = two_offices();
    let (dir, mut source, mut clock) = (offices.dir, offices.a, offices.clock);
    for qty in 1..=3 {
        source
            .orders()
            .create(sales("Acme 客户", vec![line("TEA", qty)]), clock.tick())
            .unwrap();
    }
    let source_id = source.device_id().clone();
    let mut mirror = manager(&mut source, dir.path(), "mirror", &mut clock);
    let target = manager(&mut source, dir.path(), "target", &mut clock);
    let mut corpus = Vec::new();
    for (doc, _) in source.sync().doc_heads().unwrap() {
        for m in full_sync(&mut source, &mut mirror, &doc) {
            corpus.push((doc.clone(), m));
        }
    }
    assert!(
        corpus.iter().any(|(_, m)| m.len() > 200),
        "no message carried changes"
    );
    Fixture {
        _dir: dir,
        source,
        source_id,
        target,
        clock,
        corpus,
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Overwrite(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Overwrite(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        match m {
            Mutation::Overwrite(i, b) => {
                let i = i % bytes.len();
                bytes[i] = *b;
            }
            Mutation::Truncate(i) => bytes.truncate(i % bytes.len()),
            Mutation::Insert(i, b) => {
                let i = i % bytes.len();
                bytes.splice(i..i, b.iter().copied());
            }
        }
    }
    bytes
}

/// Feeds `message` for `doc` to the target and checks what it did.
fn feed(f: &mut Fixture, doc: &DocId, message: &[u8]) {
    let heads_before = f.target.sync().doc_heads().unwrap();
    let dump_before = f.target.dump().unwrap();
    let mut session = SyncSession::default();
    let at = f.clock.tick();
    match f
        .target
        .sync()
        .receive(&f.source_id, doc, &mut session, message, at)
    {
        Err(_) => {
            assert_eq!(f.target.sync().doc_heads().unwrap(), heads_before);
            assert_eq!(f.target.dump().unwrap(), dump_before);
        }
        Ok(receipt) if receipt.changed => {
            // Whatever got in must be the source's own: a full sync ends on its heads.
            full_sync(&mut f.source, &mut f.target, doc);
            let heads = |b: &mut Book| {
                b.sync()
                    .doc_heads()
                    .unwrap()
                    .into_iter()
                    .find(|(d, _)| d == doc)
                    .map(|(_, h)| h)
            };
            assert_eq!(heads(&mut f.target), heads(&mut f.source));
        }
        Ok(_) => assert_eq!(f.target.dump().unwrap(), dump_before),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_sync_messages_change_nothing_or_only_bring_real_changes(
        pick in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let mut f = fixture();
        let (doc, message) = f.corpus[pick % f.corpus.len()].clone();
        let bad = mutate(message, &mutations);
        feed(&mut f, &doc, &bad);
    }

    #[test]
    fn random_bytes_change_nothing(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        ops in any::<bool>(),
    ) {
        let mut f = fixture();
        let doc = if ops {
            DocId::Ops { site: SiteCode::parse("SH").unwrap(), month: Month::of(f.clock.tick()) }
        } else {
            DocId::Org
        };
        let dump_before = f.target.dump().unwrap();
        let mut session = SyncSession::default();
        let at = f.clock.tick();
        let result = f.target.sync().receive(&f.source_id, &doc, &mut session, &bytes, at);
        if let Ok(receipt) = result {
            prop_assert!(!receipt.changed);
        }
        prop_assert_eq!(f.target.dump().unwrap(), dump_before);
    }
}
