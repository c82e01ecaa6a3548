//! Who may read and write which document: the access rules of DESIGN.md, in one place.
//!
//! | document               | read                                   | write                    |
//! |------------------------|----------------------------------------|--------------------------|
//! | `org`                  | every member                           | admin                    |
//! | `ops/<site>/<month>`   | clerk and warehouse of the site; others| clerk and warehouse of   |
//! |                        | (finance, manager, admin, auditor) all | the site; finance,       |
//! |                        |                                        | manager, admin           |
//! | `ledger/<site>/<month>`| finance, manager, admin, auditor       | finance, manager, admin  |
//! | `transfers/<from>/<to>/| clerk and warehouse of either site;    | clerk and warehouse of   |
//! | <month>`               | others all                             | either site; finance,    |
//! |                        |                                        | manager, admin           |
//!
//! A revoked member reads nothing, and its changes count only if its revocation covers them
//! (the revoking admin held them); later ones are held for an admin to decide.
//!
//! Members are devices registered in `org` (the member kind writes them; see
//! `kind::member`); this module reads them back from their projection, so the write path
//! and the network gate ask one place who is who.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::code::{DeviceCode, SiteCode};
use crate::doc_id::DocId;
use crate::error::Result;
use crate::id::DeviceId;
use crate::text::text_enum;

text_enum!(
    /// What a device's member may do.
    Role, "role" {
        /// Manages the organisation, devices and invites.
        Admin = "admin",
        /// Approves and watches every site.
        Manager = "manager",
        /// Keeps the ledger.
        Finance = "finance",
        /// Enters orders and tasks at a site.
        Clerk = "clerk",
        /// Receives, issues and counts stock at a site.
        Warehouse = "warehouse",
        /// Reads everything, writes nothing.
        Auditor = "auditor",
    }
);

/// A device of a member: who writes, from where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Device {
    /// The device id (its Automerge actor).
    pub id: DeviceId,
    /// Short code used in human numbers.
    pub code: DeviceCode,
    /// The person or machine name.
    pub name: String,
    /// Home site.
    pub site: SiteCode,
    /// Role of its member.
    pub role: Role,
    /// When it joined (ms).
    pub joined_at_ms: i64,
    /// Whether it has been revoked.
    pub revoked: bool,
    /// When it was revoked (ms); its changes made before then still count.
    pub revoked_at_ms: Option<i64>,
    /// Whether its home site is the head office (or the book names none: books made
    /// before head offices, where every site counts as one).
    pub at_head_office: bool,
}

/// The member registered for `id`, if any.
pub fn member(db: &Connection, id: &DeviceId) -> Result<Option<Device>> {
    Ok(members_where(db, "d.id = ?1", params![id.as_str()])?.pop())
}

/// Every registered device, by code.
pub fn members(db: &Connection) -> Result<Vec<Device>> {
    members_where(db, "1", params![])
}

