//! Signed changes: every change is signed by its author's device key, and a change whose
//! signature does not verify is refused wherever it arrives.
//!
//! A device's id is the bytes of its libp2p PeerId, which for an ed25519 key holds the
//! public key itself (an identity multihash of the key's protobuf encoding), so a
//! change's actor id says which key must have signed it: checking needs no look-up. What
//! is signed is the change's hash, which covers everything in it (author, sequence,
//! dependencies, operations, time, message).

use std::collections::HashMap;

use automerge::{ActorId, ChangeHash};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

use crate::error::{Error, Result};
use crate::id::DeviceId;

/// Length of a signature, in bytes.
pub const SIGNATURE_LEN: usize = 64;

/// The bytes before the key in an ed25519 PeerId: identity multihash (code 0, length
/// 36) of the protobuf `PublicKey { Type: Ed25519 (1), Data: 32 bytes }`.
const PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

/// A device's signing key: the secret half of its identity.
#[derive(Clone)]
pub struct DeviceKey(SigningKey);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never appears in logs.
        f.debug_tuple("DeviceKey").field(&self.device_id()).finish()
    }
}

impl DeviceKey {
    /// A new random key.
    pub fn generate() -> Result<DeviceKey> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)
            .map_err(|e| Error::Io(std::io::Error::other(format!("no randomness: {e}"))))?;
        Ok(DeviceKey::from_secret(&secret))
    }

    /// The key whose secret is `secret` (the 32 bytes of an ed25519 secret key).
    pub fn from_secret(secret: &[u8; 32]) -> DeviceKey {
        DeviceKey(SigningKey::from_bytes(secret))
    }

    /// The 32 secret bytes (to store the key encrypted, or hand it to libp2p).
    pub fn secret(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The device this key is: the PeerId bytes of its public half.
    pub fn device_id(&self) -> DeviceId {
        let mut bytes = PEER_ID_PREFIX.to_vec();
        bytes.extend_from_slice(self.0.verifying_key().as_bytes());
        DeviceId::from_bytes(&bytes)
    }

    /// This key as an X25519 secret (the birationally equivalent Montgomery scalar, as
    /// age's ssh-ed25519 and libsodium convert it): what is encrypted to the device, a
    /// bundle sealed for it, opens with it.
    pub fn x25519_secret(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.0.to_scalar_bytes())
    }

    /// Signs a change (its hash).
    pub fn sign(&self, hash: &ChangeHash) -> [u8; SIGNATURE_LEN] {
        self.0.sign(&hash.0).to_bytes()
    }
}

/// Signatures of changes, by change hash.
pub(crate) type Signatures = HashMap<ChangeHash, [u8; SIGNATURE_LEN]>;

/// First byte of a sealed payload, and its format: the first named each change by its
/// whole 32-byte hash, the second by the first 8 bytes of it.
const SEALED_V1: u8 = 0x53;
const SEALED_V2: u8 = 0x54;
/// The current format: signatures named by hash prefix, then the vouchers.
const SEALED: u8 = 0x55;
/// How many bytes of a change's hash name it in a seal (the receiver has the changes and
/// so their hashes; a signature is always checked against the whole hash, so a clash of
/// prefixes can only fail a check, never pass one).
const PREFIX: usize = 8;

/// A change carried only to prove others (its author's signature vouches for the
/// author's earlier changes): its raw bytes and signature.
pub(crate) type Voucher = (Vec<u8>, [u8; SIGNATURE_LEN]);

/// A payload (a sync message, a saved document) with signatures of the changes in it:
/// `U`, the payload's length (u32, big-endian), the payload, the number of signatures
/// (u32), per signature the first 8 bytes of its change's hash and the signature, then
/// per voucher its length (u32), its raw change and its signature.
pub(crate) fn seal(payload: &[u8], sigs: &Signatures, vouchers: &[Voucher]) -> Vec<u8> {
    let mut out = Vec::with_capacity(9 + payload.len() + sigs.len() * (PREFIX + SIGNATURE_LEN));
    let be = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
    out.push(SEALED);
    out.extend_from_slice(&be(payload.len()));
    out.extend_from_slice(payload);
    out.extend_from_slice(&be(sigs.len()));
    for (hash, sig) in sigs {
        out.extend_from_slice(&hash.0[..PREFIX]);
        out.extend_from_slice(sig);
    }
    for (raw, sig) in vouchers {
        out.extend_from_slice(&be(raw.len()));
        out.extend_from_slice(raw);
        out.extend_from_slice(sig);
    }
    out
}

/// The signatures a seal carried, by what names each change ([`Sealed::for_changes`]
/// gives them by hash), and its vouchers.
#[derive(Debug, Default)]
pub(crate) struct Sealed {
    by_prefix: HashMap<Vec<u8>, [u8; SIGNATURE_LEN]>,
    /// Changes carried only as proof.
    pub vouchers: Vec<Voucher>,
}

