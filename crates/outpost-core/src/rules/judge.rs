//! Judging a batch of changes in order: placing each change's operations, reading the
//! document as its author saw it (the document at the heads of its past, plus what the
//! batch's earlier changes made), and asking the rules.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use foldhash::HashMap;

use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{ActorId, Automerge, Change, ChangeHash, ExpandedChange, ObjId, Prop, ReadDoc};
use rusqlite::Connection;
use smol_str::SmolStr;

use super::{
    Broken, Context, MAX_KEY, Place, RecordChange, RecordOp, Scalar, Seg, Write, broken, check_text,
};
use crate::access::Device;
use crate::doc_id::DocId;
use crate::record::{RecordRef, RecordsByChange};

/// An author of changes in the batch, by the order the judge met them ([`Authors`]).
type Author = u32;

/// A change's place in the batch being judged: its author's sequence number and the
/// changes of the batch in its causal past, as a clock (per [`Author`], the highest
/// sequence number; 0 for none).
type Clock = Vec<u64>;

/// An object made by an operation: the operation's counter and author.
type ObjKey = (u64, Author);

/// A record or list element made in the batch: its author, the sequence number of the
/// change that made it, and the fields that change gave it.
type Fact = (Author, u64, BTreeMap<SmolStr, Scalar>);

/// The authors a batch's changes and operations name, each given a small number when
/// first met: an actor id is some forty bytes on the heap, and hashing or copying one
/// for each of a month's operations cost more than the rules they served.
#[derive(Default)]
struct Authors {
    numbers: RefCell<HashMap<ActorId, Author>>,
    /// The last author asked about (a change's operations mostly name its own author).
    last: RefCell<Option<(ActorId, Author)>>,
}

impl Authors {
    /// The number of `actor`, given one if new.
    fn of(&self, actor: &ActorId) -> Author {
        if let Some((last, number)) = &*self.last.borrow()
            && last == actor
        {
            return *number;
        }
        let mut numbers = self.numbers.borrow_mut();
        let next = numbers.len() as Author;
        let number = *numbers.entry(actor.clone()).or_insert(next);
        *self.last.borrow_mut() = Some((actor.clone(), number));
        number
    }
}

/// What the changes of a batch judged so far made: the document does not hold them yet,
/// so later changes of the batch see them through here.
#[derive(Default)]
pub(crate) struct Overlay {
    /// Objects made by accepted changes of the batch.
    objects: HashMap<ObjKey, Arc<Place>>,
    /// Per accepted change: its batch clock and the document's changes in its past
    /// (shared: a batch's changes nearly all stand on the same ones).
    past: HashMap<ChangeHash, (Clock, Arc<[ChangeHash]>)>,
    /// Records made by accepted changes.
    records: HashMap<RecordRef, Fact>,
    /// Elements appended to records' lists by accepted changes.
    appended: HashMap<(RecordRef, String), Vec<Fact>>,
}

/// The document as one change's author saw it: the document's changes in its past and
/// the batch's, for the kinds' state questions.
pub(crate) struct Past<'a> {
    doc: &'a Automerge,
    /// The document's changes in the past; `None` when that is the whole document now.
    heads: Option<&'a [ChangeHash]>,
    clock: &'a Clock,
    overlay: &'a Overlay,
    /// Where the records asked about sit in the document as it is now (the judge's for
    /// the whole batch).
    now: &'a RefCell<Now>,
}

/// Where records and their collections sit in the document as it is now, as found: the
/// document does not change while a batch is judged, and a month's changes ask about the
/// same orders thousands of times.
#[derive(Default)]
struct Now {
    records: HashMap<RecordRef, Option<ObjId>>,
    collections: HashMap<String, Option<ObjId>>,
}

