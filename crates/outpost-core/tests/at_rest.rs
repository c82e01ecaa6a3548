//! The book file at rest: encrypted pages (file and WAL), a wrong key refused without a
//! change, and the one-time conversion of a plain book.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use outpost_core::*;

const NOTE: &str = "Deliver to the back door, ask for Mr Qian";

/// The bytes of the book file and its WAL, read while the book is open.
fn file_and_wal(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    bytes.extend(std::fs::read(&wal).unwrap_or_default());
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn order_with_note(book: &mut Book, clock: &mut Clock) -> String {
    let mut order = sales("Acme 客户", vec![line("TEA", 2)]);
    order.note = NOTE.into();
    book.orders().create(order, clock.tick()).unwrap().0
}

#[test]
fn the_book_file_and_its_wal_hold_no_text_of_a_record() {
    let mut o = two_offices();
    order_with_note(&mut o.a, &mut o.clock);
    let path = o.dir.path().join("a.sqlite3");
    let bytes = file_and_wal(&path);
    assert!(bytes.len() > 100_000, "{} bytes", bytes.len());
    for text in [NOTE, "Acme", "Green tea", "Shanghai", "ops/SH"] {
        assert!(!contains(&bytes, text), "{text:?} is readable in the file");
    }
    // The same book unencrypted shows them: the check above can fail.
    let plain = tempfile::tempdir().unwrap();
    let plain_path = plain.path().join("plain.sqlite3");
    let mut p = Book::create(
        &plain_path,
        &BookKey::unencrypted(),
        org("SH"),
        DeviceKey::generate().unwrap(),
        o.clock.tick(),
    )
    .unwrap();
    p.items().add(item("TEA", "35.00"), o.clock.tick()).unwrap();
    p.parties()
        .add(
            NewParty {
                kind: PartyKind::Customer,
                name: "Acme 客户".into(),
                phone: String::new(),
                address: String::new(),
            },
            o.clock.tick(),
        )
        .unwrap();
    order_with_note(&mut p, &mut o.clock);
    assert!(contains(&file_and_wal(&plain_path), NOTE));
}

#[test]
fn a_wrong_key_is_refused_and_changes_nothing() {
    let o = two_offices();
    let path = o.dir.path().join("a.sqlite3");
    let before = o.a.dump().unwrap();
    drop(o.a);
    let bytes = std::fs::read(&path).unwrap();
    for wrong in [BookKey::generate().unwrap(), BookKey::unencrypted()] {
        match Book::open(&path, &wrong, o.a_key.clone()) {
            Err(Error::BookKeyWrong(p)) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(bytes, std::fs::read(&path).unwrap());
    let a = Book::open(&path, &book_key(), o.a_key.clone()).unwrap();
    assert_eq!(before, a.dump().unwrap());
}

#[test]
fn a_plain_book_is_encrypted_once_in_place_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite3");
    let mut clock = Clock::new();
    let key = DeviceKey::generate().unwrap();
    let mut plain = Book::create(
        &path,
        &BookKey::unencrypted(),
        org("SH"),
        key.clone(),
        clock.tick(),
    )
    .unwrap();
    plain
        .items()
        .add(item("TEA", "35.00"), clock.tick())
        .unwrap();
    let before = plain.dump().unwrap();
    drop(plain);
    assert!(is_plain(&path).unwrap());

    // A copy left by a conversion that stopped halfway is thrown away, not trusted.
    let mut partial = path.as_os_str().to_owned();
    partial.push(".encrypting");
    std::fs::write(&partial, b"half a copy").unwrap();

    let at_rest = BookKey::generate().unwrap();
    assert!(encrypt_plain_book(&path, &at_rest).unwrap());
    assert!(!is_plain(&path).unwrap());
    assert!(!Path::new(&partial).exists());
    // Once: a second call finds it encrypted.
    assert!(!encrypt_plain_book(&path, &at_rest).unwrap());
    let mut book = Book::open(&path, &at_rest, key.clone()).unwrap();
    assert_eq!(before, book.dump().unwrap());
    // It goes on being a book: writes, then reopens.
    book.items()
        .add(item("CUP", "12.50"), clock.tick())
        .unwrap();
    let after = book.dump().unwrap();
    drop(book);
    assert_eq!(
        after,
        Book::open(&path, &at_rest, key).unwrap().dump().unwrap()
    );
}

#[test]
fn a_backup_verifies_whole_and_a_delta_does_not() {
    let mut o = two_offices();
    let full =
        o.a.export_bundle(&ExportScope::Everything, o.clock.tick())
            .unwrap();
    let check = verify_bundle(&full).unwrap();
    assert!(check.is_good(), "{check:?}");
    // A knows what B holds (B's bundle said so); then a customer B may read.
    let from_b =
        o.b.export_bundle(&ExportScope::Everything, o.clock.tick())
            .unwrap();
    o.a.import_bundle(&from_b, o.clock.tick()).unwrap();
    o.a.parties()
        .add(
            NewParty {
                kind: PartyKind::Customer,
                name: "Zhou Foods".into(),
                phone: String::new(),
                address: String::new(),
            },
            o.clock.tick(),
        )
        .unwrap();
    let b_id = o.b.device_id().clone();
    let delta =
        o.a.export_bundle(&ExportScope::For(b_id), o.clock.tick())
            .unwrap();
    let check = verify_bundle(&delta).unwrap();
    assert_eq!(check.summary.changes, 1, "{check:?}");
    assert_eq!(check.incomplete, vec![DocId::Parties.to_string()]);
    assert!(!check.is_good());
}

/// SQLCipher sets up its crypto on the first key; books keyed at once on many threads
/// (tests, a node beside a benchmark) must all open.
#[test]
fn books_keyed_at_once_on_many_threads_all_open() {
    let dir = tempfile::tempdir().unwrap();
    let barrier = std::sync::Barrier::new(8);
    std::thread::scope(|s| {
        for i in 0..8 {
            let (dir, barrier) = (dir.path(), &barrier);
            s.spawn(move || {
                barrier.wait();
                let at = jiff::Timestamp::from_second(1_790_000_000 + i).unwrap();
                Book::create(
                    &dir.join(format!("b{i}.sqlite3")),
                    &BookKey::generate().unwrap(),
                    org("SH"),
                    DeviceKey::generate().unwrap(),
                    at,
                )
                .unwrap();
            });
        }
    });
}
