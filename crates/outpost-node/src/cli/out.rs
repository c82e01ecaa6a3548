//! How the CLI speaks: in the chosen language, as tables or JSON.

use outpost_core::Money;
use outpost_node::i18n::{self, Lang, Msg};
use serde::Serialize;

use super::table::Table;

/// Output settings for one run.
pub struct Out {
    /// Message language.
    pub lang: Lang,
    /// JSON instead of text.
    pub json: bool,
}

impl Out {
    /// Prints a catalogue message (text mode only).
    pub fn say(&self, msg: Msg, args: &[(&str, &dyn std::fmt::Display)]) {
        if !self.json {
            println!("{}", i18n::fill(self.lang, msg, args));
        }
    }

    /// Prints a value as JSON (JSON mode only).
    pub fn json<T: Serialize>(&self, value: &T) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(text) => println!("{text}"),
                Err(e) => eprintln!("{e}"),
            }
        }
    }

    /// Prints a table, or the JSON of `value`.
    pub fn table<T: Serialize>(&self, value: &T, table: Table, empty: bool) {
        if self.json {
            self.json(value);
        } else if empty {
            println!("{}", Msg::NothingFound.text(self.lang));
        } else {
            print!("{}", table.render());
        }
    }

    /// Column headers.
    pub fn headers(&self, cols: &[Msg]) -> Vec<String> {
        cols.iter().map(|m| m.text(self.lang).to_string()).collect()
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
