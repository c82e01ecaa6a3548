//! `outpost conflicts …`: values two people set at once, and a person's choice.

use outpost_core::ConflictRow;
use outpost_node::i18n::Msg;
use outpost_node::{Node, Result};
use serde_json::json;

use super::args::*;
use super::out::outln;
use super::out::{Out, when};

pub(super) fn print_conflicts(out: &Out, list: &[ConflictRow]) {
    for c in list {
        outln!(
            out,
            "{}",
            outpost_node::i18n::fill(
                out.lang,
                Msg::ConflictHeading,
                &[
                    ("kind", &out.word(&c.kind)),
                    ("record", &c.label),
                    ("field", &c.field)
                ]
            )
        );
        for (i, choice) in c.choices.iter().enumerate() {
            let value = match &choice.value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            outln!(
                out,
                "{}",
                outpost_node::i18n::fill(
                    out.lang,
                    Msg::ChoiceLine,
                    &[
                        ("n", &(i + 1)),
                        ("value", &value),
                        ("device", &choice.device),
                        ("at", &when(choice.at_ms))
                    ]
                )
            );
        }
    }
}

pub(super) fn conflicts(node: &Node, cmd: ConflictsCmd, out: &Out) -> Result<()> {
    match cmd {
        ConflictsCmd::List => {
            let list = node.conflicts()?;
            if out.json {
                out.json(&list);
            } else if list.is_empty() {
                out.say(Msg::NoConflicts, &[]);
            } else {
                print_conflicts(out, &list);
                out.say(Msg::ResolveHint, &[]);
            }
        }
        ConflictsCmd::Resolve {
            record,
            field,
            choice,
        } => {
            node.resolve_conflict(&record, &field, choice)?;
            out.say(
                Msg::ConflictResolved,
                &[("record", &record), ("field", &field)],
            );
            out.json(&json!({"record": record, "field": field, "choice": choice}));
        }
    }
    Ok(())
}
