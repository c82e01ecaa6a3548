//! The one error type of outpost-core.

/// What went wrong in the book. Every variant names the offending value, so a front end can
/// say exactly what to fix; [`Error::code`] gives a stable key for message catalogues.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite failed (disk full, locked, corrupt file).
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// Automerge refused a document or change.
    #[error("document error: {0}")]
    Document(#[from] automerge::AutomergeError),
    /// A file could not be read or written.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The book file does not read with the key given: a wrong key, or not a book.
    #[error("the book {0} cannot be read with this key (a wrong key, or not an Outpost book)")]
    BookKeyWrong(std::path::PathBuf),
    /// The data dir holds no book yet.
    #[error("this data dir holds no book yet; run `outpost init` first")]
    NotInitialised,
    /// The data dir already holds a book.
    #[error("this data dir already holds the book of organisation {0}")]
    AlreadyInitialised(String),
    /// The database was written by a newer Outpost.
    #[error("the database has schema version {found}; this build supports up to {supported}")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build reads.
        supported: i64,
    },
    /// The database was written by an Outpost too old to open: its changes are unsigned.
    #[error(
        "the book has layout version {found}, made before changes were signed; this build opens version {supported}: start a new data dir and join the organisation again"
    )]
    SchemaTooOld {
        /// Version found in the file.
        found: i64,
        /// The version this build opens.
        supported: i64,
    },
    /// A bundle to start a device from does not list that device as a member: nobody
    /// registers themselves, an admin admits them.
    #[error(
        "this device is not a member of the organisation in the bundle: an admin must admit its join request and send the bundle made for it"
    )]
    NotAdmitted,
    /// A device restored from a backup has not yet heard from another device about the
    /// document it would write (it may have written there after the backup).
    #[error(
        "this device was restored from a backup and has not yet heard from another office about {doc}: connect to HQ or another office once (it may have written there after the backup)"
    )]
    CatchingUp {
        /// The document written to.
        doc: String,
    },
    /// A bundle was asked for a revoked device.
    #[error("device {device} is revoked: nothing is written for it")]
    Revoked {
        /// The device's code.
        device: String,
    },
    /// The book belongs to another device than the key that opens it.
    #[error("the book belongs to device {0}, not to the key that opens it")]
    WrongKey(String),
    /// A journal entry whose debits and credits differ.
    #[error("debits {debit} and credits {credit} differ: a journal entry must balance")]
    Unbalanced {
        /// Total of the debits.
        debit: crate::Money,
        /// Total of the credits.
        credit: crate::Money,
    },
    /// A journal entry reversed already (a second reversal would count it back twice).
    #[error("journal entry {number} is reversed already by {by}")]
    AlreadyReversed {
        /// The entry.
        number: String,
        /// The entry that reversed it.
        by: String,
    },
    /// An automatic posting is corrected at its source (a credit note), not reversed.
    #[error(
        "entry {number} was posted automatically from a {origin}: correct the {origin} instead (e.g. with a credit note)"
    )]
    AutomaticPosting {
        /// The entry.
        number: String,
        /// The kind of record it was posted from.
        origin: String,
    },
    /// An invoice or payment asked of a member whose role may not issue them.
    #[error("a {role} may not issue invoices or record payments")]
    NotBilling {
        /// The member's role.
        role: String,
    },
    /// An invoice's orders do not go together (another party, site or kind, not yet
    /// shipped or received, already invoiced).
    #[error("order {order} cannot be invoiced here: {reason}")]
    NotInvoiceable {
        /// The order's number.
        order: String,
        /// Why.
        reason: String,
    },
    /// A payment allocates more to an invoice than it still owes, or more than its amount.
    #[error("{what}: {allocated} is more than the {available} left")]
    OverAllocated {
        /// The invoice, or "the payment".
        what: String,
        /// Allocated.
        allocated: crate::Money,
        /// What was left to allocate.
        available: crate::Money,
    },
    /// An invoice's or payment's figures that the book does not take.
    #[error("an invoice or payment with {0}")]
    BadFigures(String),
    /// A bank statement that cannot be imported: every problem found (`row 5: …`).
    #[error("the bank statement cannot be imported: {}", .0.join("; "))]
    Statement(Vec<String>),
    /// A bank line matched already.
    #[error("bank line {line} is matched already to {payment}")]
    AlreadyMatched {
        /// The line.
        line: String,
        /// The payment it is matched to.
        payment: String,
    },
    /// A write dated in a month its site has closed (or a second close of it).
    #[error("{site}'s {month} is closed: date it in an open month")]
    PeriodClosed {
        /// The site.
        site: String,
        /// The month.
        month: String,
    },
    /// A record referred to by the user does not exist.
    #[error("unknown {kind} {key}")]
    NotFound {
        /// What kind of record (item, order, warehouse, ...).
        kind: &'static str,
        /// The id, number or code that was looked up.
        key: String,
    },
    /// A record with that unique key already exists.
    #[error("{kind} {key} already exists")]
    Duplicate {
        /// What kind of record.
        kind: &'static str,
        /// The clashing key.
        key: String,
    },
    /// A field value is not acceptable.
    #[error("invalid {field} {value:?}: {rule}")]
    InvalidValue {
        /// The field, as the user named it.
        field: &'static str,
        /// The refused value as typed.
        value: String,
        /// The rule it broke.
        rule: Rule,
    },
    /// A status change the order's lifecycle does not allow.
    #[error("order {number} is {status}; it cannot be {action}")]
    InvalidTransition {
        /// The order's human number.
        number: String,
        /// Its current status.
        status: String,
        /// The refused action, past tense.
        action: String,
    },
    /// The order's lines may no longer change.
    #[error("order {0} is no longer a draft; its lines and parties are frozen")]
    OrderFrozen(String),
    /// An order must have lines before it is submitted.
    #[error("order {0} has no lines")]
    EmptyOrder(String),
    /// An issue would take stock below zero.
    #[error("not enough {sku} in {warehouse}: {available} on hand, {requested} requested")]
    InsufficientStock {
        /// Item SKU.
        sku: String,
        /// Warehouse code.
        warehouse: String,
        /// Quantity on hand.
        available: i64,
        /// Quantity asked for.
        requested: i64,
    },
    /// This device may not write there (wrong site).
    #[error("this device belongs to site {own}; it cannot record for site {other}")]
    WrongSite {
        /// The device's site.
        own: String,
        /// The site it tried to write.
        other: String,
    },
    /// A member's role does not take an order to this step (a warehouse approving).
    #[error("a {role} may not mark an order {action}")]
    StepNotAllowed {
        /// The member's role.
        role: String,
        /// The step, as a past participle (`approved`).
        action: String,
    },
    /// A branch's finance tried to keep another site's books.
    #[error(
        "finance of {own} keeps the books of {own} only; those of {other} are kept by \
         its own finance or the head office"
    )]
    OtherSiteBooks {
        /// The member's site.
        own: String,
        /// The site whose books it reached for.
        other: String,
    },
    /// This member's role or site does not allow writing a document.
    #[error("a {role} may not change {doc}")]
    NotPermitted {
        /// The document.
        doc: String,
        /// The member's role.
        role: String,
    },
    /// A bundle file could not be read.
    #[error("not a valid Outpost bundle: {0}")]
    MalformedBundle(String),
    /// A bundle of another organisation.
    #[error("the bundle belongs to organisation {found}; this book is organisation {expected}")]
    OrgMismatch {
        /// This book's org id.
        expected: String,
        /// The bundle's org id.
        found: String,
    },
    /// A stored or received document is not readable.
    #[error("document {doc} is damaged: {reason}")]
    CorruptDocument {
        /// Document id.
        doc: String,
        /// What was wrong.
        reason: String,
    },
    /// No conflict to resolve at that place.
    #[error("no open conflict on {record} field {field}")]
    NoSuchConflict {
        /// Record number or id.
        record: String,
        /// Field path.
        field: String,
    },
    /// The chosen value is not one of the conflict's values.
    #[error("choice {choice} is not among the {count} values of this conflict")]
    NoSuchChoice {
        /// The 1-based choice given.
        choice: usize,
        /// How many values there are.
        count: usize,
    },
    /// One line of a form is wrong (the form's 1-based line number, and why).
    #[error("line {line}: {source}")]
    Line {
        /// 1-based line number as the form shows it.
        line: usize,
        /// What is wrong with it.
        source: Box<Error>,
    },
}