impl Past<'_> {
    fn sees(&self, author: Author, seq: u64) -> bool {
        self.clock.get(author as usize).is_some_and(|s| *s >= seq)
    }

    fn get(&self, obj: &ObjId, prop: impl Into<Prop>) -> Option<(automerge::Value<'_>, ObjId)> {
        match self.heads {
            None => self.doc.get(obj, prop).ok().flatten(),
            Some(heads) => self.doc.get_at(obj, prop, heads).ok().flatten(),
        }
    }

    /// The collection `name` in the document (found once per batch when read as it is now).
    fn collection(&self, name: &str) -> Option<ObjId> {
        let find = || Some(self.get(&automerge::ROOT, name)?.1);
        if self.heads.is_some() {
            return find();
        }
        if let Some(known) = self.now.borrow().collections.get(name) {
            return known.clone();
        }
        let found = find();
        self.now
            .borrow_mut()
            .collections
            .insert(name.to_string(), found.clone());
        found
    }

    fn record_obj(&self, rec: &RecordRef) -> Option<ObjId> {
        let find = || {
            Some(
                self.get(&self.collection(&rec.collection)?, rec.key.as_str())?
                    .1,
            )
        };
        if self.heads.is_some() {
            return find();
        }
        if let Some(known) = self.now.borrow().records.get(rec) {
            return known.clone();
        }
        let found = find();
        self.now
            .borrow_mut()
            .records
            .insert(rec.clone(), found.clone());
        found
    }

    /// Whether `key` of `obj` (in the document) held a value besides those in `removed`:
    /// removing the others resolves a conflict and deletes nothing.
    fn keeps_another(&self, obj: &str, key: &str, removed: &[String]) -> bool {
        let Ok(obj) = self.doc.import_obj(obj) else {
            return false;
        };
        let values = match self.heads {
            None => self.doc.get_all(&obj, key),
            Some(heads) => self.doc.get_all_at(&obj, key, heads),
        };
        values
            .unwrap_or_default()
            .iter()
            .any(|(_, id)| !removed.contains(&id.to_string()))
    }

    /// Whether the record existed.
    pub fn exists(&self, rec: &RecordRef) -> bool {
        self.overlay
            .records
            .get(rec)
            .is_some_and(|(a, s, _)| self.sees(*a, *s))
            || self.record_obj(rec).is_some()
    }

    /// A text field of the record as it was (for fields set once, at creation).
    pub fn text(&self, rec: &RecordRef, field: &str) -> Option<String> {
        if let Some((author, seq, fields)) = self.overlay.records.get(rec)
            && self.sees(*author, *seq)
        {
            return fields.get(field).and_then(|v| v.text()).map(str::to_string);
        }
        let obj = self.record_obj(rec)?;
        match self.get(&obj, field)? {
            (automerge::Value::Scalar(s), _) => Scalar::of(&s).text().map(str::to_string),
            _ => None,
        }
    }

    /// The text field `field` of every element of the record's list `list`.
    pub fn list_texts(&self, rec: &RecordRef, list: &str, field: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(obj) = self.record_obj(rec)
            && let Some((_, list_obj)) = self.get(&obj, list)
        {
            let len = match self.heads {
                None => self.doc.length(&list_obj),
                Some(heads) => self.doc.length_at(&list_obj, heads),
            };
            for i in 0..len {
                let value = self
                    .get(&list_obj, i)
                    .and_then(|(_, elem)| self.get(&elem, field));
                if let Some((automerge::Value::Scalar(s), _)) = value
                    && let Some(text) = Scalar::of(&s).text()
                {
                    out.push(text.to_string());
                }
            }
        }
        let key = (rec.clone(), list.to_string());
        for (author, seq, fields) in self.overlay.appended.get(&key).into_iter().flatten() {
            if self.sees(*author, *seq)
                && let Some(text) = fields.get(field).and_then(|v| v.text())
            {
                out.push(text.to_string());
            }
        }
        out
    }
}

/// Judges the changes of one batch for one document, in order, remembering what the
/// accepted ones made.
pub(crate) struct Judge<'a> {
    doc_id: &'a DocId,
    doc: &'a Automerge,
    db: &'a Connection,
    heads_now: Vec<ChangeHash>,
    overlay: Overlay,
    /// The records each accepted change touched (the merge need not read them again).
    touched: RecordsByChange,
    /// Where the document's objects sit, as found (a batch writes to the same
    /// collections thousands of times; finding one's path walks the document).
    places: RefCell<HashMap<ObjKey, Arc<Place>>>,
    authors: Authors,
    /// Where records sit in the document now, as found ([`Past::record_obj`]).
    now: RefCell<Now>,
    warehouses: crate::kind::site::WarehouseSites,
}

/// Whether a change can be judged now, and what it did.
pub(crate) enum Judged {
    /// Its dependencies are neither here nor earlier in the batch: it comes again later.
    Early,
    /// The rules hold; [`Judge::accepted`] records what it made.
    Keeps(Box<Decoded>),
    /// A rule is broken.
    Breaks(Broken),
    /// It resolves a conflict that changes earlier in the batch made: judge it once they
    /// are merged.
    AfterMerge,
}

