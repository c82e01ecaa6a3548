//! Commands about membership and the network: invites, members, peers, sync status.

use jiff::SignedDuration;
use outpost_core::{INVITE_VALIDITY, Role, SiteCode};
use outpost_node::i18n::Msg;
use outpost_node::{Node, Result};
use std::path::Path;

use super::args::{InviteCmd, MemberCmd, PeerCmd, SyncCmd};
use super::out::{Out, outln, when};
use super::table::Table;

/// Reads `90s`, `30m`, `24h` or `7d` (the book checks it is within the invite limits).
fn parse_valid_for(text: &str) -> Result<SignedDuration> {
    let bad = || {
        outpost_core::Error::invalid(
            "expiry",
            text,
            outpost_core::Rule::Format { example: "24h" },
        )
    };
    let text = text.trim();
    let split = text.len().saturating_sub(1);
    let (n, unit) = text.split_at(split);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad().into()),
    };
    Ok(SignedDuration::from_secs(n.saturating_mul(secs)))
}

pub fn invite(node: &Node, cmd: InviteCmd, out: &Out) -> Result<()> {
    match cmd {
        InviteCmd::New {
            role,
            site,
            expires,
        } => {
            let role = Role::parse(&role)?;
            let site = SiteCode::parse(&site)?;
            let invite = node.create_invite(
                role,
                &site,
                match expires {
                    Some(text) => parse_valid_for(&text)?,
                    None => SignedDuration::from_secs(INVITE_VALIDITY.default_secs),
                },
            )?;
            out.json(&invite);
            if !out.json {
                out.say(
                    Msg::InviteMade,
                    &[
                        ("role", &out.word(role.as_str())),
                        ("site", &site),
                        ("until", &when(invite.expires_at_ms)),
                    ],
                );
                outln!(out, "{}", invite.code);
                if invite.addrs.is_empty() {
                    out.say(Msg::InviteNoAddress, &[]);
                }
            }
            Ok(())
        }
        InviteCmd::List => {
            let invites = node.invites()?;
            let mut t = Table::new(out.headers(&[
                Msg::ColRole,
                Msg::ColSite,
                Msg::ColCreated,
                Msg::ColExpires,
                Msg::ColUsedBy,
            ]));
            for i in &invites {
                t.row(vec![
                    out.word(i.role.as_str()),
                    i.site.to_string(),
                    when(i.created_at_ms),
                    when(i.expires_at_ms),
                    i.used_by
                        .as_ref()
                        .map(|d| node.device_label(d.as_str()))
                        .unwrap_or_default(),
                ]);
            }
            out.table(&invites, t, invites.is_empty());
            Ok(())
        }
    }
}

/// Members (devices) with their peer ids and, once revoked, when.
pub fn members(node: &Node, out: &Out) -> Result<()> {
    let devices = node.devices()?;
    let peer = |d: &outpost_core::Device| {
        outpost_node::identity::peer_id_of(&d.id)
            .map(|p| p.to_string())
            .unwrap_or_else(|| d.id.to_string())
    };
    let mut t = Table::new(out.headers(&[
        Msg::ColCode,
        Msg::ColName,
        Msg::ColSite,
        Msg::ColRole,
        Msg::ColPeer,
        Msg::ColRevoked,
    ]));
    for d in &devices {
        t.row(vec![
            d.code.to_string(),
            d.name.clone(),
            d.site.to_string(),
            out.word(d.role.as_str()),
            peer(d),
            d.revoked_at_ms.map(when).unwrap_or_default(),
        ]);
    }
    let json: Vec<serde_json::Value> = devices
        .iter()
        .map(|d| {
            let mut v = serde_json::to_value(d).unwrap_or_default();
            v["peer"] = serde_json::json!(peer(d));
            v
        })
        .collect();
    out.table(&json, t, devices.is_empty());
    Ok(())
}

pub fn member(node: &Node, cmd: MemberCmd, out: &Out) -> Result<()> {
    match cmd {
        MemberCmd::List => members(node, out),
        MemberCmd::Held => held(node, out),
        MemberCmd::Accept { hash } => {
            node.decide_held(&hash, outpost_core::Decision::Accept)?;
            out.json(&serde_json::json!({"hash": hash, "decision": "accept"}));
            out.say(Msg::HeldAccepted, &[("hash", &hash)]);
            Ok(())
        }
        MemberCmd::Discard { hash } => {
            node.decide_held(&hash, outpost_core::Decision::Discard)?;
            out.json(&serde_json::json!({"hash": hash, "decision": "discard"}));
            out.say(Msg::HeldDiscarded, &[("hash", &hash)]);
            Ok(())
        }
        MemberCmd::Admit { request, bundle } => {
            let device = node.admit_request(&request, &bundle)?;
            out.json(&serde_json::json!({"device": device, "bundle": bundle}));
            out.say(
                Msg::AdmittedToFile,
                &[
                    ("device", &device.code),
                    ("name", &device.name),
                    ("role", &out.word(device.role.as_str())),
                    ("site", &device.site),
                    ("file", &bundle.display().to_string()),
                ],
            );
            Ok(())
        }
        MemberCmd::Revoke { device } => {
            let d = node.revoke(&device)?;
            out.json(&d);
            out.say(Msg::Revoked, &[("device", &d.code), ("name", &d.name)]);
            Ok(())
        }
        MemberCmd::Rename { device, name } => {
            let d = node.rename_device(&device, &name)?;
            out.json(&d);
            out.say(Msg::Renamed, &[("device", &d.code), ("name", &d.name)]);
            Ok(())
        }
    }
}

