//! Merging with other devices through bundle files.

use jiff::Timestamp;
use serde::Serialize;

use crate::access;
use crate::bundle::{self, DocEntry, Header};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::DeviceId;
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::store;

use super::screen::{self, RefusedChange};

/// What to put in a bundle.
#[derive(Clone, Debug)]
pub enum ExportScope {
    /// Every change of every document (a backup of this device's whole book).
    Everything,
    /// For the member `device`: only the documents it may read, and of those only what
    /// it lacks, judged by the heads it sent in its last bundle to us.
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
    /// Changes refused (unsigned, by a non-member, or by someone who may not write there).
    pub refused: Vec<RefusedChange>,
    /// Documents in the bundle that this device's member may not read, left out.
    pub left_out: Vec<String>,
    /// Changes held for an admin (a revoked device's changes its revocation does not
    /// cover), and held changes released by this bundle's decisions are not counted here.
    pub held: Vec<super::HeldChange>,
}

/// Writes a bundle of this device's documents.
pub(super) fn export(repo: &mut Repo, scope: &ExportScope, at: Timestamp) -> Result<Vec<u8>> {
    let mut entries = Vec::new();
    let mut payload = Vec::new();
    let reader = match scope {
        ExportScope::Everything => None,
        ExportScope::For(device) => match access::member(repo.db(), device)? {
            Some(m) if m.revoked => {
                return Err(Error::Revoked {
                    device: m.code.to_string(),
                });
            }
            Some(m) => Some(m),
            None => return Err(Error::not_found("member", device.as_str())),
        },
    };
    for doc_id in store::doc_ids(repo.db())? {
        if let Some(member) = &reader
            && !access::may_read(member, &doc_id)
        {
            continue;
        }
        let known = match &reader {
            None => Vec::new(),
            Some(member) => store::peer_heads(repo.db(), member.id.as_str(), &doc_id)?,
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
        let mut carried = Vec::with_capacity(changes.len());
        for c in &changes {
            carried.push((c.raw_bytes().to_vec(), store::sig(repo.db(), &c.hash())?));
        }
        payload.push(carried);
    }
    let header = Header {
        org: repo.org().to_string(),
        from: repo.device_id().to_string(),
        created_at_ms: at.as_millisecond(),
        docs: entries,
    };
    bundle::encode(&header, &payload)
}

/// Merges a bundle, screened like sync: documents this device may not hold are left
/// out, and every change passes [`screen::merge_screened`] (signature, author,
/// membership, access) or is refused and listed. Either all that passes is merged and
/// committed, or nothing changes (a damaged bundle, another organisation's, an
/// unreadable document).
pub(super) fn import(repo: &mut Repo, bytes: &[u8], at: Timestamp) -> Result<ImportReport> {
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
    let org = repo.org().clone();
    let me = repo.device_id().clone();
    let source = format!("file:{from}");
    // The organisation document first: who is a member decides what else passes.
    let mut docs: Vec<(bundle::DocEntry, bundle::DecodedDoc)> =
        decoded.header.docs.into_iter().zip(decoded.docs).collect();
    // Then the chart: the accounts and rates entries and invoices may name.
    docs.sort_by_key(|(entry, _)| {
        (
            entry.id != DocId::Org.to_string(),
            entry.id != DocId::Chart.to_string(),
        )
    });
    repo.merging(|m| {
        for (entry, doc) in docs {
            let doc_id = DocId::parse(&doc.id)?;
            report.changes += doc.changes.len();
            // Known once the organisation document is in (a joining device learns here).
            if doc_id != DocId::Org
                && !access::member(m.db(), &me)?
                    .is_some_and(|member| access::may_read(&member, &doc_id))
            {
                report.left_out.push(doc_id.to_string());
                continue;
            }
            let arrival = screen::Arrival {
                sigs: &doc.sigs,
                vouchers: &[],
                from: &source,
                at,
                whole: None,
            };
            let screened = screen::merge_screened(m, &org, &doc_id, doc.changes, arrival)?;
            let heads: Vec<automerge::ChangeHash> =
                entry.heads.iter().filter_map(|h| h.parse().ok()).collect();
            store::set_peer_heads(m.db(), from.as_str(), &doc_id, &heads)?;
            super::restore::note_heads(m, &doc_id, from.as_str(), me.as_str(), &heads)?;
            report.waiting += screened.waiting;
            report.new_changes += screened.new_changes;
            report.records.extend(screened.records);
            report.refused.extend(screened.refused);
            report.held.extend(screened.held);
            if super::held::releases_held(&doc_id) && screened.new_changes > 0 {
                // A decision, a revocation, a member or an account arrived: held changes
                // may now pass.
                let released = super::held::rescreen(m, &org, at)?;
                report.new_changes += released.new_changes;
                report.records.extend(released.records);
                report.refused.extend(released.refused);
            }
        }
        Ok(())
    })?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::bundle::{decode, encode};
    use crate::{Book, DeviceKey};
    use crate::{Money, NewItem, NewOrg, SiteCode};

    /// A book with `orders` orders, its founder's key, and `members` managers it admitted
    /// before the orders (each holding only what it joined with).
    fn book_with_orders(
        dir: &std::path::Path,
        members: usize,
        orders: usize,
    ) -> (Book, DeviceKey, Vec<Book>) {
        let at = |s: i64| Timestamp::from_second(1_790_000_000 + s).expect("valid time");
        let org = NewOrg {
            name: "Fuzz".into(),
            site: SiteCode::parse("SH").expect("code"),
            site_name: "Shanghai".into(),
            device_name: "F".into(),
        };
        let key = DeviceKey::generate().expect("key");
        let mut book = Book::create(
            &dir.join("a.sqlite3"),
            &crate::BookKey::from_bytes([7; 32]),
            org,
            key.clone(),
            at(0),
        )
        .expect("create");
        let mut admitted = Vec::new();
        for i in 0..members {
            let invite = format!("invite-{i}");
            let site = SiteCode::parse("SH").expect("code");
            let hour = jiff::SignedDuration::from_hours(1);
            book.members()
                .invite(&invite, crate::Role::Manager, &site, hour, at(1))
                .expect("invite");
            let member = DeviceKey::generate().expect("key");
            book.members()
                .admit(&invite, &member.device_id(), "M", at(1))
                .expect("admit")
                .expect("admitted");
            let bundle = book
                .export_bundle(&ExportScope::For(member.device_id()), at(1))
                .expect("export");
            let path = dir.join(format!("m{i}.sqlite3"));
            admitted.push(
                Book::join(
                    &path,
                    &crate::BookKey::from_bytes([7; 32]),
                    &bundle,
                    member,
                    at(1),
                )
                .expect("join"),
            );
        }
        let item = NewItem {
            sku: "T".into(),
            name: "Tea".into(),
            unit: "box".into(),
            price: Money(100),
            low_stock: 0,
        };
        book.items().add(item, at(2)).expect("item");
        for i in 0..orders {
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
            book.orders()
                .create(order, at(3 + i as i64))
                .expect("order");
        }
        (book, key, admitted)
    }

    /// Each change of each document in a decoded bundle, raw, with its signature.
    fn raw_changes(decoded: &bundle::Decoded) -> Vec<Vec<bundle::CarriedChange<Vec<u8>>>> {
        decoded
            .docs
            .iter()
            .map(|d| {
                d.changes
                    .iter()
                    .map(|c| (c.raw_bytes().to_vec(), d.sigs.get(&c.hash()).copied()))
                    .collect()
            })
            .collect()
    }

    /// `bytes` (a bundle of `source`'s) with one more change to its ops document, made by
    /// `edit` as `key`'s device and signed with it: the bundle, the document and the
    /// change's hash.
    fn with_a_change_to_ops(
        source: &mut Book,
        key: &DeviceKey,
        bytes: &[u8],
        edit: impl FnOnce(&mut automerge::AutoCommit) -> Result<(), automerge::AutomergeError>,
    ) -> (Vec<u8>, DocId, automerge::ChangeHash) {
        use automerge::ReadDoc;
        let decoded = decode(bytes).expect("decode");
        let ops = decoded
            .header
            .docs
            .iter()
            .position(|d| d.id.starts_with("ops/"))
            .expect("ops doc");
        let ops_id = DocId::parse(&decoded.header.docs[ops].id).expect("doc id");
        let saved = source.repo.doc(&ops_id).expect("ops").save();
        let mut doc = automerge::AutoCommit::load(&saved)
            .expect("load")
            .with_actor(key.device_id().actor());
        edit(&mut doc).expect("the edit");
        let hash = doc.commit().expect("a change");
        let change = doc
            .document()
            .get_change_by_hash(&hash)
            .expect("the change")
            .clone();
        let mut raw = raw_changes(&decoded);
        raw[ops].push((change.raw_bytes().to_vec(), Some(key.sign(&hash))));
        let mut header = decoded.header.clone();
        header.docs[ops].changes += 1;
        (encode(&header, &raw).expect("encode"), ops_id, hash)
    }

    #[test]
    fn a_change_that_rewrites_the_skeleton_is_refused_and_the_rest_applies() {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut source, key, members) = book_with_orders(dir.path(), 1, 3);
        let mut target = members.into_iter().next().expect("a member");
        let bytes = source
            .export_bundle(&ExportScope::Everything, Timestamp::UNIX_EPOCH)
            .expect("export");
        // A well-formed change, signed by the admin's own key, that starts a rival `orders`
        // map in the ops document: every record would hide behind it if it won.
        let (crafted, ops_id, rival_hash) = with_a_change_to_ops(&mut source, &key, &bytes, |d| {
            d.put_object(automerge::ROOT, "orders", automerge::ObjType::Map)
                .map(|_| ())
        });
        // The rival change keeps no rule (collections are made at genesis): it alone is
        // refused, the rest of the bundle applies.
        let report = target
            .import_bundle(&crafted, Timestamp::UNIX_EPOCH)
            .expect("import");
        let refused = report
            .refused
            .iter()
            .find(|r| r.hash == rival_hash.to_string())
            .expect("the rival change is refused");
        assert!(refused.reason.contains("root"), "{}", refused.reason);
        assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
        assert!(
            target
                .repo
                .doc(&ops_id)
                .expect("ops")
                .get_change_by_hash(&rival_hash)
                .is_none()
        );
        assert_eq!(
            target
                .orders()
                .list(&crate::OrderFilter::default())
                .expect("orders")
                .len(),
            3
        );
    }

    #[test]
    fn a_large_batch_merges_alike_whether_every_change_passes_or_one_is_refused() {
        use automerge::transaction::Transactable;
        let dir = tempfile::tempdir().expect("tempdir");
        // Over a hundred changes: the batch is applied on the second core while it is
        // screened, and that copy is kept only if every change passes.
        let (mut source, key, members) = book_with_orders(dir.path(), 2, 120);
        let [mut honest, mut tampered] = <[Book; 2]>::try_from(members).expect("two members");
        let bytes = source
            .export_bundle(&ExportScope::Everything, Timestamp::UNIX_EPOCH)
            .expect("export");
        let report = honest
            .import_bundle(&bytes, Timestamp::UNIX_EPOCH)
            .expect("import");
        assert!(report.refused.is_empty(), "{:?}", report.refused);
        assert!(report.new_changes >= 120, "{report:?}");
        let merged = honest.dump().expect("dump");
        honest.rebuild().expect("rebuild");
        assert_eq!(merged, honest.dump().expect("dump"));
        // The same bundle with one more change that breaks a rule: it alone is refused,
        // and the rest is merged exactly as before.
        let (crafted, _, rival_hash) = with_a_change_to_ops(&mut source, &key, &bytes, |d| {
            d.put(automerge::ROOT, "stray", "value")
        });
        let report = tampered
            .import_bundle(&crafted, Timestamp::UNIX_EPOCH)
            .expect("import");
        assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
        assert_eq!(report.refused[0].hash, rival_hash.to_string());
        assert_eq!(tampered.dump().expect("dump"), merged);
        assert_eq!(
            tampered.sync().doc_heads().expect("heads"),
            honest.sync().doc_heads().expect("heads")
        );
    }

    #[test]
    fn a_change_forged_as_the_admin_in_a_bundle_is_refused_and_the_real_one_applies() {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut admin, key, members) = book_with_orders(dir.path(), 2, 3);
        let [mut carrier, mut target] = <[Book; 2]>::try_from(members).expect("two members");
        let t = Timestamp::from_second(1_790_001_000).expect("time");
        let to_carrier = admin
            .export_bundle(&ExportScope::For(carrier.device_id().clone()), t)
            .expect("export");
        carrier.import_bundle(&to_carrier, t).expect("import");
        // The carrier's modified program renames the organisation as the admin, with the
        // admin's next sequence number and without its key, and writes it into a bundle.
        let saved = carrier.repo.doc(&DocId::Org).expect("org").save();
        let mut forged = automerge::AutoCommit::load(&saved)
            .expect("load")
            .with_actor(key.device_id().actor());
        let (_, settings) = forged
            .get(automerge::ROOT, "settings")
            .expect("read")
            .expect("settings");
        forged.put(&settings, "name", "Hijacked").expect("put");
        let hash = forged.commit().expect("a change");
        let change = forged
            .document()
            .get_change_by_hash(&hash)
            .expect("it")
            .clone();
        let header = Header {
            org: admin.org_id().to_string(),
            from: carrier.device_id().to_string(),
            created_at_ms: 0,
            docs: vec![DocEntry {
                id: DocId::Org.to_string(),
                heads: vec![hash.to_string()],
                changes: 1,
            }],
        };
        let bundle = encode(&header, &[vec![(change.raw_bytes().to_vec(), None)]]).expect("encode");
        let report = target.import_bundle(&bundle, t).expect("a screened import");
        assert_eq!(report.new_changes, 0);
        assert_eq!(report.refused.len(), 1, "{report:?}");
        let refused = &report.refused[0];
        assert_eq!(refused.author, key.device_id().as_str());
        assert_eq!(refused.from_peer, format!("file:{}", carrier.device_id()));
        assert!(refused.reason.contains("not signed"), "{}", refused.reason);
        assert_eq!(target.org_name().expect("name"), "Fuzz");
        // The admin's real change, with that same sequence number, applies.
        let me = admin.device_id().clone();
        admin
            .members()
            .rename(me.as_str(), "Boss", t)
            .expect("rename");
        let real = admin
            .export_bundle(&ExportScope::For(target.device_id().clone()), t)
            .expect("export");
        let report = target.import_bundle(&real, t).expect("import");
        assert!(report.refused.is_empty(), "{report:?}");
        let names: Vec<_> = target.members().list().expect("members");
        assert!(names.iter().any(|d| d.id == me && d.name == "Boss"));
    }

    #[test]
    fn a_member_equivocating_is_refused_and_stops_nobody_elses_change() {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut admin, _, members) = book_with_orders(dir.path(), 2, 3);
        let [mut member, mut target] = <[Book; 2]>::try_from(members).expect("two members");
        let t = Timestamp::from_second(1_790_001_000).expect("time");
        let party = |name: &str| crate::NewParty {
            kind: crate::PartyKind::Customer,
            name: name.into(),
            phone: String::new(),
            address: String::new(),
        };
        // The member adds a customer, and its modified program makes another change with
        // the same sequence number, signed with its own key.
        let before = member.repo.doc(&DocId::Parties).expect("parties").save();
        member.parties().add(party("Alpha"), t).expect("add");
        let mut other = automerge::AutoCommit::load(&before)
            .expect("load")
            .with_actor(member.device_id().actor());
        let (_, customers) = other
            .get(automerge::ROOT, "customers")
            .expect("read")
            .expect("customers");
        let record = other
            .put_object(&customers, "beta", automerge::ObjType::Map)
            .expect("put");
        other.put(&record, "name", "Beta").expect("put");
        let hash = other.commit().expect("a change");
        let twin = other
            .document()
            .get_change_by_hash(&hash)
            .expect("it")
            .clone();
        let twin_sig = member.repo.key().sign(&hash);
        let to_target = member
            .export_bundle(&ExportScope::Everything, t)
            .expect("export");
        target.import_bundle(&to_target, t).expect("import");
        // The admin's change to the same document travels with the twin.
        admin.parties().add(party("Gamma"), t).expect("add");
        let heads = admin
            .repo
            .doc(&DocId::Parties)
            .expect("parties")
            .get_heads();
        let gamma = admin
            .repo
            .doc(&DocId::Parties)
            .expect("parties")
            .get_change_by_hash(&heads[0])
            .expect("it")
            .clone();
        let gamma_sig = crate::store::sig(admin.repo.db(), &heads[0]).expect("sig");
        let header = Header {
            org: admin.org_id().to_string(),
            from: member.device_id().to_string(),
            created_at_ms: 0,
            docs: vec![DocEntry {
                id: DocId::Parties.to_string(),
                heads: Vec::new(),
                changes: 2,
            }],
        };
        let carried = vec![
            (twin.raw_bytes().to_vec(), Some(twin_sig)),
            (gamma.raw_bytes().to_vec(), gamma_sig),
        ];
        let bundle = encode(&header, &[carried]).expect("encode");
        let report = target.import_bundle(&bundle, t).expect("a screened import");
        assert_eq!(report.refused.len(), 1, "{report:?}");
        assert!(report.refused[0].reason.contains("same sequence number"));
        let names: Vec<String> = target
            .parties()
            .list(crate::PartyKind::Customer)
            .expect("list")
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["Alpha", "Gamma"]);
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
            let (mut source, _, members) = book_with_orders(dir.path(), 2, 3);
            let [mut target, mut third] = <[Book; 2]>::try_from(members).expect("two members");
            let bytes = source.export_bundle(&ExportScope::Everything, Timestamp::UNIX_EPOCH).expect("export");
            let decoded = decode(&bytes).expect("decode");
            let mut raw = raw_changes(&decoded);
            let d = doc_pick.index(raw.len());
            prop_assume!(!raw[d].is_empty());
            let c = change_pick.index(raw[d].len());
            let change = &mut raw[d][c].0;
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
            let before = target.dump().expect("dump");
            match target.import_bundle(&damaged, Timestamp::UNIX_EPOCH) {
                Err(_) => prop_assert_eq!(before, target.dump().expect("dump")),
                Ok(report) => {
                    // Nothing but the source's own changes got in: once the intact bundle
                    // follows, the target is exactly where a device given only that is.
                    prop_assert!(report.refused.len() <= 1);
                    target.import_bundle(&bytes, Timestamp::UNIX_EPOCH).expect("intact import");
                    third.import_bundle(&bytes, Timestamp::UNIX_EPOCH).expect("intact import");
                    prop_assert_eq!(third.sync().doc_heads().expect("heads"), target.sync().doc_heads().expect("heads"));
                    prop_assert_eq!(third.dump().expect("dump"), target.dump().expect("dump"));
                }
            }
        }
    }
}
