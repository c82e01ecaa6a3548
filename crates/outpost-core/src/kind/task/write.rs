//! Creating tasks, changing their fields and commenting on them.

use automerge::ObjType;
use automerge::transaction::{Transactable, Transaction};
use jiff::Timestamp;

use super::model::read_task;
use super::query::locate;
use super::{Priority, TASKS, Task, TaskStatus, Tasks, parse_due};
use crate::access;
use crate::code::SiteCode;
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::id::{CommentId, DeviceId, TaskId};
use crate::record::RecordRef;
use crate::repo::Written;
use crate::schema::{View, collection_obj, is_conflicted, record_obj};
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
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

/// The task form as typed. Saving it creates the task, or writes only the fields typed
/// since the form was filled.
#[derive(Clone, Debug, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct TaskForm {
    /// The task edited (its number or id); `None` creates one.
    pub task: Option<String>,
    /// Title.
    pub title: String,
    /// Details.
    pub description: String,
    /// Who should do it.
    pub owner: String,
    /// Due date `YYYY-MM-DD`, or empty.
    pub due: String,
    /// Urgency.
    pub priority: Priority,
    /// Progress (a new task starts as to do).
    pub status: Option<TaskStatus>,
    /// Linked record.
    pub link: String,
    /// The task's `version` when the form was filled.
    pub version: Option<String>,
}

/// A new task, checked and numbered, ready to write.
pub(crate) struct TaskDraft<'a> {
    pub id: &'a TaskId,
    pub number: &'a str,
    pub site: &'a SiteCode,
    pub by: &'a DeviceId,
    pub title: &'a str,
    pub description: &'a str,
    pub owner: &'a str,
    pub due: Option<&'a str>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub link: &'a str,
}

/// Writes a new task: the only place tasks are created.
pub(crate) fn put_task(
    tx: &mut Transaction<'_>,
    d: &TaskDraft<'_>,
    at: Timestamp,
) -> Result<RecordRef> {
    let tasks = collection_obj(tx, TASKS)?;
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
    RecordRef::new(TASKS, id.as_str())
}

/// A task's registers as they would be stored, checked (due `""` when none).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fields {
    title: String,
    description: String,
    owner: String,
    due: String,
    priority: Priority,
    status: TaskStatus,
    link: String,
}

impl Fields {
    fn of(t: &Task) -> Fields {
        Fields {
            title: t.title.clone(),
            description: t.description.clone(),
            owner: t.owner.clone(),
            due: t.due.clone().unwrap_or_default(),
            priority: t.priority,
            status: t.status,
            link: t.link.clone(),
        }
    }

    /// Checks typed values: the title is required, a due date must be a date.
    fn checked(self) -> Result<Fields> {
        Ok(Fields {
            title: required("title", &self.title, MAX_NAME)?,
            description: optional("description", &self.description, MAX_TEXT)?,
            owner: optional("owner", &self.owner, MAX_NAME)?,
            due: if self.due.trim().is_empty() {
                String::new()
            } else {
                parse_due(&self.due)?
            },
            link: optional("link", &self.link, MAX_NAME)?,
            ..self
        })
    }

    /// `(field, value)` of every register.
    fn registers(&self) -> [(&'static str, &str); 7] {
        [
            ("title", &self.title),
            ("description", &self.description),
            ("owner", &self.owner),
            ("due", &self.due),
            ("priority", self.priority.as_str()),
            ("status", self.status.as_str()),
            ("link", &self.link),
        ]
    }
}

impl Tasks<'_> {
    /// Creates a task at this device's site; returns its number and id.
    pub fn create(&mut self, new: NewTask, at: Timestamp) -> Result<(String, TaskId)> {
        let fields = Fields {
            title: new.title,
            description: new.description,
            owner: new.owner,
            due: new.due.unwrap_or_default(),
            priority: new.priority.unwrap_or(Priority::Normal),
            status: TaskStatus::Todo,
            link: new.link,
        };
        self.insert(fields.checked()?, at)
    }

    fn insert(&mut self, f: Fields, at: Timestamp) -> Result<(String, TaskId)> {
        let me = self.repo.me()?;
        let prefix = format!("{}-{}-T", me.site, me.code);
        let existing = self.repo.last_number("tasks", &prefix)?;
        let seq = self.repo.next_seq("task", existing)?;
        let number = format!("{prefix}{seq:06}");
        let id = TaskId::generate(at);
        let doc_id = DocId::ops(&me.site, at);
        self.repo.write(&doc_id, at, |tx| {
            put_task(
                tx,
                &TaskDraft {
                    id: &id,
                    number: &number,
                    site: &me.site,
                    by: &me.id,
                    title: &f.title,
                    description: &f.description,
                    owner: &f.owner,
                    due: Some(f.due.as_str()).filter(|d| !d.is_empty()),
                    priority: f.priority,
                    status: f.status,
                    link: &f.link,
                },
                at,
            )?;
            let mut w = Written::new((), "task.new", vec![task_ref(&id)]);
            w.meta.push(("seq.task".into(), seq.to_string()));
            Ok(w)
        })?;
        Ok((number, id))
    }

