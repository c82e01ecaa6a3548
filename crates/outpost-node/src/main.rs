//! `outpost`: the command-line front end of an Outpost node.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use outpost_node::i18n::{self, Lang, Msg};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .init();
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
    let lang = cli
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(env_lang);
    let out = cli::out::Out {
        lang,
        json: cli.json,
    };
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
