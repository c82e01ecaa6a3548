//! `outpost task …`: tasks and their comments.

use outpost_core::{NewTask, Priority, TaskEdit, TaskFilter, TaskStatus};
use outpost_node::i18n::Msg;
use outpost_node::{Node, Result};
use serde_json::json;

use super::args::*;
use super::out::outln;
use super::out::{Out, when};
use super::table::Table;

pub(super) fn task(node: &Node, cmd: TaskCmd, out: &Out) -> Result<()> {
    let updated = |number: &str| {
        out.say(Msg::TaskUpdated, &[("number", &number)]);
        out.json(&json!({"task": number}));
    };
    match cmd {
        TaskCmd::New {
            title,
            description,
            owner,
            due,
            priority,
            link,
        } => {
            let priority = priority.as_deref().map(Priority::parse).transpose()?;
            let (number, id) = node.create_task(NewTask {
                title,
                description,
                owner,
                due,
                priority,
                link,
            })?;
            out.say(Msg::TaskCreated, &[("number", &number)]);
            out.json(&json!({"number": number, "id": id}));
        }
        TaskCmd::Assign { task, owner } => {
            node.edit_task(
                &task,
                TaskEdit {
                    owner: Some(owner),
                    ..Default::default()
                },
            )?;
            updated(&task);
        }
        TaskCmd::Status { task, status } => {
            node.edit_task(
                &task,
                TaskEdit {
                    status: Some(TaskStatus::parse(&status)?),
                    ..Default::default()
                },
            )?;
            updated(&task);
        }
        TaskCmd::Edit {
            task,
            title,
            description,
            due,
            priority,
            link,
        } => {
            let priority = priority.as_deref().map(Priority::parse).transpose()?;
            node.edit_task(
                &task,
                TaskEdit {
                    title,
                    description,
                    due,
                    priority,
                    link,
                    ..Default::default()
                },
            )?;
            updated(&task);
        }
        TaskCmd::Comment { task, text } => {
            node.comment_task(&task, &text)?;
            out.say(Msg::CommentAdded, &[("number", &task)]);
            out.json(&json!({"task": task}));
        }
        TaskCmd::List {
            status,
            owner,
            mine,
            overdue,
        } => {
            let owner = if mine { Some(node.me()?.name) } else { owner };
            let today = jiff::Zoned::now().date().to_string();
            let filter = TaskFilter {
                status: status.as_deref().map(TaskStatus::parse).transpose()?,
                owner,
                overdue_on: overdue.then_some(today),
            };
            let rows = node.tasks(&filter)?;
            let mut t = Table::new(out.headers(&[
                Msg::ColNumber,
                Msg::ColTitle,
                Msg::ColOwner,
                Msg::ColDue,
                Msg::ColPriority,
                Msg::ColStatus,
                Msg::ColComments,
            ]))
            .right(&[6]);
            for r in &rows {
                t.row(vec![
                    r.number.clone(),
                    r.title.clone(),
                    r.owner.clone(),
                    r.due.clone().unwrap_or_default(),
                    out.word(r.priority.as_str()),
                    out.word(r.status.as_str()),
                    r.comments.len().to_string(),
                ]);
            }
            out.table(&rows, t, rows.is_empty());
        }
        TaskCmd::Show { task } => {
            let r = node.task(&task)?;
            if out.json {
                out.json(&r);
                return Ok(());
            }
            outln!(out, "{}  {}", r.number, r.title);
            outln!(
                out,
                "{}: {}  ·  {}: {}  ·  {}: {}  ·  {}: {}",
                Msg::ColOwner.text(out.lang),
                r.owner,
                Msg::ColDue.text(out.lang),
                r.due.clone().unwrap_or_default(),
                Msg::ColPriority.text(out.lang),
                out.word(r.priority.as_str()),
                Msg::ColStatus.text(out.lang),
                out.word(r.status.as_str()),
            );
            if !r.description.is_empty() {
                outln!(out, "{}", r.description);
            }
            for (at, device, text) in &r.comments {
                outln!(out, "  {}  {}: {}", when(*at), device, text);
            }
        }
    }
    Ok(())
}