/// A change's operations, placed, kept between judging and accepting it.
pub(crate) struct Decoded {
    hash: ChangeHash,
    author: Author,
    seq: u64,
    clock: Clock,
    doc_heads: Arc<[ChangeHash]>,
    made: Vec<(ObjKey, Arc<Place>)>,
    records: Vec<RecordChange>,
    /// Values it removes from a key (object, key, the operations removed): how
    /// Automerge resolves a conflict toward a value already there.
    removals: Vec<(String, String, Vec<String>)>,
    /// Every record it touched, for history and projections.
    touched: Vec<RecordRef>,
}

impl<'a> Judge<'a> {
    /// A judge for changes to `doc` (as loaded now, before any of the batch is merged).
    pub fn new(doc_id: &'a DocId, doc: &'a Automerge, db: &'a Connection) -> Self {
        let mut heads_now = doc.get_heads();
        heads_now.sort();
        Judge {
            doc_id,
            doc,
            db,
            heads_now,
            overlay: Overlay::default(),
            touched: HashMap::default(),
            places: RefCell::default(),
            now: RefCell::default(),
            authors: Authors::default(),
            warehouses: Default::default(),
        }
    }

    /// The records each accepted change touched. What the batch made is let go once the
    /// merge has committed ([`crate::free::after_commit`]) when it is large: a month's
    /// overlay is some hundred thousand small allocations, a tenth of a second to free
    /// that the merge need not wait for.
    pub fn into_touched(self) -> RecordsByChange {
        let Judge {
            overlay,
            touched,
            places,
            now,
            ..
        } = self;
        if overlay.past.len() >= crate::repo::PARALLEL_FROM {
            crate::free::after_commit((overlay, places, now));
        }
        touched
    }

    /// Makes room for a batch of `changes` changes (a month's would otherwise regrow
    /// the maps a dozen times).
    pub fn reserve(&mut self, changes: usize) {
        self.overlay.past.reserve(changes);
        // A month's changes make three or four objects each (an order, its lines and
        // events; a status event; movements).
        self.overlay.objects.reserve(changes * 4);
        self.overlay.records.reserve(changes);
        self.touched.reserve(changes);
        self.now.get_mut().records.reserve(changes);
    }

    /// The document judged.
    pub fn doc_id(&self) -> &DocId {
        self.doc_id
    }

    /// Judges `change` by `author` under rule set `version`.
    #[cfg(test)]
    pub fn judge(&self, change: &Change, author: &Device, version: i64) -> Judged {
        self.judge_expanded(change, &change.decode(), author, version)
    }

    /// [`Judge::judge`], given the change's operations expanded already (`change.decode()`,
    /// which a large batch does on the second core while earlier changes are judged).
    pub fn judge_expanded(
        &self,
        change: &Change,
        expanded: &ExpandedChange,
        author: &Device,
        version: i64,
    ) -> Judged {
        // Sets 1 and 2 differ only in who may author (`access::may_keep_books_of`): a book
        // kept under set 1 names no head office, so there every site counts as one.
        let _ = version;
        let Some((clock, doc_heads)) = self.past_of(change) else {
            return Judged::Early;
        };
        let decoded = match self.decode(change, expanded, clock, doc_heads) {
            Ok(decoded) => decoded,
            Err(broken) => return Judged::Breaks(broken),
        };
        let past = Past {
            doc: self.doc,
            heads: (*decoded.doc_heads != *self.heads_now).then_some(&*decoded.doc_heads),
            clock: &decoded.clock,
            overlay: &self.overlay,
            now: &self.now,
        };
        if !decoded.removals.is_empty() {
            if change
                .deps()
                .iter()
                .any(|d| self.overlay.past.contains_key(d))
            {
                return Judged::AfterMerge;
            }
            for (obj, key, removed) in &decoded.removals {
                if !past.keeps_another(obj, key, removed) {
                    return Judged::Breaks(broken(
                        "it deletes (records and facts are never deleted)",
                    ));
                }
            }
        }
        let cx = Context {
            doc_id: self.doc_id,
            author,
            db: self.db,
            warehouses: &self.warehouses,
            past,
        };
        for record in &decoded.records {
            if let Err(broken) = check_record(&cx, record) {
                return Judged::Breaks(broken);
            }
        }
        Judged::Keeps(Box::new(decoded))
    }

