//! The rules a change from elsewhere must keep, whatever program made it: the checks the
//! local write path makes (no record deleted or replaced, facts only appended, lines
//! frozen after submit, allowed transitions, site scope, text and amount limits), read
//! from the change's own operations and judged against the document as its author saw it
//! (its causal past). Nothing else enters a decision, so every device decides the same.
//!
//! The screen ([`crate::book`]'s `screen`) asks [`Judge::judge`] for each change that
//! passed the signature and author checks, in order; a change that breaks a rule is
//! refused whole. The common rules live here; each kind adds its own in
//! [`crate::kind::RecordKind::check_record`].

use std::collections::BTreeMap;

use automerge::ScalarValue;
use rusqlite::Connection;
use smol_str::SmolStr;

use crate::access::Device;
use crate::doc_id::DocId;
use crate::record::RecordRef;
use crate::text::MAX_TEXT;

mod judge;

pub(crate) use judge::{Judge, Judged, Past};

/// The rule set this program judges by. A book records the version it is kept under in
/// its settings; a program that knows only an older set holds what it receives rather
/// than judge it by rules the others no longer keep (the book never splits silently).
///
/// 2: a branch's finance keeps only its own site's books (the head office's every site's).
/// 3: entries and invoices may name the accounts and VAT rates the `chart` document adds.
pub const RULES_VERSION: i64 = 3;

/// Why a change is held: it names a warehouse this device has not heard of (released
/// when the organisation document brings it).
pub(crate) const HOLD_UNKNOWN_WAREHOUSE: &str = "unknown_warehouse";
/// Why a change is held: it names an account or VAT rate this device's chart does not
/// know yet (released when the chart document brings it).
pub(crate) const HOLD_UNKNOWN_ACCOUNT: &str = "unknown_account";

/// Longest map key (record ids, codes, field names), in bytes.
const MAX_KEY: usize = 200;

/// Why a change fails: refused for good, or waiting for the organisation document to
/// name something it refers to (a warehouse this device has not heard of yet).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Broken {
    /// Refused, with the reason people read.
    Rule(String),
    /// Held until the organisation document moves; the reason code.
    Unknown(&'static str),
}

/// A rule broken, as a kind says it.
pub(crate) fn broken(why: impl Into<String>) -> Broken {
    Broken::Rule(why.into())
}

/// A step below a record's object: a map key or a list element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A key of a map.
    Key(SmolStr),
    /// An element of a list.
    Elem,
}

/// Where an object sits in a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// The document's root (collections are made at genesis, never after).
    Root,
    /// A top-level collection.
    Collection(String),
    /// Inside a record: the record, and the steps from its object down.
    Record { rec: RecordRef, path: Vec<Seg> },
}

impl Place {
    /// Where an object made under `key` of an object at `self` sits.
    fn child(&self, key: Option<&SmolStr>) -> Place {
        let seg = key.map_or(Seg::Elem, |k| Seg::Key(k.clone()));
        match (self, seg) {
            (Place::Root, Seg::Key(k)) => Place::Collection(k.to_string()),
            (Place::Root, Seg::Elem) => Place::Root,
            (Place::Collection(c), Seg::Key(k)) => Place::Record {
                rec: RecordRef::new(c, k.as_str()),
                path: Vec::new(),
            },
            (Place::Collection(c), Seg::Elem) => Place::Collection(c.clone()),
            (Place::Record { rec, path }, seg) => {
                let mut path = path.clone();
                path.push(seg);
                Place::Record {
                    rec: rec.clone(),
                    path,
                }
            }
        }
    }
}

/// A scalar a change wrote, as rules read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// Text.
    Text(SmolStr),
    /// A whole number.
    Int(i64),
    /// Anything else (a flag, null, bytes…).
    Other,
}

impl Scalar {
    fn of(value: &ScalarValue) -> Scalar {
        match value {
            ScalarValue::Str(s) => Scalar::Text(s.clone()),
            ScalarValue::Int(i) => Scalar::Int(*i),
            ScalarValue::Uint(u) => i64::try_from(*u).map_or(Scalar::Other, Scalar::Int),
            _ => Scalar::Other,
        }
    }

