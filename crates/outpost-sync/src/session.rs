//! Sync sessions: one bidirectional `/outpost/sync/1` stream per pair of members.
//!
//! 1. Each side sends `Hello`: the documents the other may read, with their heads.
//! 2. For every document whose heads differ (or that one side lacks), Automerge's sync
//!    protocol runs: receive a message, apply it, send the reply, until neither side has
//!    anything to send. Equal heads cost nothing more.
//! 3. A document that changes here afterwards (a local write, or a merge from another
//!    peer) is pushed at once.
//!
//! Frames are read by their own task into a queue of [`READ_AHEAD`] frames. A sync
//! message taken from it is prepared at once on a blocking thread (parsed, what it
//! carries loaded: [`Replica::prepare`]) and applied when its turn comes: in the order
//! messages came for each document, one at a time, a document's message without waiting
//! for another document's to be prepared. At most [`IN_FLIGHT`] messages are taken and
//! not yet applied, so a peer that sends faster than we apply is slowed by the stream's
//! flow control, never buffered without bound. Any protocol violation drops the stream
//! with a logged reason; the peer's other work and every other peer go on.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use futures::io::{AsyncReadExt as _, ReadHalf, WriteHalf};
use futures::stream::FuturesUnordered;
use libp2p::{PeerId, Stream, StreamProtocol};
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::{broadcast, mpsc};
use tokio::task::AbortHandle;

use crate::error::{Error, Result};
use crate::join::{JOIN_PROTOCOL, JoinRequest, encode_grant};
use crate::network::Report;
use crate::replica::{Prepared, Rejected, Replica};
use crate::wire::{DocHeads, Frame, read_frame, write_frame};

/// The sync protocol.
pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/outpost/sync/1");
/// Frames read ahead per stream while others are handled (one more overlaps the network
/// with the merge; more only buffers): at most 2 × [`crate::wire::MAX_FRAME`] compressed
/// plus [`IN_FLIGHT`] × [`crate::wire::MAX_MESSAGE`] per peer, however fast it sends. The
/// caps leave room
/// for a month ten times busier than the benchmarks' (Automerge sends what a peer lacks
/// of a document in one message).
const READ_AHEAD: usize = 2;
/// Sync messages taken from the queue and not yet applied, per stream: while one
/// document's message is prepared (a month's whole document loads for a third of a
/// second on one core), another's can be prepared and applied. Each holds what it
/// carries loaded, so this bounds a peer's memory too.
const IN_FLIGHT: usize = 2;
/// Sync messages taken and not yet applied on this node, over every peer (a message
/// waits for a slot after it is read, holding none while its stream is idle): ten
/// offices catching up at once hold no more loaded documents than one does.
pub(crate) const SLOTS: usize = 2;
const JOIN_DEADLINE: Duration = Duration::from_secs(30);
/// The least time between two attempts to open a session with the same peer.
const REOPEN_AFTER: Duration = Duration::from_secs(2);

/// What every session shares.
#[derive(Clone)]
pub(crate) struct Context {
    pub replica: Arc<dyn Replica>,
    /// The node's [`SLOTS`].
    pub slots: Arc<tokio::sync::Semaphore>,
    pub changes: broadcast::Sender<String>,
    /// Figures and session events, for the event loop.
    pub reports: mpsc::UnboundedSender<Report>,
}

