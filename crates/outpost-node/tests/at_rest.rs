//! Data at rest: private files, and the serving node's socket answering its owner only.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::network::Serving;
use crate::util::two_offices;

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
    let script = "import socket,sys\n\
        s=socket.socket(socket.AF_UNIX)\n\
        s.connect(sys.argv[1])\n\
        s.sendall(b'{\"args\":[\"whoami\"]}\\n')\n\
        try: sys.stdout.write(s.makefile().readline())\n\
        except ConnectionResetError: pass\n";
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
        let (a, b) = two_offices(&dir);
        a.ok(&["order", "new", "--customer", "Acme", "--line", "TEA:2"]);
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
