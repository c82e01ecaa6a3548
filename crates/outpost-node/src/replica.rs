//! The node's side of sync ([`outpost_sync::Replica`]): a thin adapter. Every decision
//! about a sync step (who may read a document, which changes pass, what to answer) is
//! the book's ([`outpost_core::Sync`]); this keeps the sessions per peer and document,
//! tells the window what arrived, and answers invites on an admin node.

use std::collections::HashMap;
use std::sync::{Mutex, Weak};

use outpost_core::{DocId, InviteRefusal, SyncMessage, SyncReceipt, SyncSession, Timestamp};
use outpost_sync::wire::DocHeads;
use outpost_sync::{
    JoinGrant, JoinRequest, PeerId, Prepared, Received, Refusal, Rejected, Replica,
};

use crate::identity::device_id_of;
use crate::node::{Event, Node};

/// Sync on behalf of a [`Node`].
pub(crate) struct NodeReplica {
    node: Weak<Node>,
    sessions: Mutex<HashMap<(PeerId, DocId), SyncSession>>,
}

fn reject(e: impl std::fmt::Display) -> Rejected {
    Rejected(e.to_string())
}

fn doc_id(doc: &str) -> Result<DocId, Rejected> {
    DocId::parse(doc).map_err(|_| Rejected(format!("unknown document id {doc:?}")))
}

fn heads_of(doc: &DocHeads) -> Vec<outpost_core::ChangeHash> {
    doc.heads
        .iter()
        .map(|h| outpost_core::ChangeHash(*h))
        .collect()
}

impl NodeReplica {
    pub(crate) fn new(node: Weak<Node>) -> NodeReplica {
        NodeReplica {
            node,
            sessions: Mutex::default(),
        }
    }

    fn node(&self) -> Result<std::sync::Arc<Node>, Rejected> {
        self.node
            .upgrade()
            .ok_or_else(|| Rejected("the node is shutting down".into()))
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<(PeerId, DocId), SyncSession>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The active member `peer` is, or the refusal.
    fn member(&self, node: &Node, peer: &PeerId) -> Result<outpost_core::Device, Rejected> {
        match node.member(&device_id_of(peer)) {
            Ok(Some(m)) if !m.revoked => Ok(m),
            Ok(_) => Err(Rejected(format!("{peer} is not an active member"))),
            Err(e) => Err(reject(e)),
        }
    }

    /// Drops the in-memory sync sessions with `peer`, storing what outlives a session
    /// (the heads both sides share).
    fn end_sessions(&self, peer: &PeerId) {
        let mut ended: Vec<(DocId, SyncSession)> = Vec::new();
        self.sessions().retain(|(p, doc), s| {
            if p == peer {
                ended.push((doc.clone(), std::mem::take(s)));
                false
            } else {
                true
            }
        });
        if ended.is_empty() {
            return;
        }
        let Ok(node) = self.node() else { return };
        let device = device_id_of(peer);
        let saved = node.with_book(|b| {
            b.sync()
                .end_sessions(&device, ended.iter().map(|(d, s)| (d, s)))
        });
        if let Err(e) = saved {
            tracing::warn!(%peer, error = %e, "cannot keep the sync state");
        }
    }

    /// Runs `f` with the session of `peer` on `doc`, resuming a stored one first. The
    /// sessions stay locked while the book decides, so two messages of one session
    /// never interleave.
    fn with_session<T>(
        &self,
        node: &Node,
        peer: &PeerId,
        doc: &DocId,
        f: impl FnOnce(&mut SyncSession) -> Result<T, Rejected>,
    ) -> Result<T, Rejected> {
        let key = (*peer, doc.clone());
        let mut sessions = self.sessions();
        if !sessions.contains_key(&key) {
            let session = node
                .with_book(|b| b.sync().session(&device_id_of(peer), doc))
                .map_err(reject)?;
            sessions.insert(key.clone(), session);
        }
        let session = sessions
            .get_mut(&key)
            .ok_or_else(|| Rejected("sync session vanished".into()))?;
        f(session)
    }
}

impl NodeReplica {
    /// Runs `receive` (one of the book's ways to take a sync message from `peer` for
    /// `doc`) in the peer's session, then tells the window what arrived.
    fn apply_to_book(
        &self,
        peer: &PeerId,
        doc: &str,
        receive: impl FnOnce(
            &mut outpost_core::Sync<'_>,
            &outpost_core::DeviceId,
            &DocId,
            &mut SyncSession,
        ) -> outpost_core::Result<SyncReceipt>,
    ) -> Result<Received, Rejected> {
        let node = self.node()?;
        let doc = doc_id(doc)?;
        let device = device_id_of(peer);
        let receipt = self.with_session(&node, peer, &doc, |s| {
            Ok(node.with_book(|b| receive(&mut b.sync(), &device, &doc, s)))
        })?;
        let receipt = match receipt {
            Err(crate::Error::Core(outpost_core::Error::NotPermitted { .. })) => {
                // Not a byte of it back, nothing of it taken; the session goes on (the
                // peer may see an older `org` than ours, where it still could).
                tracing::warn!(%peer, %doc, "refused a sync message: not readable by the peer");
                return Ok(Received {
                    reply: None,
                    changed: false,
                });
            }
            other => other.map_err(reject)?,
        };
        if !receipt.refused.is_empty() {
            node.emit(Event::ChangesRefused {
                count: receipt.refused.len(),
            });
        }
        if !receipt.held.is_empty() {
            node.emit(Event::ChangesHeld {
                count: receipt.held.len(),
            });
        }
        if receipt.changed {
            node.emit(Event::Synced {
                records: receipt.records.clone(),
            });
            if doc == DocId::Org {
                node.refresh_gate();
            }
        }
        Ok(Received {
            reply: receipt.reply,
            changed: receipt.changed,
        })
    }
}

impl Replica for NodeReplica {
    fn is_member(&self, peer: &PeerId) -> bool {
        self.node()
            .is_ok_and(|node| self.member(&node, peer).is_ok())
    }

