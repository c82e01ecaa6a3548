//! A member's modified program: a real libp2p peer with a BJ clerk's key that speaks the
//! sync protocol to HQ and asks for documents of another site. It receives no byte of
//! them, while the documents it may read come back as usual.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::sync::SyncDoc;
use outpost_node::identity::Identity;
use outpost_sync::wire::DocHeads;
use outpost_sync::{
    Config, InviteCode, JoinGrant, JoinRequest, PeerId, Received, Refusal, Rejected, Replica,
};

use crate::network::{Serving, eventually, hq, invite, joined, order_numbers};
use crate::util::Dir;

/// Asks for every document it names (an opening sync message, as a device that lacks the
/// document sends) and records what comes back.
struct Snoop {
    wanted: Vec<String>,
    received: Mutex<Vec<(String, usize)>>,
}

impl Snoop {
    fn bytes_of(&self, prefix: &str) -> usize {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .filter(|(doc, _)| doc.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }
}

/// An opening sync message for a document we lack, sealed as Outpost sends it: `S`, the
/// message's length and the message (no changes, so no signatures).
fn opening() -> Vec<u8> {
    let doc = automerge::Automerge::new();
    let message = doc
        .generate_sync_message(&mut automerge::sync::State::new())
        .expect("an opening message")
        .encode();
    let mut sealed = vec![0x53];
    sealed.extend((message.len() as u32).to_be_bytes());
    sealed.extend(message);
    sealed
}

/// Starts a modified program with `key` that speaks only to HQ, through `replica`.
async fn talk_to_hq(
    key: outpost_sync::Keypair,
    hq_addr: &outpost_sync::Multiaddr,
    replica: Arc<dyn Replica>,
) -> outpost_sync::Client {
    let hq_peer = outpost_sync::peer_of(hq_addr).expect("HQ's peer id");
    let mut config = Config::new(key);
    config.mdns = false;
    config.bootstrap = vec![hq_addr.clone()];
    let (client, _events, event_loop) = outpost_sync::new(config, replica).unwrap();
    tokio::spawn(event_loop.run());
    client.set_allowed(HashSet::from([hq_peer])).await.unwrap();
    client
}

impl Replica for Snoop {
    fn is_member(&self, _: &PeerId) -> bool {
        true
    }
    fn offer(&self, _: &PeerId) -> Result<Vec<DocHeads>, Rejected> {
        Ok(self
            .wanted
            .iter()
            .map(|doc| DocHeads {
                doc: doc.clone(),
                heads: Vec::new(),
            })
            .collect())
    }
    fn hello(&self, _: &PeerId, _: &[DocHeads]) -> Result<(), Rejected> {
        Ok(())
    }
    fn generate(&self, _: &PeerId, _: &str) -> Result<Option<Vec<u8>>, Rejected> {
        Ok(Some(opening()))
    }
    fn receive(&self, _: &PeerId, doc: &str, message: &[u8]) -> Result<Received, Rejected> {
        self.received
            .lock()
            .unwrap()
            .push((doc.to_string(), message.len()));
        Ok(Received::default())
    }
    fn connected(&self, _: &PeerId) {}
    fn disconnected(&self, _: &PeerId) {}
    fn join(&self, _: &PeerId, _: &JoinRequest) -> Result<JoinGrant, Refusal> {
        Err(Refusal::Unknown)
    }
}

outposttest!(
    a_member_asking_for_another_sites_documents_gets_no_byte,
    |dir, _device| {
        let dir: Dir = dir;
        let (hq_device, _serving) = hq(&dir);
        hq_device.ok(&[
            "stock",
            "receive",
            "--warehouse",
            "SH1",
            "--item",
            "TEA",
            "--qty",
            "10",
        ]);
        hq_device.ok(&["order", "new", "--party", "Shop", "--line", "TEA:1"]);
        let month = jiff::Timestamp::now().strftime("%Y-%m").to_string();
        let sh_ops = format!("ops/SH/{month}");
        assert!(hq_device.dump().contains(&sh_ops));
        let bj = joined(&dir, &hq_device, "bj", "clerk", "BJ", "Li");
        let key = Identity::load(&bj.data_dir, &outpost_node::Unlock::none())
            .unwrap()
            .keypair()
            .clone();
        let hq_addr = InviteCode::parse(&invite(&hq_device, "clerk", "BJ", "1h"))
            .unwrap()
            .addrs[0]
            .clone();

        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            // Sessions push what differs in document order: `ops/SH/…` goes before
            // `parties`, so once `parties` is answered HQ has handled the request for SH.
            let snoop = Arc::new(Snoop {
                wanted: vec!["org".into(), sh_ops.clone(), "parties".into()],
                received: Mutex::default(),
            });
            let _client = talk_to_hq(key, &hq_addr, snoop.clone()).await;
            let deadline = Instant::now() + Duration::from_secs(30);
            while snoop.bytes_of("parties") == 0 {
                assert!(Instant::now() < deadline, "HQ answered nothing");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(
                snoop.bytes_of("org") > 0,
                "HQ sent no organisation document"
            );
            assert_eq!(snoop.bytes_of("ops/"), 0, "HQ sent another site's document");
            assert_eq!(snoop.bytes_of("transfers/"), 0);
        });
        // HQ still serves: the connection was not the price of refusing.
        let log = std::fs::read_to_string(hq_device.data_dir.with_extension("log")).unwrap();
        assert!(log.contains("not readable by the peer"), "{log}");
    }
);

