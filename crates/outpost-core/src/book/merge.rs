//! Merging with other devices through bundle files.

use jiff::Timestamp;
use serde::Serialize;

use crate::bundle::{self, DocEntry, Header};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::DeviceId;
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::store;

/// What to put in a bundle.
#[derive(Clone, Debug)]
pub enum ExportScope {
    /// Every change of every document.
    Everything,
    /// Only what `device` lacks, judged by the heads it sent in its last bundle to us.
    For(DeviceId),
}

/// What an import did.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    /// The device that wrote the bundle.
    pub from_device: String,
    /// Documents in the bundle.
    pub documents: usize,
    /// Changes in the bundle.
    pub changes: usize,
    /// Changes this device did not have.
    pub new_changes: usize,
    /// Changes kept aside until the changes they depend on arrive.
    pub waiting: usize,
    /// Records whose projections changed.
    pub records: Vec<RecordRef>,
    /// Open conflicts after the merge.
    pub conflicts: usize,
    /// Exceptions after the merge.
    pub exceptions: usize,
}

/// Writes a bundle of this device's documents.
pub(super) fn export(repo: &mut Repo, scope: &ExportScope, at: Timestamp) -> Result<Vec<u8>> {
    let mut entries = Vec::new();
    let mut payload = Vec::new();
    for doc_id in store::doc_ids(repo.db())? {
        let known = match scope {
            ExportScope::Everything => Vec::new(),
            ExportScope::For(device) => store::peer_heads(repo.db(), device.as_str(), &doc_id)?,
        };
        let doc = repo.doc(&doc_id)?;
        // Heads the other side has that we lack cannot anchor a diff: use only ours.
        let known: Vec<_> = known
            .into_iter()
            .filter(|h| doc.get_change_meta_by_hash(h).is_some())
            .collect();
        let changes = doc.get_changes(&known);
        entries.push(DocEntry {
            id: doc_id.to_string(),
            heads: doc.get_heads().iter().map(|h| h.to_string()).collect(),
            changes: u32::try_from(changes.len()).unwrap_or(u32::MAX),
        });
        payload.push(
            changes
                .iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect::<Vec<_>>(),
        );
    }
    let header = Header {
        org: repo.org().to_string(),
        from: repo.device_id().to_string(),
        created_at_ms: at.as_millisecond(),
        docs: entries,
    };
    bundle::encode(&header, &payload)
}

