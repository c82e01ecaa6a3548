//! A stranger on the network: a real libp2p peer with a key no organisation knows dials a
//! serving HQ and receives no document byte; once the same key joins with an invite, the
//! same program receives documents (so the first half could have seen them).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use outpost_sync::wire::DocHeads;
use outpost_sync::{
    Config, InviteCode, JoinGrant, JoinRequest, Keypair, PeerId, Received, Refusal, Rejected,
    Replica,
};

use crate::network::{Serving, hq, invite};
use crate::util::Dir;

/// Records whatever the other side sends; offers nothing, asks for nothing.
#[derive(Default)]
struct Recorder {
    hellos: Mutex<Vec<Vec<DocHeads>>>,
    messages: Mutex<Vec<(String, usize)>>,
}

impl Recorder {
    fn documents_seen(&self) -> (usize, usize) {
        let hellos = self.hellos.lock().unwrap();
        let announced = hellos.iter().map(|h| h.len()).sum();
        let bytes = self.messages.lock().unwrap().iter().map(|(_, n)| n).sum();
        (announced, bytes)
    }
}

impl Replica for Recorder {
    fn is_member(&self, _: &PeerId) -> bool {
        true
    }
    fn offer(&self, _: &PeerId) -> Result<Vec<DocHeads>, Rejected> {
        Ok(Vec::new())
    }
    fn hello(&self, _: &PeerId, docs: &[DocHeads]) -> Result<(), Rejected> {
        self.hellos.lock().unwrap().push(docs.to_vec());
        Ok(())
    }
    fn generate(&self, _: &PeerId, _: &str) -> Result<Option<Vec<u8>>, Rejected> {
        Ok(None)
    }
    fn receive(&self, _: &PeerId, doc: &str, message: &[u8]) -> Result<Received, Rejected> {
        self.messages
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

outposttest!(a_stranger_receives_no_document_byte, |dir, _device| {
    let dir: Dir = dir;
    let (hq_device, _serving): (_, Serving) = hq(&dir);
    let code = invite(&hq_device, "clerk", "BJ", "1h");
    let parsed = InviteCode::parse(&code).unwrap();
    let hq_addr = parsed.addrs[0].clone();
    let hq_peer = outpost_sync::peer_of(&hq_addr).expect("the invite names HQ");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let key = Keypair::generate_ed25519();
        let recorder = Arc::new(Recorder::default());
        let mut config = Config::new(key.clone());
        config.mdns = false;
        config.bootstrap = vec![hq_addr.clone()];
        let (client, _events, event_loop) =
            outpost_sync::new(config, recorder.clone() as Arc<dyn Replica>).unwrap();
        tokio::spawn(event_loop.run());
        client.set_allowed(HashSet::from([hq_peer])).await.unwrap();

        // It keeps dialling for a while: refused at the gate each time.
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert_eq!(
            recorder.documents_seen(),
            (0, 0),
            "a stranger got documents"
        );
        let received: u64 = client.peers().iter().map(|p| p.bytes_received).sum();
        assert_eq!(received, 0, "a stranger got sync bytes");
        // The gate closes each connection it refuses (one may be mid-dial at any moment,
        // so look until a moment with none).
        let mut closed = false;
        for _ in 0..50 {
            if !client.connected().await.unwrap().contains(&hq_peer) {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(closed, "a stranger's connection was kept");

        // The same key joins with the invite: now the same program gets documents.
        outpost_sync::present_invite(&parsed, &key, "Zhao")
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (announced, bytes) = recorder.documents_seen();
            if announced > 0 && bytes > 0 {
                break;
            }
            assert!(Instant::now() < deadline, "a member got no documents");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
});
