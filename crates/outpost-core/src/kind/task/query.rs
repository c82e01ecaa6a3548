//! Reading tasks from the projections.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Priority, TaskStatus, Tasks};
use crate::access;
use crate::doc_id::DocId;
use crate::error::{Error, Result};
use crate::id::TaskId;

/// Which tasks to list.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct TaskFilter {
    /// Only this status.
    pub status: Option<TaskStatus>,
    /// Only this owner.
    pub owner: Option<String>,
    /// Only open tasks past their due date (compared with this date, `YYYY-MM-DD`).
    pub overdue_on: Option<String>,
}

/// One task, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskRow {
    /// Random id.
    pub id: TaskId,
    /// Human number.
    pub number: String,
    /// Site.
    pub site: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Owner.
    pub owner: String,
    /// Due date.
    pub due: Option<String>,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: TaskStatus,
    /// Linked record.
    pub link: String,
    /// Created (ms).
    pub created_at_ms: i64,
    /// Comments `(at_ms, device code, text)`.
    pub comments: Vec<(i64, String, String)>,
    /// Whether this device may change it and comment on it.
    pub editable: bool,
    /// The state of its document this was read at; a form filled from it sends it back.
    pub version: String,
}

/// The id and document of a task given its number or id.
pub(crate) fn locate(db: &Connection, key: &str) -> Result<(TaskId, DocId)> {
    let key = key.trim();
    let found: Option<(String, String)> = db
        .query_row(
            "SELECT id, doc FROM tasks WHERE number = ?1 COLLATE NOCASE OR id = ?1 LIMIT 1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (id, doc) = found.ok_or_else(|| Error::not_found("task", key))?;
    Ok((TaskId::from_stored(id), DocId::parse(&doc)?))
}

impl Tasks<'_> {
    /// Tasks, open and most urgent first.
    pub fn list(&self, filter: &TaskFilter) -> Result<Vec<TaskRow>> {
        let db = self.repo.db();
        let me = self.repo.me().ok();
        let mut stmt = db.prepare_cached(
            "SELECT id, number, site, title, description, owner, due, priority, status, link, created_at,
                    doc, coalesce((SELECT hex(h.heads) FROM doc_heads h WHERE h.doc = tasks.doc), '')
             FROM tasks
             WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR owner = ?2 COLLATE NOCASE)
               AND (?3 IS NULL OR (due < ?3 AND status IN ('todo', 'doing')))
             ORDER BY status IN ('done', 'cancelled'), due IS NULL, due,
                      CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
                      created_at, id",
        )?;
        let mut rows: Vec<TaskRow> = stmt
            .query_map(
                params![
                    filter.status.map(|s| s.as_str()),
                    filter.owner,
                    filter.overdue_on
                ],
                |r| {
                    Ok(TaskRow {
                        id: TaskId::from_stored(r.get(0)?),
                        number: r.get(1)?,
                        site: r.get(2)?,
                        title: r.get(3)?,
                        description: r.get(4)?,
                        owner: r.get(5)?,
                        due: r.get(6)?,
                        priority: crate::store::parse_col(r.get(7)?, Priority::parse)?,
                        status: crate::store::parse_col(r.get(8)?, TaskStatus::parse)?,
                        link: r.get(9)?,
                        created_at_ms: r.get(10)?,
                        comments: Vec::new(),
                        editable: match (&me, DocId::parse(&r.get::<_, String>(11)?)) {
                            (Some(me), Ok(doc)) => access::may_write(me, &doc),
                            _ => false,
                        },
                        version: r.get(12)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = db.prepare_cached(
            "SELECT c.at,
                    coalesce((SELECT code FROM devices d WHERE d.id = c.device), substr(c.device, 1, 8)),
                    c.text
             FROM task_comments c WHERE c.task_id = ?1 ORDER BY c.at, c.comment_id",
        )?;
        for row in &mut rows {
            row.comments = stmt
                .query_map([row.id.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(rows)
    }

    /// One task by number or id.
    pub fn get(&self, key: &str) -> Result<TaskRow> {
        let (id, _) = locate(self.repo.db(), key)?;
        self.list(&TaskFilter::default())?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| Error::not_found("task", key))
    }
}
