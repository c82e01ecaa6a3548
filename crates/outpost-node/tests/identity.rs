use std::os::unix::fs::PermissionsExt;

use crate::util::two_offices;

outposttest!(
    device_key_is_private_and_its_peer_id_is_the_device_id,
    |dir, _cmd| {
        let (a, b) = two_offices(&dir);
        let me = a.json(&["whoami"]);
        let peer = me["peer"].as_str().unwrap().to_string();
        assert!(peer.starts_with("12D3KooW"), "{peer}");
        let mode = std::fs::metadata(a.data_dir.join("secrets"))
            .unwrap()
            .permissions()
            .mode();
        eqnice!(0o600, mode & 0o777);
        // Every device of the organisation is listed by its peer id, on every device.
        let devices = b.json(&["devices"]);
        let peers: Vec<_> = devices
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["peer"].as_str().unwrap().to_string())
            .collect();
        assert!(peers.contains(&peer), "{peers:?}");
        // The id is stable across runs.
        eqnice!(peer, a.json(&["whoami"])["peer"].as_str().unwrap());
        // A second init is refused and keeps the book and key.
        let stderr = a.fails(&["init", "--org", "Again", "--site", "SH", "--name", "X"]);
        assert!(stderr.contains("already holds the book"), "{stderr}");
        eqnice!(peer, a.json(&["whoami"])["peer"].as_str().unwrap());
    }
);

outposttest!(a_key_from_another_device_is_refused, |dir, _cmd| {
    let (a, b) = two_offices(&dir);
    let before = a.dump();
    let secrets = a.data_dir.join("secrets");
    let own_keys = std::fs::read(&secrets).unwrap();
    std::fs::copy(b.data_dir.join("secrets"), &secrets).unwrap();
    let stderr = a.fails(&["order", "list"]);
    assert!(stderr.contains("cannot be read with this key"), "{stderr}");
    std::fs::write(&secrets, b"not a key").unwrap();
    let stderr = a.fails(&["order", "list"]);
    assert!(stderr.contains("secrets"), "{stderr}");
    // Nothing was written meanwhile: with its own keys back, the book is as it was.
    std::fs::write(&secrets, own_keys).unwrap();
    eqnice!(before, a.dump());
});
