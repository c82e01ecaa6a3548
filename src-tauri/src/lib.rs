//! outpost-desktop: the Tauri 2 window over an [`outpost_node::Host`].
//!
//! [`configure`] manages the host, registers the commands (one line each, in
//! [`commands`]) and the notification plugin on any runtime's builder, so tests run it on
//! Tauri's mock runtime; [`run`] opens the real window. The host's events (node events and
//! lifecycle changes) reach the window as the [`NODE_EVENT`] event.
//!
//! **Does not know** business rules or the crates below the node: every decision is
//! outpost-core's, reached through outpost-node's API; the window (ui/) only shows what
//! it is told and sends what was typed. The host owns the node's lifecycle (first run,
//! opening, creating, open); the shell keeps no state of its own.
#![deny(missing_docs)]

pub mod bindings;
pub mod commands;
mod error;

use std::path::PathBuf;

use outpost_node::i18n::Lang;
use outpost_node::{Host, Networking, Unlock};
use tauri::{Builder, Emitter, Manager, Runtime};

pub use error::Failure;

/// The window event carrying every [`outpost_node::Event`].
pub const NODE_EVENT: &str = "outpost://node";

/// How the app starts: where the book lives, the language, the network.
#[derive(Clone, Debug)]
pub struct Options {
    /// The data dir.
    pub data_dir: PathBuf,
    /// The language of messages until the window picks one.
    pub lang: Lang,
    /// Whether and where the node listens once open.
    pub networking: Networking,
    /// What unlocks the book: `OUTPOST_PASSPHRASE` or `OUTPOST_PASSPHRASE_FILE`, if set.
    pub unlock: Unlock,
}

impl Options {
    /// `OUTPOST_DATA_DIR` (else `book` in the platform's data dir of the app named
    /// `identifier`, where Tauri keeps the app's data), the locale, and `OUTPOST_LISTEN`
    /// (comma-separated).
    pub fn from_env(identifier: &str) -> Options {
        let app_data = directories::BaseDirs::new()
            .map(|d| d.data_dir().join(identifier))
            .unwrap_or_else(|| PathBuf::from(identifier));
        Options {
            data_dir: std::env::var_os("OUTPOST_DATA_DIR")
                .filter(|d| !d.is_empty())
                .map_or_else(|| app_data.join("book"), PathBuf::from),
            lang: Lang::from_env(),
            networking: Networking::Office(
                std::env::var("OUTPOST_LISTEN")
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect(),
            ),
            // A passphrase file others may read is refused (and said in the log); the
            // window then finds the book locked.
            unlock: Unlock::from_env().unwrap_or_else(|e| {
                tracing::error!(error = %e, "ignoring the passphrase given");
                Unlock::none()
            }),
        }
    }
}

/// Registers Outpost's host, commands and plugins on `builder` (any runtime: tests pass
/// Tauri's mock builder).
pub fn configure<R: Runtime>(builder: Builder<R>, options: Options) -> Builder<R> {
    let runtime = tauri::async_runtime::handle().inner().clone();
    // Managed before setup (which runs once the event loop starts), so every command
    // finds it; the first `app_status` opens the book if setup has not.
    let host = Host::new(
        options.data_dir,
        options.networking,
        options.unlock,
        runtime,
        options.lang,
    );
    builder
        .manage(host)
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let host = app.state::<Host>();
            let mut events = host.subscribe();
            let window = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    match events.recv().await {
                        Ok(event) => {
                            let _ = window.emit(NODE_EVENT, event);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            tracing::debug!(missed = n, "window events lagged");
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    }
                }
            });
            // A book that cannot be opened (locked, damaged) leaves the window up, and
            // the lifecycle says why, rather than no window at all.
            host.open_existing();
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::unlock,
            commands::change_passphrase,
            commands::set_lang,
            commands::create_org,
            commands::join_org,
            commands::today,
            commands::sites,
            commands::add_site,
            commands::warehouses,
            commands::items,
            commands::save_item,
            commands::parties,
            commands::save_party,
            commands::orders,
            commands::count_orders,
            commands::order,
            commands::preview_order,
            commands::save_order,
            commands::act_on_order,
            commands::levels,
            commands::movements,
            commands::transfers_in_transit,
            commands::record_stock,
            commands::chart,
            commands::add_account,
            commands::rename_account,
            commands::set_account_active,
            commands::vat_rates,
            commands::add_vat_rate,
            commands::set_vat_rate_active,
            commands::entries,
            commands::save_entry,
            commands::reverse_entry,
            commands::trial_balance,
            commands::invoices,
            commands::payments,
            commands::ageing,
            commands::save_invoice,
            commands::save_payment,
            commands::credit_invoice,
            commands::set_tax_number,
            commands::import_statement,
            commands::bank_lines,
            commands::unmatched_payments,
            commands::match_bank_line,
            commands::receive_bank_line,
            commands::export_trial_balance,
            commands::export_journal,
            commands::export_ageing,
            commands::balance_sheet,
            commands::income_statement,
            commands::stock_valuation,
            commands::export_balance_sheet,
            commands::export_income_statement,
            commands::export_stock_valuation,
            commands::sales,
            commands::finance_overview,
            commands::export_sales,
            commands::close_month,
            commands::closes,
            commands::tasks,
            commands::task,
            commands::save_task,
            commands::edit_task,
            commands::comment_task,
            commands::conflicts,
            commands::resolve_conflict,
            commands::history,
            commands::exceptions,
            commands::acknowledged_exceptions,
            commands::acknowledge_exception,
            commands::devices,
            commands::invites,
            commands::create_invite,
            commands::revoke,
            commands::held_changes,
            commands::decide_held,
            commands::rename_device,
            commands::keep_draft,
            commands::draft,
            commands::drafts,
            commands::drop_draft,
            commands::peers,
            commands::sync_status,
            commands::add_peer,
            commands::backup,
            commands::set_backup_passphrase,
            commands::restore_backup,
            commands::backup_schedule,
            commands::set_backup_schedule,
            commands::last_backup,
            commands::import_bundle,
        ])
}

/// Opens the desktop app (blocks until the window closes).
pub fn run() {
    let filter = std::env::var("OUTPOST_LOG").unwrap_or_else(|_| "warn".into());
    let level = filter.parse().unwrap_or(tracing::Level::WARN);
    tracing_subscriber::fmt().with_max_level(level).init();
    let context = tauri::generate_context!();
    let options = Options::from_env(&context.config().identifier);
    let app = match configure(tauri::Builder::default(), options).build(context) {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "the desktop app did not start");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            app.state::<Host>().close();
        }
    });
}