/// The running sessions, one per peer.
pub(crate) struct Sessions {
    ctx: Context,
    running: Arc<Mutex<HashMap<PeerId, (u64, AbortHandle)>>>,
    /// Sessions being opened or whose opening failed, with when it was last tried.
    opening: Arc<Mutex<HashMap<PeerId, Instant>>>,
    next_id: Arc<AtomicU64>,
    loops: Vec<AbortHandle>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Sessions {
    pub fn new(ctx: Context) -> Sessions {
        Sessions {
            ctx,
            running: Arc::default(),
            opening: Arc::default(),
            next_id: Arc::default(),
            loops: Vec::new(),
        }
    }

    /// Starts the loops that accept inbound sync and join streams.
    pub fn accept(&mut self, mut control: libp2p_stream::Control) {
        match control.accept(SYNC_PROTOCOL) {
            Ok(mut incoming) => {
                let this = self.handle();
                let task = tokio::spawn(async move {
                    while let Some((peer, stream)) = incoming.next().await {
                        if is_member(&this.ctx, peer).await {
                            this.start(peer, stream);
                        } else {
                            tracing::warn!(%peer, "sync stream from a non-member dropped");
                        }
                    }
                });
                self.loops.push(task.abort_handle());
            }
            Err(e) => tracing::error!(error = %e, "sync protocol registered twice"),
        }
        match control.accept(JOIN_PROTOCOL) {
            Ok(mut incoming) => {
                let ctx = self.ctx.clone();
                let task = tokio::spawn(async move {
                    while let Some((peer, stream)) = incoming.next().await {
                        let ctx = ctx.clone();
                        tokio::spawn(async move {
                            match tokio::time::timeout(
                                JOIN_DEADLINE,
                                serve_join(&ctx, peer, stream),
                            )
                            .await
                            {
                                Ok(Ok(())) => {}
                                Ok(Err(e)) => {
                                    tracing::warn!(%peer, error = %e, "join stream dropped")
                                }
                                Err(_) => tracing::warn!(%peer, "join stream timed out"),
                            }
                        });
                    }
                });
                self.loops.push(task.abort_handle());
            }
            Err(e) => tracing::error!(error = %e, "join protocol registered twice"),
        }
    }

    fn handle(&self) -> Sessions {
        Sessions {
            ctx: self.ctx.clone(),
            running: self.running.clone(),
            opening: self.opening.clone(),
            next_id: self.next_id.clone(),
            loops: Vec::new(),
        }
    }

    /// Opens a session to a member `peer` unless one runs, is being opened, or an
    /// attempt failed less than [`REOPEN_AFTER`] ago.
    pub fn open(&self, peer: PeerId, mut control: libp2p_stream::Control) {
        // Called from the event loop: nothing here may wait on the replica (the book can
        // be busy with a large merge for seconds, and pings must go on meanwhile).
        if self.lock().contains_key(&peer) {
            return;
        }
        {
            let mut opening = self.opening.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            if opening
                .get(&peer)
                .is_some_and(|at| now.duration_since(*at) < REOPEN_AFTER)
            {
                return;
            }
            opening.insert(peer, now);
        }
        let this = self.handle();
        tokio::spawn(async move {
            if !is_member(&this.ctx, peer).await {
                return;
            }
            match control.open_stream(peer, SYNC_PROTOCOL).await {
                Ok(stream) => {
                    this.start(peer, stream);
                    this.opening
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&peer);
                }
                Err(e) => tracing::info!(%peer, error = %e, "cannot open a sync stream"),
            }
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PeerId, (u64, AbortHandle)>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs a session on `stream`, replacing an older one with the same peer (a
    /// reconnect whose old stream has not noticed yet).
    fn start(&self, peer: PeerId, stream: Stream) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let ctx = self.ctx.clone();
        let running = self.running.clone();
        let task = tokio::spawn(async move {
            report(&ctx, Report::Syncing(peer, true));
            let result = run(&ctx, peer, stream).await;
            let reason = result.err().map(|e| e.to_string());
            match &reason {
                Some(r) => tracing::warn!(%peer, reason = %r, "sync stream dropped"),
                None => tracing::info!(%peer, "sync session closed"),
            }
            let replica = ctx.replica.clone();
            let _ = tokio::task::spawn_blocking(move || replica.disconnected(&peer)).await;
            report(&ctx, Report::Syncing(peer, false));
            let mut map = running.lock().unwrap_or_else(|p| p.into_inner());
            if map.get(&peer).is_some_and(|(i, _)| *i == id) {
                map.remove(&peer);
            }
            drop(map);
            report(&ctx, Report::Ended { peer, reason });
        });
        if let Some((_, old)) = self.lock().insert(peer, (id, task.abort_handle())) {
            old.abort();
        }
    }

    /// Ends the session with `peer`, if any.
    pub fn stop(&self, peer: &PeerId) {
        if let Some((_, task)) = self.lock().remove(peer) {
            task.abort();
        }
    }

    /// Ends every session and accept loop.
    pub fn stop_all(&mut self) {
        for (_, (_, task)) in self.lock().drain() {
            task.abort();
        }
        for task in self.loops.drain(..) {
            task.abort();
        }
    }
}

/// Tells the event loop; a loop that has stopped hears nothing, which is fine.
fn report(ctx: &Context, report: Report) {
    let _ = ctx.reports.send(report);
}

fn count(ctx: &Context, peer: PeerId, sent: usize, received: usize) {
    report(
        ctx,
        Report::Frame {
            peer,
            sent,
            received,
            at_ms: now_ms(),
        },
    );
}

/// Asks the replica whether `peer` is an active member, on a blocking thread.
async fn is_member(ctx: &Context, peer: PeerId) -> bool {
    let replica = ctx.replica.clone();
    tokio::task::spawn_blocking(move || replica.is_member(&peer))
        .await
        .unwrap_or(false)
}

/// Runs a replica call on a blocking thread: it touches the disk.
async fn blocking<T: Send + 'static>(
    ctx: &Context,
    f: impl FnOnce(&dyn Replica) -> std::result::Result<T, Rejected> + Send + 'static,
) -> Result<T> {
    let replica = ctx.replica.clone();
    tokio::task::spawn_blocking(move || f(replica.as_ref()))
        .await
        .map_err(|e| Error::Protocol(format!("replica task failed: {e}")))?
        .map_err(|e| Error::Protocol(e.0))
}

struct Session<'a> {
    ctx: &'a Context,
    peer: PeerId,
    writer: WriteHalf<Stream>,
    /// Documents offered to the peer (we only ever push those).
    offered: BTreeSet<String>,
}

impl Session<'_> {
    async fn send(&mut self, frame: &Frame) -> Result<()> {
        let n = write_frame(&mut self.writer, frame).await?;
        count(self.ctx, self.peer, n, 0);
        Ok(())
    }

