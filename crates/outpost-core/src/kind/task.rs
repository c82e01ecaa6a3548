//! Tasks: a site's to-do list in its `ops` documents. Title, owner, due date, priority and
//! status are registers (rival edits are conflicts); comments are appended, never edited.

mod model;
mod query;
mod rules;
mod write;

use std::collections::BTreeMap;

use automerge::{Automerge, ObjId};
use rusqlite::{Connection, params};

use super::{Collection, Names};
use crate::doc_id::{DocId, DocKind};
use crate::error::Result;
use crate::exception::{ExceptionRow, push_rows};
use crate::record::RecordRef;
use crate::repo::Repo;
use crate::schema::{RawConflict, View};

pub use model::{Comment, Priority, Task, TaskStatus, parse_due};
pub use query::{TaskFilter, TaskRow};
pub use write::{NewTask, TaskEdit, TaskForm};
pub(crate) use write::{TaskDraft, put_task};

/// The collection of tasks.
pub(crate) const TASKS: &str = "tasks";

/// The task kind, as the book drives it.
pub(crate) struct Kind;

impl super::RecordKind for Kind {
    fn collections(&self) -> &'static [Collection] {
        &[Collection {
            name: TASKS,
            record: "task",
            docs: &[DocKind::Ops],
        }]
    }

    fn tables(&self) -> &'static str {
        "CREATE TABLE IF NOT EXISTS tasks (
             id TEXT PRIMARY KEY, number TEXT NOT NULL, doc TEXT NOT NULL, site TEXT NOT NULL,
             title TEXT NOT NULL, description TEXT NOT NULL, owner TEXT NOT NULL, due TEXT,
             priority TEXT NOT NULL, status TEXT NOT NULL, link TEXT NOT NULL,
             created_at INTEGER NOT NULL, created_by TEXT NOT NULL) STRICT;
         CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks(status, due);
         CREATE INDEX IF NOT EXISTS tasks_by_number ON tasks(number);
         CREATE TABLE IF NOT EXISTS task_comments (
             task_id TEXT NOT NULL, comment_id TEXT NOT NULL, at INTEGER NOT NULL,
             device TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (task_id, comment_id)
         ) STRICT, WITHOUT ROWID;"
    }

    fn table_names(&self) -> &'static [&'static str] {
        &["tasks", "task_comments"]
    }

    fn check_record(
        &self,
        cx: &crate::rules::Context<'_>,
        change: &crate::rules::RecordChange,
    ) -> std::result::Result<(), crate::rules::Broken> {
        rules::check(cx, change)
    }

    fn project(
        &self,
        db: &Connection,
        doc_id: &DocId,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: Option<ObjId>,
        c: &mut Vec<RawConflict>,
    ) -> Result<()> {
        let key = rec.key.as_str();
        db.prepare_cached("DELETE FROM tasks WHERE id = ?1")?
            .execute([key])?;
        db.prepare_cached("DELETE FROM task_comments WHERE task_id = ?1")?
            .execute([key])?;
        let Some(t) = obj.and_then(|obj| model::read_task(view, key, obj, c)) else {
            return Ok(());
        };
        db.prepare_cached(
            "INSERT INTO tasks VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            t.id.as_str(),
            t.number,
            doc_id.to_string(),
            t.site.as_str(),
            t.title,
            t.description,
            t.owner,
            t.due,
            t.priority.as_str(),
            t.status.as_str(),
            t.link,
            t.created_at_ms,
            t.created_by.as_str(),
        ])?;
        let mut stmt =
            db.prepare_cached("INSERT INTO task_comments VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for c in &t.comments {
            stmt.execute(params![
                t.id.as_str(),
                c.id.as_str(),
                c.at_ms,
                c.device.as_str(),
                c.text
            ])?;
        }
        Ok(())
    }

    fn locate(&self, db: &Connection, key: &str) -> Result<Option<(RecordRef, DocId)>> {
        Ok(query::locate(db, key)
            .ok()
            .map(|(id, doc)| (RecordRef::new(TASKS, id.as_str()), doc)))
    }

    fn label(&self, db: &Connection, rec: &RecordRef) -> Result<Option<String>> {
        Ok(rusqlite::OptionalExtension::optional(
            db.prepare_cached("SELECT number FROM tasks WHERE id = ?1")?
                .query_row([&rec.key], |r| r.get(0)),
        )?)
    }

    fn fields(
        &self,
        view: View<'_, Automerge>,
        rec: &RecordRef,
        obj: ObjId,
        _names: &Names,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(t) = model::read_task(view, &rec.key, obj, &mut Vec::new()) {
            out.insert("title".into(), t.title);
            out.insert("description".into(), t.description);
            out.insert("owner".into(), t.owner);
            out.insert("due".into(), t.due.unwrap_or_default());
            out.insert("priority".into(), t.priority.to_string());
            out.insert("status".into(), t.status.to_string());
            out.insert("link".into(), t.link);
            out.insert(
                "comments".into(),
                t.comments
                    .iter()
                    .map(|c| c.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" | "),
            );
        }
        out
    }

    fn exceptions(
        &self,
        db: &Connection,
        _stock_site: Option<&crate::code::SiteCode>,
        out: &mut Vec<ExceptionRow>,
    ) -> Result<()> {
        push_rows(
            db,
            "duplicate_number",
            "SELECT number, 1, count(*), min(site) FROM tasks GROUP BY number HAVING count(*) > 1 ORDER BY 1",
            [],
            out,
        )
    }
}

/// A site's tasks: [`crate::Book::tasks`].
pub struct Tasks<'a> {
    pub(crate) repo: &'a mut Repo,
}