/// Reads a sealed message as Outpost sends it (the signatures are of no use here).
fn unsealed(bytes: &[u8]) -> automerge::sync::Message {
    let len = u32::from_be_bytes(bytes[1..5].try_into().unwrap()) as usize;
    automerge::sync::Message::decode(&bytes[5..5 + len]).unwrap()
}

/// Seals a message without signatures.
fn sealed(message: automerge::sync::Message) -> Vec<u8> {
    let message = message.encode();
    let mut out = vec![0x53];
    out.extend((message.len() as u32).to_be_bytes());
    out.extend(message);
    out
}

/// A change a modified program makes once it holds what the change needs: `false` while
/// it does not yet.
type Tamper = Box<dyn Fn(&mut automerge::Automerge) -> bool + Send + Sync>;

/// A member's modified program that syncs one document like a real device and, as soon
/// as `tamper` can, makes its change (once); `seal` wraps each message it sends.
struct Modified {
    doc_id: String,
    tamper: Tamper,
    seal: Box<dyn Fn(automerge::sync::Message) -> Vec<u8> + Send + Sync>,
    doc: Mutex<(automerge::Automerge, automerge::sync::State, bool)>,
}

impl Modified {
    fn new(
        doc_id: &str,
        tamper: Tamper,
        seal: impl Fn(automerge::sync::Message) -> Vec<u8> + Send + Sync + 'static,
    ) -> Self {
        Modified {
            doc_id: doc_id.to_string(),
            tamper,
            seal: Box::new(seal),
            doc: Mutex::default(),
        }
    }

    fn step(&self, incoming: Option<&[u8]>) -> Option<Vec<u8>> {
        let mut guard = self.doc.lock().unwrap();
        let (doc, state, tampered) = &mut *guard;
        if let Some(bytes) = incoming {
            doc.receive_sync_message(state, unsealed(bytes)).unwrap();
        }
        if !*tampered {
            *tampered = (self.tamper)(doc);
        }
        doc.generate_sync_message(state).map(&self.seal)
    }
}