    async fn push(&mut self, doc: String) -> Result<()> {
        let peer = self.peer;
        let d = doc.clone();
        if let Some(message) = blocking(self.ctx, move |r| r.generate(&peer, &d)).await? {
            self.send(&Frame::Sync { doc, message }).await?;
        }
        Ok(())
    }

    async fn push_all(&mut self, docs: Vec<String>) -> Result<()> {
        for doc in docs {
            self.push(doc).await?;
        }
        Ok(())
    }

    async fn on_hello(&mut self, theirs: Vec<DocHeads>) -> Result<()> {
        let peer = self.peer;
        let ours = {
            let theirs = theirs.clone();
            blocking(self.ctx, move |r| {
                r.hello(&peer, &theirs)?;
                r.offer(&peer)
            })
            .await?
        };
        let their_heads: HashMap<&str, &Vec<[u8; 32]>> =
            theirs.iter().map(|d| (d.doc.as_str(), &d.heads)).collect();
        let mut differ: BTreeSet<String> = BTreeSet::new();
        for d in &ours {
            self.offered.insert(d.doc.clone());
            if their_heads.get(d.doc.as_str()) != Some(&&d.heads) {
                differ.insert(d.doc.clone());
            }
        }
        // Documents they have and we lack: our (empty) side starts the exchange; the
        // replica says nothing for documents we may not hold.
        for d in &theirs {
            if !self.offered.contains(&d.doc) {
                differ.insert(d.doc.clone());
            }
        }
        self.push_all(differ.into_iter().collect()).await
    }

    async fn on_prepared(&mut self, doc: String, prepared: Prepared) -> Result<()> {
        let peer = self.peer;
        let d = doc.clone();
        let received = blocking(self.ctx, move |r| r.apply(&peer, &d, prepared)).await?;
        if received.changed {
            // Every other session hears of it (store and forward).
            let _ = self.ctx.changes.send(doc.clone());
        }
        if let Some(message) = received.reply {
            self.send(&Frame::Sync { doc, message }).await?;
        }
        Ok(())
    }
}

/// A sync message read and not yet taken (it waits for a slot).
struct Waiting {
    doc: String,
    message: Vec<u8>,
}

/// A message prepared, with its place in the order it came and its document, holding
/// its slot until it is applied.
struct Done {
    at: u64,
    doc: String,
    prepared: std::result::Result<Prepared, Rejected>,
    _slot: OwnedSemaphorePermit,
}

/// The sync messages taken from a stream and not yet applied ([`IN_FLIGHT`] at most):
/// each is prepared on a blocking thread as soon as it is taken, and applied when every
/// earlier message for its document has been.
#[derive(Default)]
struct Inbox {
    taken: u64,
    /// Per document, the messages not yet applied, in the order they came.
    order: HashMap<String, VecDeque<u64>>,
    preparing: FuturesUnordered<tokio::task::JoinHandle<Done>>,
    /// Prepared, waiting for an earlier message of the same document.
    ready: Vec<Done>,
}

