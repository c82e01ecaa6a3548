//! [`Desktop`]: the state every command receives: the data dir, the node once there is
//! one, and the language errors are told in.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use outpost_node::i18n::Lang;
use outpost_node::{NetConfig, Node};
use tauri::{AppHandle, Emitter, Runtime};

use crate::error::{Error, Failure, Result};

/// The window event carrying every [`outpost_node::Event`].
pub const NODE_EVENT: &str = "outpost://node";

/// The desktop app's state.
pub struct Desktop {
    data_dir: OnceLock<PathBuf>,
    node: OnceLock<Arc<Node>>,
    /// Held while opening or creating the node, so two calls never open it twice.
    opening: Mutex<()>,
    lang: RwLock<Lang>,
    listen: Vec<String>,
    /// Set while the first-run screen creates or joins an organisation: the book file
    /// exists and is locked by the creator before the node is installed.
    creating: AtomicBool,
}

/// Marks a first-run creation in progress until dropped.
pub(crate) struct Creating<'a>(&'a AtomicBool);

impl Drop for Creating<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Desktop {
    /// State for `data_dir` (set later with [`Desktop::default_data_dir`] if `None`); the
    /// node is opened by [`Desktop::open_existing`] or created by the first-run screen.
    pub fn new(data_dir: Option<PathBuf>, lang: Lang, listen: Vec<String>) -> Desktop {
        let dir = OnceLock::new();
        if let Some(d) = data_dir {
            let _ = dir.set(d);
        }
        Desktop {
            data_dir: dir,
            node: OnceLock::new(),
            opening: Mutex::new(()),
            lang: RwLock::new(lang),
            listen,
            creating: AtomicBool::new(false),
        }
    }

    /// Uses `dir` as the data dir unless one was given.
    pub fn default_data_dir(&self, dir: PathBuf) {
        let _ = self.data_dir.set(dir);
    }

    /// The data dir.
    pub fn data_dir(&self) -> &Path {
        // The app's setup names one before the window can call anything; a relative
        // path is the last resort that keeps a call from failing oddly.
        self.data_dir
            .get()
            .map_or(Path::new("outpost-data"), PathBuf::as_path)
    }

    /// Held while a node is opened or created.
    pub(crate) fn opening(&self) -> std::sync::MutexGuard<'_, ()> {
        self.opening.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks an organisation being created or joined here until the guard drops; a
    /// second one at the same time is refused.
    pub(crate) fn creating(&self) -> Result<Creating<'_>> {
        if self.creating.swap(true, Ordering::SeqCst) || self.node.get().is_some() {
            return Err(Error::AlreadySetUp);
        }
        Ok(Creating(&self.creating))
    }

    /// The language of messages.
    pub fn lang(&self) -> Lang {
        *self.lang.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Switches the language of messages.
    pub fn set_lang(&self, lang: Lang) {
        *self.lang.write().unwrap_or_else(|p| p.into_inner()) = lang;
    }

    /// The node, once this device belongs to an organisation.
    pub fn node(&self) -> Result<Arc<Node>> {
        self.node.get().cloned().ok_or(Error::NotSetUp)
    }

    /// Opens the data dir's node if it holds a book; `Ok(false)` on first run.
    pub fn open_existing<R: Runtime>(&self, app: &AppHandle<R>) -> Result<bool> {
        let _opening = self.opening();
        if self.node.get().is_some() {
            return Ok(true);
        }
        // A book being created right now is not there yet for anyone else.
        if self.creating.load(Ordering::SeqCst)
            || !self.data_dir().join(outpost_node::DB_FILE).exists()
        {
            return Ok(false);
        }
        self.install(app, Node::open(self.data_dir())?)?;
        Ok(true)
    }

    /// Makes `node` this app's node: forwards its events to the window and starts sync
    /// in the background.
    pub fn install<R: Runtime>(&self, app: &AppHandle<R>, node: Node) -> Result<Arc<Node>> {
        let node = Arc::new(node);
        if self.node.set(node.clone()).is_err() {
            return Err(Error::AlreadySetUp);
        }
        let mut events = node.subscribe();
        let window = app.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => {
                        let _ = window.emit(NODE_EVENT, event);
                    }
                    // Missed events only mean a refresh is due: say so with a generic one.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        let _ = window.emit(NODE_EVENT, outpost_node::Event::PeersChanged);
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        let config = NetConfig::office(self.data_dir(), &self.listen)?;
        let networked = node.clone();
        // The swarm is built inside a spawned task: the window never waits on the network.
        tauri::async_runtime::spawn(async move {
            if let Err(e) = networked.start_network(config) {
                tracing::warn!(error = %e, "sync did not start");
            }
        });
        Ok(node)
    }

    /// Runs `call` on the node on a blocking thread (a merge may hold the book for a
    /// moment; the window's thread must never wait for it), telling errors in the
    /// user's language.
    pub async fn run<T, F>(&self, call: F) -> std::result::Result<T, Failure>
    where
        T: Send + 'static,
        F: FnOnce(&Node) -> outpost_node::Result<T> + Send + 'static,
    {
        let lang = self.lang();
        let outcome = match self.node() {
            Ok(node) => tauri::async_runtime::spawn_blocking(move || call(&node))
                .await
                .map_err(|e| Error::Stopped(e.to_string()))
                .and_then(|r| r.map_err(Error::Node)),
            Err(e) => Err(e),
        };
        outcome.map_err(|e| self.failure(&e, lang))
    }

    /// `err` as the window receives it.
    pub fn failure(&self, err: &Error, lang: Lang) -> Failure {
        let failure = Failure::new(lang, err);
        tracing::debug!(code = %failure.code, message = %failure.message, "command failed");
        failure
    }
}