impl Sealed {
    /// The signatures of the changes with these hashes (those the seal carried).
    pub fn for_changes(&self, hashes: impl IntoIterator<Item = ChangeHash>) -> Signatures {
        hashes
            .into_iter()
            .filter_map(|hash| {
                let sig = self
                    .by_prefix
                    .get(&hash.0[..PREFIX])
                    .or_else(|| self.by_prefix.get(&hash.0[..]))?;
                Some((hash, *sig))
            })
            .collect()
    }
}

/// The payload and signatures of [`seal`]'s output (or of an earlier format); `None` if
/// the bytes are not that.
pub(crate) fn unseal(bytes: &[u8]) -> Option<(&[u8], Sealed)> {
    let (&kind, rest) = bytes.split_first()?;
    let (payload, rest) = take_sized(rest)?;
    let entries = |names: usize, records: &[u8]| -> Option<HashMap<Vec<u8>, [u8; SIGNATURE_LEN]>> {
        let entry = names + SIGNATURE_LEN;
        if !records.len().is_multiple_of(entry) {
            return None;
        }
        records
            .chunks_exact(entry)
            .map(|r| Some((r[..names].to_vec(), r[names..].try_into().ok()?)))
            .collect()
    };
    let sealed = match kind {
        SEALED_V1 => Sealed {
            by_prefix: entries(32, rest)?,
            vouchers: Vec::new(),
        },
        SEALED_V2 => Sealed {
            by_prefix: entries(PREFIX, rest)?,
            vouchers: Vec::new(),
        },
        SEALED => {
            let (count, rest) = rest.split_first_chunk::<4>()?;
            let count = usize::try_from(u32::from_be_bytes(*count)).ok()?;
            let names_len = count.checked_mul(PREFIX + SIGNATURE_LEN)?;
            if rest.len() < names_len {
                return None;
            }
            let (names, mut rest) = rest.split_at(names_len);
            let mut vouchers = Vec::new();
            while !rest.is_empty() {
                let (raw, after) = take_sized(rest)?;
                let (sig, after) = after.split_first_chunk::<SIGNATURE_LEN>()?;
                vouchers.push((raw.to_vec(), *sig));
                rest = after;
            }
            Sealed {
                by_prefix: entries(PREFIX, names)?,
                vouchers,
            }
        }
        _ => return None,
    };
    Some((payload, sealed))
}

/// A u32 big-endian length and that many bytes; the rest after them.
fn take_sized(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// The public key an actor id names, if it is an ed25519 PeerId.
fn public_key(actor: &ActorId) -> Option<VerifyingKey> {
    let bytes = actor.to_bytes();
    let key = bytes.strip_prefix(&PEER_ID_PREFIX[..])?;
    let key: &[u8; 32] = key.try_into().ok()?;
    VerifyingKey::from_bytes(key).ok()
}

/// The X25519 public key of `device` (what is encrypted to it), if its id is an ed25519
/// key.
pub fn x25519_public(device: &DeviceId) -> Option<[u8; 32]> {
    public_key(&device.actor()).map(|key| key.to_montgomery().to_bytes())
}

/// Why a change's signature was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsigned {
    /// No signature came with it.
    Missing,
    /// Its author is not a key (not an ed25519 PeerId).
    NoKey,
    /// The signature is not its author's.
    Wrong,
}

impl std::fmt::Display for Unsigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unsigned::Missing => "it is not signed",
            Unsigned::NoKey => "its author is not a device key",
            Unsigned::Wrong => "its signature is not its author's",
        })
    }
}

/// One change to check: its hash, its author and the signature that came with it.
#[derive(Clone, Copy, Debug)]
pub struct Signed<'a> {
    /// The change's hash (what was signed).
    pub hash: ChangeHash,
    /// Its author.
    pub actor: &'a ActorId,
    /// The signature that came with it, if any.
    pub sig: Option<&'a [u8; SIGNATURE_LEN]>,
}

/// A change as [`authenticate`] takes it: with the signature that came with it (from
/// `sigs`) and its dependencies.
pub(crate) fn with_deps<'a>(
    change: &'a automerge::Change,
    sigs: &'a Signatures,
) -> (Signed<'a>, &'a [ChangeHash]) {
    let signed = Signed {
        hash: change.hash(),
        actor: change.actor_id(),
        sig: sigs.get(&change.hash()),
    };
    (signed, change.deps())
}

