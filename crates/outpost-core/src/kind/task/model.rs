//! A task: mutable fields as registers, comments as an append-only list.

use automerge::ReadDoc;
use serde::Serialize;

use crate::code::SiteCode;
use crate::id::{CommentId, DeviceId, TaskId};
use crate::schema::{RawConflict, RecordReader, View};
use crate::text::text_enum;

text_enum!(
    /// Where a task stands.
    TaskStatus, "task status" {
        /// Not started.
        Todo = "todo",
        /// Under way.
        Doing = "doing",
        /// Finished.
        Done = "done",
        /// Dropped.
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// How urgent a task is.
    Priority, "priority" {
        /// Whenever.
        Low = "low",
        /// The default.
        Normal = "normal",
        /// Soon.
        High = "high",
        /// Now.
        Urgent = "urgent",
    }
);

/// A comment on a task; never edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comment {
    /// Random id.
    pub id: CommentId,
    /// When (ms).
    pub at_ms: i64,
    /// Author device.
    pub device: DeviceId,
    /// The text.
    pub text: String,
}

/// A task as read from its document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Task {
    /// Random id.
    pub id: TaskId,
    /// Human number, e.g. `SH-A3-T000012`.
    pub number: String,
    /// The site that owns it.
    pub site: SiteCode,
    /// When it was created (ms).
    pub created_at_ms: i64,
    /// The device that created it.
    pub created_by: DeviceId,
    /// Short title.
    pub title: String,
    /// Longer description.
    pub description: String,
    /// Who should do it (a person's name).
    pub owner: String,
    /// Due date `YYYY-MM-DD`, if any.
    pub due: Option<String>,
    /// Urgency.
    pub priority: Priority,
    /// Progress.
    pub status: TaskStatus,
    /// A linked record (an order number, an item SKU), free text.
    pub link: String,
    /// Comments in time order.
    pub comments: Vec<Comment>,
}

pub(super) fn read_task<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: automerge::ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Task> {
    let mut r = RecordReader::new(v, obj.clone(), c);
    let mut task = Task {
        id: TaskId::from_stored(id.to_string()),
        number: r.fact_text("number")?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        created_at_ms: r.fact_int("created_at")?,
        created_by: DeviceId::parse(&r.fact_text("created_by")?).ok()?,
        title: r.text("title").unwrap_or_default(),
        description: r.text("description").unwrap_or_default(),
        owner: r.text("owner").unwrap_or_default(),
        due: r.text("due").filter(|d| !d.is_empty()),
        priority: r
            .text("priority")
            .and_then(|p| Priority::parse(&p).ok())
            .unwrap_or(Priority::Normal),
        status: r
            .text("status")
            .and_then(|s| TaskStatus::parse(&s).ok())
            .unwrap_or(TaskStatus::Todo),
        link: r.text("link").unwrap_or_default(),
        comments: Vec::new(),
    };
    if let Some(list) = v.child_list(&obj, "comments") {
        for c in v.list_maps(&list) {
            let comment = (|| {
                Some(Comment {
                    id: CommentId::from_stored(v.str(&c, "id")?),
                    at_ms: v.int(&c, "at")?,
                    device: DeviceId::parse(&v.str(&c, "by")?).ok()?,
                    text: v.str(&c, "text")?,
                })
            })();
            task.comments.extend(comment);
        }
    }
    task.comments
        .sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
    Some(task)
}

/// Parses a due date `YYYY-MM-DD`.
pub fn parse_due(text: &str) -> crate::Result<String> {
    text.trim()
        .parse::<jiff::civil::Date>()
        .map(|d| d.to_string())
        .map_err(|_| {
            crate::Error::invalid(
                "due date",
                text,
                crate::error::Rule::Format {
                    example: "2026-12-31",
                },
            )
        })
}
