//! Invites: the one-line code an admin hands out, and `/outpost/join/1`, the only thing a
//! non-member may do.
//!
//! An invite carries a one-time ed25519 secret. Its peer id goes into `org` with the
//! role, site and expiry; the membership gate lets that peer id in, and the node answers
//! it on the join protocol only. The joining device dials with the invite's key, presents
//! its own device key signed over the invite, and receives the organisation document.

use std::time::Duration;

use futures::StreamExt;
use libp2p::identity::{Keypair, PublicKey};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, StreamProtocol, noise, tcp, yamux};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::wire::{Frame, read_frame, write_frame};

/// The join protocol.
pub const JOIN_PROTOCOL: StreamProtocol = StreamProtocol::new("/outpost/join/1");
const CODE_PREFIX: &str = "outpost-invite-";
const CODE_VERSION: u8 = 1;
const SIGNED_CONTEXT: &[u8] = b"outpost-join/1";
const JOIN_TIMEOUT: Duration = Duration::from_secs(20);

/// What an invite code carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteCode {
    /// The organisation's id.
    pub org: String,
    /// The one-time secret (an ed25519 secret key).
    pub secret: [u8; 32],
    /// Where to present it, each ending in `/p2p/<peer id>`.
    pub addrs: Vec<Multiaddr>,
}

impl InviteCode {
    /// A new invite with a fresh random secret.
    pub fn generate(org: &str, addrs: Vec<Multiaddr>) -> InviteCode {
        let key = libp2p::identity::ed25519::SecretKey::generate();
        let mut secret = [0u8; 32];
        secret.copy_from_slice(key.as_ref());
        InviteCode {
            org: org.to_string(),
            secret,
            addrs,
        }
    }

    /// The invite's own key pair.
    pub fn keypair(&self) -> Keypair {
        Keypair::ed25519_from_bytes(self.secret)
            .expect("every 32-byte string is an ed25519 secret key")
    }

    /// The invite's peer id: what `org` records (it reveals nothing of the secret).
    pub fn peer_id(&self) -> PeerId {
        self.keypair().public().to_peer_id()
    }

    /// The one-line code.
    pub fn encode(&self) -> String {
        let mut raw = vec![CODE_VERSION, self.org.len() as u8];
        raw.extend(self.org.as_bytes());
        raw.extend(self.secret);
        raw.push(self.addrs.len() as u8);
        for a in &self.addrs {
            let bytes = a.to_vec();
            raw.push(bytes.len() as u8);
            raw.extend(bytes);
        }
        format!("{CODE_PREFIX}{}", bs58::encode(raw).into_string())
    }

    /// Reads a code made by [`InviteCode::encode`].
    pub fn parse(code: &str) -> Result<InviteCode> {
        let bad = |why: &str| Error::InviteCode(why.to_string());
        let body = code
            .trim()
            .strip_prefix(CODE_PREFIX)
            .ok_or_else(|| bad("it does not start with outpost-invite-"))?;
        let raw = bs58::decode(body)
            .into_vec()
            .map_err(|_| bad("it is damaged (not base58)"))?;
        let mut r = raw.as_slice();
        let mut take = |n: usize| -> Result<&[u8]> {
            if r.len() < n {
                return Err(bad("it is cut short"));
            }
            let (head, rest) = r.split_at(n);
            r = rest;
            Ok(head)
        };
        if take(1)?[0] != CODE_VERSION {
            return Err(bad("it is from another version of Outpost"));
        }
        let n = take(1)?[0] as usize;
        let org = std::str::from_utf8(take(n)?)
            .map_err(|_| bad("the organisation id is damaged"))?
            .to_string();
        let mut secret = [0u8; 32];
        secret.copy_from_slice(take(32)?);
        let count = take(1)?[0] as usize;
        let mut addrs = Vec::with_capacity(count);
        for _ in 0..count {
            let n = take(1)?[0] as usize;
            let addr =
                Multiaddr::try_from(take(n)?.to_vec()).map_err(|_| bad("an address is damaged"))?;
            addrs.push(addr);
        }
        if !take(0)?.is_empty() || !r.is_empty() {
            return Err(bad("it has extra bytes"));
        }
        Ok(InviteCode { org, secret, addrs })
    }
}

