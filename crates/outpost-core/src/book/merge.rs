//! Merging with other devices through bundle files.

use jiff::Timestamp;
use serde::Serialize;

use super::Book;
use crate::bundle::{self, DocEntry, Header};
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::DeviceId;
use crate::projection;
use crate::record::{RecordRef, from_label, touched_by};
use crate::schema;
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

impl Book {
    /// Writes a bundle of this device's documents.
    pub fn export_bundle(&mut self, scope: &ExportScope, at: Timestamp) -> Result<Vec<u8>> {
        let mut entries = Vec::new();
        let mut payload = Vec::new();
        for doc_id in store::doc_ids(&self.db)? {
            let known = match scope {
                ExportScope::Everything => Vec::new(),
                ExportScope::For(device) => store::peer_heads(&self.db, device.as_str(), &doc_id)?,
            };
            let doc = self.doc(&doc_id)?;
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
            payload.push(changes);
        }
        let header = Header {
            org: self.org.to_string(),
            from: self.me.to_string(),
            created_at_ms: at.as_millisecond(),
            docs: entries,
        };
        bundle::encode(&header, &payload)
    }

    /// Merges a bundle. Either every document in it is merged and committed, or nothing
    /// changes (a damaged bundle, another organisation's, an unreadable document).
    pub fn import_bundle(&mut self, bytes: &[u8], _at: Timestamp) -> Result<ImportReport> {
        let decoded = bundle::decode(bytes)?;
        if decoded.header.org != self.org.as_str() {
            return Err(Error::OrgMismatch {
                expected: self.org.to_string(),
                found: decoded.header.org,
            });
        }
        let from = DeviceId::parse(&decoded.header.from)
            .map_err(|_| Error::MalformedBundle("bad device id in header".into()))?;
        let mut touched_docs = Vec::new();
        let result = self.import_decoded(decoded, &from, &mut touched_docs);
        if result.is_err() {
            for doc_id in touched_docs {
                self.docs.remove(&doc_id);
            }
        }
        let mut report = result?;
        report.conflicts = self.conflicts()?.len();
        report.exceptions = self.exceptions()?.len();
        Ok(report)
    }

    fn import_decoded(
        &mut self,
        decoded: bundle::Decoded,
        from: &DeviceId,
        touched_docs: &mut Vec<DocId>,
    ) -> Result<ImportReport> {
        let mut report = ImportReport {
            from_device: from.to_string(),
            documents: decoded.docs.len(),
            ..ImportReport::default()
        };
        let org = self.org.to_string();
        let tx = self.db.unchecked_transaction()?;
        for (entry, doc) in decoded.header.docs.iter().zip(decoded.docs) {
            let doc_id = DocId::parse(&doc.id)?;
            report.changes += doc.changes.len();
            touched_docs.push(doc_id.clone());
            if !self.docs.contains_key(&doc_id) {
                let loaded = match store::load_doc(&tx, &doc_id)? {
                    Some((d, chunks)) => super::Loaded {
                        doc: d,
                        chunks,
                        stored: true,
                    },
                    None => super::Loaded {
                        doc: schema::genesis(&doc_id, &org)?,
                        chunks: 0,
                        stored: false,
                    },
                };
                self.docs.insert(doc_id.clone(), loaded);
            }
            let Some(loaded) = self.docs.get_mut(&doc_id) else {
                continue;
            };
            let before = if loaded.stored {
                loaded.doc.get_heads()
            } else {
                Vec::new()
            };
            loaded.doc.apply_changes(doc.changes.iter().cloned())?;
            schema::check_document(&loaded.doc, &doc_id, &org)?;
            let waiting: Vec<_> = doc
                .changes
                .iter()
                .filter(|c| loaded.doc.get_change_meta_by_hash(&c.hash()).is_none())
                .collect();
            if !waiting.is_empty() {
                let raw: Vec<u8> = waiting
                    .iter()
                    .flat_map(|c| c.raw_bytes().to_vec())
                    .collect();
                store::put_chunk(&tx, &doc_id, store::chunk::PENDING, &raw)?;
                report.waiting += waiting.len();
            }
            let heads: Vec<automerge::ChangeHash> =
                entry.heads.iter().filter_map(|h| h.parse().ok()).collect();
            store::set_peer_heads(&tx, from.as_str(), &doc_id, &heads)?;
            let after = loaded.doc.get_heads();
            if after == before {
                continue;
            }
            let metas = loaded.doc.get_changes_meta(&before);
            report.new_changes += metas.iter().filter(|m| m.message.is_some()).count();
            store::put_chunk(
                &tx,
                &doc_id,
                store::chunk::CHANGES,
                &loaded.doc.save_after(&before),
            )?;
            loaded.chunks += 1;
            loaded.stored = true;
            projection::record_changes(&tx, &doc_id, &metas)?;
            // The diff misses a change that only replaces a losing value of a conflict (the
            // shown value stays), so also take the records each new change says it touched.
            let mut records = touched_by(&loaded.doc.diff(&before, &after));
            records.extend(metas.iter().flat_map(|m| {
                let note: projection::ChangeNote = m
                    .message
                    .as_deref()
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or_default();
                note.records
                    .iter()
                    .filter_map(|l| from_label(l))
                    .collect::<Vec<_>>()
            }));
            records.sort();
            records.dedup();
            projection::project(&tx, &doc_id, &loaded.doc, &records)?;
            report.records.extend(records);
            if loaded.chunks >= store::COMPACT_AFTER_CHUNKS {
                loaded.chunks = store::compact(&tx, &doc_id, &loaded.doc)?;
            }
        }
        tx.commit()?;
        Ok(report)
    }
}
