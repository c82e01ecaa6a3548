//! `outpost`: the command-line front end of an Outpost node.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use outpost_node::i18n::{self, Lang, Msg};

fn main() -> ExitCode {
    let env_lang = std::env::var("OUTPOST_LANG")
        .ok()
        .and_then(|l| Lang::parse(&l))
        .unwrap_or_else(Lang::from_env);
    // clap would reject non-UTF-8 arguments in English; say it in the user's language.
    for (n, arg) in std::env::args_os().enumerate() {
        if arg.to_str().is_none() {
            eprintln!(
                "{}: {}",
                Msg::ErrorPrefix.text(env_lang),
                i18n::fill(env_lang, Msg::ErrInvalidUtf8, &[("n", &n)])
            );
            return ExitCode::from(2);
        }
    }
    let cli = cli::args::Cli::parse();
    // A serving node logs what it does; a command prints only warnings. OUTPOST_LOG
    // (error, warn, info, debug, trace) overrides either.
    let level = std::env::var("OUTPOST_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(if matches!(cli.command, cli::args::Command::Serve(_)) {
            tracing::Level::INFO
        } else {
            tracing::Level::WARN
        });
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let lang = cli
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(env_lang);
    let out = cli::out::Out::stdout(lang, cli.json);
    let mut cli = cli;
    cli.command = match cli::run::resolve_bundle_secret(cli.command, &out) {
        Ok(command) => command,
        Err(err) => {
            eprintln!(
                "{}: {}",
                Msg::ErrorPrefix.text(lang),
                i18n::error(lang, &err)
            );
            return ExitCode::from(1);
        }
    };
    let dir = cli.data_dir.clone().or_else(outpost_node::default_data_dir);
    let forwarded = dir.and_then(|d| cli::serve::forward(&d, &cli.command, lang));
    if let Some(result) = forwarded {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{}: {message}", Msg::ErrorPrefix.text(lang));
                ExitCode::from(1)
            }
        };
    }
    match cli::run::run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!(
                "{}: {}",
                Msg::ErrorPrefix.text(lang),
                i18n::error(lang, &err)
            );
            ExitCode::from(1)
        }
    }
}