/// What a joining device presents.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JoinRequest {
    /// The organisation it expects to join.
    pub org: String,
    /// The new device's public key (protobuf encoding).
    pub device_key: Vec<u8>,
    /// A name for the device or its user.
    pub name: String,
    /// The device key's signature over the invite's peer id and the org id.
    pub signature: Vec<u8>,
}

fn signed_bytes(invite: &PeerId, org: &str) -> Vec<u8> {
    let mut msg = SIGNED_CONTEXT.to_vec();
    msg.extend(invite.to_bytes());
    msg.extend(org.as_bytes());
    msg
}

impl JoinRequest {
    /// A request signed by `device` for the invite `code`.
    pub fn new(code: &InviteCode, device: &Keypair, name: &str) -> Result<JoinRequest> {
        let signature = device
            .sign(&signed_bytes(&code.peer_id(), &code.org))
            .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(JoinRequest {
            org: code.org.clone(),
            device_key: device.public().encode_protobuf(),
            name: name.to_string(),
            signature,
        })
    }

    /// The joining device's peer id, if the signature over `invite` holds.
    pub fn verified_device(&self, invite: &PeerId) -> std::result::Result<PeerId, Refusal> {
        let key =
            PublicKey::try_decode_protobuf(&self.device_key).map_err(|_| Refusal::BadSignature)?;
        if !key.verify(&signed_bytes(invite, &self.org), &self.signature) {
            return Err(Refusal::BadSignature);
        }
        Ok(key.to_peer_id())
    }
}

/// A join request carried on a file to an admin, for a device that cannot reach an
/// admin node: the request, the invite it answers and the invite key's signature over
/// both, so that whoever carries the file proves it held the invite's secret (as the
/// network join proves it by dialling with the invite's key).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineJoinRequest {
    /// The invite's peer id.
    pub invite: String,
    /// The device's request, signed by the device.
    pub request: JoinRequest,
    /// The invite key's signature over the invite's peer id and the request.
    pub invite_signature: Vec<u8>,
}

/// The most bytes a join request file may hold (a request is a few hundred bytes).
pub const MAX_JOIN_REQUEST_BYTES: usize = 16 * 1024;

fn offline_signed_bytes(invite: &PeerId, request: &JoinRequest) -> Vec<u8> {
    let mut msg = b"outpost-join-offline/1".to_vec();
    for part in [
        invite.to_bytes().as_slice(),
        request.org.as_bytes(),
        &request.device_key,
        request.name.as_bytes(),
        &request.signature,
    ] {
        msg.extend((part.len() as u32).to_be_bytes());
        msg.extend(part);
    }
    msg
}

impl OfflineJoinRequest {
    /// A request for `device` to join with the invite `code`, signed by both.
    pub fn new(code: &InviteCode, device: &Keypair, name: &str) -> Result<OfflineJoinRequest> {
        let request = JoinRequest::new(code, device, name)?;
        let invite = code.peer_id();
        let invite_signature = code
            .keypair()
            .sign(&offline_signed_bytes(&invite, &request))
            .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(OfflineJoinRequest {
            invite: invite.to_string(),
            request,
            invite_signature,
        })
    }

    /// The file's bytes.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// Reads a request file; a damaged or oversized one is an error.
    pub fn decode(bytes: &[u8]) -> Result<OfflineJoinRequest> {
        if bytes.len() > MAX_JOIN_REQUEST_BYTES {
            return Err(Error::Protocol("the join request is too large".into()));
        }
        serde_json::from_slice(bytes)
            .map_err(|e| Error::Protocol(format!("not a join request: {e}")))
    }

    /// The invite and the device, if both signatures hold.
    pub fn verify(&self) -> std::result::Result<(PeerId, PeerId), Refusal> {
        let invite: PeerId = self.invite.parse().map_err(|_| Refusal::Unknown)?;
        // An ed25519 peer id holds its public key: the invite's key is known from its id.
        let invite_key = PublicKey::try_decode_protobuf(invite.as_ref().digest())
            .map_err(|_| Refusal::BadSignature)?;
        if !invite_key.verify(
            &offline_signed_bytes(&invite, &self.request),
            &self.invite_signature,
        ) {
            return Err(Refusal::BadSignature);
        }
        let device = self.request.verified_device(&invite)?;
        Ok((invite, device))
    }
}

