//! `outpost serve` (the always-on node), `outpost join`, and how other `outpost` commands
//! reach a running node: a Unix socket in the data dir.
//!
//! The node holds its data dir's lock, so while it serves, a second process cannot open
//! the book. A command started meanwhile sends its arguments over the socket; the serving
//! process runs it against its own node and sends back the output.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;
use outpost_node::i18n::{self, Lang, Msg};
use outpost_node::{NetConfig, Node, Result, Unlock};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

use super::args::{BackupCmd, Cli, Command, ServeArgs};
use super::out::Out;

const SOCKET: &str = "outpost.sock";
/// Longest forwarded request accepted.
const MAX_REQUEST: usize = 1 << 20;

#[derive(Serialize, Deserialize)]
struct Request {
    args: Vec<String>,
    /// The caller's working directory: relative paths in `args` are relative to it.
    #[serde(default)]
    cwd: PathBuf,
    /// A bundle's passphrase, resolved by the caller (the socket answers its owner only).
    #[serde(default)]
    bundle_passphrase: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Reply {
    stdout: String,
    error: Option<String>,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| outpost_node::Error::DataDir {
            path: PathBuf::from("."),
            source,
        })
}

/// Whether a command may run inside a serving node for another process.
fn forwardable(command: &Command) -> bool {
    !matches!(
        command,
        Command::Init(_)
            | Command::Serve(_)
            | Command::Join { .. }
            | Command::WriteLoop { .. }
            | Command::Passphrase(_)
            | Command::Restore { .. }
            | Command::Backup {
                check: Some(BackupCmd::Verify { .. } | BackupCmd::Passphrase),
                ..
            }
    )
}

/// Runs the command in the node serving `dir`, if one is; `None` when none serves.
pub fn forward(
    dir: &Path,
    command: &Command,
    lang: Lang,
) -> Option<std::result::Result<(), String>> {
    if !forwardable(command) {
        return None;
    }
    // No socket to connect to: nobody serves this data dir, the command opens the book.
    let stream = UnixStream::connect(dir.join(SOCKET)).ok()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cwd = std::env::current_dir().unwrap_or_default();
    Some(
        exchange(
            stream,
            &Request {
                args,
                cwd,
                bundle_passphrase: command.bundle_secret().map(str::to_string),
            },
            lang,
        )
        .and_then(|reply| {
            print!("{}", reply.stdout);
            match reply.error {
                None => Ok(()),
                Some(e) => Err(e),
            }
        }),
    )
}

/// Sends one request to the serving node and reads its reply.
fn exchange(
    mut stream: UnixStream,
    request: &Request,
    lang: Lang,
) -> std::result::Result<Reply, String> {
    let failed = |e: &dyn std::fmt::Display| i18n::fill(lang, Msg::ErrNoAnswer, &[("reason", &e)]);
    let mut line = serde_json::to_string(request).map_err(|e| failed(&e))?;
    line.push('\n');
    stream.write_all(line.as_bytes()).map_err(|e| failed(&e))?;
    let mut reply = String::new();
    BufReader::new(stream)
        .read_line(&mut reply)
        .map_err(|e| failed(&e))?;
    serde_json::from_str(&reply).map_err(|e| failed(&e))
}