impl Error {
    /// A stable, language-neutral key for this kind of error, for message catalogues.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Database(_) => "database",
            Error::Document(_) => "document",
            Error::Io(_) => "io",
            Error::BookKeyWrong(_) => "book_key_wrong",
            Error::NotInitialised => "not_initialised",
            Error::AlreadyInitialised(_) => "already_initialised",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::SchemaTooOld { .. } => "schema_too_old",
            Error::WrongKey(_) => "wrong_key",
            Error::NotAdmitted => "not_admitted",
            Error::CatchingUp { .. } => "catching_up",
            Error::Revoked { .. } => "revoked",
            Error::Unbalanced { .. } => "unbalanced",
            Error::AlreadyReversed { .. } => "already_reversed",
            Error::AutomaticPosting { .. } => "automatic_posting",
            Error::NotBilling { .. } => "not_billing",
            Error::NotInvoiceable { .. } => "not_invoiceable",
            Error::OverAllocated { .. } => "over_allocated",
            Error::BadFigures(_) => "bad_figures",
            Error::Statement(_) => "statement",
            Error::PeriodClosed { .. } => "period_closed",
            Error::AlreadyMatched { .. } => "already_matched",
            Error::NotFound { .. } => "not_found",
            Error::Duplicate { .. } => "duplicate",
            Error::InvalidValue { .. } => "invalid_value",
            Error::InvalidTransition { .. } => "invalid_transition",
            Error::OrderFrozen(_) => "order_frozen",
            Error::EmptyOrder(_) => "empty_order",
            Error::InsufficientStock { .. } => "insufficient_stock",
            Error::WrongSite { .. } => "wrong_site",
            Error::NotPermitted { .. } => "not_permitted",
            Error::OtherSiteBooks { .. } => "other_site_books",
            Error::StepNotAllowed { .. } => "step_not_allowed",
            Error::MalformedBundle(_) => "malformed_bundle",
            Error::OrgMismatch { .. } => "org_mismatch",
            Error::CorruptDocument { .. } => "corrupt_document",
            Error::NoSuchConflict { .. } => "no_such_conflict",
            Error::NoSuchChoice { .. } => "no_such_choice",
            Error::Line { source, .. } => source.code(),
        }
    }

    pub(crate) fn not_found(kind: &'static str, key: impl Into<String>) -> Self {
        Error::NotFound {
            kind,
            key: key.into(),
        }
    }

    /// A refused value: which field, the value as typed, the rule it broke.
    pub fn invalid(field: &'static str, value: impl ToString, rule: Rule) -> Self {
        Error::InvalidValue {
            field,
            value: value.to_string(),
            rule,
        }
    }

    pub(crate) fn corrupt(doc: impl ToString, reason: impl Into<String>) -> Self {
        Error::CorruptDocument {
            doc: doc.to_string(),
            reason: reason.into(),
        }
    }
}

