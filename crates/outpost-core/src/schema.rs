//! How records sit in Automerge documents, and reading them back with their conflicts.
//!
//! Every document starts with a *genesis* change that creates its top-level maps. The
//! genesis is made by a fixed actor with a fixed time, so two devices that each start the
//! same monthly document offline produce byte-identical changes with one hash: their
//! `orders` maps are the same object after a merge, and no record hides behind a
//! conflicting map.

mod reader;
mod view;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ObjId, ObjType, ReadDoc, Value};

use crate::doc_id::DocId;
use crate::error::{Error, Result};

pub(crate) use reader::{RawConflict, RecordReader, attribute, scalar_of};
pub(crate) use view::{View, child_map, scalar_i64, scalar_str};

/// Version of the document layout written by this build.
pub const SCHEMA_VERSION: i64 = 1;

/// The fixed actor that writes a document's genesis: derived from the org and document
/// ids, deterministic, not secret.
pub(crate) fn genesis_actor(doc_id: &DocId, org_id: &str) -> ActorId {
    let mut actor_bytes = [0u8; 16];
    let seed = format!("{org_id}/{doc_id}");
    // FNV-1a spread over 16 bytes.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, chunk) in actor_bytes.chunks_mut(8).enumerate() {
        for b in seed.bytes().chain([i as u8]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        chunk.copy_from_slice(&hash.to_be_bytes());
    }
    ActorId::from(actor_bytes)
}

/// Builds the genesis of a document: schema version, kind, org and the empty collections.
pub(crate) fn genesis(doc_id: &DocId, org_id: &str) -> Result<Automerge> {
    let mut doc = Automerge::new().with_actor(genesis_actor(doc_id, org_id));
    let collections = crate::kind::collections_in(doc_id.kind());
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| CommitOptions::default().with_time(0),
        |tx| {
            tx.put(automerge::ROOT, "schema", SCHEMA_VERSION)?;
            tx.put(automerge::ROOT, "doc", doc_id.to_string())?;
            tx.put(automerge::ROOT, "org", org_id)?;
            for name in collections {
                tx.put_object(automerge::ROOT, name, ObjType::Map)?;
            }
            Ok(())
        },
    )
    .map_err(|f| Error::Document(f.error))?;
    Ok(doc)
}

