//! [`Host`]: a front end's hold on the node of one data dir, through its whole life —
//! nothing yet (first run), being opened, being created or joined, open, or unusable —
//! so a window only shows where it stands and never keeps state of its own.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use outpost_core::{NewOrg, SampleSpec};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::net::NetConfig;
use crate::node::{DB_FILE, Event, Node};
use crate::secrets::Unlock;

/// Where the node of a data dir stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Lifecycle {
    /// No book in the data dir: the first-run screen (create, join, demo).
    Empty,
    /// The book is being opened.
    Opening,
    /// An organisation is being created or joined here.
    Creating,
    /// The book is open.
    Open,
    /// The book's keys are locked with a passphrase: the front end asks for it
    /// ([`Host::unlock`]). `wrong` when the last one given did not open them.
    Passphrase {
        /// Whether a passphrase was given and did not open the keys.
        wrong: bool,
    },
    /// The book exists but cannot be opened (another process has it, its keyring is
    /// unreachable, it is damaged); `reason` says why in the host's language (the front
    /// end shows its own words for `locked`).
    Unusable {
        /// Whether another Outpost process holds the data dir.
        locked: bool,
        /// Why, for the log and for support.
        reason: String,
    },
}

/// How the node of a front end starts its network once open.
#[derive(Clone, Debug)]
pub enum Networking {
    /// No network (tests of the front end on Tauri's mock runtime).
    Off,
    /// An office: `NetConfig::office` over these listen addresses (any port if empty).
    Office(Vec<String>),
}

struct State {
    lifecycle: Lifecycle,
    node: Option<Arc<Node>>,
    lang: Lang,
}

/// Where a front end stands: its data dir, the node's lifecycle and, once open, who this
/// device is.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HostStatus {
    /// The data dir in use.
    pub data_dir: String,
    /// The language of messages (`en` or `zh`).
    pub lang: String,
    /// Where the node stands.
    pub lifecycle: Lifecycle,
    /// This device in its organisation, once the book is open.
    pub setup: Option<Setup>,
}

/// This device in its organisation.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Setup {
    /// The organisation's name.
    pub org: String,
    /// This device's registration.
    pub me: outpost_core::Device,
    /// What its member may do.
    pub capabilities: outpost_core::Capabilities,
    /// Its libp2p peer id.
    pub peer_id: String,
    /// Addresses peers can dial it at (once the network runs).
    pub listen: Vec<String>,
    /// Whether the book's keys are locked with a passphrase (otherwise they sit in the
    /// data dir, readable by this user only).
    pub sealed: bool,
    /// Where the book's keys are kept.
    pub keys: crate::KeyGuard,
    /// Whether a backup passphrase is set (backups can be written).
    pub backup_passphrase: bool,
    /// A device restored from a backup: what it still waits to hear about.
    pub catch_up: Option<outpost_core::CatchUp>,
}

impl Node {
    /// This device in its organisation: who it is, what it may do, where it listens.
    pub fn setup(&self) -> Result<Setup> {
        Ok(Setup {
            org: self.org_name()?,
            me: self.me()?,
            capabilities: self.capabilities()?,
            peer_id: self.identity().peer_id().to_string(),
            listen: self.listen_addrs().iter().map(|a| a.to_string()).collect(),
            sealed: self.is_sealed(),
            keys: self.key_guard(),
            backup_passphrase: self.has_backup_passphrase(),
            catch_up: self.catch_up()?,
        })
    }
}