    fn offer(&self, peer: &PeerId) -> Result<Vec<DocHeads>, Rejected> {
        let node = self.node()?;
        let member = self.member(&node, peer)?;
        let docs = node
            .with_book(|b| b.sync().readable_docs(&member))
            .map_err(reject)?;
        Ok(docs
            .into_iter()
            .map(|(doc, heads)| DocHeads {
                doc: doc.to_string(),
                heads: heads.iter().map(|h| h.0).collect(),
            })
            .collect())
    }

    fn hello(&self, peer: &PeerId, docs: &[DocHeads]) -> Result<(), Rejected> {
        let node = self.node()?;
        let device = device_id_of(peer);
        for d in docs {
            let id = doc_id(&d.doc)?;
            node.with_book(|b| b.sync().set_peer_heads(device.as_str(), &id, &heads_of(d)))
                .map_err(reject)?;
        }
        Ok(())
    }

    fn generate(&self, peer: &PeerId, doc: &str) -> Result<Option<Vec<u8>>, Rejected> {
        let node = self.node()?;
        let doc = doc_id(doc)?;
        let device = device_id_of(peer);
        let generated = self.with_session(&node, peer, &doc, |s| {
            Ok(node.with_book(|b| b.sync().generate(&device, &doc, s)))
        })?;
        match generated {
            Err(crate::Error::Core(outpost_core::Error::NotPermitted { .. })) => {
                // A document the peer may not read (or we may not hold): say nothing.
                tracing::debug!(%peer, %doc, "not offered: not readable");
                Ok(None)
            }
            other => other.map_err(reject),
        }
    }

    fn receive(&self, peer: &PeerId, doc: &str, message: &[u8]) -> Result<Received, Rejected> {
        self.apply_to_book(peer, doc, |sync, device, doc, session| {
            sync.receive(device, doc, session, message, Timestamp::now())
        })
    }

    fn prepare(&self, peer: &PeerId, doc: &str, message: Vec<u8>) -> Result<Prepared, Rejected> {
        let node = self.node()?;
        let doc = doc_id(doc)?;
        let device = device_id_of(peer);
        let may = node.with_book(|b| Ok(b.sync().may_receive(&device, &doc, Timestamp::now())));
        if !matches!(may, Ok(Ok(()))) {
            // Not a byte of work on it: `receive` refuses it (and says why).
            return Ok(Prepared::Raw(message));
        }
        let prepared = SyncMessage::prepare(&doc, &message).map_err(reject)?;
        Ok(Prepared::Ready(Box::new(prepared)))
    }

    fn apply(&self, peer: &PeerId, doc: &str, prepared: Prepared) -> Result<Received, Rejected> {
        match prepared {
            Prepared::Raw(message) => self.receive(peer, doc, &message),
            Prepared::Ready(ready) => {
                let message = ready
                    .downcast::<SyncMessage>()
                    .map_err(|_| Rejected("a message prepared in a form unknown here".into()))?;
                // Applied in the session of the document it was prepared for, or not at all.
                if message.doc_id().to_string() != doc {
                    return Err(Rejected(format!(
                        "a message prepared for {} applied to {doc:?}",
                        message.doc_id()
                    )));
                }
                self.apply_to_book(peer, doc, |sync, device, _, session| {
                    sync.receive_prepared(device, session, *message, Timestamp::now())
                })
            }
        }
    }

    fn connected(&self, peer: &PeerId) {
        self.end_sessions(peer);
    }

    fn disconnected(&self, peer: &PeerId) {
        self.end_sessions(peer);
        if let Ok(node) = self.node() {
            node.emit(Event::PeersChanged);
        }
    }

    fn join(&self, invite: &PeerId, request: &JoinRequest) -> Result<JoinGrant, Refusal> {
        let failed = |e: &dyn std::fmt::Display| Refusal::Failed {
            message: e.to_string(),
        };
        let node = self.node().map_err(|e| failed(&e))?;
        let org = node
            .with_book(|b| Ok(b.org_id().to_string()))
            .map_err(|e| failed(&e))?;
        if request.org != org {
            return Err(Refusal::WrongOrg);
        }
        let device = request.verified_device(invite)?;
        let admitted = node
            .admit(&invite.to_string(), &device_id_of(&device), &request.name)
            .map_err(|e| failed(&e))?;
        match admitted {
            Ok(a) => Ok(JoinGrant {
                org,
                device_code: a.device.code.to_string(),
                role: a.device.role.as_str().to_string(),
                site: a.device.site.to_string(),
                org_doc: a.org_doc,
                parties_doc: a.parties_doc,
            }),
            Err(InviteRefusal::Expired) => Err(Refusal::Expired),
            Err(InviteRefusal::Used) => Err(Refusal::Used),
            Err(InviteRefusal::AlreadyMember) => Err(Refusal::AlreadyMember),
            Err(_) => Err(Refusal::Unknown),
        }
    }
}