fn members_where(
    db: &Connection,
    cond: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Device>> {
    let sql = format!(
        "SELECT d.id, d.code, d.name, d.site, d.role, d.joined_at, d.revoked, d.revoked_at, \
           COALESCE(s.head_office, 0) \
             OR NOT EXISTS (SELECT 1 FROM sites WHERE head_office) \
         FROM devices d LEFT JOIN sites s ON s.code = d.site \
         WHERE {cond} ORDER BY d.code"
    );
    let mut stmt = db.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(args, |r| {
            Ok(Device {
                id: crate::store::parse_col(r.get(0)?, DeviceId::parse)?,
                code: DeviceCode::from_stored(r.get(1)?),
                name: r.get(2)?,
                site: SiteCode::from_stored(r.get(3)?),
                role: crate::store::parse_col(r.get(4)?, Role::parse)?,
                joined_at_ms: r.get(5)?,
                revoked: r.get(6)?,
                revoked_at_ms: r.get(7)?,
                at_head_office: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Whether `member` may record operations for `site`: its own site, or any site for
/// admins and managers (approvals from headquarters).
pub fn may_act_for(member: &Device, site: &SiteCode) -> bool {
    &member.site == site || matches!(member.role, Role::Admin | Role::Manager)
}

/// The one site whose warehouses' stock `member` sees in full (it holds every movement
/// there), or `None` for every site. A clerk also holds the transfers from and to other
/// sites, which alone would make their warehouses' levels look negative.
pub fn stock_site(member: &Device) -> Option<&SiteCode> {
    site_bound(member.role).then_some(&member.site)
}

/// Whether `member` may issue invoices and record receipts and payments at some site
/// (what the window offers it).
pub fn may_bill_somewhere(member: &Device) -> bool {
    matches!(member.role, Role::Finance | Role::Manager | Role::Admin)
}

/// Whether `member` may keep `site`'s books (invoices, payments, bank lines, journal,
/// close): managers and admins everywhere, finance of the head office everywhere, finance
/// of a branch at its own site only.
pub fn may_keep_books_of(member: &Device, site: &SiteCode) -> bool {
    match member.role {
        Role::Manager | Role::Admin => true,
        Role::Finance => member.at_head_office || &member.site == site,
        Role::Clerk | Role::Warehouse | Role::Auditor => false,
    }
}

fn site_bound(role: Role) -> bool {
    matches!(role, Role::Clerk | Role::Warehouse)
}

/// Whether `member` may take an order of `site` to `step`: approving is for the site's
/// clerks, finance, managers and admins (not warehouse staff, whose steps are shipping and
/// receiving); marking it invoiced or paid for whoever keeps the site's books; every
/// other step for whoever records the site's operations.
pub fn may_take_step(member: &Device, site: &SiteCode, step: crate::kind::order::Status) -> bool {
    use crate::kind::order::Status;
    match step {
        Status::Approved => match member.role {
            Role::Clerk => &member.site == site,
            Role::Finance | Role::Manager | Role::Admin => true,
            Role::Warehouse | Role::Auditor => false,
        },
        Status::Invoiced | Status::Paid => may_keep_books_of(member, site),
        _ => true,
    }
}

/// Whether `member` may add accounts and VAT rates to the organisation's chart (one
/// chart for every site): managers, admins and the head office's finance.
pub fn may_keep_chart(member: &Device) -> bool {
    match member.role {
        Role::Manager | Role::Admin => true,
        Role::Finance => member.at_head_office,
        Role::Clerk | Role::Warehouse | Role::Auditor => false,
    }
}

/// Why `member` may not write `doc`: a branch's finance reaching another site's books
/// is told where those are kept; anyone else that its role does not allow it.
pub(crate) fn refusal(member: &Device, doc: &DocId) -> crate::Error {
    match doc {
        DocId::Ledger { site, .. } | DocId::Billing { site, .. }
            if member.role == Role::Finance && !member.revoked =>
        {
            crate::Error::OtherSiteBooks {
                own: member.site.to_string(),
                other: site.to_string(),
            }
        }
        _ => crate::Error::NotPermitted {
            doc: doc.to_string(),
            role: member.role.as_str().to_string(),
        },
    }
}

/// Whether `member` may read `doc`.
pub fn may_read(member: &Device, doc: &DocId) -> bool {
    if member.revoked {
        return false;
    }
    match doc {
        DocId::Org | DocId::Parties | DocId::Chart => true,
        DocId::Ops { site, .. } | DocId::Billing { site, .. } | DocId::Notes { site, .. } => {
            !site_bound(member.role) || &member.site == site
        }
        DocId::Transfers { from, to, .. } => {
            !site_bound(member.role) || &member.site == from || &member.site == to
        }
        DocId::Ledger { .. } => reads_ledgers(member),
    }
}

/// Whether `member` reads the ledgers now (every site's: consolidated reports).
pub fn reads_ledgers(member: &Device) -> bool {
    !member.revoked
        && matches!(
            member.role,
            Role::Finance | Role::Manager | Role::Admin | Role::Auditor
        )
}

/// This device's registration, as the book it keeps knows it (none before it joined).
pub(crate) fn this_device(db: &Connection) -> Result<Option<Device>> {
    match crate::store::meta_get(db, crate::store::META_DEVICE)? {
        Some(id) => member(db, &DeviceId::parse(&id)?),
        None => Ok(None),
    }
}

/// Whether `member` may write `doc` now.
pub fn may_write(member: &Device, doc: &DocId) -> bool {
    !member.revoked && role_may_write(member, doc)
}

fn role_may_write(member: &Device, doc: &DocId) -> bool {
    match doc {
        DocId::Org => member.role == Role::Admin,
        // Whoever takes an order may need to add its customer.
        DocId::Parties => member.role != Role::Auditor,
        DocId::Chart => may_keep_chart(member),
        DocId::Ops { site, .. } | DocId::Notes { site, .. } => match member.role {
            Role::Clerk | Role::Warehouse => &member.site == site,
            Role::Finance | Role::Manager | Role::Admin => true,
            Role::Auditor => false,
        },
        DocId::Transfers { from, to, .. } => match member.role {
            Role::Clerk | Role::Warehouse => &member.site == from || &member.site == to,
            Role::Finance | Role::Manager | Role::Admin => true,
            Role::Auditor => false,
        },
        DocId::Ledger { site, .. } | DocId::Billing { site, .. } => may_keep_books_of(member, site),
    }
}

/// Whether `a` and `b` may both read some operations or ledger document: the members
/// worth a direct link (through the HQ relay, upgraded by hole punching), since anything
/// else they share is `org` and the transfers between their sites, which HQ carries
/// anyway (transfers are few; a link between every two sites would be many).
pub fn share_documents(a: &Device, b: &Device) -> bool {
    if a.revoked || b.revoked {
        return false;
    }
    let both = |doc: &DocId| may_read(a, doc) && may_read(b, doc);
    // Any month stands for all: access does not depend on the month.
    let month = crate::doc_id::Month {
        year: 2000,
        month: 1,
    };
    [&a.site, &b.site].into_iter().any(|site| {
        both(&DocId::Ops {
            site: site.clone(),
            month,
        }) || both(&DocId::Ledger {
            site: site.clone(),
            month,
        })
    })
}

/// Whether `member`'s role lets its changes to `doc` count, revoked or not: a revoked
/// member's changes are judged by whether its revocation covers them (by causality, see
/// `kind::member::revocation`), never by the time they claim.
pub fn may_author(member: &Device, doc: &DocId) -> bool {
    role_may_write(member, doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::{DeviceCode, SiteCode};
    use crate::id::DeviceId;

    fn member(role: Role, site: &str) -> Device {
        Device {
            id: DeviceId::random(),
            code: DeviceCode::parse("A1").unwrap(),
            name: "x".into(),
            site: SiteCode::parse(site).unwrap(),
            role,
            joined_at_ms: 0,
            revoked: false,
            revoked_at_ms: None,
            at_head_office: site == "HQ",
        }
    }

    #[test]
    fn branch_finance_keeps_its_own_books_and_head_office_finance_every_site() {
        let sh_ledger = DocId::parse("ledger/SH/2026-11").unwrap();
        let sh_billing = DocId::parse("billing/SH/2026-11").unwrap();
        let bj_finance = member(Role::Finance, "BJ");
        let hq_finance = member(Role::Finance, "HQ");
        for doc in [&sh_ledger, &sh_billing] {
            assert!(!may_write(&bj_finance, doc) && !may_author(&bj_finance, doc));
            assert!(may_write(&hq_finance, doc) && may_author(&hq_finance, doc));
            assert!(may_write(&member(Role::Finance, "SH"), doc));
            assert!(may_write(&member(Role::Manager, "BJ"), doc));
            // It still reads them: consolidated reports need every site.
            assert!(may_read(&bj_finance, doc));
        }
        assert!(matches!(
            refusal(&bj_finance, &sh_ledger),
            crate::Error::OtherSiteBooks { .. }
        ));
        assert!(matches!(
            refusal(&member(Role::Clerk, "SH"), &sh_ledger),
            crate::Error::NotPermitted { .. }
        ));
    }

    #[test]
    fn clerks_stay_in_their_site_and_out_of_the_ledger() {
        let sh = DocId::parse("ops/SH/2026-11").unwrap();
        let bj = DocId::parse("ops/BJ/2026-11").unwrap();
        let ledger = DocId::parse("ledger/SH/2026-11").unwrap();
        for role in [Role::Clerk, Role::Warehouse] {
            let m = member(role, "SH");
            assert!(may_read(&m, &sh) && may_write(&m, &sh));
            assert!(!may_read(&m, &bj) && !may_write(&m, &bj));
            assert!(!may_read(&m, &ledger) && !may_write(&m, &ledger));
            assert!(may_read(&m, &DocId::Org) && !may_write(&m, &DocId::Org));
        }
        // Notes on a site's operations go where its operations go.
        let sh_notes = DocId::parse("notes/SH/2026-11").unwrap();
        let bj_notes = DocId::parse("notes/BJ/2026-11").unwrap();
        let clerk = member(Role::Clerk, "SH");
        assert!(may_read(&clerk, &sh_notes) && may_write(&clerk, &sh_notes));
        assert!(!may_read(&clerk, &bj_notes) && !may_write(&clerk, &bj_notes));
        let auditor = member(Role::Auditor, "SH");
        assert!(may_read(&auditor, &bj_notes) && !may_write(&auditor, &bj_notes));
        assert!(may_read(&auditor, &bj) && may_read(&auditor, &ledger));
        assert!(!may_write(&auditor, &bj) && !may_write(&auditor, &ledger));
        let finance = member(Role::Finance, "SH");
        assert!(may_write(&finance, &ledger) && may_read(&finance, &bj));
        assert!(!may_write(&finance, &DocId::Org));
        assert!(may_write(&member(Role::Admin, "SH"), &DocId::Org));
    }

    #[test]
    fn transfers_are_read_and_written_by_both_sites_only() {
        let sh_to_bj = DocId::parse("transfers/SH/BJ/2026-11").unwrap();
        for role in [Role::Clerk, Role::Warehouse] {
            for site in ["SH", "BJ"] {
                let m = member(role, site);
                assert!(may_read(&m, &sh_to_bj) && may_write(&m, &sh_to_bj));
            }
            let third = member(role, "GZ");
            assert!(!may_read(&third, &sh_to_bj) && !may_write(&third, &sh_to_bj));
        }
        let auditor = member(Role::Auditor, "GZ");
        assert!(may_read(&auditor, &sh_to_bj) && !may_write(&auditor, &sh_to_bj));
        for role in [Role::Finance, Role::Manager, Role::Admin] {
            let m = member(role, "GZ");
            assert!(may_read(&m, &sh_to_bj) && may_write(&m, &sh_to_bj));
        }
    }

    #[test]
    fn a_revoked_member_reads_and_writes_nothing_here() {
        let sh = DocId::parse("ops/SH/2026-11").unwrap();
        let mut m = member(Role::Clerk, "SH");
        m.revoked = true;
        m.revoked_at_ms = Some(1_000);
        assert!(!may_read(&m, &DocId::Org) && !may_write(&m, &sh));
        // Whether its changes from elsewhere count is its revocation's to say (by
        // causality); its role still bounds them.
        assert!(may_author(&m, &sh) && !may_author(&m, &DocId::Org));
    }

    #[test]
    fn members_share_documents_by_site_and_role() {
        let sh_clerk = member(Role::Clerk, "SH");
        let bj_clerk = member(Role::Clerk, "BJ");
        let manager = member(Role::Manager, "BJ");
        let auditor = member(Role::Auditor, "GZ");
        assert!(share_documents(&sh_clerk, &member(Role::Warehouse, "SH")));
        assert!(!share_documents(&sh_clerk, &bj_clerk));
        assert!(share_documents(&sh_clerk, &manager));
        assert!(share_documents(&manager, &auditor));
        let mut revoked = manager.clone();
        revoked.revoked = true;
        assert!(!share_documents(&sh_clerk, &revoked));
    }

    #[test]
    fn every_member_but_auditors_writes_customers_and_suppliers() {
        for role in [
            Role::Clerk,
            Role::Warehouse,
            Role::Finance,
            Role::Manager,
            Role::Admin,
        ] {
            let m = member(role, "BJ");
            assert!(may_read(&m, &DocId::Parties) && may_write(&m, &DocId::Parties));
        }
        let auditor = member(Role::Auditor, "SH");
        assert!(may_read(&auditor, &DocId::Parties) && !may_write(&auditor, &DocId::Parties));
    }
}
