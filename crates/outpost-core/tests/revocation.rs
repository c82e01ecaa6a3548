//! Revocation by causality: a revoked device's changes count up to what the revoking
//! admin held of them; later ones, whatever time they claim, are held on every device for
//! an admin to accept or discard. Real books on SQLite files, carried by bundles.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Clock, TwoOffices, join_sh, sync, two_offices};
use outpost_core::*;

fn receive(book: &mut Book, qty: i64, at: Timestamp) {
    book.stock()
        .record(
            StockMove::Receive {
                item: "TEA".into(),
                warehouse: WarehouseCode::parse("BJ1").unwrap(),
                qty,
                note: String::new(),
            },
            at,
        )
        .unwrap();
}

fn level(book: &mut Book) -> i64 {
    let tea = book.items().resolve("TEA").unwrap();
    book.stock()
        .level(&tea.id, &WarehouseCode::parse("BJ1").unwrap())
        .unwrap()
}

/// Carries a bundle of everything `from` has (that `to` may read) to `to`.
fn carry(from: &mut Book, to: &mut Book, clock: &mut Clock) -> ImportReport {
    let bundle = from
        .export_bundle(&ExportScope::Everything, clock.tick())
        .unwrap();
    to.import_bundle(&bundle, clock.tick()).unwrap()
}

#[test]
fn a_revoked_devices_backdated_change_is_held_everywhere_until_an_admin_decides() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        dir,
        ..
    } = two_offices();
    // A manager at SH (reads everything) stands for a third office and a relay.
    let mut m = join_sh(
        &mut a,
        &dir.path().join("m.sqlite3"),
        Role::Manager,
        &mut clock,
    );
    receive(&mut b, 10, clock.tick());
    sync(&mut a, &mut b, &mut clock);
    let before_revocation = clock.tick();
    // B makes a change the admin does not see before revoking it.
    receive(&mut b, 1, clock.tick());
    let b_code = b.me().unwrap().code.to_string();
    a.members().revoke(&b_code, clock.tick()).unwrap();
    sync(&mut a, &mut m, &mut clock);
    // B, not knowing, writes as of before the revocation: backdating.
    receive(&mut b, 100, before_revocation);

    for office in [&mut a, &mut m] {
        let report = carry(&mut b, office, &mut clock);
        assert_eq!(report.held.len(), 2, "{report:?}");
        assert_eq!(level(office), 10, "nothing after the revocation counts");
        let held = office.members().held().unwrap();
        assert_eq!(held.len(), 2);
        assert!(held.iter().all(|h| h.author == b.device_id().as_str()));
        // Held, not applied: nothing of them travels on.
    }
    let report = carry(&mut a, &mut m, &mut clock);
    assert!(report.held.is_empty() && report.refused.is_empty());

    // The admin accepts the change made before the revocation and discards the other.
    let held = a.members().held().unwrap();
    let early = held
        .iter()
        .find(|h| h.claimed_at_ms > before_revocation.as_millisecond())
        .unwrap()
        .hash
        .clone();
    let late = held.iter().find(|h| h.hash != early).unwrap().hash.clone();
    // Only an admin decides.
    assert!(matches!(
        m.members().decide(&early, Decision::Accept, clock.tick()),
        Err(Error::NotPermitted { .. })
    ));
    a.members()
        .decide(&early, Decision::Accept, clock.tick())
        .unwrap();
    assert_eq!(level(&mut a), 11);
    a.members()
        .decide(&late, Decision::Discard, clock.tick())
        .unwrap();
    assert!(a.members().held().unwrap().is_empty());
    assert!(
        a.sync()
            .refused()
            .unwrap()
            .iter()
            .any(|r| r.hash == late && r.reason.contains("discarded"))
    );
    // The decisions travel with `org`; the manager's held changes follow them.
    carry(&mut a, &mut m, &mut clock);
    assert_eq!(level(&mut m), 11);
    assert!(m.members().held().unwrap().is_empty());
    assert_eq!(a.dump().unwrap(), m.dump().unwrap());
    // Carried again, the discarded change stays out.
    let report = carry(&mut b, &mut m, &mut clock);
    assert!(report.held.is_empty(), "{report:?}");
    assert_eq!(level(&mut m), 11);
    let dump = m.dump().unwrap();
    m.rebuild().unwrap();
    assert_eq!(dump, m.dump().unwrap());
}

#[test]
fn two_admins_revoking_offline_both_hold() {
    let TwoOffices {
        mut a,
        mut b,
        mut clock,
        dir,
        ..
    } = two_offices();
    let mut d = join_sh(
        &mut a,
        &dir.path().join("d.sqlite3"),
        Role::Admin,
        &mut clock,
    );
    sync(&mut a, &mut b, &mut clock);
    receive(&mut b, 1, clock.tick());
    sync(&mut a, &mut b, &mut clock);
    carry(&mut a, &mut d, &mut clock);
    // The second admin sees one more change of B's than the first.
    receive(&mut b, 2, clock.tick());
    carry(&mut b, &mut d, &mut clock);
    let b_code = b.me().unwrap().code.to_string();
    a.members().revoke(&b_code, clock.tick()).unwrap();
    d.members().revoke(&b_code, clock.tick()).unwrap();
    receive(&mut b, 4, clock.tick());
    carry(&mut a, &mut d, &mut clock);
    carry(&mut d, &mut a, &mut clock);
    // Both revocations hold: the second change counts only where it was in before (D),
    // and is held at A; the third is held at both.
    let a_report = carry(&mut b, &mut a, &mut clock);
    let d_report = carry(&mut b, &mut d, &mut clock);
    assert_eq!(a_report.held.len(), 2, "{a_report:?}");
    assert_eq!(d_report.held.len(), 1, "{d_report:?}");
    assert_eq!(level(&mut a), 1);
    assert_eq!(level(&mut d), 3);
    // Held at A, the change D holds arrives again from D and is held again, not applied.
    let report = carry(&mut d, &mut a, &mut clock);
    assert!(report.new_changes == 0, "{report:?}");
    assert_eq!(level(&mut a), 1);
}
