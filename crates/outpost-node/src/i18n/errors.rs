//! Errors and refusals in the user's language, naming what to fix.

use outpost_core::Error as CoreError;

use super::{Lang, Msg, fill, word};
use crate::error::Error;

/// A broken rule in `lang`.
pub fn rule_text(lang: Lang, rule: &outpost_core::Rule) -> String {
    use outpost_core::Rule;
    match rule {
        Rule::Empty => Msg::RuleEmpty.text(lang).to_string(),
        Rule::TooLong { max } => fill(lang, Msg::RuleTooLong, &[("max", max)]),
        Rule::ControlCharacters => Msg::RuleControl.text(lang).to_string(),
        Rule::Range { min, max } => fill(lang, Msg::RuleRange, &[("min", min), ("max", max)]),
        Rule::Negative => Msg::RuleNegative.text(lang).to_string(),
        Rule::Format { example } => fill(lang, Msg::RuleFormat, &[("example", example)]),
        Rule::OneOf { choices } => fill(lang, Msg::RuleOneOf, &[("choices", choices)]),
        Rule::SameWarehouse => Msg::RuleSameWarehouse.text(lang).to_string(),
        Rule::NothingToChange => Msg::RuleNothing.text(lang).to_string(),
        Rule::Exhausted => Msg::RuleExhausted.text(lang).to_string(),
        Rule::Future => Msg::RuleFuture.text(lang).to_string(),
        Rule::Retired => Msg::RuleRetired.text(lang).to_string(),
        other => other.to_string(),
    }
}

/// The Chinese verb for a refused order step, given its English past participle.
fn verb_zh(past: &str) -> String {
    match past {
        "submitted" => "提交",
        "approved" => "审批",
        "shipped" => "发货",
        "received" => "收货",
        "invoiced" => "开票",
        "paid" => "付款",
        "cancelled" => "取消",
        other => other,
    }
    .to_string()
}

/// Why an invite was refused, in `lang`.
pub fn refusal(lang: Lang, refusal: &outpost_sync::Refusal) -> String {
    use outpost_sync::Refusal;
    match refusal {
        Refusal::Expired => Msg::RefusalExpired.text(lang).to_string(),
        Refusal::Used => Msg::RefusalUsed.text(lang).to_string(),
        Refusal::Unknown => Msg::RefusalUnknown.text(lang).to_string(),
        other => fill(lang, Msg::RefusalOther, &[("reason", other)]),
    }
}

fn sync_error(lang: Lang, err: &outpost_sync::Error) -> String {
    use outpost_sync::Error as E;
    match err {
        E::JoinRefused(r) => fill(
            lang,
            Msg::ErrInviteRefused,
            &[("reason", &refusal(lang, r))],
        ),
        E::InviteCode(reason) => fill(lang, Msg::ErrInviteCode, &[("reason", reason)]),
        E::Unreachable(reason) => fill(lang, Msg::ErrUnreachable, &[("reason", reason)]),
        other => fill(lang, Msg::ErrNetwork, &[("reason", other)]),
    }
}

