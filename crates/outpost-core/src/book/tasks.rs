//! Tasks: create, edit fields, comment.

use automerge::ObjType;
use automerge::transaction::Transactable;
use jiff::Timestamp;

use super::{Book, Written};
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::id::{CommentId, TaskId};
use crate::record::RecordRef;
use crate::schema::{View, collection, collection_obj};
use crate::task::{Priority, TaskStatus, parse_due};
use crate::text::{MAX_NAME, MAX_TEXT, optional, required};

/// A new task.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewTask {
    /// Short title.
    pub title: String,
    /// Details.
    pub description: String,
    /// Who should do it.
    pub owner: String,
    /// Due date `YYYY-MM-DD`.
    pub due: Option<String>,
    /// Urgency (normal if `None`).
    pub priority: Option<Priority>,
    /// Linked record (order number, SKU...).
    pub link: String,
}

/// Changes to a task; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaskEdit {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New owner.
    pub owner: Option<String>,
    /// New due date (empty clears it).
    pub due: Option<String>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New status.
    pub status: Option<TaskStatus>,
    /// New link.
    pub link: Option<String>,
}

/// A new task, checked and numbered, ready to write.
pub(super) struct TaskDraft<'a> {
    pub id: &'a TaskId,
    pub number: &'a str,
    pub site: &'a crate::code::SiteCode,
    pub by: &'a crate::id::DeviceId,
    pub title: &'a str,
    pub description: &'a str,
    pub owner: &'a str,
    pub due: Option<&'a str>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub link: &'a str,
}

/// Writes a new task: the only place tasks are created.
pub(super) fn put_task(
    tx: &mut automerge::transaction::Transaction<'_>,
    d: &TaskDraft<'_>,
    at: Timestamp,
) -> Result<RecordRef> {
    let tasks = collection_obj(tx, collection::TASKS)?;
    let obj = tx.put_object(&tasks, d.id.as_str(), ObjType::Map)?;
    tx.put(&obj, "number", d.number)?;
    tx.put(&obj, "site", d.site.as_str())?;
    tx.put(&obj, "created_at", at.as_millisecond())?;
    tx.put(&obj, "created_by", d.by.as_str())?;
    tx.put(&obj, "title", d.title)?;
    tx.put(&obj, "description", d.description)?;
    tx.put(&obj, "owner", d.owner)?;
    tx.put(&obj, "due", d.due.unwrap_or(""))?;
    tx.put(&obj, "priority", d.priority.as_str())?;
    tx.put(&obj, "status", d.status.as_str())?;
    tx.put(&obj, "link", d.link)?;
    tx.put_object(&obj, "comments", ObjType::List)?;
    Ok(task_ref(d.id))
}

fn task_ref(id: &TaskId) -> RecordRef {
    RecordRef::new(collection::TASKS, id.as_str())
}

impl Book {
    /// Creates a task at this device's site; returns its number and id.
    pub fn create_task(&mut self, new: NewTask, at: Timestamp) -> Result<(String, TaskId)> {
        let me = self.me()?;
        let title = required("title", &new.title, MAX_NAME)?;
        let description = optional("description", &new.description, MAX_TEXT)?;
        let owner = optional("owner", &new.owner, MAX_NAME)?;
        let link = optional("link", &new.link, MAX_NAME)?;
        let due = new
            .due
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(parse_due)
            .transpose()?;
        let prefix = format!("{}-{}-T", me.site, me.code);
        let existing = self.last_number("tasks", &prefix)?;
        let seq = self.next_seq("task", existing)?;
        let number = format!("{prefix}{seq:06}");
        let id = TaskId::generate(at);
        let doc_id = DocId::ops(&me.site, at);
        let (tid, num) = (id.clone(), number.clone());
        self.write(&doc_id, at, |tx| {
            put_task(
                tx,
                &TaskDraft {
                    id: &tid,
                    number: &num,
                    site: &me.site,
                    by: &me.id,
                    title: &title,
                    description: &description,
                    owner: &owner,
                    due: due.as_deref(),
                    priority: new.priority.unwrap_or(Priority::Normal),
                    status: TaskStatus::Todo,
                    link: &link,
                },
                at,
            )?;
            let mut w = Written::new((), "task.new", vec![task_ref(&tid)]);
            w.meta.push(("seq.task".into(), seq.to_string()));
            Ok(w)
        })?;
        Ok((number, id))
    }

    /// Changes fields of a task. Each field is a register: concurrent edits conflict.
    pub fn edit_task(&mut self, key: &str, edit: TaskEdit, at: Timestamp) -> Result<()> {
        let (id, doc_id) = self.locate_task(key)?;
        let site = doc_id
            .site()
            .cloned()
            .ok_or_else(|| Error::not_found("task", key))?;
        self.check_site(&site)?;
        let mut puts: Vec<(&'static str, String)> = Vec::new();
        if let Some(t) = &edit.title {
            puts.push(("title", required("title", t, MAX_NAME)?));
        }
        if let Some(d) = &edit.description {
            puts.push(("description", optional("description", d, MAX_TEXT)?));
        }
        if let Some(o) = &edit.owner {
            puts.push(("owner", optional("owner", o, MAX_NAME)?));
        }
        if let Some(d) = &edit.due {
            let due = if d.trim().is_empty() {
                String::new()
            } else {
                parse_due(d)?
            };
            puts.push(("due", due));
        }
        if let Some(p) = edit.priority {
            puts.push(("priority", p.as_str().to_string()));
        }
        if let Some(s) = edit.status {
            puts.push(("status", s.as_str().to_string()));
        }
        if let Some(l) = &edit.link {
            puts.push(("link", optional("link", l, MAX_NAME)?));
        }
        if puts.is_empty() {
            return Err(Error::invalid("task edit", key, Rule::NothingToChange));
        }
        self.write(&doc_id, at, |tx| {
            let tasks = collection_obj(tx, collection::TASKS)?;
            let obj = View::now(&*tx)
                .child_map(&tasks, id.as_str())
                .ok_or_else(|| Error::not_found("task", id.as_str()))?;
            for (field, value) in &puts {
                tx.put(&obj, *field, value.as_str())?;
            }
            Ok(Written::new((), "task.edit", vec![task_ref(&id)]))
        })
    }

    /// Appends a comment to a task.
    pub fn comment_task(&mut self, key: &str, text: &str, at: Timestamp) -> Result<()> {
        let (id, doc_id) = self.locate_task(key)?;
        let text = required("comment", text, MAX_TEXT)?;
        let site = doc_id
            .site()
            .cloned()
            .ok_or_else(|| Error::not_found("task", key))?;
        let me = self.check_site(&site)?;
        self.write(&doc_id, at, |tx| {
            let tasks = collection_obj(tx, collection::TASKS)?;
            let view = View::now(&*tx);
            let obj = view
                .child_map(&tasks, id.as_str())
                .ok_or_else(|| Error::not_found("task", id.as_str()))?;
            let list = view
                .child_list(&obj, "comments")
                .ok_or_else(|| Error::corrupt("task", "task has no comments list"))?;
            let len = view.length(&list);
            let c = tx.insert_object(&list, len, ObjType::Map)?;
            tx.put(&c, "id", CommentId::generate(at).as_str())?;
            tx.put(&c, "at", at.as_millisecond())?;
            tx.put(&c, "by", me.id.as_str())?;
            tx.put(&c, "text", text.as_str())?;
            Ok(Written::new((), "task.comment", vec![task_ref(&id)]))
        })
    }
}
