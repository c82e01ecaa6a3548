//! Random record ids and the device id.
//!
//! Record ids are UUID v7 built from the time the caller passes in, so they sort roughly by
//! creation and never need coordination between offices.

use std::fmt;

use automerge::ActorId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result, Rule};

fn uuid_at(at: Timestamp) -> Uuid {
    let secs = u64::try_from(at.as_second()).unwrap_or(0);
    let nanos = at.subsec_nanosecond().unsigned_abs();
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos))
}

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id (UUID v7 at `at`).
            pub fn generate(at: Timestamp) -> Self {
                Self(uuid_at(at).to_string())
            }

            /// Parses an id as printed by [`fmt::Display`].
            pub fn parse(text: &str) -> Result<Self> {
                Uuid::parse_str(text)
                    .map(|u| Self(u.to_string()))
                    .map_err(|_| Error::invalid($kind, text, Rule::Format { example: "01a2062d-e757-72ee-b06c-be90219d6550" }))
            }

            /// The id as stored in documents and tables.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Wraps text read from a document or table without checking it.
            pub(crate) fn from_stored(text: String) -> Self {
                Self(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

record_id!(
    /// Identifies an order.
    OrderId, "order id"
);
record_id!(
    /// Identifies one line of an order.
    LineId, "line id"
);
record_id!(
    /// Identifies a stock movement.
    MovementId, "movement id"
);
record_id!(
    /// Identifies a transfer between warehouses (shared by its out and in movements).
    TransferId, "transfer id"
);
record_id!(
    /// Identifies a task.
    TaskId, "task id"
);
record_id!(
    /// Identifies a comment on a task.
    CommentId, "comment id"
);
record_id!(
    /// Identifies a catalogue item.
    ItemId, "item id"
);
record_id!(
    /// Identifies a customer or supplier.
    PartyId, "party id"
);
record_id!(
    /// Identifies a journal entry.
    EntryId, "journal entry id"
);
record_id!(
    /// Identifies an invoice or credit note.
    InvoiceId, "invoice id"
);
record_id!(
    /// Identifies a receipt or payment.
    PaymentId, "payment id"
);
record_id!(
    /// Identifies an acknowledgement of an exception.
    AckId, "acknowledgement id"
);
record_id!(
    /// Identifies an organisation.
    OrgId, "organisation id"
);

/// A device's identity in the book: the bytes of its Automerge actor id, written as hex.
/// Nodes use the bytes of the device's libp2p PeerId, so every change names a peer whose
/// key can be checked; the book itself only needs them to be unique.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct DeviceId(String);

/// Longest device id accepted, in bytes (a PeerId is 38).
const MAX_DEVICE_ID_BYTES: usize = 64;

impl DeviceId {
    /// A fresh random 16-byte device id (tests and tools; nodes derive theirs from a key).
    pub fn random() -> Self {
        Self(hex(Uuid::new_v4().as_bytes()))
    }

    /// The device whose actor id is `bytes` (e.g. a PeerId's bytes).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(hex(bytes))
    }

    /// Parses the hex form.
    pub fn parse(text: &str) -> Result<Self> {
        let ok = !text.is_empty()
            && text.len().is_multiple_of(2)
            && text.len() <= MAX_DEVICE_ID_BYTES * 2
            && text.bytes().all(|b| b.is_ascii_hexdigit());
        if ok {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(Error::invalid(
                "device id",
                text,
                Rule::Format {
                    example: "31bc4c26391a492b9f8c60b4d804c8ae",
                },
            ))
        }
    }

    /// The id's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        unhex(&self.0)
    }

    /// The Automerge actor id of this device.
    pub fn actor(&self) -> ActorId {
        ActorId::from(unhex(&self.0))
    }

    /// The device that wrote changes as `actor`.
    pub fn from_actor(actor: &ActorId) -> Self {
        Self(actor.to_hex_string())
    }

    /// The hex form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl OrgId {
    /// The organisation founded by `founder`: a UUID (version 8) made from a hash of the
    /// founder's device id, so anyone can check who founded it, and a change that claims
    /// to found it again is seen for what it is.
    pub fn of_founder(founder: &DeviceId) -> OrgId {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(founder.as_str().as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        OrgId(
            uuid::Builder::from_custom_bytes(bytes)
                .into_uuid()
                .to_string(),
        )
    }

    /// Whether `device` founded this organisation.
    pub fn is_founded_by(&self, device: &DeviceId) -> bool {
        OrgId::of_founder(device) == *self
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_id_round_trips_through_actor() {
        let id = DeviceId::random();
        assert_eq!(DeviceId::from_actor(&id.actor()), id);
        assert_eq!(DeviceId::parse(id.as_str()).unwrap(), id);
        assert!(DeviceId::parse("xyz").is_err());
        assert!(DeviceId::parse("abc").is_err());
        let long = DeviceId::from_bytes(&[7u8; 38]);
        assert_eq!(
            DeviceId::parse(long.as_str()).unwrap().to_bytes(),
            vec![7u8; 38]
        );
    }

    #[test]
    fn record_ids_parse_and_reject() {
        let id = OrderId::generate(Timestamp::from_second(1_700_000_000).unwrap());
        assert_eq!(OrderId::parse(id.as_str()).unwrap(), id);
        assert!(OrderId::parse("not-an-id").is_err());
    }
}