pub fn peers(node: &Node, out: &Out) -> Result<()> {
    if !node.is_networked() && !out.json {
        out.say(Msg::NotServing, &[]);
        return Ok(());
    }
    let peers = node.peers()?;
    let mut t = Table::new(out.headers(&[
        Msg::ColDevice,
        Msg::ColName,
        Msg::ColAddress,
        Msg::ColLastSynced,
        Msg::ColPendingOut,
        Msg::ColPendingIn,
    ]));
    for p in &peers {
        t.row(vec![
            p.device
                .clone()
                .unwrap_or_else(|| p.peer.chars().take(12).collect()),
            p.name.clone().unwrap_or_default(),
            p.addrs.first().cloned().unwrap_or_default(),
            p.last_synced_ms.map(when).unwrap_or_default(),
            p.pending_out.to_string(),
            p.pending_in.to_string(),
        ]);
    }
    out.table(&peers, t, peers.is_empty());
    Ok(())
}

pub fn peer(node: &Node, cmd: PeerCmd, out: &Out) -> Result<()> {
    match cmd {
        PeerCmd::Add { addr } => {
            let a = node.add_peer(&addr)?;
            out.json(&serde_json::json!({ "added": a.to_string() }));
            out.say(Msg::PeerAdded, &[("addr", &a)]);
        }
        PeerCmd::List => {
            let peers: Vec<String> = outpost_node::stored_peers(node.data_dir())
                .iter()
                .map(|a| a.to_string())
                .collect();
            let mut t = Table::new(out.headers(&[Msg::ColAddress]));
            for p in &peers {
                t.row(vec![p.clone()]);
            }
            out.table(&peers, t, peers.is_empty());
        }
    }
    Ok(())
}

pub fn sync(node: &Node, cmd: SyncCmd, out: &Out) -> Result<()> {
    let SyncCmd::Status = cmd;
    let status = node.sync_status()?;
    out.json(&status);
    if out.json {
        return Ok(());
    }
    if status.hq.is_empty() {
        out.say(Msg::SyncNoHq, &[]);
    } else if status.unseen_total == 0 {
        out.say(Msg::SyncAllSeen, &[]);
    } else {
        out.say(Msg::SyncUnseen, &[("count", &status.unseen_total)]);
        let mut t = Table::new(out.headers(&[Msg::ColDoc, Msg::ColChanges]));
        for (doc, n) in &status.unseen_by_hq {
            t.row(vec![doc.clone(), n.to_string()]);
        }
        out.emit(&t.render());
    }
    if !status.refused.is_empty() {
        out.say(Msg::SyncRefused, &[]);
        let mut t = Table::new(out.headers(&[
            Msg::ColAt,
            Msg::ColDoc,
            Msg::ColDevice,
            Msg::ColFrom,
            Msg::ColReason,
        ]));
        for r in &status.refused {
            t.row(vec![
                when(r.at_ms),
                r.doc.clone(),
                node.device_label(&r.author),
                node.device_label(&r.from_peer),
                r.reason.clone(),
            ]);
        }
        out.emit(&t.render());
    }
    Ok(())
}

/// Writes a join request for the invite `code` to `file` (no network).
pub fn request_to_join(
    dir: &Path,
    code: &str,
    name: &str,
    file: &Path,
    unlock: &outpost_node::Unlock,
    out: &Out,
) -> Result<()> {
    outpost_node::request_to_join(dir, code, name, file, unlock)?;
    out.json(&serde_json::json!({"request": file}));
    out.say(
        Msg::JoinRequestWritten,
        &[("file", &file.display().to_string())],
    );
    Ok(())
}

/// Changes held for an admin, oldest first.
fn held(node: &Node, out: &Out) -> Result<()> {
    let held = node.held_changes()?;
    let mut t = Table::new(out.headers(&[
        Msg::ColHash,
        Msg::ColDoc,
        Msg::ColAuthor,
        Msg::ColClaimed,
        Msg::ColReason,
    ]));
    for h in &held {
        t.row(vec![
            h.hash.clone(),
            h.doc.clone(),
            node.member(&outpost_core::DeviceId::parse(&h.author)?)?
                .map(|d| format!("{} {}", d.code, d.name))
                .unwrap_or_else(|| h.author.clone()),
            when(h.claimed_at_ms),
            out.word(&h.reason),
        ]);
    }
    out.table(&held, t, held.is_empty());
    Ok(())
}