/// Merges a bundle. Either every document in it is merged and committed, or nothing
/// changes (a damaged bundle, another organisation's, an unreadable document).
pub(super) fn import(repo: &mut Repo, bytes: &[u8], _at: Timestamp) -> Result<ImportReport> {
    let decoded = bundle::decode(bytes)?;
    if decoded.header.org != repo.org().as_str() {
        return Err(Error::OrgMismatch {
            expected: repo.org().to_string(),
            found: decoded.header.org,
        });
    }
    let from = DeviceId::parse(&decoded.header.from)
        .map_err(|_| Error::MalformedBundle("bad device id in header".into()))?;
    let mut report = ImportReport {
        from_device: from.to_string(),
        documents: decoded.docs.len(),
        ..ImportReport::default()
    };
    repo.merging(|m| {
        for (entry, doc) in decoded.header.docs.iter().zip(decoded.docs) {
            let doc_id = DocId::parse(&doc.id)?;
            report.changes += doc.changes.len();
            let merged = m.merge(&doc_id, &doc.changes)?;
            let heads: Vec<automerge::ChangeHash> =
                entry.heads.iter().filter_map(|h| h.parse().ok()).collect();
            store::set_peer_heads(m.db(), from.as_str(), &doc_id, &heads)?;
            report.waiting += merged.waiting;
            report.new_changes += merged.new_changes;
            report.records.extend(merged.records);
        }
        Ok(())
    })?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::Book;
    use crate::bundle::{decode, encode};
    use crate::{Money, NewItem, NewOrg, SiteCode};

    fn book_with_orders(dir: &std::path::Path) -> Book {
        let at = |s: i64| Timestamp::from_second(1_790_000_000 + s).expect("valid time");
        let org = NewOrg {
            name: "Fuzz".into(),
            site: SiteCode::parse("SH").expect("code"),
            site_name: "Shanghai".into(),
            device_name: "F".into(),
        };
        let mut book =
            Book::create(&dir.join("a.sqlite3"), org, DeviceId::random(), at(0)).expect("create");
        let item = NewItem {
            sku: "T".into(),
            name: "Tea".into(),
            unit: "box".into(),
            price: Money(100),
            low_stock: 0,
        };
        book.items().add(item, at(1)).expect("item");
        for i in 0..3 {
            let order = crate::NewOrder {
                kind: crate::OrderKind::Sales,
                party: None,
                warehouse: None,
                note: format!("n{i}"),
                lines: vec![crate::NewLine {
                    item: "T".into(),
                    qty: 1,
                    price: None,
                    discount: Money::ZERO,
                }],
            };
            book.orders().create(order, at(2 + i)).expect("order");
        }
        book
    }

    #[test]
    fn a_change_that_rewrites_the_skeleton_is_refused() {
        use automerge::transaction::Transactable;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut source = book_with_orders(dir.path());
        let bytes = source
            .export_bundle(&ExportScope::Everything, Timestamp::UNIX_EPOCH)
            .expect("export");
        let decoded = decode(&bytes).expect("decode");
        // A well-formed change from another actor that starts a rival `orders` map in the
        // ops document: every record would hide behind it if it won.
        let ops = decoded
            .header
            .docs
            .iter()
            .position(|d| d.id.starts_with("ops/"))
            .expect("ops doc");
        let mut rival = automerge::Automerge::new();
        rival
            .transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.put_object(automerge::ROOT, "orders", automerge::ObjType::Map)?;
                Ok(())
            })
            .expect("rival change");
        let mut raw: Vec<Vec<Vec<u8>>> = decoded
            .docs
            .iter()
            .map(|d| d.changes.iter().map(|c| c.raw_bytes().to_vec()).collect())
            .collect();
        raw[ops].push(rival.get_changes(&[]).remove(0).raw_bytes().to_vec());
        let mut header = decoded.header.clone();
        header.docs[ops].changes += 1;
        let crafted = encode(&header, &raw).expect("encode");
        let other = tempfile::tempdir().expect("tempdir");
        let mut target = Book::init(
            &other.path().join("b.sqlite3"),
            source.org_id().clone(),
            DeviceId::random(),
        )
        .expect("init");
        let before = target.dump().expect("dump");
        let err = target
            .import_bundle(&crafted, Timestamp::UNIX_EPOCH)
            .expect_err("must refuse");
        assert!(matches!(err, Error::CorruptDocument { .. }), "{err}");
        assert_eq!(before, target.dump().expect("dump"));
        // The intact bundle still merges afterwards.
        target
            .import_bundle(&bytes, Timestamp::UNIX_EPOCH)
            .expect("intact import");
        assert_eq!(
            target
                .orders()
                .list(&crate::OrderFilter::default())
                .expect("orders")
                .len(),
            3
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Damaged changes inside an intact file (past the zstd checksum) are refused by
        /// the strict parser or merged whole; the book never panics and a refusal changes
        /// nothing.
        #[test]
        fn mutated_changes_are_refused_without_changes(
            doc_pick in any::<prop::sample::Index>(),
            change_pick in any::<prop::sample::Index>(),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            truncate in prop::option::of(any::<prop::sample::Index>()),
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut source = book_with_orders(dir.path());
            let bytes = source.export_bundle(&ExportScope::Everything, Timestamp::UNIX_EPOCH).expect("export");
            let decoded = decode(&bytes).expect("decode");
            let mut raw: Vec<Vec<Vec<u8>>> = decoded.docs.iter().map(|d| d.changes.iter().map(|c| c.raw_bytes().to_vec()).collect()).collect();
            let d = doc_pick.index(raw.len());
            prop_assume!(!raw[d].is_empty());
            let c = change_pick.index(raw[d].len());
            let change = &mut raw[d][c];
            for (at, mask) in &flips {
                let i = at.index(change.len());
                change[i] ^= mask | 1;
            }
            if let Some(cut) = truncate {
                let keep = cut.index(change.len());
                change.truncate(keep);
            }
            let damaged = encode(&decoded.header, &raw).expect("encode");
            // Another device of the same organisation receives it.
            let other_dir = tempfile::tempdir().expect("tempdir");
            let setup = source.export_bundle(&ExportScope::Everything, Timestamp::UNIX_EPOCH).expect("export");
            let mut target = Book::init(&other_dir.path().join("b.sqlite3"), source.org_id().clone(), DeviceId::random()).expect("init");
            let before = target.dump().expect("dump");
            match target.import_bundle(&damaged, Timestamp::UNIX_EPOCH) {
                Err(_) => prop_assert_eq!(before, target.dump().expect("dump")),
                Ok(_) => {
                    // Accepted only if it merged whole: the same as the intact bundle.
                    let third_dir = tempfile::tempdir().expect("tempdir");
                    let mut third = Book::init(&third_dir.path().join("c.sqlite3"), source.org_id().clone(), DeviceId::random()).expect("init");
                    third.import_bundle(&setup, Timestamp::UNIX_EPOCH).expect("intact import");
                    prop_assert_eq!(third.dump().expect("dump"), target.dump().expect("dump"));
                }
            }
        }
    }
}
