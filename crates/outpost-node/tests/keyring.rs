//! The OS keyring: a desktop session's Secret Service (a private message bus and
//! gnome-keyring started by the test, unlocked as a login would) keeps the keys of a book
//! set up without a passphrase; a copy of the data dir opens nowhere else.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Device;

/// A desktop session's message bus with gnome-keyring's Secret Service on it, unlocked.
/// Both stop when dropped.
struct Session {
    bus: Child,
    keyring: Child,
    address: String,
}

impl Session {
    /// Starts a bus and a keyring whose files live under `home`.
    fn start(home: &Path) -> Session {
        std::fs::create_dir_all(home.join("run")).unwrap();
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            // It warns that it may not raise its file limit; nothing to see.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (make deps installs it)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_string();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", home)
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (make deps installs it)");
        // The login password, as a login would hand it over.
        let mut stdin = keyring.stdin.take().unwrap();
        stdin.write_all(b"login password").unwrap();
        drop(stdin);
        let session = Session {
            bus,
            keyring,
            address,
        };
        session.wait_for_secret_service();
        session
    }

    /// Waits (bounded) until the Secret Service has its name on the bus.
    fn wait_for_secret_service(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let owned = self.dbus_send(&[
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ]);
            if owned.contains("boolean true") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the Secret Service did not start on the test's bus");
    }

    /// How many items of service `outpost` the keyring holds.
    fn outpost_items(&self) -> usize {
        let reply = self.dbus_send(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.SearchItems",
            "dict:string:string:service,outpost",
        ]);
        reply
            .matches("object path \"/org/freedesktop/secrets/collection/")
            .count()
    }

    fn dbus_send(&self, args: &[&str]) -> String {
        let out = Command::new("dbus-send")
            .args(["--session", "--print-reply"])
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `device` as run inside this session.
    fn device(&self, device: &Device) -> Device {
        let mut d = device.clone();
        d.env
            .push(("DBUS_SESSION_BUS_ADDRESS".into(), self.address.clone()));
        d
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for child in [&mut self.keyring, &mut self.bus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

const NOTE: &str = "keyring-kept note 4c1e";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

outposttest!(
    a_desktop_keeps_the_keys_in_its_keyring_and_a_copy_opens_nowhere_else,
    |dir, _cmd| {
        let session = Session::start(&dir.path().join("home"));
        let plain = dir.device("sh");
        let sh = session.device(&plain);
        sh.ok(&["init", "--org", "Demo", "--site", "SH", "--name", "Li Wei"]);
        sh.ok(&["customer", "add", NOTE]);
        let whoami = sh.json(&["whoami"]);
        eqnice!("keyring", whoami["keys"]);
        eqnice!(false, whoami["sealed"]);
        eqnice!(1, session.outpost_items());
        // The secrets file holds no key in the clear: it names its keyring entry only.
        let secrets = std::fs::read(sh.data_dir.join("secrets")).unwrap();
        assert!(secrets.starts_with(b"outpost-secrets-keyring 1\n"));
        assert!(!contains(&secrets, "device "));
        assert!(!contains(&secrets, "book "));
        let before = sh.dump();
        assert!(before.contains(NOTE));

        // The same data dir away from the session (a stolen disk): a clear error, and a
        // keyring that is not this one (another login) has no key for it.
        let stderr = plain.fails(&["customer", "list"]);
        assert!(stderr.contains("system keyring"), "{stderr}");
        {
            let elsewhere = Session::start(&dir.path().join("other-home"));
            let stderr = elsewhere.device(&plain).fails(&["customer", "list"]);
            assert!(stderr.contains("no longer holds the key"), "{stderr}");
        }
        let mut zh = plain.clone();
        zh.lang = "zh".into();
        assert!(zh.fails(&["customer", "list"]).contains("系统钥匙环"));

        // A passphrase instead: the keyring entry goes, the passphrase opens the book.
        let mut change = sh.command(&["passphrase", "change"]);
        change.env("OUTPOST_NEW_PASSPHRASE", "correct horse");
        assert!(change.output().unwrap().status.success());
        eqnice!(0, session.outpost_items());
        let mut locked = sh.clone();
        locked
            .env
            .push(("OUTPOST_PASSPHRASE".into(), "correct horse".into()));
        eqnice!(true, locked.json(&["whoami"])["sealed"]);
        // Back into the keyring by name; then owner-only with --none.
        eqnice!(
            "keyring",
            locked.json(&["passphrase", "change", "--keyring"])["keys"]
        );
        eqnice!(1, session.outpost_items());
        eqnice!(before, sh.dump());
        eqnice!(
            "owner_only",
            sh.json(&["passphrase", "change", "--none"])["keys"]
        );
        eqnice!(0, session.outpost_items());
        eqnice!(before, plain.dump());
        // Asking for the keyring where there is none changes nothing.
        let stderr = plain.fails(&["passphrase", "change", "--keyring"]);
        assert!(stderr.contains("system keyring"), "{stderr}");
        eqnice!("owner_only", plain.json(&["whoami"])["keys"]);

        // OUTPOST_KEYRING=off keeps a new book out of the keyring even in a session.
        let mut off = session.device(&dir.device("bj"));
        off.env.push(("OUTPOST_KEYRING".into(), "off".into()));
        off.ok(&["init", "--org", "Other", "--site", "BJ", "--name", "Wang"]);
        eqnice!("owner_only", off.json(&["whoami"])["keys"]);
        eqnice!(0, session.outpost_items());
    }
);

outposttest!(
    a_device_restored_on_a_desktop_keeps_its_keys_in_the_keyring,
    |dir, _cmd| {
        let session = Session::start(&dir.path().join("home"));
        let mut old = dir.device("old");
        old.ok(&["init", "--org", "Demo", "--site", "SH", "--name", "Li Wei"]);
        old.ok(&["customer", "add", "Acme"]);
        old.set_backup_passphrase("backup horse");
        let folder = dir.path().join("backups");
        let file = old.json(&["backup", folder.to_str().unwrap()])["path"]
            .as_str()
            .unwrap()
            .to_string();

        let mut new = session.device(&dir.device("new"));
        new.env
            .push(("OUTPOST_BACKUP_PASSPHRASE".into(), "backup horse".into()));
        new.ok(&["restore", &file]);
        eqnice!("keyring", new.json(&["whoami"])["keys"]);
        eqnice!(1, session.outpost_items());
        assert!(new.ok(&["customer", "list"]).contains("Acme"));
    }
);