    /// Remembers what an accepted change made, for the rest of the batch.
    pub fn accepted(&mut self, decoded: Decoded) {
        let Decoded {
            hash,
            author,
            seq,
            clock,
            doc_heads,
            made,
            records,
            removals: _,
            touched,
        } = decoded;
        self.touched.insert(hash, touched);
        self.overlay.objects.extend(made);
        for record in records {
            if record.made {
                let fact = (author, seq, owned(record.fields()));
                self.overlay.records.insert(record.rec.clone(), fact);
            }
            let lists: std::collections::BTreeSet<&str> = record
                .ops
                .iter()
                .filter_map(|op| match op.path.as_slice() {
                    [Seg::Key(list)] if op.insert => Some(list.as_str()),
                    _ => None,
                })
                .collect();
            for list in lists {
                let key = (record.rec.clone(), list.to_string());
                let facts = self.overlay.appended.entry(key).or_default();
                for fields in record.appended(list) {
                    facts.push((author, seq, owned(fields)));
                }
            }
        }
        self.overlay.past.insert(hash, (clock, doc_heads));
    }

    /// The batch clock of `change` and the document's changes in its past; `None` when a
    /// dependency is neither in the document nor accepted earlier in the batch.
    fn past_of(&self, change: &Change) -> Option<(Clock, Arc<[ChangeHash]>)> {
        let mut clock = Clock::new();
        let mut doc_heads = Vec::new();
        // The document's changes in the past of every dependency made in the batch,
        // when they are the same (nearly always): shared, not copied.
        let mut shared: Option<Option<&Arc<[ChangeHash]>>> = None;
        for dep in change.deps() {
            if let Some((dep_clock, dep_heads)) = self.overlay.past.get(dep) {
                if clock.len() < dep_clock.len() {
                    clock.resize(dep_clock.len(), 0);
                }
                for (mine, theirs) in clock.iter_mut().zip(dep_clock) {
                    *mine = (*mine).max(*theirs);
                }
                shared = match shared {
                    None => Some(Some(dep_heads)),
                    Some(Some(same)) if Arc::ptr_eq(same, dep_heads) => Some(Some(same)),
                    _ => Some(None),
                };
                doc_heads.extend_from_slice(dep_heads);
            } else if self.doc.get_change_meta_by_hash(dep).is_some() {
                shared = Some(None);
                doc_heads.push(*dep);
            } else {
                return None;
            }
        }
        let author = self.authors.of(change.actor_id()) as usize;
        if clock.len() <= author {
            clock.resize(author + 1, 0);
        }
        clock[author] = change.seq();
        let doc_heads = match shared {
            Some(Some(same)) => same.clone(),
            _ => {
                doc_heads.sort();
                doc_heads.dedup();
                doc_heads.into()
            }
        };
        Some((clock, doc_heads))
    }