/// Checks that a loaded document is one this build can read, of the expected org.
pub(crate) fn check_document(doc: &Automerge, doc_id: &DocId, org_id: &str) -> Result<()> {
    let version = scalar_i64(doc, &automerge::ROOT, "schema");
    match version {
        Some(v) if v > SCHEMA_VERSION => {
            return Err(Error::SchemaTooNew {
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        Some(_) => {}
        None => return Err(Error::corrupt(doc_id, "no schema version")),
    }
    match scalar_str(doc, &automerge::ROOT, "org") {
        Some(org) if org == org_id => {}
        Some(org) => {
            return Err(Error::OrgMismatch {
                expected: org_id.to_string(),
                found: org,
            });
        }
        None => return Err(Error::corrupt(doc_id, "no organisation id")),
    }
    // The skeleton is the genesis actor's alone: a change that adds a rival collection
    // object would hide every record behind it, so such a document is refused.
    let genesis = genesis_actor(doc_id, org_id);
    for name in crate::kind::collections_in(doc_id.kind())
        .into_iter()
        .chain(["schema", "doc", "org"])
    {
        let values = doc.get_all(automerge::ROOT, name)?;
        let by_genesis = |id: &ObjId| matches!(id, ObjId::Id(_, actor, _) if *actor == genesis);
        if values.len() != 1 || !by_genesis(&values[0].1) {
            return Err(Error::corrupt(
                doc_id,
                format!("a change rewrites its top-level {name:?}"),
            ));
        }
    }
    Ok(())
}

/// Starts a new record: a map under `key` in the top-level collection `coll`.
pub(crate) fn new_record(
    tx: &mut automerge::transaction::Transaction<'_>,
    coll: &str,
    key: &str,
) -> Result<ObjId> {
    let parent = collection_obj(tx, coll)?;
    Ok(tx.put_object(&parent, key, ObjType::Map)?)
}

/// The object of record `key` in collection `coll`, inside a transaction.
pub(crate) fn record_obj<R: ReadDoc>(doc: &R, coll: &str, key: &str) -> Option<ObjId> {
    let parent = collection_obj(doc, coll).ok()?;
    child_map(doc, &parent, key)
}

/// Whether `field` of `obj` holds concurrent values (a conflict not yet settled): writing
/// the value shown settles it, so an edit must not skip it as unchanged.
pub(crate) fn is_conflicted<R: ReadDoc>(doc: &R, obj: &ObjId, field: &str) -> bool {
    doc.get_all(obj, field).is_ok_and(|values| values.len() > 1)
}

/// The heads a `version` names: the hex of their bytes, concatenated (as SQLite's
/// `hex(heads)` of `doc_heads` gives it). Unreadable text names none.
pub(crate) fn parse_version(version: &str) -> Vec<automerge::ChangeHash> {
    let text = version.trim().to_ascii_lowercase();
    if !text.len().is_multiple_of(64) || !text.is_ascii() {
        return Vec::new();
    }
    (0..text.len() / 64)
        .map_while(|i| text[i * 64..(i + 1) * 64].parse().ok())
        .collect()
}

/// The object of a top-level collection.
pub(crate) fn collection_obj<R: ReadDoc>(doc: &R, name: &str) -> Result<ObjId> {
    match doc.get(automerge::ROOT, name)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(Error::corrupt(
            "document",
            format!("collection {name} is missing"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::SiteCode;
    use crate::doc_id::Month;

    #[test]
    fn genesis_is_identical_on_every_device() {
        let id = DocId::Ops {
            site: SiteCode::parse("SH").unwrap(),
            month: Month::parse("2026-11").unwrap(),
        };
        let a = genesis(&id, "org-1").unwrap();
        let b = genesis(&id, "org-1").unwrap();
        assert_eq!(a.get_heads(), b.get_heads());
        let c = genesis(&id, "org-2").unwrap();
        assert_ne!(a.get_heads(), c.get_heads());
        check_document(&a, &id, "org-1").unwrap();
        assert!(matches!(
            check_document(&a, &id, "org-2"),
            Err(Error::OrgMismatch { .. })
        ));
    }

    /// The genesis of every kind of document as earlier builds made it: a device of this
    /// build and one of an earlier build starting the same document offline must make one
    /// change, or neither sees the other's records. (`org`, `parties` and `ops` since the
    /// first builds; `ledger` since it gained `acks` while the finance work was still
    /// unreleased; `billing`, `notes`, `chart` and `transfers` since they came.) A new collection
    /// goes into a new kind of document.
    #[test]
    fn genesis_is_the_same_as_earlier_builds_made() {
        for (id, head) in [
            (
                "org",
                "a9404f061d0ba4f465ee2243fe085a326c668007726d3d1393c0d6a3dd6555a9",
            ),
            (
                "parties",
                "5c03f1da47a7bd5144d08bb3da8562a4e4aaef81374bef92e70ef338ac488677",
            ),
            (
                "ops/SH/2026-11",
                "b7bbb7d4774c5ad22fcc9a27ddcccd1298a626455f42e2c21a2e47c91657abe5",
            ),
            (
                "ledger/SH/2026-11",
                "d73c636d0621685b0d8686e84d4e007113c0ad5c842348a288ce0661d206e0a2",
            ),
            (
                "billing/SH/2026-11",
                "e0c0b6846f6338ab37e7c3922e6f5815034641d86fe784ad08c4fb8085f9f3e9",
            ),
            (
                "notes/SH/2026-11",
                "66d7df8bebd430cfa360ab79395528d5771088e9238304c220c2a1d391ae5203",
            ),
            (
                "chart",
                "22e1286859afaa5b57f8d049f87cd0747872637a0aa049d98047348747dff9fa",
            ),
            (
                "transfers/SH/BJ/2026-11",
                "ff3ddb38f27143718407e79c607de66e7b500363d3f27867cdf855c02eab0eb3",
            ),
        ] {
            let doc = genesis(&DocId::parse(id).unwrap(), "org-1").unwrap();
            assert_eq!(doc.get_heads()[0].to_string(), head, "{id}");
        }
    }
}