    /// Changes fields of a task. Each field is a register: concurrent edits conflict. An
    /// edit naming no field is refused; one that changes nothing (and settles no conflict)
    /// writes nothing.
    pub fn edit(&mut self, key: &str, edit: TaskEdit, at: Timestamp) -> Result<()> {
        let (id, doc_id) = self.writable(key)?;
        let current = self.stored(&doc_id, &id, None)?;
        let was = Fields::of(&current);
        let new = Fields {
            title: edit.title.clone().unwrap_or_else(|| was.title.clone()),
            description: edit
                .description
                .clone()
                .unwrap_or_else(|| was.description.clone()),
            owner: edit.owner.clone().unwrap_or_else(|| was.owner.clone()),
            due: edit.due.clone().unwrap_or_else(|| was.due.clone()),
            priority: edit.priority.unwrap_or(was.priority),
            status: edit.status.unwrap_or(was.status),
            link: edit.link.clone().unwrap_or_else(|| was.link.clone()),
        };
        let named = [
            edit.title.is_some(),
            edit.description.is_some(),
            edit.owner.is_some(),
            edit.due.is_some(),
            edit.priority.is_some(),
            edit.status.is_some(),
            edit.link.is_some(),
        ];
        if !named.contains(&true) {
            return Err(Error::invalid("task edit", key, Rule::NothingToChange));
        }
        self.update(&doc_id, &id, &was, &was, new.checked()?, named, at)
    }

    /// Saves the task form: creates the task, or writes the fields typed since it was read.
    /// Returns its number and id.
    pub fn save(&mut self, form: TaskForm, at: Timestamp) -> Result<(String, TaskId)> {
        let typed = Fields {
            title: form.title,
            description: form.description,
            owner: form.owner,
            due: form.due,
            priority: form.priority,
            status: form.status.unwrap_or(TaskStatus::Todo),
            link: form.link,
        };
        let Some(key) = form.task.filter(|k| !k.trim().is_empty()) else {
            return self.insert(typed.checked()?, at);
        };
        let (id, doc_id) = self.writable(&key)?;
        let current = self.stored(&doc_id, &id, None)?;
        let base = match form.version.as_deref() {
            Some(v) => self.stored(&doc_id, &id, Some(v))?,
            None => current.clone(),
        };
        let mut new = typed;
        if form.status.is_none() {
            new.status = base.status;
        }
        let number = current.number.clone();
        self.update(
            &doc_id,
            &id,
            &Fields::of(&current),
            &Fields::of(&base),
            new.checked()?,
            [false; 7],
            at,
        )?;
        Ok((number, id))
    }

    /// Appends a comment to a task.
    pub fn comment(&mut self, key: &str, text: &str, at: Timestamp) -> Result<()> {
        let text = required("comment", text, MAX_TEXT)?;
        let (id, doc_id) = self.writable(key)?;
        let me = self.repo.me()?;
        self.repo.write(&doc_id, at, |tx| {
            let view = View::now(&*tx);
            let obj = record_obj(&*tx, TASKS, id.as_str())
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

    /// The task `key` and its document, if this device may record for the task's site.
    fn writable(&self, key: &str) -> Result<(TaskId, DocId)> {
        let (id, doc_id) = locate(self.repo.db(), key)?;
        let site = doc_id.site().ok_or_else(|| Error::not_found("task", key))?;
        let me = self.repo.me()?;
        if !access::may_act_for(&me, site) {
            return Err(Error::WrongSite {
                own: me.site.to_string(),
                other: site.to_string(),
            });
        }
        Ok((id, doc_id))
    }

    /// The task as stored now, or at `version` when that state is known here.
    fn stored(&mut self, doc_id: &DocId, id: &TaskId, version: Option<&str>) -> Result<Task> {
        self.repo
            .record_at(doc_id, TASKS, id.as_str(), version, |view, obj| {
                read_task(view, id.as_str(), obj, &mut Vec::new())
            })?
            .ok_or_else(|| Error::not_found("task", id.as_str()))
    }

    /// Writes the fields of `new` the person typed (they differ from `base`, what the
    /// person started from) or `named` (in [`Fields::registers`] order), when they differ
    /// from `current` (what is stored now) or are in conflict: typing the value shown
    /// settles the conflict, as for parties and orders.
    #[allow(clippy::too_many_arguments)]
    fn update(
        &mut self,
        doc_id: &DocId,
        id: &TaskId,
        current: &Fields,
        base: &Fields,
        new: Fields,
        named: [bool; 7],
        at: Timestamp,
    ) -> Result<()> {
        self.repo.write(doc_id, at, |tx| {
            let obj = record_obj(&*tx, TASKS, id.as_str())
                .ok_or_else(|| Error::not_found("task", id.as_str()))?;
            let regs = new.registers();
            for ((((field, value), (_, was)), (_, now)), named) in regs
                .iter()
                .zip(base.registers())
                .zip(current.registers())
                .zip(named)
            {
                let typed = named || was != *value;
                if typed && (now != *value || is_conflicted(&*tx, &obj, field)) {
                    tx.put(&obj, *field, *value)?;
                }
            }
            Ok(Written::new((), "task.edit", vec![task_ref(id)]))
        })
    }
}
