//! A member gone bad: a real libp2p peer, admitted with an invite, opens sync streams to a
//! serving HQ and sends what no Outpost node would (a sync frame before its hello, an
//! unknown document, a malformed sync message, garbage, an oversized frame). Each stream
//! is dropped, HQ's book does not change, and HQ goes on serving an honest office.

use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::{StreamProtocol, noise, tcp, yamux};
use outpost_sync::wire::Frame;
use outpost_sync::{InviteCode, Keypair, PeerId};

use crate::network::{Serving, eventually, hq, invite, joined, order_numbers, skus};
use crate::util::Dir;

const SYNC: StreamProtocol = StreamProtocol::new("/outpost/sync/1");

fn framed(frame: &Frame) -> Vec<u8> {
    let body = frame.encode().unwrap();
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend(body);
    out
}

/// Sends `bytes` on a fresh sync stream and waits for HQ to end it; true if it did.
async fn hq_drops(control: &mut libp2p_stream::Control, hq: PeerId, bytes: &[u8]) -> bool {
    let mut stream = control.open_stream(hq, SYNC).await.unwrap();
    let _ = stream.write_all(bytes).await;
    let _ = stream.flush().await;
    let mut sink = Vec::new();
    // HQ's own hello may come first; then the stream must end.
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut sink))
        .await
        .is_ok()
}

outposttest!(
    a_member_sending_bad_frames_is_cut_off_and_others_go_on,
    |dir, _device| {
        let dir: Dir = dir;
        let (hq_device, _serving) = hq(&dir);
        let bj = joined(&dir, &hq_device, "bj", "clerk", "BJ", "Li");
        let _bj_serving = Serving::start_with(&bj, &["--no-relay"]);
        eventually("catalogue at BJ", || skus(&bj) == ["TEA"]);
        let code = InviteCode::parse(&invite(&hq_device, "clerk", "SH", "1h")).unwrap();
        let hq_addr = code.addrs[0].clone();
        let hq_peer = outpost_sync::peer_of(&hq_addr).expect("the invite names HQ");

        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let key = Keypair::generate_ed25519();
            outpost_sync::present_invite(&code, &key, "Mallory")
                .await
                .unwrap();
            let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key)
                .with_tokio()
                .with_tcp(
                    tcp::Config::default(),
                    noise::Config::new,
                    yamux::Config::default,
                )
                .unwrap()
                .with_behaviour(|_| libp2p_stream::Behaviour::new())
                .unwrap()
                .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
                .build();
            let mut control = swarm.behaviour().new_control();
            swarm.dial(hq_addr.clone()).unwrap();
            tokio::spawn(async move {
                loop {
                    swarm.select_next_some().await;
                }
            });
            // The admission reaches HQ's gate a moment after the grant.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let dump_before = hq_device.dump();

            let hello = framed(&Frame::Hello(Vec::new()));
            let after_hello = |bad: Vec<u8>| [hello.clone(), bad].concat();
            let attacks: Vec<(&str, Vec<u8>)> = vec![
                (
                    "a sync frame before the hello",
                    framed(&Frame::Sync {
                        doc: "org".into(),
                        message: vec![0x42, 0, 0],
                    }),
                ),
                (
                    "an unknown document",
                    after_hello(framed(&Frame::Sync {
                        doc: "payroll/secret".into(),
                        message: vec![0x42, 0, 0],
                    })),
                ),
                (
                    "a malformed sync message",
                    after_hello(framed(&Frame::Sync {
                        doc: "org".into(),
                        message: vec![0x42, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3],
                    })),
                ),
                (
                    "a garbage frame",
                    after_hello([&7u32.to_be_bytes()[..], b"garbage"].concat()),
                ),
                (
                    "an oversized frame",
                    after_hello(u32::MAX.to_be_bytes().to_vec()),
                ),
            ];
            for (what, bytes) in attacks {
                assert!(
                    hq_drops(&mut control, hq_peer, &bytes).await,
                    "HQ kept a stream open after {what}"
                );
            }
            assert_eq!(
                hq_device.dump(),
                dump_before,
                "a bad frame changed HQ's book"
            );
        });

        // HQ goes on serving the honest office.
        bj.ok(&["order", "new", "--party", "Shop", "--line", "TEA:1"]);
        eventually("BJ's order at HQ", || {
            order_numbers(&hq_device) == order_numbers(&bj)
        });
    }
);
