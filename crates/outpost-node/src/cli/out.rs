//! How the CLI speaks: in the chosen language, as tables or JSON.

use outpost_core::Money;
use outpost_node::i18n::{self, Lang, Msg};
use serde::Serialize;

use super::table::Table;

/// Prints a line through an [`Out`] (to stdout, or the buffer of a forwarded command).
macro_rules! outln {
    ($out:expr) => { $out.emit("\n") };
    ($out:expr, $($arg:tt)*) => { $out.emit(&format!("{}\n", format_args!($($arg)*))) };
}

/// Prints through an [`Out`] without a newline.
macro_rules! outp {
    ($out:expr, $($arg:tt)*) => { $out.emit(&format!($($arg)*)) };
}

pub(crate) use {outln, outp};

/// Output settings for one run.
pub struct Out {
    /// Message language.
    pub lang: Lang,
    /// JSON instead of text.
    pub json: bool,
    /// Where output goes when the command runs for another process (`outpost serve`
    /// answering a CLI call); stdout when `None`.
    pub captured: Option<std::cell::RefCell<String>>,
}

impl Out {
    /// Output to stdout.
    pub fn stdout(lang: Lang, json: bool) -> Out {
        Out {
            lang,
            json,
            captured: None,
        }
    }

    /// Output kept in a buffer (see [`Out::take`]).
    pub fn captured(lang: Lang, json: bool) -> Out {
        Out {
            lang,
            json,
            captured: Some(std::cell::RefCell::new(String::new())),
        }
    }

    /// What was captured so far.
    pub fn take(&self) -> String {
        self.captured.as_ref().map(|c| c.take()).unwrap_or_default()
    }

    /// Writes text as is.
    pub fn emit(&self, text: &str) {
        match &self.captured {
            Some(buf) => buf.borrow_mut().push_str(text),
            None => {
                use std::io::Write;
                let mut stdout = std::io::stdout().lock();
                // A closed pipe (`outpost ... | head`) is not an error worth a panic.
                let _ = stdout.write_all(text.as_bytes());
                let _ = stdout.flush();
            }
        }
    }

    /// Prints a catalogue message (text mode only).
    pub fn say(&self, msg: Msg, args: &[(&str, &dyn std::fmt::Display)]) {
        if !self.json {
            outln!(self, "{}", i18n::fill(self.lang, msg, args));
        }
    }

    /// Prints a value as JSON (JSON mode only).
    pub fn json<T: Serialize>(&self, value: &T) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(text) => outln!(self, "{text}"),
                Err(e) => eprintln!("{e}"),
            }
        }
    }

    /// Prints a table, or the JSON of `value`.
    pub fn table<T: Serialize>(&self, value: &T, table: Table, empty: bool) {
        if self.json {
            self.json(value);
        } else if empty {
            outln!(self, "{}", Msg::NothingFound.text(self.lang));
        } else {
            self.emit(&table.render());
        }
    }

    /// Column headers.
    pub fn headers(&self, cols: &[Msg]) -> Vec<String> {
        cols.iter().map(|m| m.text(self.lang).to_string()).collect()
    }

    /// `yes` in this language, or nothing: a table's flag column.
    pub fn flag(&self, yes: bool) -> String {
        if yes {
            Msg::Yes.text(self.lang).to_string()
        } else {
            String::new()
        }
    }

    /// A word of the book in this language.
    pub fn word(&self, w: &str) -> String {
        i18n::word(self.lang, w)
    }
}

/// Local date and time of a millisecond timestamp, `2026-11-23 10:05`.
pub fn when(ms: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return ms.to_string();
    };
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string()
}

/// Money as `¥1,234.56`.
pub fn money(m: Money) -> String {
    m.to_string()
}