/// Checks a batch's signatures, and what they vouch for: a change that came without its
/// own signature is its author's when a change of the same author with a good signature
/// (in the batch, or among `vouchers`, changes carried only to prove others) has it in its
/// causal past within the batch. A change's hash fixes its dependencies' hashes, so an
/// author's signature on its latest change covers its earlier ones: one signature per
/// author per batch is enough. Each change comes with its dependencies; `None` for each
/// change that is its author's.
pub fn authenticate(
    changes: &[(Signed<'_>, &[ChangeHash])],
    vouchers: &[(Signed<'_>, &[ChangeHash])],
) -> Vec<Option<Unsigned>> {
    let all: Vec<&(Signed<'_>, &[ChangeHash])> = changes.iter().chain(vouchers).collect();
    let signed: Vec<Signed<'_>> = all.iter().map(|(s, _)| *s).collect();
    let mut verdicts = verify_all(&signed);
    let index: HashMap<ChangeHash, usize> = all
        .iter()
        .enumerate()
        .map(|(i, (s, _))| (s.hash, i))
        .collect();
    // Walk back from every well-signed change; each author's walks share what they saw.
    let mut seen: HashMap<&ActorId, std::collections::HashSet<usize>> = HashMap::new();
    let roots: Vec<usize> = (0..all.len()).filter(|&i| verdicts[i].is_none()).collect();
    for root in roots {
        let author = all[root].0.actor;
        let seen = seen.entry(author).or_default();
        let mut stack = vec![root];
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            if all[i].0.actor == author && verdicts[i] == Some(Unsigned::Missing) {
                verdicts[i] = None;
            }
            stack.extend(all[i].1.iter().filter_map(|d| index.get(d).copied()));
        }
    }
    verdicts.truncate(changes.len());
    verdicts
}

/// Checks every change's signature; `None` for each one that verifies. The good ones are
/// checked together (batch verification, several times faster than one by one), spread
/// over two threads; only when a batch fails are its changes checked one by one to find
/// the bad ones.
pub fn verify_all(changes: &[Signed<'_>]) -> Vec<Option<Unsigned>> {
    let mut verdicts: Vec<Option<Unsigned>> = vec![None; changes.len()];
    let mut candidates: Vec<(usize, VerifyingKey, Signature)> = Vec::with_capacity(changes.len());
    // Reading a key from an actor id is a curve point's decompression: once per author,
    // and only for signed changes (most of a batch is vouched for).
    let mut keys: HashMap<&ActorId, Option<VerifyingKey>> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        let Some(sig) = c.sig else {
            verdicts[i] = Some(Unsigned::Missing);
            continue;
        };
        match keys.entry(c.actor).or_insert_with(|| public_key(c.actor)) {
            None => verdicts[i] = Some(Unsigned::NoKey),
            Some(key) => candidates.push((i, *key, Signature::from_bytes(sig))),
        }
    }
    let check = |part: &[(usize, VerifyingKey, Signature)]| -> Vec<usize> {
        let messages: Vec<&[u8]> = part
            .iter()
            .map(|(i, _, _)| &changes[*i].hash.0[..])
            .collect();
        let sigs: Vec<Signature> = part.iter().map(|(_, _, s)| *s).collect();
        let keys: Vec<VerifyingKey> = part.iter().map(|(_, k, _)| *k).collect();
        if ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok() {
            return Vec::new();
        }
        part.iter()
            .filter(|(i, key, sig)| key.verify(&changes[*i].hash.0, sig).is_err())
            .map(|(i, _, _)| *i)
            .collect()
    };
    let bad: Vec<usize> = if candidates.len() < 64 {
        check(&candidates)
    } else {
        let (first, second) = candidates.split_at(candidates.len() / 2);
        std::thread::scope(|s| {
            let other = s.spawn(|| check(second));
            let mut bad = check(first);
            bad.extend(
                other
                    .join()
                    .unwrap_or_else(|_| second.iter().map(|(i, _, _)| *i).collect()),
            );
            bad
        })
    };
    for i in bad {
        verdicts[i] = Some(Unsigned::Wrong);
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_for_its_author_and_no_one_else() {
        let key = DeviceKey::generate().unwrap();
        let other = DeviceKey::generate().unwrap();
        assert_eq!(key.device_id().to_bytes().len(), 38, "a PeerId's bytes");
        let hash = ChangeHash([7; 32]);
        let sig = key.sign(&hash);
        let mine = key.device_id().actor();
        let theirs = other.device_id().actor();
        let stranger = DeviceId::random().actor();
        let verdicts = verify_all(&[
            Signed {
                hash,
                actor: &mine,
                sig: Some(&sig),
            },
            Signed {
                hash,
                actor: &theirs,
                sig: Some(&sig),
            },
            Signed {
                hash: ChangeHash([8; 32]),
                actor: &mine,
                sig: Some(&sig),
            },
            Signed {
                hash,
                actor: &mine,
                sig: None,
            },
            Signed {
                hash,
                actor: &stranger,
                sig: Some(&sig),
            },
        ]);
        assert_eq!(
            verdicts,
            vec![
                None,
                Some(Unsigned::Wrong),
                Some(Unsigned::Wrong),
                Some(Unsigned::Missing),
                Some(Unsigned::NoKey)
            ]
        );
    }

    #[test]
    fn a_sealed_payload_opens_whole_and_a_damaged_one_not_at_all() {
        let key = DeviceKey::generate().unwrap();
        let sigs: Signatures = (0..3u8)
            .map(|i| (ChangeHash([i; 32]), key.sign(&ChangeHash([i; 32]))))
            .collect();
        let sealed = seal(b"a message", &sigs, &[]);
        let (payload, back) = unseal(&sealed).unwrap();
        assert_eq!(payload, b"a message");
        assert_eq!(back.for_changes(sigs.keys().copied()), sigs);
        // Each signature is 72 bytes on the wire, where naming the change by its whole
        // hash took 96.
        assert_eq!(sealed.len(), 5 + 9 + 4 + 3 * 72);
        let with_voucher = seal(b"m", &Signatures::new(), &[(vec![1, 2, 3], [7; 64])]);
        let (_, back) = unseal(&with_voucher).unwrap();
        assert_eq!(back.vouchers, vec![(vec![1, 2, 3], [7; 64])]);
        assert!(unseal(&with_voucher[..with_voucher.len() - 1]).is_none());
        // A change the seal did not carry gets no signature.
        assert!(back.for_changes([ChangeHash([9; 32])]).is_empty());
        assert!(unseal(&sealed[..sealed.len() - 1]).is_none());
        assert!(unseal(b"").is_none());
        assert!(unseal(&[SEALED, 0, 0, 0, 9, 1]).is_none());
    }

    #[test]
    fn many_signatures_are_checked_in_batches_and_a_bad_one_is_found() {
        let keys: Vec<DeviceKey> = (0..3).map(|_| DeviceKey::generate().unwrap()).collect();
        let actors: Vec<ActorId> = keys.iter().map(|k| k.device_id().actor()).collect();
        let hashes: Vec<ChangeHash> = (0..200u8).map(|i| ChangeHash([i; 32])).collect();
        let mut sigs: Vec<[u8; 64]> = hashes
            .iter()
            .enumerate()
            .map(|(i, h)| keys[i % 3].sign(h))
            .collect();
        sigs[150] = keys[0].sign(&ChangeHash([255; 32]));
        let checks: Vec<Signed<'_>> = hashes
            .iter()
            .enumerate()
            .map(|(i, h)| Signed {
                hash: *h,
                actor: &actors[i % 3],
                sig: Some(&sigs[i]),
            })
            .collect();
        let verdicts = verify_all(&checks);
        let bad: Vec<usize> = verdicts
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_some())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(bad, vec![150]);
    }

    fn change<'a>(
        hash: ChangeHash,
        actor: &'a ActorId,
        sig: Option<&'a [u8; SIGNATURE_LEN]>,
        deps: &'a [ChangeHash],
    ) -> (Signed<'a>, &'a [ChangeHash]) {
        (Signed { hash, actor, sig }, deps)
    }

    #[test]
    fn an_authors_signature_vouches_for_its_own_earlier_changes_and_no_one_elses() {
        let (a, b) = (
            DeviceKey::generate().unwrap(),
            DeviceKey::generate().unwrap(),
        );
        let (actor_a, actor_b) = (a.device_id().actor(), b.device_id().actor());
        let h = |i: u8| ChangeHash([i; 32]);
        let (sig3, sig5, forged) = (a.sign(&h(3)), a.sign(&h(5)), a.sign(&h(9)));
        let (on1, on2, on4) = ([h(1)], [h(2)], [h(4)]);
        // c1 (A) <- c2 (B) <- c3 (A, signed); c4 (A) stands apart.
        let batch = [
            change(h(1), &actor_a, None, &[]),
            change(h(2), &actor_b, None, &on1),
            change(h(3), &actor_a, Some(&sig3), &on2),
            change(h(4), &actor_a, None, &[]),
        ];
        assert_eq!(
            authenticate(&batch, &[]),
            vec![None, Some(Unsigned::Missing), None, Some(Unsigned::Missing)]
        );
        // A voucher (A's signed c5, built on c4) proves c4.
        let voucher = [change(h(5), &actor_a, Some(&sig5), &on4)];
        assert_eq!(authenticate(&batch, &voucher)[3], None);
        // A bad signature vouches for nothing.
        let bad = [
            change(h(1), &actor_a, None, &[]),
            change(h(2), &actor_a, Some(&forged), &on1),
        ];
        assert_eq!(
            authenticate(&bad, &[]),
            vec![Some(Unsigned::Missing), Some(Unsigned::Wrong)]
        );
    }
}