/// An error in `lang`, naming what to fix.
pub fn error(lang: Lang, err: &Error) -> String {
    match err {
        Error::Sync(e) => return sync_error(lang, e),
        Error::NotOpen => return Msg::ErrNotSetUp.text(lang).to_string(),
        Error::AlreadySetUp => return Msg::ErrAlreadySetUp.text(lang).to_string(),
        Error::Busy => return Msg::ErrBusy.text(lang).to_string(),
        Error::Core(core) => return core_error(lang, core),
        _ => {}
    }
    if lang == Lang::En {
        return err.to_string();
    }
    match err {
        Error::KeyMismatch(path) => fill(lang, Msg::ErrKeyMismatch, &[("path", &path.display())]),
        Error::Closed => Msg::ErrClosed.text(lang).to_string(),
        Error::ReportFormat { path, expected } => fill(
            lang,
            Msg::ErrReportFormat,
            &[("path", &path.display()), ("expected", expected)],
        ),
        Error::Report(reason) => fill(lang, Msg::ErrReport, &[("reason", reason)]),
        Error::PassphraseNeeded => Msg::ErrPassphraseNeeded.text(lang).to_string(),
        Error::WrongPassphrase => Msg::ErrWrongPassphrase.text(lang).to_string(),
        Error::KeyringUnavailable(reason) => {
            fill(lang, Msg::ErrKeyringUnavailable, &[("reason", reason)])
        }
        Error::KeyringKeyMissing => Msg::ErrKeyringKeyMissing.text(lang).to_string(),
        Error::BackupUnusable {
            path,
            unsigned,
            incomplete,
        } => fill(
            lang,
            Msg::ErrBackupUnusable,
            &[
                ("path", &path.display()),
                ("unsigned", unsigned),
                ("incomplete", incomplete),
            ],
        ),
        Error::NoBackupPassphrase => Msg::ErrNoBackupPassphrase.text(lang).to_string(),
        Error::BackupPassphraseNeeded => Msg::ErrBackupPassphraseNeeded.text(lang).to_string(),
        Error::WrongBackupPassphrase => Msg::ErrWrongBackupPassphrase.text(lang).to_string(),
        Error::BundleNotForThisDevice(path) => fill(
            lang,
            Msg::ErrBundleNotForThisDevice,
            &[("path", &path.display())],
        ),
        Error::BundlePassphraseNeeded => Msg::ErrBundlePassphraseNeeded.text(lang).to_string(),
        Error::WrongBundlePassphrase => Msg::ErrWrongBundlePassphrase.text(lang).to_string(),
        Error::NotABackup(path) => fill(lang, Msg::ErrNotABackup, &[("path", &path.display())]),
        Error::PassphrasesDiffer => Msg::ErrPassphrasesDiffer.text(lang).to_string(),
        Error::PassphraseEmpty => Msg::ErrPassphraseEmpty.text(lang).to_string(),
        Error::PassphraseFileOpen(path) => fill(
            lang,
            Msg::ErrPassphraseFileOpen,
            &[("path", &path.display())],
        ),
        Error::Locked(dir) => fill(lang, Msg::ErrLocked, &[("dir", &dir.display())]),
        Error::Address(addr) => fill(lang, Msg::ErrAddress, &[("addr", addr)]),
        Error::NetworkRunning => Msg::ErrNetworkRunning.text(lang).to_string(),
        Error::Timeout(what) => fill(lang, Msg::ErrTimeout, &[("what", what)]),
        Error::NoBackupFolder => Msg::ErrNoBackupFolder.text(lang).to_string(),
        Error::Bench(reason) => fill(lang, Msg::ErrBench, &[("reason", reason)]),
        Error::Sync(e) => sync_error(lang, e),
        Error::NotOpen | Error::AlreadySetUp | Error::Busy => err.to_string(),
        Error::DataDir { path, source } | Error::File { path, source } => fill(
            lang,
            Msg::ErrFile,
            &[("path", &path.display()), ("reason", source)],
        ),
        Error::Core(core) => core_error(lang, core),
    }
}