    /// Places `change`'s operations and applies the rules common to every kind.
    fn decode(
        &self,
        change: &Change,
        expanded: &ExpandedChange,
        clock: Clock,
        doc_heads: Arc<[ChangeHash]>,
    ) -> Result<Decoded, Broken> {
        // Keyed by operation id, not its text: formatting every operation's object id (an
        // actor's 76 hex digits) cost more than judging it.
        // Places are shared, not copied: a month's operations each name one, and a copy
        // is a record's collection, key and path, several allocations.
        let mut made: HashMap<ObjKey, Arc<Place>> = HashMap::default();
        let author = self.authors.of(&expanded.actor_id);
        let mut records: Vec<RecordChange> = Vec::new();
        let mut removals = Vec::new();
        let mut touched = Vec::new();
        for (i, op) in expanded.operations.iter().enumerate() {
            let (place, on_new) = match &op.obj {
                ObjectId::Root => (Arc::new(Place::Root), false),
                ObjectId::Id(id) => {
                    let obj = (id.0, self.authors.of(&id.1));
                    match made.get(&obj) {
                        Some(place) => (place.clone(), true),
                        None => (self.place_of(id, obj)?, false),
                    }
                }
            };
            let key = match &op.key {
                Key::Map(k) => Some(k.clone()),
                Key::Seq(_) => None,
            };
            if key.as_ref().is_some_and(|k| k.len() > MAX_KEY) {
                return Err(broken("a key is longer than any record's"));
            }
            let write = match &op.action {
                OpType::Put(value) => {
                    let scalar = Scalar::of(value);
                    if let Scalar::Text(text) = &scalar {
                        check_text(text)?;
                    }
                    Write::Put(scalar)
                }
                OpType::Make(_) => {
                    let id = (expanded.start_op.get() + i as u64, author);
                    made.insert(id, Arc::new(place.child(key.as_ref())));
                    Write::Make
                }
                OpType::Delete => match (&*place, &key, on_new) {
                    (Place::Record { rec, .. }, Some(key), false) => {
                        let removed = op.pred.iter().map(ToString::to_string).collect();
                        removals.push((op.obj.to_string(), key.to_string(), removed));
                        touched.push(rec.clone());
                        continue;
                    }
                    _ => return Err(broken("it deletes (records and facts are never deleted)")),
                },
                OpType::Increment(_) | OpType::MarkBegin(_) | OpType::MarkEnd(_) => {
                    return Err(broken("it uses an operation no record has"));
                }
            };
            let (rec, path) = match &*place {
                Place::Root => return Err(broken("it writes at the document's root")),
                Place::Collection(coll) => {
                    let Some(key) = key else {
                        return Err(broken("it writes a list into a collection"));
                    };
                    if !matches!(write, Write::Make) && !crate::kind::scalars_at_top(coll) {
                        return Err(broken(format!(
                            "it puts a value in place of a record of {coll}"
                        )));
                    }
                    if matches!(write, Write::Make) && !op.pred.is_empty() {
                        return Err(broken(format!("it replaces a record of {coll}")));
                    }
                    let rec = RecordRef::new(coll, key.as_str());
                    let made_here = matches!(write, Write::Make);
                    let entry = record_entry(&mut records, &rec);
                    entry.made |= made_here;
                    if !made_here {
                        entry.ops.push(RecordOp {
                            path: Vec::new(),
                            key: Some(key),
                            insert: false,
                            on_new,
                            write,
                        });
                    }
                    continue;
                }
                Place::Record { rec, path } => (rec, path),
            };
            record_entry(&mut records, rec).ops.push(RecordOp {
                path: path.clone(),
                key,
                insert: op.insert,
                on_new,
                write,
            });
        }
        Ok(Decoded {
            hash: change.hash(),
            author,
            seq: change.seq(),
            clock,
            doc_heads,
            made: made.into_iter().collect(),
            touched: {
                touched.extend(records.iter().map(|r| r.rec.clone()));
                touched.sort();
                touched.dedup();
                touched
            },
            records,
            removals,
        })
    }

    /// Where an object made before this change sits: made earlier in the batch, or in
    /// the document (an object never moves, so its place is the one it was made in).
    /// `key` is `obj` as the judge's maps know it.
    fn place_of(&self, obj: &OpId, key: ObjKey) -> Result<Arc<Place>, Broken> {
        if let Some(place) = self.overlay.objects.get(&key) {
            return Ok(place.clone());
        }
        if let Some(place) = self.places.borrow().get(&key) {
            return Ok(place.clone());
        }
        let unknown = || broken("it writes to an object the document does not have");
        let text = ObjectId::Id(obj.clone()).to_string();
        let id = self.doc.import_obj(&text).map_err(|_| unknown())?;
        let path = self.doc.parents(&id).map_err(|_| unknown())?.path();
        let mut place = Place::Root;
        for (_, prop) in path {
            place = place.child(
                match &prop {
                    Prop::Map(k) => Some(SmolStr::new(k)),
                    Prop::Seq(_) => None,
                }
                .as_ref(),
            );
        }
        let place = Arc::new(place);
        self.places.borrow_mut().insert(key, place.clone());
        Ok(place)
    }
}

/// The record's entry in `records`, added if new.
fn record_entry<'r>(records: &'r mut Vec<RecordChange>, rec: &RecordRef) -> &'r mut RecordChange {
    let at = match records.iter().position(|r| &r.rec == rec) {
        Some(at) => at,
        None => {
            records.push(RecordChange {
                rec: rec.clone(),
                made: false,
                ops: Vec::new(),
            });
            records.len() - 1
        }
    };
    &mut records[at]
}

/// A record the change touches must not have existed if the change made it, and must
/// keep its kind's rules.
fn check_record(cx: &Context<'_>, record: &RecordChange) -> Result<(), Broken> {
    if record.made && cx.past.exists(&record.rec) {
        return Err(broken(format!(
            "it replaces {} {}",
            record.rec.kind(),
            record.rec.key
        )));
    }
    match crate::kind::owner(&record.rec.collection) {
        Some((kind, _)) => kind.check_record(cx, record),
        None => Err(broken(format!(
            "no kind of record lives in {}",
            record.rec.collection
        ))),
    }
}

/// Fields as the overlay keeps them.
fn owned(fields: BTreeMap<&str, &Scalar>) -> BTreeMap<SmolStr, Scalar> {
    fields
        .into_iter()
        .map(|(k, v)| (SmolStr::new(k), v.clone()))
        .collect()
}