impl Inbox {
    fn has_room(&self) -> bool {
        self.preparing.len() + self.ready.len() < IN_FLIGHT
    }

    fn is_empty(&self) -> bool {
        self.preparing.is_empty() && self.ready.is_empty()
    }

    /// Starts preparing `message` from `peer` for `doc` in `slot`.
    fn take(&mut self, ctx: &Context, peer: PeerId, waiting: Waiting, slot: OwnedSemaphorePermit) {
        let Waiting { doc, message } = waiting;
        let at = self.taken;
        self.taken += 1;
        self.order.entry(doc.clone()).or_default().push_back(at);
        let replica = ctx.replica.clone();
        self.preparing.push(tokio::task::spawn_blocking(move || {
            let prepared = replica.prepare(&peer, &doc, message);
            Done {
                at,
                doc,
                prepared,
                _slot: slot,
            }
        }));
    }

    /// A prepared message whose turn it is, if any.
    fn next_turn(&mut self) -> Option<Done> {
        let i = self
            .ready
            .iter()
            .position(|d| self.order.get(&d.doc).and_then(|q| q.front()) == Some(&d.at))?;
        let done = self.ready.swap_remove(i);
        if let Some(queue) = self.order.get_mut(&done.doc) {
            queue.pop_front();
            if queue.is_empty() {
                self.order.remove(&done.doc);
            }
        }
        Some(done)
    }
}

async fn run(ctx: &Context, peer: PeerId, stream: Stream) -> Result<()> {
    let (reader, writer) = stream.split();
    let mut changes = ctx.changes.subscribe();
    let (frames_tx, mut frames) = mpsc::channel(READ_AHEAD);
    let reader_task = tokio::spawn(read_frames(reader, frames_tx));
    let mut session = Session {
        ctx,
        peer,
        writer,
        offered: BTreeSet::new(),
    };
    let offer = blocking(ctx, move |r| {
        r.connected(&peer);
        r.offer(&peer)
    })
    .await?;
    session.send(&Frame::Hello(offer)).await?;
    let mut greeted = false;
    let mut inbox = Inbox::default();
    let mut waiting: Option<Waiting> = None;
    // The peer stopped sending: what it sent before is still applied.
    let mut ended = false;
    let result = loop {
        if ended && inbox.is_empty() && waiting.is_none() {
            break Ok(());
        }
        tokio::select! {
            frame = frames.recv(), if !ended && waiting.is_none() && inbox.has_room() => {
                let step = match frame {
                    None => {
                        ended = true;
                        Ok(())
                    }
                    Some(Err(e)) => Err(e),
                    Some(Ok((frame, size))) => {
                        count(ctx, peer, 0, size);
                        match frame {
                            Frame::Hello(docs) if !greeted => {
                                greeted = true;
                                session.on_hello(docs).await
                            }
                            Frame::Sync { doc, message } if greeted => {
                                let read = Waiting { doc, message };
                                match ctx.slots.clone().try_acquire_owned() {
                                    Ok(slot) => inbox.take(ctx, peer, read, slot),
                                    Err(_) => waiting = Some(read),
                                }
                                Ok(())
                            }
                            other => Err(Error::Protocol(format!(
                                "unexpected {} frame", frame_name(&other)
                            ))),
                        }
                    }
                };
                if let Err(e) = step {
                    break Err(e);
                }
            }
            slot = ctx.slots.clone().acquire_owned(), if waiting.is_some() => {
                match (slot, waiting.take()) {
                    (Ok(slot), Some(read)) => inbox.take(ctx, peer, read, slot),
                    (Ok(_), None) => {}
                    (Err(e), _) => break Err(Error::Protocol(format!("no slot: {e}"))),
                }
            }
            Some(done) = inbox.preparing.next(), if !inbox.preparing.is_empty() => {
                let step = match done {
                    Ok(done) => {
                        inbox.ready.push(done);
                        apply_turns(&mut session, &mut inbox).await
                    }
                    Err(e) => Err(Error::Protocol(format!("replica task failed: {e}"))),
                };
                if let Err(e) = step {
                    break Err(e);
                }
            }
            changed = changes.recv(), if greeted => {
                let docs: Vec<String> = match changed {
                    Ok(doc) => vec![doc],
                    // Fell behind: say everything we hold that they may read.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        blocking(ctx, move |r| r.offer(&peer)).await?
                            .into_iter().map(|d| d.doc).collect()
                    }
                    Err(broadcast::error::RecvError::Closed) => break Ok(()),
                };
                if let Err(e) = session.push_all(docs).await {
                    break Err(e);
                }
            }
        }
    };
    reader_task.abort();
    result
}

