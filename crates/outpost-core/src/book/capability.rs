//! What this device's member may do, computed once from the access rules, so the window
//! shows only the controls that would work and checks nothing itself.

use serde::Serialize;

use crate::access::{self, Device, Role};
use crate::code::SiteCode;
use crate::doc_id::{DocId, Month};
use crate::kind::member::{INVITE_VALIDITY, InviteValidity};

/// What the member of this device may do now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Capabilities {
    /// The member's role.
    pub role: Role,
    /// The member's home site.
    pub site: SiteCode,
    /// Add and change items, sites and warehouses (they live in `org`).
    pub edit_catalogue: bool,
    /// Add and change customers and suppliers.
    pub edit_parties: bool,
    /// Record orders, stock operations and tasks at the home site.
    pub record_operations: bool,
    /// Read the journal and trial balances (finance, managers, admins, auditors).
    pub read_ledger: bool,
    /// Post and reverse journal entries.
    pub post_entries: bool,
    /// Issue invoices and credit notes, record receipts and payments.
    pub bill: bool,
    /// Add, rename and retire the organisation's accounts and VAT rates.
    pub keep_chart: bool,
    /// Invite devices, revoke and rename them.
    pub manage_members: bool,
    /// Roles an invite may grant.
    pub invite_roles: Vec<Role>,
    /// How long an invite may stay open.
    pub invite_validity: InviteValidity,
}

impl Capabilities {
    /// The capabilities of `me`.
    pub fn of(me: &Device) -> Capabilities {
        // Access does not depend on the month: any month stands for all.
        let own_ops = DocId::Ops {
            site: me.site.clone(),
            month: Month {
                year: 2000,
                month: 1,
            },
        };
        let own_ledger = DocId::Ledger {
            site: me.site.clone(),
            month: Month {
                year: 2000,
                month: 1,
            },
        };
        let manage_members = access::may_write(me, &DocId::Org) && me.role == Role::Admin;
        Capabilities {
            role: me.role,
            site: me.site.clone(),
            edit_catalogue: access::may_write(me, &DocId::Org),
            edit_parties: access::may_write(me, &DocId::Parties),
            record_operations: access::may_write(me, &own_ops),
            read_ledger: access::may_read(me, &own_ledger),
            post_entries: access::may_write(me, &own_ledger),
            bill: access::may_bill_somewhere(me) && !me.revoked,
            keep_chart: access::may_write(me, &DocId::Chart),
            manage_members,
            invite_roles: if manage_members {
                Role::ALL.to_vec()
            } else {
                Vec::new()
            },
            invite_validity: INVITE_VALIDITY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::DeviceCode;
    use crate::id::DeviceId;

    fn member(role: Role) -> Device {
        Device {
            id: DeviceId::random(),
            code: DeviceCode::parse("A1").unwrap(),
            name: "x".into(),
            site: SiteCode::parse("SH").unwrap(),
            role,
            joined_at_ms: 0,
            revoked: false,
            revoked_at_ms: None,
            at_head_office: true,
        }
    }

    #[test]
    fn an_auditor_may_change_nothing_and_an_admin_everything() {
        let auditor = Capabilities::of(&member(Role::Auditor));
        assert!(!auditor.edit_catalogue && !auditor.edit_parties);
        assert!(!auditor.record_operations && !auditor.manage_members);
        assert!(!auditor.keep_chart);
        assert!(auditor.invite_roles.is_empty());
        let admin = Capabilities::of(&member(Role::Admin));
        assert!(admin.edit_catalogue && admin.edit_parties);
        assert!(admin.record_operations && admin.manage_members);
        assert!(admin.keep_chart);
        let clerk = Capabilities::of(&member(Role::Clerk));
        assert!(!clerk.edit_catalogue && clerk.edit_parties && clerk.record_operations);
        let mut revoked = member(Role::Admin);
        revoked.revoked = true;
        assert!(!Capabilities::of(&revoked).record_operations);
    }
}