/// `outpost serve`: runs the node with its network until SIGTERM or Ctrl-C.
pub fn serve(dir: &Path, args: ServeArgs, unlock: &Unlock, out: &Out) -> Result<()> {
    let rt = runtime()?;
    rt.block_on(async {
        let node = Arc::new(Node::open(dir, unlock)?);
        let listen = outpost_node::parse_addrs(&args.listen)?;
        node.start_network(NetConfig {
            listen,
            mdns: !args.no_mdns,
            relay: !args.no_relay,
        })?;
        node.run_backup_schedule();
        let me = node.me()?;
        out.say(
            Msg::Serving,
            &[("device", &me.code), ("peer", &node.identity().peer_id())],
        );
        let socket = dir.join(SOCKET);
        // A socket left by a killed node: we hold the lock, so nobody else serves.
        let _ = std::fs::remove_file(&socket);
        let socket_error = |source| outpost_node::Error::DataDir {
            path: socket.clone(),
            source,
        };
        let listener = tokio::net::UnixListener::bind(&socket).map_err(socket_error)?;
        // Whoever may talk to the socket may run any command as this device: its owner only.
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))
            .map_err(socket_error)?;
        let owner = std::fs::metadata(dir).map_err(socket_error)?.uid();
        let ipc = tokio::spawn(answer_commands(listener, node.clone(), owner));
        // Print addresses as they come up (tests and users read them).
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        for a in node.listen_addrs() {
            out.say(Msg::ListeningOn, &[("addr", &a)]);
        }
        wait_for_stop().await;
        ipc.abort();
        // Sync work still running on the runtime's threads finds the book closed rather
        // than reaching into SQLite as the process ends.
        node.close();
        let _ = std::fs::remove_file(&socket);
        out.say(Msg::ServeStopped, &[]);
        Ok(())
    })
}

async fn wait_for_stop() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot watch SIGTERM");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: stopping"),
    }
}

/// Runs commands sent over the socket by processes of `owner` (the data dir's owner);
/// connections from any other user are closed unanswered.
async fn answer_commands(listener: tokio::net::UnixListener, node: Arc<Node>, owner: u32) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        match stream.peer_cred() {
            Ok(cred) if cred.uid() == owner => {}
            Ok(cred) => {
                tracing::warn!(uid = cred.uid(), "refused a command from another user");
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "refused a command from an unknown process");
                continue;
            }
        }
        let node = node.clone();
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            let mut reader = tokio::io::BufReader::new(read.take(MAX_REQUEST as u64));
            if reader.read_line(&mut line).await.is_err() {
                return;
            }
            let reply = tokio::task::spawn_blocking(move || run_forwarded(&node, &line))
                .await
                .unwrap_or_else(|e| Reply {
                    stdout: String::new(),
                    error: Some(e.to_string()),
                });
            if let Ok(mut text) = serde_json::to_string(&reply) {
                text.push('\n');
                let _ = write.write_all(text.as_bytes()).await;
            }
        });
    }
}

fn run_forwarded(node: &Node, line: &str) -> Reply {
    let fail = |e: String| Reply {
        stdout: String::new(),
        error: Some(e),
    };
    let Ok(request) = serde_json::from_str::<Request>(line) else {
        return fail("malformed request".into());
    };
    let cli = match Cli::try_parse_from(std::iter::once("outpost".to_string()).chain(request.args))
    {
        Ok(cli) => cli,
        Err(e) => return fail(e.to_string()),
    };
    let lang = cli
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(Lang::from_env);
    let out = Out::captured(lang, cli.json);
    if !forwardable(&cli.command) {
        return fail(i18n::error(
            lang,
            &outpost_node::Error::Locked(node.data_dir().to_path_buf()),
        ));
    }
    let command = cli
        .command
        .with_paths_from(&request.cwd)
        .with_bundle_secret(request.bundle_passphrase);
    let result = super::run::dispatch(node, command, &out);
    Reply {
        stdout: out.take(),
        error: result.err().map(|e| i18n::error(lang, &e)),
    }
}

/// `outpost join CODE`: a new device joins with an invite.
pub fn join(dir: &Path, code: &str, name: &str, unlock: &Unlock, out: &Out) -> Result<()> {
    let rt = runtime()?;
    let (node, joined) = rt.block_on(Node::join(dir, code, name, unlock))?;
    drop(node);
    out.json(&joined);
    out.say(
        Msg::JoinedAs,
        &[
            ("org", &joined.org),
            ("role", &out.word(&joined.role)),
            ("site", &joined.site),
            ("device", &joined.device_code),
        ],
    );
    Ok(())
}