/// A front end's hold on the node of one data dir.
pub struct Host {
    data_dir: PathBuf,
    networking: Networking,
    /// What unlocks the data dir's keys (a passphrase from the environment, or typed).
    unlock: Mutex<Unlock>,
    /// Where the host runs what happens in the background (event forwarding, sync).
    runtime: tokio::runtime::Handle,
    state: Mutex<State>,
    /// Node events, and the host's own lifecycle events, for the window.
    events: broadcast::Sender<Event>,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

impl Host {
    /// A host for the book in `data_dir` (not opened yet: see [`Host::open_existing`]),
    /// its keys unlocked with `unlock`; background work runs on `runtime`; messages are
    /// told in `lang` until changed.
    pub fn new(
        data_dir: PathBuf,
        networking: Networking,
        unlock: Unlock,
        runtime: tokio::runtime::Handle,
        lang: Lang,
    ) -> Host {
        let (events, _) = broadcast::channel(256);
        Host {
            data_dir,
            networking,
            unlock: Mutex::new(unlock),
            runtime,
            state: Mutex::new(State {
                lifecycle: Lifecycle::Empty,
                node: None,
                lang,
            }),
            events,
        }
    }

    /// The data dir.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Every node event once a node is open, and lifecycle changes.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the node stands now.
    pub fn lifecycle(&self) -> Lifecycle {
        self.state().lifecycle.clone()
    }

    /// The language messages are told in.
    pub fn lang(&self) -> Lang {
        self.state().lang
    }

    /// Tells messages in `lang` from now on.
    pub fn set_lang(&self, lang: Lang) {
        self.state().lang = lang;
    }

    /// The data dir, the lifecycle and (once open) this device's setup. Opens an
    /// existing book first if nothing has yet.
    pub fn status(&self) -> Result<HostStatus> {
        let lifecycle = self.open_existing();
        let setup = match self.node() {
            Ok(node) => Some(node.setup()?),
            Err(_) => None,
        };
        Ok(HostStatus {
            data_dir: self.data_dir.display().to_string(),
            lang: self.lang().code().to_string(),
            lifecycle,
            setup,
        })
    }

    /// Closes the open node's book (the application is quitting): background work still
    /// running finds it closed instead of reaching into SQLite while the process ends.
    pub fn close(&self) {
        let node = self.state().node.clone();
        if let Some(node) = node {
            node.close();
        }
    }

    /// The open node, or the error a call made too early gets.
    pub fn node(&self) -> Result<Arc<Node>> {
        self.state().node.clone().ok_or(Error::NotOpen)
    }

    fn set(&self, lifecycle: Lifecycle) {
        self.state().lifecycle = lifecycle;
        let _ = self.events.send(Event::LifecycleChanged);
    }

    /// Moves from `Empty` (or `Unusable`) to `to`, or says why not: another call is
    /// opening or creating, or a node is open already.
    fn begin(&self, to: Lifecycle) -> Result<()> {
        let mut state = self.state();
        match state.lifecycle {
            Lifecycle::Empty | Lifecycle::Unusable { .. } => {
                state.lifecycle = to;
                drop(state);
                let _ = self.events.send(Event::LifecycleChanged);
                Ok(())
            }
            Lifecycle::Open => Err(Error::AlreadySetUp),
            Lifecycle::Opening | Lifecycle::Creating | Lifecycle::Passphrase { .. } => {
                Err(Error::Busy)
            }
        }
    }

    /// Opens the data dir's book if it holds one (and if no other call is opening or
    /// creating it); returns where the node stands after.
    pub fn open_existing(&self) -> Lifecycle {
        if !self.data_dir.join(DB_FILE).exists() {
            return self.lifecycle();
        }
        if self.begin(Lifecycle::Opening).is_err() {
            return self.lifecycle();
        }
        let unlock = self.unlock();
        match Node::open(&self.data_dir, &unlock) {
            Ok(node) => {
                self.install(node);
            }
            Err(Error::PassphraseNeeded) => self.set(Lifecycle::Passphrase { wrong: false }),
            Err(Error::WrongPassphrase) => {
                // Not kept: every status read would stretch it again.
                *self.unlock.lock().unwrap_or_else(|p| p.into_inner()) = Unlock::none();
                self.set(Lifecycle::Passphrase { wrong: true });
            }
            Err(e) => {
                tracing::error!(error = %e, dir = %self.data_dir.display(), "cannot open the book");
                self.set(Lifecycle::Unusable {
                    locked: matches!(e, Error::Locked(_)),
                    reason: crate::i18n::error(self.lang(), &e),
                });
            }
        }
        self.lifecycle()
    }

