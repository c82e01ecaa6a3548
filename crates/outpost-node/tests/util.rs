//! Helpers: a temp dir holding devices' data dirs, and a command runner.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A temp dir for one test.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// A device whose data dir is `<tmp>/<name>`.
    pub fn device(&self, name: &str) -> Device {
        Device {
            data_dir: self.tmp.path().join(name),
            lang: "en".into(),
            env: Vec::new(),
        }
    }
}

/// Runs `outpost` against one data dir.
#[derive(Clone)]
pub struct Device {
    pub data_dir: PathBuf,
    pub lang: String,
    /// Extra environment of every command (a passphrase, say).
    pub env: Vec<(String, String)>,
}

impl Device {
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_outpost"));
        cmd.env("OUTPOST_DATA_DIR", &self.data_dir)
            .env("OUTPOST_LANG", &self.lang)
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .env_remove("OUTPOST_PASSPHRASE")
            .env_remove("OUTPOST_PASSPHRASE_FILE")
            .env_remove("OUTPOST_BACKUP_PASSPHRASE")
            // Not the developer's desktop keyring: a test that wants one starts its own.
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("OUTPOST_KEYRING")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(args);
        cmd
    }

    /// Sets the passphrase this device's backups open with (and keeps it in `env`, so
    /// its later commands, a restore from its backups say, have it).
    pub fn set_backup_passphrase(&mut self, passphrase: &str) {
        self.env.retain(|(k, _)| k != "OUTPOST_BACKUP_PASSPHRASE");
        self.env
            .push(("OUTPOST_BACKUP_PASSPHRASE".into(), passphrase.into()));
        self.ok(&["backup", "passphrase"]);
    }

    /// Runs and returns the raw output.
    pub fn output(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.output(args);
        assert!(
            out.status.success(),
            "outpost {args:?} failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs with `--json`, asserts success, parses stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// Runs, asserts failure with exit code 1, returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.output(args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "outpost {args:?} should fail; stderr: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }

    /// The projection dump, to check that failed commands changed nothing.
    pub fn dump(&self) -> String {
        self.ok(&["dump"])
    }

    /// The dump without stock at cost, which only devices that read a ledger keep: what
    /// two devices of one site in different roles share.
    pub fn shared_dump(&self) -> String {
        let mut out = String::new();
        let mut costs = false;
        for line in self.dump().lines() {
            if line.starts_with('[') {
                costs = line.starts_with("[movement_costs]");
            }
            if !costs {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

/// Sets up SH (device `a`, admin) with site BJ, two items, a customer and a supplier, and
/// BJ (device `b`, clerk) admitted by `a` from a join request on a file.
pub fn two_offices(dir: &Dir) -> (Device, Device) {
    let a = dir.device("a");
    a.ok(&[
        "init",
        "--org",
        "Demo Trading",
        "--site",
        "SH",
        "--site-name",
        "Shanghai",
        "--name",
        "Li Wei",
    ]);
    a.ok(&["site", "add", "BJ", "Beijing"]);
    a.ok(&[
        "item",
        "add",
        "--sku",
        "TEA",
        "--name",
        "Green tea",
        "--price",
        "35.00",
        "--low-stock",
        "5",
    ]);
    a.ok(&[
        "item", "add", "--sku", "CUP", "--name", "Tea cup", "--price", "12.50",
    ]);
    a.ok(&["customer", "add", "Acme"]);
    a.ok(&["supplier", "add", "Hangzhou Tea Co"]);
    let b = dir.device("b");
    admit_by_file(dir, &a, &b, "clerk", "BJ", "Wang Fang");
    (a, b)
}

/// Adds `new` to `admin`'s organisation without a network between them: an invite, the
/// new device's join request on a file, the admin's admission and the bundle it writes.
pub fn admit_by_file(dir: &Dir, admin: &Device, new: &Device, role: &str, site: &str, name: &str) {
    let invite = admin.json(&["invite", "new", "--role", role, "--site", site]);
    let code = invite["code"].as_str().unwrap();
    let request = dir.path().join(format!("{name}.request"));
    let bundle = dir.path().join(format!("{name}.bundle"));
    new.ok(&[
        "join",
        code,
        "--name",
        name,
        "--request",
        request.to_str().unwrap(),
    ]);
    admin.ok(&[
        "member",
        "admit",
        request.to_str().unwrap(),
        "--bundle",
        bundle.to_str().unwrap(),
    ]);
    new.ok(&["init", "--join-bundle", bundle.to_str().unwrap()]);
}

/// Exports from `from` what `to` lacks (sealed for `to`) and imports it there; returns the
/// import report.
pub fn carry(dir: &Dir, from: &Device, to: &Device) -> Value {
    let file = dir
        .path()
        .join(format!("carry-{}.bundle", std::process::id()));
    let to_code = to.json(&["whoami"])["code"].as_str().unwrap().to_string();
    from.ok(&[
        "bundle",
        "export",
        "--for",
        &to_code,
        file.to_str().unwrap(),
    ]);
    to.json(&["bundle", "import", file.to_str().unwrap()])
}
