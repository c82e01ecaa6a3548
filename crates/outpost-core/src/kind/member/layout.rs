//! How devices and invites sit in `org`.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ReadDoc};
use jiff::Timestamp;

use super::{DEVICES, Invite};
use crate::access::{Device, Role};
use crate::code::{DeviceCode, SiteCode};
use crate::error::{Error, Result, Rule};
use crate::id::DeviceId;
use crate::record::RecordRef;
use crate::schema::{RawConflict, RecordReader, View, new_record};
use crate::text::{MAX_NAME, required};

pub(super) fn read_device<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Device> {
    let mut r = RecordReader::new(v, obj.clone(), c);
    Some(Device {
        id: DeviceId::parse(id).ok()?,
        code: DeviceCode::parse(&r.fact_text("code")?).ok()?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        joined_at_ms: r.fact_int("joined_at")?,
        name: r.text("name").unwrap_or_default(),
        role: Role::parse(&r.text("role")?).ok()?,
        revoked: r.flag("revoked"),
        // The earliest of its revocations (each admin's is its own record: no conflict).
        revoked_at_ms: super::revocation::earliest(v, &obj),
        // Where the head office is, `org`'s sites say (see `access::members`).
        at_head_office: false,
    })
}

pub(super) fn read_invite<R: ReadDoc>(
    v: View<'_, R>,
    id: &str,
    obj: ObjId,
    c: &mut Vec<RawConflict>,
) -> Option<Invite> {
    let mut r = RecordReader::new(v, obj, c);
    Some(Invite {
        id: id.to_string(),
        role: Role::parse(&r.fact_text("role")?).ok()?,
        site: SiteCode::parse(&r.fact_text("site")?).ok()?,
        created_by: DeviceId::parse(&r.fact_text("created_by")?).ok()?,
        created_at_ms: r.fact_int("created_at")?,
        expires_at_ms: r.fact_int("expires_at")?,
        used_by: r.text("used_by").and_then(|d| DeviceId::parse(&d).ok()),
    })
}

/// Registers a device: the only place devices are written.
pub(crate) fn put_device(
    tx: &mut Transaction<'_>,
    id: &DeviceId,
    code: &DeviceCode,
    name: &str,
    site: &SiteCode,
    role: Role,
    at: Timestamp,
) -> Result<Vec<RecordRef>> {
    let name = required("device name", name, MAX_NAME)?;
    let dev = new_record(tx, DEVICES, id.as_str())?;
    tx.put(&dev, "code", code.as_str())?;
    tx.put(&dev, "site", site.as_str())?;
    tx.put(&dev, "joined_at", at.as_millisecond())?;
    tx.put(&dev, "name", name.as_str())?;
    tx.put(&dev, "role", role.as_str())?;
    tx.put(&dev, "revoked", false)?;
    super::revocation::put_maps(tx, &dev)?;
    Ok(vec![RecordRef::new(DEVICES, id.as_str())])
}

/// A device code derived from the device id, moved on until it clashes with no known
/// device: three characters such as `K7M`.
///
/// A device joining from a bundle registers itself offline, so two devices joining at the
/// same time from copies of one bundle cannot see each other's code. Three characters make
/// a clash unlikely (1 in ~23,000 per pair), and a clash that does happen is listed as an
/// exception; codes handed out by an admin with an invite are unique by construction.
pub(crate) fn free_device_code(id: &DeviceId, taken: &[String]) -> Result<DeviceCode> {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let seed = id.as_str().bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    for attempt in 0..4096u64 {
        let n = seed.wrapping_add(attempt.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut code = String::new();
        code.push(char::from(LETTERS[(n % 24) as usize]));
        code.push(char::from(ALNUM[((n >> 8) % 32) as usize]));
        code.push(char::from(ALNUM[((n >> 16) % 32) as usize]));
        if !taken.iter().any(|t| t == &code) {
            return DeviceCode::parse(&code);
        }
    }
    Err(Error::invalid("device code", id, Rule::Exhausted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_codes_avoid_taken_ones() {
        let id = DeviceId::random();
        let first = free_device_code(&id, &[]).unwrap();
        let second = free_device_code(&id, &[first.to_string()]).unwrap();
        assert_ne!(first, second);
        assert_eq!(first.as_str().len(), 3);
    }
}