/// An admin node's answer: the device is a member now.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct JoinGrant {
    /// The organisation's id.
    pub org: String,
    /// The short code allocated to the device.
    pub device_code: String,
    /// The member's role.
    pub role: String,
    /// The member's site.
    pub site: String,
    /// The organisation document (an Automerge save).
    #[serde(skip)]
    pub org_doc: Vec<u8>,
    /// The customers and suppliers document (an Automerge save; empty if none), so the new
    /// device can take orders before its first sync.
    #[serde(skip)]
    pub parties_doc: Vec<u8>,
}

/// Why an invite was refused.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Refusal {
    /// Past its expiry.
    #[error("the invite expired")]
    Expired,
    /// Someone joined with it already.
    #[error("the invite was used already")]
    Used,
    /// This organisation has no such invite (or it was withdrawn).
    #[error("the invite is unknown here")]
    Unknown,
    /// The code names another organisation.
    #[error("the invite is for another organisation")]
    WrongOrg,
    /// The request's signatures (the device's, and on a file the invite's) do not hold.
    #[error("the join request is not signed by the device and the invite")]
    BadSignature,
    /// The device is a member already.
    #[error("the device is a member already")]
    AlreadyMember,
    /// The answering node could not add the member.
    #[error("the inviting node could not add the member: {message}")]
    Failed {
        /// What went wrong there.
        message: String,
    },
}

pub(crate) fn encode_grant(result: &std::result::Result<JoinGrant, Refusal>) -> Vec<u8> {
    // JSON, then the documents' bytes; the JSON says how long the second one is.
    let (json, docs) = match result {
        Ok(grant) => (
            serde_json::to_vec(&("ok", grant, grant.parties_doc.len())),
            [grant.org_doc.as_slice(), grant.parties_doc.as_slice()],
        ),
        Err(refusal) => (
            serde_json::to_vec(&("refused", refusal)),
            [&[][..], &[][..]],
        ),
    };
    let json = json.unwrap_or_default();
    let mut out = (json.len() as u32).to_be_bytes().to_vec();
    out.extend(json);
    for doc in docs {
        out.extend(doc);
    }
    out
}

fn decode_grant(bytes: &[u8]) -> Result<std::result::Result<JoinGrant, Refusal>> {
    let bad = || Error::Protocol("malformed join reply".into());
    let len = bytes.get(..4).ok_or_else(bad)?;
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let json = bytes.get(4..4 + len).ok_or_else(bad)?;
    let docs = &bytes[4 + len..];
    let mut parts: Vec<serde_json::Value> = serde_json::from_slice(json).map_err(|_| bad())?;
    if parts.len() < 2 {
        return Err(bad());
    }
    let parties_len = parts
        .get(2)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let value = parts.swap_remove(1);
    match parts[0].as_str() {
        Some("ok") => {
            let mut grant: JoinGrant = serde_json::from_value(value).map_err(|_| bad())?;
            let split = usize::try_from(parties_len)
                .ok()
                .and_then(|n| docs.len().checked_sub(n))
                .ok_or_else(bad)?;
            grant.org_doc = docs[..split].to_vec();
            grant.parties_doc = docs[split..].to_vec();
            Ok(Ok(grant))
        }
        Some("refused") => Ok(Err(serde_json::from_value(value).map_err(|_| bad())?)),
        _ => Err(bad()),
    }
}