    fn unlock(&self) -> Unlock {
        self.unlock
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Opens a book locked with a passphrase with `passphrase` (typed in the window);
    /// returns where the node stands after (still [`Lifecycle::Passphrase`] with `wrong`
    /// if it did not open the keys). Does nothing unless the book is waiting for one.
    pub fn unlock_with(&self, passphrase: &str) -> Lifecycle {
        {
            let mut state = self.state();
            if !matches!(state.lifecycle, Lifecycle::Passphrase { .. }) {
                return state.lifecycle.clone();
            }
            state.lifecycle = Lifecycle::Empty;
        }
        *self.unlock.lock().unwrap_or_else(|p| p.into_inner()) =
            Unlock::with_passphrase(passphrase);
        self.open_existing()
    }

    /// Creates an organisation here (first run), with a busy site's sample data if
    /// `sample` is given.
    pub fn create(&self, org: NewOrg, sample: Option<SampleSpec>) -> Result<Arc<Node>> {
        self.begin(Lifecycle::Creating)?;
        let created = Node::create(&self.data_dir, org, &self.unlock()).and_then(|node| {
            if let Some(spec) = sample {
                node.fill_sample(&spec)?;
            }
            Ok(node)
        });
        self.finish(created)
    }

    /// Joins an organisation with an invite code (first run).
    pub async fn join(&self, code: &str, name: &str) -> Result<Arc<Node>> {
        self.begin(Lifecycle::Creating)?;
        let joined = Node::join(&self.data_dir, code, name, &self.unlock())
            .await
            .map(|(node, _)| node);
        self.finish(joined)
    }

    /// Brings this device back from its backup at `backup`, opened with the backup
    /// `passphrase` (first run on a new machine).
    pub fn restore(&self, backup: &Path, passphrase: &str) -> Result<Arc<Node>> {
        self.begin(Lifecycle::Creating)?;
        let restored = Node::restore(&self.data_dir, backup, Some(passphrase), &self.unlock());
        self.finish(restored)
    }

    fn finish(&self, made: Result<Node>) -> Result<Arc<Node>> {
        match made {
            Ok(node) => Ok(self.install(node)),
            Err(e) => {
                self.set(Lifecycle::Empty);
                Err(e)
            }
        }
    }

    /// Makes `node` the open node: forwards its events and starts its network in the
    /// background (the caller never waits on the network).
    fn install(&self, node: Node) -> Arc<Node> {
        let node = Arc::new(node);
        let mut events = node.subscribe();
        let forward = self.events.clone();
        let networking = self.networking.clone();
        let data_dir = self.data_dir.clone();
        let networked = node.clone();
        {
            let _runtime = self.runtime.enter();
            node.run_backup_schedule();
            self.runtime.spawn(async move {
                loop {
                    match events.recv().await {
                        Ok(event) => {
                            let _ = forward.send(event);
                        }
                        // Missed events only mean a refresh is due: say so with a generic one.
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            tracing::debug!(missed = n, "node events lagged");
                            let _ = forward.send(Event::PeersChanged);
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                    }
                }
            });
            if let Networking::Office(listen) = networking {
                self.runtime.spawn(async move {
                    let started = NetConfig::office(&data_dir, &listen)
                        .and_then(|config| networked.start_network(config));
                    if let Err(e) = started {
                        tracing::warn!(error = %e, "sync did not start");
                    }
                });
            }
        }
        {
            let mut state = self.state();
            state.node = Some(node.clone());
            state.lifecycle = Lifecycle::Open;
        }
        let _ = self.events.send(Event::LifecycleChanged);
        node
    }
}
