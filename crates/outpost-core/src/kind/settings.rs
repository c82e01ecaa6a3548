//! The organisation's settings (its name, its currency) in `org`, written by admins.
//! Read straight from the document: there is one small record and nothing to list.

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ObjId, ReadDoc};
use rusqlite::Connection;

use super::Collection;
use crate::doc_id::{DocId, DocKind};
use crate::error::Result;
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::schema::{RawConflict, View, collection_obj, scalar_str};

/// The collection holding the settings (keys at its top, not records).
pub(crate) const SETTINGS: &str = "settings";

/// The settings kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[Collection {
            name: SETTINGS,
            record: "setting",
            docs: &[DocKind::Org],
        }]
    }

    fn tables(&self) -> &'static str {
        ""
    }

    fn scalars_at_top(&self) -> bool {
        true
    }

    fn table_names(&self) -> &'static [&'static str] {
        &[]
    }

    fn project(
        &self,
        _db: &Connection,
        _doc_id: &DocId,
        _view: View<'_, Automerge>,
        _rec: &RecordRef,
        _obj: Option<ObjId>,
        _conflicts: &mut Vec<RawConflict>,
    ) -> Result<()> {
        Ok(())
    }
}

/// Writes the organisation's name and currency.
pub(crate) fn put(tx: &mut Transaction<'_>, name: &str, currency: &str) -> Result<()> {
    let settings = collection_obj(tx, SETTINGS)?;
    tx.put(&settings, "name", name)?;
    tx.put(&settings, "currency", currency)?;
    tx.put(&settings, RULES, crate::rules::RULES_VERSION)?;
    Ok(())
}

/// The settings key holding the rule set the book is kept under.
const RULES: &str = "rules";

/// The rule set the book is kept under ([`crate::rules`]); books made before rules had a
/// version keep the first.
pub(crate) fn rules_version(org: &Automerge) -> i64 {
    collection_obj(org, SETTINGS)
        .ok()
        .and_then(|settings| match org.get(&settings, RULES).ok().flatten() {
            Some((automerge::Value::Scalar(s), _)) => s.as_i64(),
            _ => None,
        })
        .unwrap_or(1)
}

/// The organisation's name (concurrent renames settle on Automerge's deterministic winner
/// everywhere).
pub(crate) fn org_name(repo: &mut Repo) -> Result<String> {
    let doc = repo.doc(&DocId::Org)?;
    let settings: ObjId = collection_obj(doc, SETTINGS)?;
    Ok(scalar_str(doc, &settings, "name").unwrap_or_default())
}
