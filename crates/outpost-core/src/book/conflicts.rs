//! Settling conflicts: listing every open one, and a person picking one of the values.

use automerge::ObjId;
use automerge::transaction::Transactable;
use jiff::Timestamp;
use rusqlite::params;

use crate::access;
use crate::conflict::{self, ConflictRow};
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::kind::{self, collection_of};
use crate::record::{RecordRef, kind_of};
use crate::repo::{Repo, Written};
use crate::schema::{View, collection_obj, scalar_of};

/// Open conflicts: [`crate::Book::conflicts`].
pub struct Conflicts<'a> {
    pub(crate) repo: &'a mut Repo,
}

impl Conflicts<'_> {
    /// Every open conflict, each named as people name its record.
    pub fn list(&self) -> Result<Vec<ConflictRow>> {
        let db = self.repo.db();
        let me = self.repo.me().ok();
        conflict::rows(
            db,
            me.as_ref(),
            "1",
            params![],
            |kind, record| match collection_of(kind) {
                Some(coll) => kind::label(db, &RecordRef::new(coll, record)),
                None => Ok(None),
            },
        )
    }

    /// Resolves the conflict on `field` of `record` (its number, SKU, name or id) by
    /// writing choice `choice` (1-based, as listed) over every concurrent value.
    pub fn resolve(
        &mut self,
        record: &str,
        field: &str,
        choice: usize,
        at: Timestamp,
    ) -> Result<()> {
        let record = record.trim();
        let field = field.trim();
        let conflict = self
            .list()?
            .into_iter()
            .find(|c| {
                (c.label.eq_ignore_ascii_case(record) || c.record == record) && c.field == field
            })
            .ok_or_else(|| Error::NoSuchConflict {
                record: record.to_string(),
                field: field.to_string(),
            })?;
        let count = conflict.choices.len();
        let chosen = choice
            .checked_sub(1)
            .and_then(|i| conflict.choices.get(i))
            .ok_or(Error::NoSuchChoice { choice, count })?
            .value
            .clone();
        let doc_id = DocId::parse(&conflict.doc)?;
        if let Some(site) = doc_id.site() {
            let me = self.repo.me()?;
            if !access::may_act_for(&me, site) {
                return Err(Error::WrongSite {
                    own: me.site.to_string(),
                    other: site.to_string(),
                });
            }
        }
        let coll = collection_of(&conflict.kind)
            .ok_or_else(|| Error::not_found("record kind", conflict.kind.as_str()))?;
        let key = conflict.record.clone();
        let path: Vec<String> = conflict.field.split('/').map(str::to_string).collect();
        self.repo.write(&doc_id, at, |tx| {
            let parent = collection_obj(tx, coll)?;
            let view = View::now(&*tx);
            let mut obj: ObjId = view
                .child_map(&parent, &key)
                .ok_or_else(|| Error::not_found(kind_of(coll), key.as_str()))?;
            let (last, inner) = path
                .split_last()
                .ok_or_else(|| Error::invalid("field", "", Rule::Empty))?;
            for segment in inner {
                obj = view
                    .child_map(&obj, segment)
                    .ok_or_else(|| Error::not_found("field", segment.as_str()))?;
            }
            tx.put(&obj, last.as_str(), scalar_of(&chosen))?;
            Ok(Written::new(
                (),
                "conflict.resolve",
                vec![RecordRef::new(coll, key.as_str())],
            ))
        })
    }
}
