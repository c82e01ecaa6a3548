//! Errors of the desktop shell, and the localised form a command returns to the window.

use outpost_node::i18n::{self, Lang, Msg};
use serde::Serialize;

/// What went wrong in a command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No organisation on this device yet (the first-run screen comes first).
    #[error("this device has no organisation yet")]
    NotSetUp,
    /// A second organisation for a device that has one (two first-run calls racing).
    #[error("this device already belongs to an organisation")]
    AlreadySetUp,
    /// The node refused or failed.
    #[error(transparent)]
    Node(#[from] outpost_node::Error),
    /// The blocking task running the call panicked or was cancelled.
    #[error("the background task stopped: {0}")]
    Stopped(String),
}

/// Shorthand for the shell's results.
pub type Result<T> = std::result::Result<T, Error>;

/// An error as the window receives it: a stable code for logic, a message in the
/// user's language for people.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// Machine-readable kind (e.g. `not_set_up`, `invalid`, `not_found`).
    pub code: String,
    /// What happened, in the user's language.
    pub message: String,
}

impl Failure {
    /// `err` in `lang`.
    pub fn new(lang: Lang, err: &Error) -> Failure {
        let (code, message) = match err {
            Error::NotSetUp => ("not_set_up".to_string(), Msg::ErrNotSetUp.text(lang).into()),
            Error::AlreadySetUp => (
                "already_set_up".to_string(),
                Msg::ErrAlreadySetUp.text(lang).into(),
            ),
            Error::Node(e) => (node_code(e), i18n::error(lang, e)),
            Error::Stopped(reason) => (
                "stopped".to_string(),
                i18n::fill(lang, Msg::ErrStopped, &[("reason", reason)]),
            ),
        };
        Failure { code, message }
    }
}

fn node_code(err: &outpost_node::Error) -> String {
    match err {
        outpost_node::Error::Core(core) => core.code().to_string(),
        outpost_node::Error::Locked(_) => "locked".into(),
        outpost_node::Error::Sync(_) => "sync".into(),
        _ => "node".into(),
    }
}