/// Presents `code` for the device `device`: dials the invite's addresses with the invite's
/// key and returns the grant, or why it was refused.
pub async fn present_invite(code: &InviteCode, device: &Keypair, name: &str) -> Result<JoinGrant> {
    let request = JoinRequest::new(code, device, name)?;
    let body = serde_json::to_vec(&request).map_err(|e| Error::Protocol(e.to_string()))?;
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(code.keypair())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| Error::Transport(e.to_string()))?
        .with_quic()
        .with_behaviour(|_| libp2p_stream::Behaviour::new())
        .map_err(|e| Error::Transport(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(JOIN_TIMEOUT))
        .build();
    let mut control = swarm.behaviour().new_control();
    let mut dialled = 0;
    for addr in &code.addrs {
        if let Some(Protocol::P2p(_)) = addr.iter().last() {
            match swarm.dial(addr.clone()) {
                Ok(()) => dialled += 1,
                Err(e) => tracing::debug!(%addr, error = %e, "cannot dial"),
            }
        }
    }
    if dialled == 0 {
        return Err(Error::InviteCode("it names no node to dial".into()));
    }
    // The first node that answers gets the invite.
    let connect = async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::ConnectionEstablished { peer_id, .. } => return Ok(peer_id),
                SwarmEvent::OutgoingConnectionError { error, .. } => {
                    dialled -= 1;
                    if dialled == 0 {
                        return Err(Error::Unreachable(error.to_string()));
                    }
                }
                _ => {}
            }
        }
    };
    let peer = tokio::time::timeout(JOIN_TIMEOUT, connect)
        .await
        .unwrap_or_else(|_| Err(Error::Unreachable("timed out".into())))?;
    let driver = tokio::spawn(async move {
        loop {
            swarm.select_next_some().await;
        }
    });
    let attempt = async {
        let mut stream = control
            .open_stream(peer, JOIN_PROTOCOL)
            .await
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        write_frame(&mut stream, &Frame::Join(body.clone())).await?;
        match read_frame(&mut stream).await? {
            Some((Frame::JoinReply(reply), _)) => decode_grant(&reply)?.map_err(Error::JoinRefused),
            _ => Err(Error::Unreachable("the node closed the join stream".into())),
        }
    };
    let result = tokio::time::timeout(JOIN_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| Err(Error::Unreachable("timed out".into())));
    driver.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_damage_is_refused() {
        let addr: Multiaddr =
            "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"
                .parse()
                .unwrap();
        let code = InviteCode::generate("org-1", vec![addr]);
        let text = code.encode();
        assert_eq!(InviteCode::parse(&text).unwrap(), code);
        assert_eq!(
            InviteCode::parse(&code.encode()).unwrap().peer_id(),
            code.peer_id()
        );
        assert!(InviteCode::parse("hello").is_err());
        assert!(InviteCode::parse(&text[..text.len() - 3]).is_err());
        let mut extra = text.clone();
        extra.push('2');
        assert!(InviteCode::parse(&extra).is_err());
    }

    #[test]
    fn a_request_verifies_only_for_its_invite() {
        let code = InviteCode::generate("org-1", vec![]);
        let other = InviteCode::generate("org-1", vec![]);
        let device = Keypair::generate_ed25519();
        let req = JoinRequest::new(&code, &device, "Li").unwrap();
        assert_eq!(
            req.verified_device(&code.peer_id()),
            Ok(device.public().to_peer_id())
        );
        assert_eq!(
            req.verified_device(&other.peer_id()),
            Err(Refusal::BadSignature)
        );
        let mut forged = req.clone();
        forged.org = "org-2".into();
        assert_eq!(
            forged.verified_device(&code.peer_id()),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn an_offline_request_proves_the_invite_and_the_device() {
        let code = InviteCode::generate("org-1", Vec::new());
        let device = Keypair::generate_ed25519();
        let request = OfflineJoinRequest::new(&code, &device, "Li").unwrap();
        let read = OfflineJoinRequest::decode(&request.encode()).unwrap();
        assert_eq!(
            read.verify(),
            Ok((code.peer_id(), device.public().to_peer_id()))
        );
        // Another name, another device key, or another invite: the signatures fail.
        let mut renamed = read.clone();
        renamed.request.name = "Boss".into();
        assert_eq!(renamed.verify(), Err(Refusal::BadSignature));
        let mut other_device = read.clone();
        other_device.request.device_key = Keypair::generate_ed25519().public().encode_protobuf();
        assert_eq!(other_device.verify(), Err(Refusal::BadSignature));
        let mut other_invite = read.clone();
        other_invite.invite = InviteCode::generate("org-1", Vec::new())
            .peer_id()
            .to_string();
        assert_eq!(other_invite.verify(), Err(Refusal::BadSignature));
        assert!(OfflineJoinRequest::decode(b"{}").is_err());
        assert!(OfflineJoinRequest::decode(&vec![b' '; MAX_JOIN_REQUEST_BYTES + 1]).is_err());
    }

    #[test]
    fn grants_and_refusals_round_trip() {
        let grant = JoinGrant {
            org: "o".into(),
            device_code: "B7K".into(),
            role: "clerk".into(),
            site: "SH".into(),
            org_doc: vec![1, 2, 3],
            parties_doc: vec![4, 5],
        };
        assert_eq!(
            decode_grant(&encode_grant(&Ok(grant.clone()))).unwrap(),
            Ok(grant)
        );
        assert_eq!(
            decode_grant(&encode_grant(&Err(Refusal::Expired))).unwrap(),
            Err(Refusal::Expired)
        );
        assert!(decode_grant(&[0, 0, 0, 9, 1]).is_err());
    }
}
