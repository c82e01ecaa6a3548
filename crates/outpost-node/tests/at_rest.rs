//! Data at rest: private files, and the serving node's socket answering its owner only.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::network::Serving;
use crate::util::{Device, two_offices};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every entry of `dir` is private to its owner: directories 0700, files and sockets 0600.
fn assert_private(dir: &Path) {
    eqnice!(
        (dir.display().to_string(), 0o700),
        (dir.display().to_string(), mode(dir))
    );
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_private(&path);
        } else {
            eqnice!(
                (path.display().to_string(), 0o600),
                (path.display().to_string(), mode(&path))
            );
        }
    }
}

/// Sends one forwarded command over the socket as user `uid` (python3 under `setpriv`)
/// and returns what came back.
fn ask_socket_as(uid: u32, socket: &Path) -> String {
    // A refused connection may close before the request is even written.
    let script = "import socket,sys\n\
        s=socket.socket(socket.AF_UNIX)\n\
        s.connect(sys.argv[1])\n\
        try:\n\
        \x20s.sendall(b'{\"args\":[\"whoami\"]}\\n')\n\
        \x20sys.stdout.write(s.makefile().readline())\n\
        except (BrokenPipeError, ConnectionResetError): pass\n";
    let out = Command::new("setpriv")
        .args([
            &format!("--reuid={uid}"),
            &format!("--regid={uid}"),
            "--clear-groups",
            // Debian's, not a user's pyenv under /root that another user cannot reach.
            "/usr/bin/python3",
            "-c",
            script,
            socket.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

outposttest!(
    the_book_backups_bundles_and_socket_are_private,
    |dir, _cmd| {
        let (mut a, b) = two_offices(&dir);
        a.ok(&["order", "new", "--customer", "Acme", "--line", "TEA:2"]);
        a.set_backup_passphrase("in the safe");
        let backups = dir.path().join("backups");
        a.ok(&["backup", backups.to_str().unwrap()]);
        let bundle = dir.path().join("to-b.bundle");
        let b_code = b.json(&["whoami"])["code"].as_str().unwrap().to_string();
        a.ok(&[
            "bundle",
            "export",
            "--for",
            &b_code,
            bundle.to_str().unwrap(),
        ]);
        eqnice!(0o600, mode(&bundle));
        for backup in std::fs::read_dir(&backups).unwrap() {
            eqnice!(0o600, mode(&backup.unwrap().path()));
        }
        assert_private(&a.data_dir);
        assert_private(&b.data_dir);

        // A data dir made world-readable by hand is tightened at the next open.
        std::fs::set_permissions(&a.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let book = a.data_dir.join(outpost_node::DB_FILE);
        std::fs::set_permissions(&book, std::fs::Permissions::from_mode(0o644)).unwrap();
        a.ok(&["order", "list"]);
        assert_private(&a.data_dir);

        let serving = Serving::start(&a);
        let socket = a.data_dir.join("outpost.sock");
        eqnice!(0o600, mode(&socket));
        assert_private(&a.data_dir);
        // The socket answers its owner; another user who reaches it (the modes opened up by
        // hand, say) gets no answer.
        let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&a.data_dir).unwrap());
        assert!(ask_socket_as(owner, &socket).contains("A1"));
        if owner == 0 {
            std::fs::set_permissions(&a.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666)).unwrap();
            eqnice!("", ask_socket_as(65534, &socket));
        }
        drop(serving);
    }
);

const NOTE: &str = "Leave the boxes with Mr Qian at the back door";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The book file and its WAL, as a thief copying the data dir would find them.
fn book_bytes(device: &Device) -> Vec<u8> {
    let book = device.data_dir.join(outpost_node::DB_FILE);
    let mut bytes = std::fs::read(&book).unwrap();
    bytes.extend(std::fs::read(book.with_extension("sqlite3-wal")).unwrap_or_default());
    bytes
}

/// `device` with its passphrase in the environment.
fn with_passphrase(device: &Device, passphrase: &str) -> Device {
    let mut d = device.clone();
    d.env.push(("OUTPOST_PASSPHRASE".into(), passphrase.into()));
    d
}

outposttest!(
    a_book_locked_with_a_passphrase_opens_only_with_it,
    |dir, _cmd| {
        let plain = dir.device("sh");
        let sh = with_passphrase(&plain, "correct horse");
        sh.ok(&["init", "--org", "Demo", "--site", "SH", "--name", "Li Wei"]);
        sh.ok(&[
            "item",
            "add",
            "--sku",
            "TEA",
            "--name",
            "Green tea",
            "--price",
            "35.00",
        ]);
        sh.ok(&["customer", "add", "Acme"]);
        let number = sh.json(&[
            "order",
            "new",
            "--customer",
            "Acme",
            "--line",
            "TEA:2",
            "--note",
            NOTE,
        ])["number"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(sh.ok(&["order", "show", &number]).contains(NOTE));
        eqnice!(true, sh.json(&["whoami"])["sealed"]);
        // The file and its WAL (written just now, not yet checkpointed) show none of it, and
        // neither does the secrets file.
        let bytes = book_bytes(&sh);
        for text in [NOTE, "Acme", "Green tea", "Li Wei"] {
            assert!(!contains(&bytes, text), "{text:?} readable in the book");
        }
        let secrets = std::fs::read(sh.data_dir.join("secrets")).unwrap();
        assert!(secrets.starts_with(b"age-encryption.org/v1"));
        let before = sh.dump();

        // No passphrase, a wrong one, a passphrase file others may read: refused, nothing
        // changed.
        let stderr = plain.fails(&["order", "list"]);
        assert!(stderr.contains("locked with a passphrase"), "{stderr}");
        let stderr = with_passphrase(&plain, "wrong horse").fails(&["order", "list"]);
        assert!(stderr.contains("wrong passphrase"), "{stderr}");
        let file = dir.path().join("passphrase");
        std::fs::write(&file, "correct horse\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let file_arg = file.to_str().unwrap();
        let stderr = plain.fails(&["--passphrase-file", file_arg, "order", "list"]);
        assert!(stderr.contains("chmod 600"), "{stderr}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(
            plain
                .ok(&["--passphrase-file", file_arg, "order", "list"])
                .contains(&number)
        );
        eqnice!(before, sh.dump());

        // A new passphrase: the old one stops working, the book is the same.
        let mut change = sh.command(&["passphrase", "change"]);
        change.env("OUTPOST_NEW_PASSPHRASE", "battery staple");
        assert!(change.output().unwrap().status.success());
        let stderr = sh.fails(&["order", "list"]);
        assert!(stderr.contains("wrong passphrase"), "{stderr}");
        let renewed = with_passphrase(&plain, "battery staple");
        eqnice!(before, renewed.dump());
        // An empty new passphrase is refused; removing it is asked for by name.
        let stderr = renewed.fails(&["passphrase", "change"]);
        assert!(stderr.contains("empty"), "{stderr}");
        renewed.ok(&["passphrase", "change", "--none"]);
        eqnice!(false, plain.json(&["whoami"])["sealed"]);
        eqnice!(before, plain.dump());
    }
);

/// Turns `device`'s data dir into one of the version before encryption: a plain book
/// file, the device key in a plain `device.key`, no secrets file, files world-readable.
fn make_legacy(device: &Device) {
    let secrets_path = device.data_dir.join("secrets");
    let secrets = std::fs::read_to_string(&secrets_path).unwrap();
    let field = |name: &str| {
        let hex = secrets
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    };
    let book = device.data_dir.join(outpost_node::DB_FILE);
    let plain = device.data_dir.join("plain.sqlite3");
    {
        let db = rusqlite::Connection::open(&book).unwrap();
        let key: String = field("book").iter().map(|b| format!("{b:02x}")).collect();
        db.pragma_update(None, "key", format!("x'{key}'")).unwrap();
        let version: i64 = db
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        db.execute(
            "ATTACH DATABASE ?1 AS plain KEY ''",
            [plain.to_str().unwrap()],
        )
        .unwrap();
        db.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
            .unwrap();
        db.execute_batch(&format!(
            "PRAGMA plain.user_version = {version}; DETACH plain;"
        ))
        .unwrap();
    }
    std::fs::rename(&plain, &book).unwrap();
    for side in ["sqlite3-wal", "sqlite3-shm"] {
        let _ = std::fs::remove_file(book.with_extension(side));
    }
    std::fs::write(device.data_dir.join("device.key"), field("device")).unwrap();
    std::fs::remove_file(&secrets_path).unwrap();
    std::fs::set_permissions(&book, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(outpost_core::is_plain(&book).unwrap());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

outposttest!(
    a_plain_book_killed_while_it_is_encrypted_loses_nothing,
    |dir, _cmd| {
        let a = dir.device("a");
        a.ok(&["init", "--org", "Demo", "--site", "SH", "--name", "Li Wei"]);
        a.ok(&["sample", "--orders", "600"]);
        let expected = a.dump();
        let peer = a.json(&["whoami"])["peer"].as_str().unwrap().to_string();
        make_legacy(&a);
        let legacy = dir.path().join("legacy");
        copy_dir(&a.data_dir, &legacy);

        // One conversion start to finish, sealing the keys with a passphrase on the way.
        let sealed = with_passphrase(&a, "pp");
        let started = std::time::Instant::now();
        let orders = sealed.ok(&["order", "list"]);
        let whole = started.elapsed();
        assert!(orders.contains("SH-A1-"), "{orders}");
        eqnice!(expected, sealed.dump());
        eqnice!(true, sealed.json(&["whoami"])["sealed"]);
        eqnice!(peer, sealed.json(&["whoami"])["peer"].as_str().unwrap());
        assert!(!a.data_dir.join("device.key").exists());
        assert!(!contains(&book_bytes(&a), "Sample customer"));
        assert_private(&a.data_dir);

        // The same conversion killed at points spread over its whole run (no passphrase:
        // the run is the conversion, not the key stretching).
        let trial = dir.device("trial");
        let unsealed_run = {
            copy_dir(&legacy, &trial.data_dir);
            let started = std::time::Instant::now();
            trial.ok(&["whoami"]);
            let run = started.elapsed();
            std::fs::remove_dir_all(&trial.data_dir).unwrap();
            run
        };
        let trials = 24u32;
        let (mut before, mut midway, mut after) = (0, 0, 0);
        for i in 0..trials {
            copy_dir(&legacy, &trial.data_dir);
            let mut child = trial.command(&["whoami"]).spawn().unwrap();
            // Evenly over twice the run (a killed run's start is slower than a clean one's),
            // plus a few microseconds that differ every time.
            let jitter = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
                % 1_000_000;
            let delay =
                unsealed_run * 2 * i / trials + std::time::Duration::from_nanos(u64::from(jitter));
            std::thread::sleep(delay);
            let _ = child.kill();
            let _ = child.wait();
            let book = trial.data_dir.join(outpost_node::DB_FILE);
            if trial
                .data_dir
                .join(format!("{}.encrypting", outpost_node::DB_FILE))
                .exists()
            {
                midway += 1;
            } else if outpost_core::is_plain(&book).unwrap() {
                before += 1;
            } else {
                after += 1;
            }
            eqnice!(expected, trial.dump());
            assert!(!outpost_core::is_plain(&book).unwrap());
            assert!(!trial.data_dir.join("device.key").exists());
            eqnice!(peer, trial.json(&["whoami"])["peer"].as_str().unwrap());
            std::fs::remove_dir_all(&trial.data_dir).unwrap();
        }
        eprintln!(
            "conversion: whole run {whole:?} sealed, {unsealed_run:?} unsealed; killed before {before}, midway {midway}, after {after}"
        );
        // Kills landed inside the conversion (a partial copy beside the plain book).
        assert!(midway > 0, "{before} {midway} {after}");
    }
);

outposttest!(
    a_backup_is_checked_as_a_restore_would_rely_on_it,
    |dir, _cmd| {
        let (mut a, _b) = two_offices(&dir);
        a.ok(&["order", "new", "--customer", "Acme", "--line", "TEA:2"]);
        let usb = dir.path().join("usb");
        // No backup before its passphrase is set: it would open for nobody.
        let err = a.fails(&["backup", usb.to_str().unwrap()]);
        assert!(err.contains("no backup passphrase"), "{err}");
        a.set_backup_passphrase("in the safe");
        let written = a.json(&["backup", usb.to_str().unwrap()]);
        let file = written["path"].as_str().unwrap().to_string();
        // Encrypted: nothing of the book shows in the file.
        let bytes = std::fs::read(&file).unwrap();
        for text in ["Acme", "Green tea", "OUTPOST-BUNDLE"] {
            assert!(
                !bytes.windows(text.len()).any(|w| w == text.as_bytes()),
                "{text} is readable in the backup"
            );
        }
        // Checked on a machine with no book at all (before a restore, say): only with
        // the backup passphrase.
        let mut fresh = dir.device("fresh");
        let err = fresh.fails(&["backup", "verify", &file]);
        assert!(err.contains("backup passphrase"), "{err}");
        fresh.env = vec![("OUTPOST_BACKUP_PASSPHRASE".into(), "guess".into())];
        let err = fresh.fails(&["backup", "verify", &file]);
        assert!(err.contains("wrong backup passphrase"), "{err}");
        fresh.env = vec![("OUTPOST_BACKUP_PASSPHRASE".into(), "in the safe".into())];
        let check = fresh.json(&["backup", "verify", &file]);
        eqnice!(0, check["unsigned"]);
        eqnice!(serde_json::json!([]), check["incomplete"]);
        assert!(
            check["summary"]["documents"].as_u64().unwrap() >= 3,
            "{check}"
        );
        assert!(
            fresh
                .ok(&["backup", "verify", &file])
                .contains("this backup restores")
        );
        assert!(!fresh.data_dir.exists());

        // A flipped byte, a cut-off copy: a clear error.
        let mut bytes = std::fs::read(&file).unwrap();
        let damaged = dir.path().join("damaged.bundle");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x40;
        std::fs::write(&damaged, &bytes).unwrap();
        let stderr = fresh.fails(&["backup", "verify", damaged.to_str().unwrap()]);
        assert!(stderr.contains("damaged.bundle"), "{stderr}");
        std::fs::write(&damaged, &std::fs::read(&file).unwrap()[..middle]).unwrap();
        fresh.fails(&["backup", "verify", damaged.to_str().unwrap()]);

        // A bundle of only what another device lacked is no backup (core test:
        // `a_backup_verifies_whole_and_a_delta_does_not`).
    }
);

/// Order numbers on `device`, sorted.
fn numbers(device: &Device) -> Vec<String> {
    crate::network::order_numbers(device)
}

outposttest!(
    a_device_restored_from_its_backup_is_the_same_device_and_never_reuses_a_number,
    |dir, _cmd| {
        let (a, mut b) = two_offices(&dir);
        b.set_backup_passphrase("in the safe");
        b.ok(&["order", "new", "--customer", "Acme", "--line", "TEA:1"]);
        let usb = dir.path().join("usb");
        let backup = b.json(&["backup", usb.to_str().unwrap()]);
        let file = backup["path"].as_str().unwrap().to_string();
        // After the backup the clerk goes on: two more orders, which reach HQ (by a
        // bundle here); then the laptop is lost.
        b.ok(&["order", "new", "--customer", "Acme", "--line", "TEA:2"]);
        b.ok(&["order", "new", "--customer", "Acme", "--line", "TEA:3"]);
        crate::util::carry(&dir, &b, &a);
        let given_out = numbers(&b);
        eqnice!(3, given_out.len());
        let lost = b.json(&["whoami"]);

        // A new machine: the wrong passphrase restores nothing.
        let mut c = dir.device("c");
        c.env = vec![("OUTPOST_BACKUP_PASSPHRASE".into(), "guess".into())];
        let err = c.fails(&["restore", &file]);
        assert!(err.contains("wrong backup passphrase"), "{err}");
        assert!(!c.data_dir.join(outpost_node::DB_FILE).exists());
        // The right one: the same device, member and history as in the backup.
        c.env = vec![("OUTPOST_BACKUP_PASSPHRASE".into(), "in the safe".into())];
        let restored = c.json(&["restore", &file]);
        let me = c.json(&["whoami"]);
        eqnice!(lost["id"], me["id"]);
        eqnice!(lost["code"], me["code"]);
        eqnice!(lost["code"], restored["code"]);
        eqnice!(given_out[..1].to_vec(), numbers(&c));
        assert!(
            !restored["catch_up"]["waiting"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{restored}"
        );
        // It may have written more after the backup: it waits to hear from HQ before
        // writing (and numbering) again.
        let err = c.fails(&["order", "new", "--customer", "Acme", "--line", "TEA:4"]);
        assert!(err.contains("restored from a backup"), "{err}");
        eqnice!(given_out[..1].to_vec(), numbers(&c));

        // By bundle, HQ must first learn what the restored device holds (it still
        // believes the lost one's heads): a bundle from it says so. HQ's word then
        // brings back what it wrote after the backup; numbering goes on above.
        crate::util::carry(&dir, &c, &a);
        crate::util::carry(&dir, &a, &c);
        eqnice!(given_out, numbers(&c));
        let out = c.ok(&["order", "new", "--customer", "Acme", "--line", "TEA:4"]);
        let after = numbers(&c);
        eqnice!(4, after.len());
        let new_number = after.iter().find(|n| !given_out.contains(n)).unwrap();
        assert!(out.contains(new_number.as_str()), "{out}");
        assert!(
            new_number > given_out.last().unwrap(),
            "{new_number} {given_out:?}"
        );
        // HQ takes the restored device's changes as the same member's.
        let report = crate::util::carry(&dir, &c, &a);
        eqnice!(0, report["refused"].as_array().unwrap().len());
        eqnice!(after, numbers(&a));
        // A document it never held (its site's first transfer out) is its own to start.
        c.ok(&[
            "stock",
            "receive",
            "--item",
            "TEA",
            "--warehouse",
            "BJ1",
            "--qty",
            "5",
        ]);
        c.ok(&[
            "stock", "transfer", "--item", "TEA", "--from", "BJ1", "--to", "SH1", "--qty", "2",
        ]);
        // The restored device makes backups with the same passphrase, into the folder of
        // the backup it came from (remembered as its last one).
        let next = c.json(&["backup"]);
        eqnice!(backup["dir"], next["dir"]);
        // Its data dir is as private as any.
        assert_private(&c.data_dir);
        // A data dir that holds a book already is not overwritten.
        let err = a.fails(&["restore", &file]);
        assert!(err.contains("already"), "{err}");
    }
);

outposttest!(
    a_revoked_device_restored_from_its_backup_gains_nothing,
    |dir, _cmd| {
        let (a, mut b) = two_offices(&dir);
        b.set_backup_passphrase("in the safe");
        let usb = dir.path().join("usb");
        let backup = b.json(&["backup", usb.to_str().unwrap()]);
        let file = backup["path"].as_str().unwrap().to_string();
        // The laptop is reported stolen: the admin revokes it.
        let code = b.json(&["whoami"])["code"].as_str().unwrap().to_string();
        a.ok(&["member", "revoke", &code]);

        // HQ writes nothing for it any more.
        let for_it = dir.path().join("for-it.bundle");
        let err = a.fails(&["bundle", "export", "--for", &code, for_it.to_str().unwrap()]);
        assert!(err.contains("is revoked"), "{err}");
        assert!(!for_it.exists());
        let mut c = dir.device("c");
        c.env = b.env.clone();
        c.ok(&["restore", &file]);
        // It never hears from HQ, so it writes nothing; whatever it sends, HQ takes
        // nothing from it.
        let err = c.fails(&["order", "new", "--customer", "Acme", "--line", "TEA:1"]);
        assert!(err.contains("restored from a backup"), "{err}");
        let before = a.dump();
        let report = crate::util::carry(&dir, &c, &a);
        eqnice!(0, report["new_changes"]);
        eqnice!(before, a.dump());
    }
);

outposttest!(
    a_restored_office_dials_its_peers_and_catches_up_from_hq_over_the_network,
    |dir, _cmd| {
        use crate::network::{eventually, order_numbers, skus};
        let (hq, _hq_serving) = crate::network::hq(&dir);
        let mut sh = crate::network::joined(&dir, &hq, "sh", "clerk", "SH", "Wang");
        sh.set_backup_passphrase("in the safe");
        let sh_serving = Serving::start(&sh);
        eventually("the catalogue at SH", || skus(&sh) == ["TEA"]);
        let new_order = ["order", "new", "--party", "Shop", "--line", "TEA:1"];
        sh.ok(&new_order);
        let usb = dir.path().join("usb");
        let file = sh.json(&["backup", usb.to_str().unwrap()])["path"]
            .as_str()
            .unwrap()
            .to_string();
        sh.ok(&new_order);
        sh.ok(&new_order);
        eventually("SH's orders at HQ", || {
            order_numbers(&hq) == order_numbers(&sh)
        });
        drop(sh_serving);
        let given_out = order_numbers(&sh);

        // The new machine knows where HQ is from the backup, and hears from it what the
        // lost one wrote after the backup before it writes again.
        let mut c = dir.device("c");
        c.env = sh.env.clone();
        c.ok(&["restore", &file]);
        let _c_serving = Serving::start(&c);
        eventually("SH's later orders, from HQ", || {
            order_numbers(&c) == given_out
        });
        eventually("the restored office writes again", || {
            c.output(&new_order).status.success()
        });
        let after = order_numbers(&c);
        eqnice!(given_out.len() + 1, after.len());
        let new_number = after.iter().find(|n| !given_out.contains(n)).unwrap();
        assert!(
            new_number > given_out.last().unwrap(),
            "{new_number} {given_out:?}"
        );
        eventually("the new order at HQ", || order_numbers(&hq) == after);
    }
);

/// Whether `text` appears anywhere in the file at `path`.
fn file_shows(path: &Path, text: &str) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

outposttest!(
    a_bundle_opens_only_for_the_members_it_was_sealed_for,
    |dir, _cmd| {
        let (a, b) = two_offices(&dir);
        let c = dir.device("c");
        crate::util::admit_by_file(&dir, &a, &c, "clerk", "SH", "Zhao Lei");
        // The join bundle an admin hands over shows nothing of the book either.
        let join_bundle = dir.path().join("Zhao Lei.bundle");
        assert!(!file_shows(&join_bundle, "Hangzhou Tea Co"));
        a.ok(&["order", "new", "--customer", "Acme", "--line", "TEA:2"]);
        let b_code = b.json(&["whoami"])["code"].as_str().unwrap().to_string();
        let for_b = dir.path().join("for-b.bundle");
        a.ok(&[
            "bundle",
            "export",
            "--for",
            &b_code,
            for_b.to_str().unwrap(),
        ]);
        for text in ["Acme", "Green tea", "Hangzhou Tea Co"] {
            assert!(!file_shows(&for_b, text), "{text} shows in the bundle");
        }
        // Another member of the organisation (and a stranger) opens nothing of it.
        let before = c.dump();
        let err = c.fails(&["bundle", "import", for_b.to_str().unwrap()]);
        assert!(err.contains("sealed for other members"), "{err}");
        eqnice!(before, c.dump());
        // The member it was made for merges it.
        let report = b.json(&["bundle", "import", for_b.to_str().unwrap()]);
        assert!(report["new_changes"].as_i64().unwrap() > 0, "{report}");
        // A bundle of everything opens only for those who may read everything in it.
        let all = dir.path().join("all.bundle");
        a.ok(&["bundle", "export", all.to_str().unwrap()]);
        let err = b.fails(&["bundle", "import", all.to_str().unwrap()]);
        assert!(err.contains("sealed for other members"), "{err}");
        eqnice!(
            0,
            a.json(&["bundle", "import", all.to_str().unwrap()])["new_changes"]
        );
    }
);

/// This device's backup files in `dir`, sorted.
fn backups_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".backup"))
        .collect();
    names.sort();
    names
}

outposttest!(
    a_serving_node_backs_up_on_its_schedule_and_keeps_the_last_ones,
    |dir, a| {
        a.ok(&["init", "--org", "Demo", "--site", "SH", "--name", "Li Wei"]);
        let usb = dir.path().join("usb");
        let usb_arg = usb.to_str().unwrap();
        // No schedule before the backup passphrase: its backups would open for nobody.
        let err = a.fails(&["backup", "schedule", usb_arg, "--keep", "2"]);
        assert!(err.contains("no backup passphrase"), "{err}");
        a.set_backup_passphrase("in the safe");
        let err = a.fails(&["backup", "schedule", usb_arg, "--keep", "0"]);
        assert!(err.contains("backups kept"), "{err}");
        let schedule = a.json(&["backup", "schedule", usb_arg, "--keep", "2"]);
        eqnice!(24, schedule["every_hours"]);
        eqnice!(2, schedule["keep"]);
        // Two backups by hand, and a file of someone else's in the folder.
        a.ok(&["backup", usb_arg]);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        a.ok(&["backup", usb_arg]);
        std::fs::write(usb.join("notes.txt"), "not a backup").unwrap();
        let by_hand = backups_in(&usb);
        eqnice!(2, by_hand.len());
        // The last one is a day old (the office was closed): a backup is due.
        let record = a.data_dir.join(outpost_node::LAST_BACKUP_FILE);
        let mut last: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
        last["at_ms"] = (last["at_ms"].as_i64().unwrap() - 25 * 3_600_000).into();
        std::fs::write(&record, last.to_string()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));

        let _serving = Serving::start(&a);
        crate::network::eventually("the scheduled backup, the oldest gone", || {
            let now = backups_in(&usb);
            now.len() == 2 && !now.contains(&by_hand[0])
        });
        assert!(backups_in(&usb).contains(&by_hand[1]));
        assert!(usb.join("notes.txt").exists());
        // The schedule is shown and stopped through the serving node too.
        eqnice!(schedule, a.json(&["backup", "schedule"]));
        eqnice!(
            serde_json::Value::Null,
            a.json(&["backup", "schedule", "--off"])
        );
    }
);

outposttest!(
    a_bundle_sealed_with_a_passphrase_opens_with_it_also_through_a_serving_node,
    |dir, _cmd| {
        let (a, b) = two_offices(&dir);
        a.ok(&["customer", "add", "Beta Foods"]);
        let b_code = b.json(&["whoami"])["code"].as_str().unwrap().to_string();
        let file = dir.path().join("typed.bundle");
        let file_arg = file.to_str().unwrap();
        let with = |device: &Device, passphrase: &str| {
            let mut device = device.clone();
            device.env = vec![("OUTPOST_BUNDLE_PASSPHRASE".into(), passphrase.into())];
            device
        };
        with(&a, "both ends").ok(&[
            "bundle",
            "export",
            "--for",
            &b_code,
            "--passphrase",
            file_arg,
        ]);
        for text in ["Beta Foods", "Green tea"] {
            assert!(!file_shows(&file, text), "{text} shows in the bundle");
        }
        // Without it, or with a wrong one: told so, nothing imported.
        let before = b.dump();
        let err = b.fails(&["bundle", "import", file_arg]);
        assert!(err.contains("sealed with a passphrase"), "{err}");
        let err = with(&b, "guess").fails(&["bundle", "import", file_arg]);
        assert!(err.contains("wrong bundle passphrase"), "{err}");
        eqnice!(before, b.dump());
        // Through a serving node, the caller's passphrase goes with the command.
        let _serving = Serving::start(&b);
        let report = with(&b, "both ends").json(&["bundle", "import", file_arg]);
        assert!(report["new_changes"].as_i64().unwrap() > 0, "{report}");
    }
);
