//! outpost-desktop: the Tauri 2 window over an [`outpost_node::Node`].
//!
//! [`configure`] registers the commands (one per Node call, in [`commands`]), the state
//! ([`Desktop`]) and the notification plugin on any runtime's builder, so tests can run it
//! on Tauri's mock runtime; [`run`] opens the real window. Node events reach the window as
//! the [`NODE_EVENT`] event; the node's sync runs on Tauri's async runtime.
//!
//! **Does not know** business rules: every decision is outpost-core's, reached through
//! outpost-node; the window (ui/) only shows and asks.
#![deny(missing_docs)]

pub mod commands;
mod desktop;
mod error;

use std::path::PathBuf;

use outpost_node::i18n::Lang;
use tauri::{Builder, Manager, Runtime};

pub use desktop::{Desktop, NODE_EVENT};
pub use error::{Error, Failure, Result};

/// How the app starts: where the book lives, the language, the listen addresses.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The data dir; a folder of the app's data dir if `None`.
    pub data_dir: Option<PathBuf>,
    /// The language of messages until the window picks one.
    pub lang: Lang,
    /// Addresses to listen on; any free port if empty.
    pub listen: Vec<String>,
}

impl Options {
    /// `OUTPOST_DATA_DIR`, the locale, and `OUTPOST_LISTEN` (comma-separated).
    pub fn from_env() -> Options {
        Options {
            data_dir: std::env::var_os("OUTPOST_DATA_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            lang: Lang::from_env(),
            listen: std::env::var("OUTPOST_LISTEN")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect(),
        }
    }
}

/// Registers Outpost's state, commands and plugins on `builder` (any runtime: tests pass
/// Tauri's mock builder).
pub fn configure<R: Runtime>(builder: Builder<R>, options: Options) -> Builder<R> {
    // Managed before setup (which runs only once the event loop starts), so every
    // command finds its state; the first `app_status` opens the book if setup has not.
    builder
        .manage(Desktop::new(options.data_dir, options.lang, options.listen))
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let desktop = app.state::<Desktop>();
            desktop.default_data_dir(app.path().app_data_dir()?.join("book"));
            // A book that cannot be opened (locked, corrupt) leaves the window up, and
            // `app_status` tells why, rather than no window at all.
            if let Err(e) = desktop.open_existing(app.handle()) {
                tracing::error!(error = %e, dir = %desktop.data_dir().display(), "cannot open the book");
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::set_lang,
            commands::create_org,
            commands::join_org,
            commands::today,
            commands::sites,
            commands::add_site,
            commands::warehouses,
            commands::items,
            commands::add_item,
            commands::edit_item,
            commands::edit_party,
            commands::parties,
            commands::add_party,
            commands::orders,
            commands::count_orders,
            commands::order,
            commands::create_order,
            commands::edit_order,
            commands::edit_lines,
            commands::act_on_order,
            commands::levels,
            commands::movements,
            commands::transfers_in_transit,
            commands::move_stock,
            commands::tasks,
            commands::task,
            commands::create_task,
            commands::edit_task,
            commands::comment_task,
            commands::conflicts,
            commands::resolve_conflict,
            commands::history,
            commands::exceptions,
            commands::devices,
            commands::invites,
            commands::create_invite,
            commands::revoke,
            commands::rename_device,
            commands::keep_draft,
            commands::draft,
            commands::drafts,
            commands::drop_draft,
            commands::peers,
            commands::sync_status,
            commands::add_peer,
            commands::backup,
            commands::last_backup,
            commands::import_bundle,
        ])
}

/// Opens the desktop app (blocks until the window closes).
pub fn run() {
    let filter = std::env::var("OUTPOST_LOG").unwrap_or_else(|_| "warn".into());
    let level = filter.parse().unwrap_or(tracing::Level::WARN);
    tracing_subscriber::fmt().with_max_level(level).init();
    let app = configure(tauri::Builder::default(), Options::from_env());
    if let Err(e) = app.run(tauri::generate_context!()) {
        tracing::error!(error = %e, "the desktop app stopped");
        std::process::exit(1);
    }
}