/// A rule a value broke; front ends translate it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rule {
    /// Required and empty.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed.
    #[error("has more than {max} characters")]
    TooLong {
        /// Most characters allowed.
        max: usize,
    },
    /// Contains control characters.
    #[error("contains control characters")]
    ControlCharacters,
    /// Outside a range.
    #[error("must be {min} to {max}")]
    Range {
        /// Smallest allowed, as shown.
        min: String,
        /// Largest allowed, as shown.
        max: String,
    },
    /// Negative where it must not be.
    #[error("must not be negative")]
    Negative,
    /// Not in the expected form.
    #[error("expected a value like {example}")]
    Format {
        /// An example of the expected form.
        example: &'static str,
    },
    /// Not one of the allowed words.
    #[error("expected one of: {choices}")]
    OneOf {
        /// The allowed words, comma-separated.
        choices: String,
    },
    /// A transfer from a warehouse to itself.
    #[error("source and destination are the same")]
    SameWarehouse,
    /// An edit that changes nothing.
    #[error("nothing to change")]
    NothingToChange,
    /// No free code could be allocated.
    #[error("no free code is left")]
    Exhausted,
    /// A time that must lie in the future.
    #[error("must be in the future")]
    Future,
    /// An account or VAT rate retired from the chart (kept for what was written with it).
    #[error("is no longer in use")]
    Retired,
}

impl Rule {
    pub(crate) fn range(min: impl ToString, max: impl ToString) -> Rule {
        Rule::Range {
            min: min.to_string(),
            max: max.to_string(),
        }
    }
}

/// Result with the book's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