/// Applies every prepared message whose turn it is.
async fn apply_turns(session: &mut Session<'_>, inbox: &mut Inbox) -> Result<()> {
    while let Some(done) = inbox.next_turn() {
        let prepared = done.prepared.map_err(|e| Error::Protocol(e.0))?;
        session.on_prepared(done.doc, prepared).await?;
        // Its slot is free now (dropped with the rest of `done`).
    }
    Ok(())
}

fn frame_name(frame: &Frame) -> &'static str {
    match frame {
        Frame::Hello(_) => "hello",
        Frame::Sync { .. } => "sync",
        Frame::Join(_) => "join",
        Frame::JoinReply(_) => "join reply",
    }
}

async fn read_frames(mut reader: ReadHalf<Stream>, out: mpsc::Sender<Result<(Frame, usize)>>) {
    loop {
        let next = read_frame(&mut reader).await;
        let stop = !matches!(next, Ok(Some(_)));
        let item = match next {
            Ok(Some(f)) => Ok(f),
            Ok(None) => return,
            Err(e) => Err(e),
        };
        if out.send(item).await.is_err() || stop {
            return;
        }
    }
}

/// Answers one invite presented on `/outpost/join/1`.
async fn serve_join(ctx: &Context, peer: PeerId, mut stream: Stream) -> Result<()> {
    if is_member(ctx, peer).await {
        return Err(Error::Protocol("a member presented an invite".into()));
    }
    let Some((Frame::Join(body), _)) = read_frame(&mut stream).await? else {
        return Err(Error::Protocol("expected a join frame".into()));
    };
    let request: JoinRequest = serde_json::from_slice(&body)
        .map_err(|e| Error::Protocol(format!("malformed join request: {e}")))?;
    let replica = ctx.replica.clone();
    let result = tokio::task::spawn_blocking(move || replica.join(&peer, &request))
        .await
        .map_err(|e| Error::Protocol(format!("join task failed: {e}")))?;
    match &result {
        Ok(grant) => {
            tracing::info!(invite = %peer, site = %grant.site, role = %grant.role, "member joined")
        }
        Err(refusal) => tracing::warn!(invite = %peer, %refusal, "invite refused"),
    }
    if result.is_ok() {
        let _ = ctx.changes.send("org".to_string());
    }
    write_frame(&mut stream, &Frame::JoinReply(encode_grant(&result))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(at: u64, doc: &str, slots: &Arc<tokio::sync::Semaphore>) -> Done {
        Done {
            at,
            doc: doc.to_string(),
            prepared: Ok(Prepared::Raw(vec![at as u8])),
            _slot: slots.clone().try_acquire_owned().expect("a free slot"),
        }
    }

    fn turns(inbox: &mut Inbox) -> Vec<u64> {
        std::iter::from_fn(|| inbox.next_turn().map(|d| d.at)).collect()
    }

    #[test]
    fn a_documents_messages_apply_in_the_order_they_came_whatever_is_prepared_first() {
        let slots = Arc::new(tokio::sync::Semaphore::new(4));
        let mut inbox = Inbox::default();
        for (at, doc) in [(0, "a"), (1, "b"), (2, "a"), (3, "b")] {
            inbox
                .order
                .entry(doc.to_string())
                .or_default()
                .push_back(at);
        }
        // Prepared out of order: b's first message may go, a's second waits for a's first.
        inbox.ready.push(prepared(2, "a", &slots));
        inbox.ready.push(prepared(1, "b", &slots));
        assert_eq!(turns(&mut inbox), vec![1]);
        inbox.ready.push(prepared(3, "b", &slots));
        assert_eq!(turns(&mut inbox), vec![3]);
        inbox.ready.push(prepared(0, "a", &slots));
        assert_eq!(
            slots.available_permits(),
            2,
            "two prepared messages hold a slot each"
        );
        assert_eq!(turns(&mut inbox), vec![0, 2]);
        assert!(inbox.order.is_empty() && inbox.ready.is_empty());
        assert_eq!(
            slots.available_permits(),
            4,
            "an applied message frees its slot"
        );
    }
}