impl Replica for Modified {
    fn is_member(&self, _: &PeerId) -> bool {
        true
    }
    fn offer(&self, _: &PeerId) -> Result<Vec<DocHeads>, Rejected> {
        Ok(vec![DocHeads {
            doc: self.doc_id.clone(),
            heads: Vec::new(),
        }])
    }
    fn hello(&self, _: &PeerId, _: &[DocHeads]) -> Result<(), Rejected> {
        Ok(())
    }
    fn generate(&self, _: &PeerId, doc: &str) -> Result<Option<Vec<u8>>, Rejected> {
        Ok((doc == self.doc_id).then(|| self.step(None)).flatten())
    }
    fn receive(&self, _: &PeerId, doc: &str, message: &[u8]) -> Result<Received, Rejected> {
        let reply = (doc == self.doc_id)
            .then(|| self.step(Some(message)))
            .flatten();
        Ok(Received {
            reply,
            changed: false,
        })
    }
    fn connected(&self, _: &PeerId) {}
    fn disconnected(&self, _: &PeerId) {}
    fn join(&self, _: &PeerId, _: &JoinRequest) -> Result<JoinGrant, Refusal> {
        Err(Refusal::Unknown)
    }
}

/// Makes `edit` as `actor` on a fork of `doc` and merges it back (what a modified
/// program can do with any actor id it likes).
fn edit_as(
    doc: &mut automerge::Automerge,
    actor: automerge::ActorId,
    edit: impl FnOnce(
        &mut automerge::transaction::Transaction<'_>,
    ) -> Result<(), automerge::AutomergeError>,
) {
    let mut fork = doc.fork().with_actor(actor);
    fork.transact(|tx| edit(tx)).unwrap();
    doc.merge(&mut fork).unwrap();
}

/// Adds a customer to `parties` as `posing_as`, without that member's key.
fn forge_customer(posing_as: automerge::ActorId) -> Tamper {
    Box::new(move |doc| {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let Ok(Some((_, customers))) = doc.get(automerge::ROOT, "customers") else {
            return false;
        };
        edit_as(doc, posing_as.clone(), |tx| {
            let record = tx.put_object(&customers, "forged", automerge::ObjType::Map)?;
            tx.put(&record, "name", "Hijacked Ltd")?;
            tx.put(&record, "kind", "customer")?;
            Ok(())
        });
        true
    })
}

