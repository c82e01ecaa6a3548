//! The rules a task keeps when a change arrives from elsewhere: its registers may change,
//! its number, site and creator never; comments are only appended, each by its author.

use crate::rules::{Broken, Context, RecordChange, append_only, broken, names_author, of_doc_site};

/// Fields set when a task is made and never after.
const FIXED: &[&str] = &["number", "site", "created_at", "created_by", "comments"];
/// Fields any later edit may change.
const REGISTERS: &[&str] = &[
    "title",
    "description",
    "owner",
    "due",
    "priority",
    "status",
    "link",
];
/// Fields of a comment.
const COMMENT_FIELDS: &[&str] = &["id", "at", "by", "text"];

/// Checks what `change` does to one task.
pub(super) fn check(cx: &Context<'_>, change: &RecordChange) -> Result<(), Broken> {
    for op in &change.ops {
        if let Some(checked) = append_only(op, "comments", COMMENT_FIELDS, "a task's comment") {
            checked?;
            continue;
        }
        let key = op.key.as_deref().unwrap_or_default();
        let allowed = REGISTERS.contains(&key) || (change.made && FIXED.contains(&key));
        if !op.path.is_empty() || !allowed {
            return Err(broken(format!("it changes a task's {key}")));
        }
    }
    if change.made {
        let fields = change.fields();
        of_doc_site(cx, &fields, "a task")?;
        names_author(cx, &fields, "created_by", "a task")?;
    }
    for comment in change.appended("comments") {
        names_author(cx, &comment, "by", "a task's comment")?;
    }
    Ok(())
}