    /// The text, if it is text.
    pub fn text(&self) -> Option<&str> {
        match self {
            Scalar::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// What one operation inside a record does.
#[derive(Clone, Debug)]
pub(crate) enum Write {
    /// Sets a key (or a list element) to a scalar.
    Put(Scalar),
    /// Makes a map or list there.
    Make,
}

/// One operation of a change inside a record.
#[derive(Clone, Debug)]
pub(crate) struct RecordOp {
    /// The steps from the record's object to the object written.
    pub path: Vec<Seg>,
    /// The map key written (`None` for a list element).
    pub key: Option<SmolStr>,
    /// Whether it inserts a new list element.
    pub insert: bool,
    /// Whether the object written was made by this same change.
    pub on_new: bool,
    /// What it writes.
    pub write: Write,
}

/// Everything one change does to one record.
#[derive(Clone, Debug)]
pub(crate) struct RecordChange {
    /// The record.
    pub rec: RecordRef,
    /// Whether the change made the record itself.
    pub made: bool,
    /// Its operations on the record, in order.
    pub ops: Vec<RecordOp>,
}

impl RecordChange {
    /// The scalars the change put on the record's own object, by key (the last wins).
    pub fn fields(&self) -> BTreeMap<&str, &Scalar> {
        let mut out = BTreeMap::new();
        for op in &self.ops {
            if let (true, Some(key), Write::Put(v)) = (op.path.is_empty(), &op.key, &op.write) {
                out.insert(key.as_str(), v);
            }
        }
        out
    }

    /// The elements the change appended to the list `list` of the record, each as its
    /// scalar fields, in order.
    pub fn appended(&self, list: &str) -> Vec<BTreeMap<&str, &Scalar>> {
        let mut out: Vec<BTreeMap<&str, &Scalar>> = Vec::new();
        for op in &self.ops {
            match op.path.as_slice() {
                [Seg::Key(l)] if l == list && op.insert => out.push(BTreeMap::new()),
                [Seg::Key(l), Seg::Elem] if l == list && op.on_new => {
                    if let (Some(key), Write::Put(v), Some(last)) =
                        (&op.key, &op.write, out.last_mut())
                    {
                        last.insert(key.as_str(), v);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// What a kind's rules may ask about a change: who wrote it, into which document, and
/// the document as its author saw it.
pub(crate) struct Context<'a> {
    /// The document.
    pub doc_id: &'a DocId,
    /// The change's author.
    pub author: &'a Device,
    /// The book's tables (the organisation: sites, warehouses).
    pub db: &'a Connection,
    /// The sites of the warehouses named so far in the batch.
    pub warehouses: &'a crate::kind::site::WarehouseSites,
    /// The document as the author saw it.
    pub past: Past<'a>,
}

/// Text typed by people: within the longest free text, no control characters.
fn check_text(text: &str) -> Result<(), Broken> {
    if text.chars().count() > MAX_TEXT {
        return Err(broken(format!(
            "a text is longer than {MAX_TEXT} characters"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(broken("a text holds control characters"));
    }
    Ok(())
}

/// Checks an operation on the append-only list `list` of a record (an order's events, a
/// task's comments): only new elements are inserted, and only their own `fields` are
/// written. `None` when the operation is not on that list.
pub(crate) fn append_only(
    op: &RecordOp,
    list: &str,
    fields: &[&str],
    what: &str,
) -> Option<Result<(), Broken>> {
    let rewrites = || {
        Err(broken(format!(
            "it rewrites {what} ({what}s are only appended)"
        )))
    };
    match (op.path.as_slice(), op.key.as_deref()) {
        ([Seg::Key(l)], None) if l == list => {
            Some(if op.insert && matches!(op.write, Write::Make) {
                Ok(())
            } else {
                rewrites()
            })
        }
        ([Seg::Key(l), Seg::Elem], Some(key)) if l == list => Some(if !op.on_new {
            rewrites()
        } else if !fields.contains(&key) {
            Err(broken(format!("{what} with a field {key}")))
        } else {
            Ok(())
        }),
        _ => None,
    }
}

/// Checks that a record or fact made by a change names the change's author in `field`
/// (history shows who did what; nobody writes in another's name).
pub(crate) fn names_author(
    cx: &Context<'_>,
    fields: &BTreeMap<&str, &Scalar>,
    field: &str,
    what: &str,
) -> Result<(), Broken> {
    if fields.get(field).and_then(|v| v.text()) == Some(cx.author.id.as_str()) {
        Ok(())
    } else {
        Err(broken(format!(
            "{what} that names another device as its author"
        )))
    }
}

/// Checks that a record made by a change belongs to its document's site.
pub(crate) fn of_doc_site(
    cx: &Context<'_>,
    fields: &BTreeMap<&str, &Scalar>,
    what: &str,
) -> Result<(), Broken> {
    let site = fields.get("site").and_then(|s| s.text());
    if site.is_some() && site == cx.doc_id.site().map(|s| s.as_str()) {
        Ok(())
    } else {
        Err(broken(format!(
            "{what} for another site than its document's"
        )))
    }
}

/// Checks that a whole number written to `field` lies in `range`.
/// Refuses a record whose `date` field is not a day in its document's month.
pub(crate) fn dated_in_doc_month(
    cx: &Context<'_>,
    fields: &BTreeMap<&str, &Scalar>,
    what: &str,
) -> Result<(), Broken> {
    let date = fields
        .get("date")
        .and_then(|d| d.text())
        .unwrap_or_default();
    let in_month = date
        .parse::<jiff::civil::Date>()
        .ok()
        .zip(cx.doc_id.month())
        .is_some_and(|(d, m)| crate::doc_id::Month::of_date(d) == m);
    if in_month {
        Ok(())
    } else {
        Err(broken(format!("{what} dated outside its document's month")))
    }
}

pub(crate) fn in_range(
    field: &str,
    value: &Scalar,
    range: std::ops::RangeInclusive<i64>,
) -> Result<(), Broken> {
    match value {
        Scalar::Int(v) if range.contains(v) => Ok(()),
        _ => Err(broken(format!(
            "{field} is not a whole number from {} to {}",
            range.start(),
            range.end()
        ))),
    }
}