fn customers(device: &crate::util::Device) -> Vec<String> {
    device
        .json(&["customer", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

outposttest!(
    a_change_forged_as_another_member_is_refused_and_theirs_still_applies,
    |dir, _device| {
        let dir: Dir = dir;
        let (hq_device, _serving) = hq(&dir);
        let sh = joined(&dir, &hq_device, "sh", "clerk", "SH", "Wang");
        let bj = joined(&dir, &hq_device, "bj", "clerk", "BJ", "Li");
        let sh_id = Identity::load(&sh.data_dir, &outpost_node::Unlock::none())
            .unwrap()
            .peer_id();
        let bj_key = Identity::load(&bj.data_dir, &outpost_node::Unlock::none())
            .unwrap()
            .keypair()
            .clone();
        let hq_addr = InviteCode::parse(&invite(&hq_device, "clerk", "BJ", "1h"))
            .unwrap()
            .addrs[0]
            .clone();
        let _sh_serving = Serving::start(&sh);

        // The BJ clerk's modified program adds a customer as the SH clerk (its first
        // change to `parties`, the sequence number the SH clerk's own will have).
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let forger = Arc::new(Modified::new(
                "parties",
                forge_customer(automerge::ActorId::from(sh_id.to_bytes())),
                sealed,
            ));
            let _client = talk_to_hq(bj_key, &hq_addr, forger.clone()).await;
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let status = hq_device.json(&["sync", "status"]);
                if let Some(refused) = status["refused"].as_array().and_then(|r| r.first()) {
                    assert_eq!(refused["author"], device_hex(&sh_id), "{status}");
                    assert_eq!(refused["from_peer"], device_hex(&bj_peer(&bj)), "{status}");
                    let reason = refused["reason"].as_str().unwrap();
                    assert!(reason.contains("not signed"), "{reason}");
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "HQ never refused the forged change"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        // The real SH clerk's next change (the same sequence number) reaches HQ; the forged
        // one reached nobody.
        sh.ok(&["customer", "add", "Real Shop"]);
        crate::network::eventually("the SH clerk's customer at HQ", || {
            customers(&hq_device).contains(&"Real Shop".to_string())
        });
        for device in [&hq_device, &sh] {
            assert!(!customers(device).iter().any(|c| c.contains("Hijacked")));
        }
    }
);

/// A device id as the book shows it: the hex of its PeerId's bytes.
fn device_hex(peer: &PeerId) -> String {
    peer.to_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn bj_peer(bj: &crate::util::Device) -> PeerId {
    Identity::load(&bj.data_dir, &outpost_node::Unlock::none())
        .unwrap()
        .peer_id()
}

outposttest!(
    a_flood_of_made_up_documents_leaves_hq_bounded_and_an_honest_order_arrives,
    |dir, _device| {
        let dir: Dir = dir;
        let (hq_device, serving) = hq(&dir);
        let honest = joined(&dir, &hq_device, "bj", "clerk", "BJ", "Li");
        let flooder = joined(&dir, &hq_device, "bj2", "clerk", "BJ", "Mallory");
        let _honest_serving = Serving::start(&honest);
        eventually("the honest office in sync", || {
            order_numbers(&honest) == order_numbers(&hq_device)
        });
        let key = Identity::load(&flooder.data_dir, &outpost_node::Unlock::none())
            .unwrap()
            .keypair()
            .clone();
        let hq_addr = InviteCode::parse(&invite(&hq_device, "clerk", "BJ", "1h"))
            .unwrap()
            .addrs[0]
            .clone();
        let mut names = Vec::new();
        for year in 2000..2050 {
            for month in 1..=12 {
                names.push(format!("ops/BJ/{year}-{month:02}"));
                names.push(format!("ops/XX{}/{year}-{month:02}", month % 7));
            }
        }
        let before_kb = serving.rss_kb();

        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            // A member's modified program that names documents by the hundred: every month
            // of 50 years of its own site and of sites that do not exist, each with an
            // opening message. (A name that is no document id at all drops its stream at
            // once: `bad_peer`.)
            let flood = Arc::new(Snoop {
                wanted: names,
                received: Mutex::default(),
            });
            let _client = talk_to_hq(key, &hq_addr, flood.clone()).await;
            let deadline = Instant::now() + Duration::from_secs(20);
            while flood.received.lock().unwrap().is_empty() {
                if Instant::now() > deadline {
                    let log = std::fs::read_to_string(hq_device.data_dir.with_extension("log"));
                    panic!("HQ never answered the flood: {log:?}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // While the flood runs, the honest office's order reaches HQ.
            let number = honest.json(&["order", "new", "--line", "TEA:1"])["number"]
                .as_str()
                .unwrap()
                .to_string();
            let deadline = Instant::now() + Duration::from_secs(20);
            while !order_numbers(&hq_device).contains(&number) {
                assert!(Instant::now() < deadline, "the honest order did not arrive");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let after_kb = serving.rss_kb();
        // The first document far from now ends the flooder's stream (it comes back, and
        // ends again); the honest office never noticed.
        let log = std::fs::read_to_string(hq_device.data_dir.with_extension("log")).unwrap();
        assert!(
            log.contains("too far from now to start a document"),
            "{log}"
        );
        assert!(
            after_kb < before_kb + 64 * 1024,
            "HQ grew from {before_kb} kB to {after_kb} kB"
        );
        // Only months near now of a site that exists became documents, and none is stored
        // empty.
        let docs = hq_device.json(&["sync", "status"]);
        let text = docs.to_string();
        assert!(!text.contains("ops/XX"), "{text}");
        assert!(
            !text.contains("ops/BJ/2000-") && !text.contains("ops/BJ/2049-"),
            "{text}"
        );
    }
);

/// Seals a message with `key`'s signature of the change it carries (one at most, made by
/// `key`), as Outpost's seal writes it: `U`, the message's length and the message, the
/// number of signatures, then per signature the first 8 bytes of the change's hash and
/// the signature.
fn signed(message: automerge::sync::Message, key: &outpost_core::DeviceKey) -> Vec<u8> {
    let hashes: Vec<automerge::ChangeHash> = message
        .changes
        .iter()
        .map(|bytes| automerge::Change::try_from(bytes).unwrap().hash())
        .collect();
    let message = message.encode();
    let mut out = vec![0x55];
    out.extend((message.len() as u32).to_be_bytes());
    out.extend(message);
    out.extend((hashes.len() as u32).to_be_bytes());
    for hash in hashes {
        out.extend(&hash.0[..8]);
        out.extend(key.sign(&hash));
    }
    out
}

/// Raises the first line's quantity of a submitted order, as `key`'s own device: a
/// change signed with its own key, by its own role, that breaks an order's rule (lines
/// freeze at submit).
fn raise_a_submitted_line(key: &outpost_core::DeviceKey) -> Tamper {
    let actor = automerge::ActorId::from(key.device_id().actor().to_bytes());
    Box::new(move |doc| {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let line = || -> Option<automerge::ObjId> {
            let (_, orders) = doc.get(automerge::ROOT, "orders").ok()??;
            let id = doc.keys(&orders).next()?;
            let (_, order) = doc.get(&orders, id).ok()??;
            let (_, events) = doc.get(&order, "events").ok()??;
            // Submitted: its first status event.
            (doc.length(&events) >= 1).then_some(())?;
            let (_, lines) = doc.get(&order, "lines").ok()??;
            let first = doc.keys(&lines).next()?;
            Some(doc.get(&lines, first).ok()??.1)
        };
        let Some(line) = line() else {
            return false;
        };
        edit_as(doc, actor.clone(), |tx| tx.put(&line, "qty", 999_i64));
        true
    })
}

outposttest!(
    a_signed_change_that_breaks_an_orders_rule_is_refused_over_the_network,
    |dir, _device| {
        let dir: Dir = dir;
        let (hq_device, _serving) = hq(&dir);
        let bj = joined(&dir, &hq_device, "bj", "clerk", "BJ", "Li");
        // The clerk's honest order, submitted, reaches HQ through the clerk's own program.
        let number = bj.json(&["order", "new", "--line", "TEA:2"])["number"]
            .as_str()
            .unwrap()
            .to_string();
        bj.ok(&["order", "submit", &number]);
        {
            let _bj_serving = Serving::start(&bj);
            eventually("the submitted order at HQ", || {
                order_numbers(&hq_device).contains(&number)
                    && hq_device.json(&["order", "show", &number])["status"] == "submitted"
            });
        }
        let key = Identity::load(&bj.data_dir, &outpost_node::Unlock::none())
            .unwrap()
            .signing_key()
            .unwrap();
        let libp2p_key = Identity::load(&bj.data_dir, &outpost_node::Unlock::none())
            .unwrap()
            .keypair()
            .clone();
        let hq_addr = InviteCode::parse(&invite(&hq_device, "clerk", "BJ", "1h"))
            .unwrap()
            .addrs[0]
            .clone();
        let month = jiff::Timestamp::now().strftime("%Y-%m").to_string();

        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let tamperer = Arc::new(Modified::new(
                &format!("ops/BJ/{month}"),
                raise_a_submitted_line(&key),
                move |message| signed(message, &key),
            ));
            let _client = talk_to_hq(libp2p_key, &hq_addr, tamperer.clone()).await;
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let status = hq_device.json(&["sync", "status"]);
                if let Some(refused) = status["refused"].as_array().and_then(|r| r.first()) {
                    assert_eq!(refused["author"], device_hex(&bj_peer(&bj)), "{status}");
                    let reason = refused["reason"].as_str().unwrap();
                    assert!(reason.contains("freeze at submit"), "{reason}");
                    break;
                }
                if Instant::now() > deadline {
                    let log = std::fs::read_to_string(hq_device.data_dir.with_extension("log"));
                    panic!("HQ never refused the tampered change: {status} {log:?}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        // HQ's order is as submitted: the quantity the clerk typed, the total it had.
        let order = hq_device.json(&["order", "show", &number]);
        assert_eq!(order["line_items"][0]["qty"], 2, "{order}");
        assert_eq!(order["total"], 2000, "{order}");
        assert_eq!(order["status"], "submitted", "{order}");
    }
);