/// A refusal or failure of the book in `lang`.
fn core_error(lang: Lang, core: &CoreError) -> String {
    if lang == Lang::En {
        return core.to_string();
    }
    let w = |t: &str| word(lang, t);
    match core {
        CoreError::NotInitialised => Msg::ErrNotInitialised.text(lang).to_string(),
        CoreError::BookKeyWrong(path) => {
            fill(lang, Msg::ErrBookKeyWrong, &[("path", &path.display())])
        }
        CoreError::AlreadyInitialised(org) => {
            fill(lang, Msg::ErrAlreadyInitialised, &[("org", org)])
        }
        CoreError::SchemaTooNew { found, supported } => fill(
            lang,
            Msg::ErrSchema,
            &[("found", found), ("supported", supported)],
        ),
        CoreError::SchemaTooOld { found, supported } => fill(
            lang,
            Msg::ErrSchemaOld,
            &[("found", found), ("supported", supported)],
        ),
        CoreError::WrongKey(device) => fill(lang, Msg::ErrWrongKey, &[("device", device)]),
        CoreError::NotAdmitted => Msg::ErrNotAdmitted.text(lang).to_string(),
        CoreError::Revoked { device } => fill(lang, Msg::ErrRevoked, &[("device", device)]),
        CoreError::CatchingUp { doc } => fill(lang, Msg::ErrCatchingUp, &[("doc", doc)]),
        CoreError::Unbalanced { debit, credit } => fill(
            lang,
            Msg::ErrUnbalanced,
            &[("debit", debit), ("credit", credit)],
        ),
        CoreError::AlreadyReversed { number, by } => fill(
            lang,
            Msg::ErrAlreadyReversed,
            &[("number", number), ("by", by)],
        ),
        CoreError::AutomaticPosting { number, origin } => fill(
            lang,
            Msg::ErrAutomaticPosting,
            &[("number", number), ("origin", &w(origin))],
        ),
        CoreError::NotBilling { role } => fill(lang, Msg::ErrNotBilling, &[("role", &w(role))]),
        CoreError::NotInvoiceable { order, reason } => fill(
            lang,
            Msg::ErrNotInvoiceable,
            &[("order", order), ("reason", reason)],
        ),
        CoreError::OverAllocated {
            what,
            allocated,
            available,
        } => fill(
            lang,
            Msg::ErrOverAllocated,
            &[
                ("what", what),
                ("allocated", allocated),
                ("available", available),
            ],
        ),
        CoreError::Statement(problems) => {
            fill(lang, Msg::ErrStatement, &[("reason", &problems.join("; "))])
        }
        CoreError::AlreadyMatched { line, payment } => fill(
            lang,
            Msg::ErrAlreadyMatched,
            &[("line", line), ("payment", payment)],
        ),
        CoreError::PeriodClosed { site, month } => fill(
            lang,
            Msg::ErrPeriodClosed,
            &[("site", site), ("month", month)],
        ),
        CoreError::BadFigures(reason) => fill(lang, Msg::ErrBadFigures, &[("reason", reason)]),
        CoreError::NotFound { kind, key } => {
            fill(lang, Msg::ErrNotFound, &[("kind", &w(kind)), ("key", key)])
        }
        CoreError::Duplicate { kind, key } => {
            fill(lang, Msg::ErrDuplicate, &[("kind", &w(kind)), ("key", key)])
        }
        CoreError::InvalidValue { field, value, rule } => fill(
            lang,
            Msg::ErrInvalid,
            &[
                ("field", &w(field)),
                ("value", &format!("{value:?}")),
                ("rule", &rule_text(lang, rule)),
            ],
        ),
        CoreError::InvalidTransition {
            number,
            status,
            action,
        } => fill(
            lang,
            Msg::ErrTransition,
            &[
                ("number", number),
                ("status", &w(status)),
                ("action", &verb_zh(action)),
            ],
        ),
        CoreError::OrderFrozen(number) => fill(lang, Msg::ErrFrozen, &[("number", number)]),
        CoreError::EmptyOrder(number) => fill(lang, Msg::ErrEmptyOrder, &[("number", number)]),
        CoreError::InsufficientStock {
            sku,
            warehouse,
            available,
            requested,
        } => fill(
            lang,
            Msg::ErrStock,
            &[
                ("sku", sku),
                ("warehouse", warehouse),
                ("available", available),
                ("requested", requested),
            ],
        ),
        CoreError::NotPermitted { doc, role } => fill(
            lang,
            Msg::ErrNotPermitted,
            &[("role", &w(role)), ("doc", doc)],
        ),
        CoreError::StepNotAllowed { role, action } => {
            let action = match lang {
                Lang::Zh => verb_zh(action),
                Lang::En => action.clone(),
            };
            fill(
                lang,
                Msg::ErrStepNotAllowed,
                &[("role", &w(role)), ("action", &action)],
            )
        }
        CoreError::OtherSiteBooks { own, other } => fill(
            lang,
            Msg::ErrOtherSiteBooks,
            &[("own", own), ("other", other)],
        ),
        CoreError::WrongSite { own, other } => {
            fill(lang, Msg::ErrWrongSite, &[("own", own), ("other", other)])
        }
        CoreError::MalformedBundle(reason) => fill(lang, Msg::ErrBundle, &[("reason", reason)]),
        CoreError::OrgMismatch { expected, found } => fill(
            lang,
            Msg::ErrOrgMismatch,
            &[("expected", expected), ("found", found)],
        ),
        CoreError::CorruptDocument { doc, reason } => {
            fill(lang, Msg::ErrCorrupt, &[("doc", doc), ("reason", reason)])
        }
        CoreError::NoSuchConflict { record, field } => fill(
            lang,
            Msg::ErrNoConflict,
            &[("record", record), ("field", field)],
        ),
        CoreError::NoSuchChoice { choice, count } => fill(
            lang,
            Msg::ErrNoChoice,
            &[("choice", choice), ("count", count)],
        ),
        CoreError::Line { line, source } => fill(
            lang,
            Msg::ErrLine,
            &[("line", line), ("reason", &core_error(lang, source))],
        ),
        other => fill(lang, Msg::ErrInternal, &[("reason", other)]),
    }
}
