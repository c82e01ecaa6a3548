//! A refusal as the window receives it: a stable code for logic, a message in the user's
//! language for people.

use outpost_node::i18n::{self, Lang, Msg};
use serde::Serialize;

/// An error as the window receives it.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct Failure {
    /// Machine-readable kind (e.g. `not_set_up`, `invalid_value`, `not_found`).
    pub code: String,
    /// What happened, in the user's language.
    pub message: String,
}

impl Failure {
    /// `err` in `lang`.
    pub fn new(lang: Lang, err: &outpost_node::Error) -> Failure {
        let failure = Failure {
            code: code(err).to_string(),
            message: i18n::error(lang, err),
        };
        tracing::debug!(code = %failure.code, message = %failure.message, "command failed");
        failure
    }

    /// The blocking task running a call stopped (panicked or cancelled).
    pub fn stopped(lang: Lang, reason: &str) -> Failure {
        Failure {
            code: "stopped".into(),
            message: i18n::fill(lang, Msg::ErrStopped, &[("reason", &reason)]),
        }
    }
}

fn code(err: &outpost_node::Error) -> &'static str {
    use outpost_node::Error;
    match err {
        Error::Core(core) => core.code(),
        Error::NotOpen => "not_set_up",
        Error::AlreadySetUp => "already_set_up",
        Error::Busy => "busy",
        Error::Locked(_) => "locked",
        Error::PassphraseNeeded => "passphrase_needed",
        Error::WrongPassphrase => "wrong_passphrase",
        Error::Sync(_) => "sync",
        _ => "node",
    }
}
