//! The desktop shell's commands on Tauri's mock runtime, over a real book in a temporary
//! data dir: the window's calls reach the node, and refusals come back as a code plus a
//! message in the chosen language.

use outpost_desktop::{Options, configure};
use outpost_node::Networking;
use outpost_node::i18n::Lang;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

/// The app on the mock runtime; dropped, it closes the book as the real app does on
/// quitting (its background work would otherwise still be in SQLite as the test process
/// ends).
struct Shell(tauri::App<MockRuntime>);

impl Drop for Shell {
    fn drop(&mut self) {
        self.0.state::<outpost_node::Host>().close();
    }
}

fn window(dir: &std::path::Path) -> (Shell, WebviewWindow<MockRuntime>) {
    let options = Options {
        data_dir: dir.to_path_buf(),
        lang: Lang::En,
        // Loopback only: a test never listens on the machine's interfaces.
        networking: Networking::Office(vec!["/ip4/127.0.0.1/tcp/0".into()]),
        unlock: outpost_node::Unlock::none(),
    };
    let app = configure(mock_builder(), options)
        .build(mock_context(noop_assets()))
        .expect("the app builds on the mock runtime");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("a mock window opens");
    (Shell(app), window)
}

fn call(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid url"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("json reply"))
}

#[test]
fn first_run_then_a_day_of_work_through_the_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_app, w) = window(dir.path());

    let status = call(&w, "app_status", json!({})).expect("status");
    assert_eq!(
        status["setup"],
        Value::Null,
        "a fresh data dir starts on the first-run screen"
    );
    assert_eq!(status["lifecycle"]["state"], "empty");
    let refused = call(&w, "orders", json!({"filter": {}})).expect_err("no book yet");
    assert_eq!(refused["code"], "not_set_up");

    let org = json!({"name": "Demo", "site": "sh", "site_name": "Shanghai", "device_name": "Li"});
    let setup = call(&w, "create_org", json!({"org": org, "sample": null})).expect("create");
    assert_eq!(setup["org"], "Demo");
    assert_eq!(setup["me"]["site"], "SH");
    // The founder is an admin: core says it may do everything, and the window shows it.
    for can in [
        "edit_catalogue",
        "edit_parties",
        "record_operations",
        "read_ledger",
        "post_entries",
        "manage_members",
    ] {
        assert_eq!(setup["capabilities"][can], true, "{can}");
    }
    let status = call(&w, "app_status", json!({})).expect("status");
    assert_eq!(status["lifecycle"]["state"], "open");
    assert!(
        dir.path().join(outpost_node::DB_FILE).exists(),
        "the book is on disk"
    );
    let again = call(&w, "create_org", json!({"org": org, "sample": null}))
        .expect_err("a second organisation");
    assert_eq!(again["code"], "already_set_up");

    let item = json!({"item": null, "sku": "TEA", "name": "Green tea", "unit": "box",
        "price": "35.00", "low_stock": "5", "version": null});
    call(&w, "save_item", json!({"form": item})).expect("add item");
    let entry = json!({"op": "receive", "item": "TEA", "warehouse": "SH1", "to": "", "qty": "20",
        "transfer": "", "note": ""});
    call(&w, "record_stock", json!({"entry": entry})).expect("receive");
    let order = json!({"order": null, "kind": "sales", "party": "", "warehouse": "", "note": "",
        "lines": [{"id": null, "item": "TEA", "qty": "3", "price": "", "discount": ""}],
        "submit": false, "version": null});
    let preview = call(&w, "preview_order", json!({"form": order})).expect("preview");
    assert_eq!(
        preview["total"], 10500,
        "totals while typing come from the book"
    );
    let created = call(&w, "save_order", json!({"form": order})).expect("order");
    let number = created[0].as_str().expect("a number").to_string();
    let detail = call(&w, "order", json!({"key": number})).expect("detail");
    assert_eq!(detail["total"], 10500);
    assert_eq!(detail["actions"], json!(["submit", "cancel"]));
    assert_eq!(
        detail["editable"],
        json!(["party", "warehouse", "note", "lines"])
    );

    // A journal entry from the form as typed; one that does not balance is refused with
    // the line of a bad amount or the balance named.
    let sale = json!({"site": "", "date": "", "memo": "cash sale", "counterparty": "",
        "link": "", "lines": [{"account": "1001", "debit": "105.00", "credit": ""},
        {"account": "6001", "debit": "", "credit": "105.00"},
        {"account": "", "debit": "", "credit": ""}]});
    let posted = call(&w, "save_entry", json!({"form": sale})).expect("post");
    let lopsided = json!({"site": "", "date": "", "memo": "", "counterparty": "", "link": "",
        "lines": [{"account": "1001", "debit": "1.00", "credit": ""},
        {"account": "6001", "debit": "", "credit": "x"}]});
    let err = call(&w, "save_entry", json!({"form": lopsided})).expect_err("a bad amount");
    assert!(
        err["message"].as_str().unwrap_or("").contains("line 2"),
        "{err}"
    );
    let lopsided = json!({"site": "", "date": "", "memo": "", "counterparty": "", "link": "",
        "lines": [{"account": "1001", "debit": "1.00", "credit": ""},
        {"account": "6001", "debit": "", "credit": "0.99"}]});
    let err = call(&w, "save_entry", json!({"form": lopsided})).expect_err("unbalanced");
    assert_eq!(err["code"], "unbalanced");
    let entries = call(&w, "entries", json!({"filter": {}})).expect("entries");
    assert_eq!(entries.as_array().map(Vec::len), Some(1));
    assert_eq!(entries[0]["number"], posted[0]);
    let tb = call(&w, "trial_balance", json!({"filter": {"site": "SH"}})).expect("tb");
    assert_eq!(
        (tb["debit"].clone(), tb["credit"].clone()),
        (json!(10500), json!(10500))
    );
    call(&w, "reverse_entry", json!({"key": posted[0]})).expect("reverse");
    let tb = call(&w, "trial_balance", json!({"filter": {}})).expect("tb");
    assert!(
        tb["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["balance"] == 0)
    );

    // A customer and a price kept up to date; an edit the JSON cannot carry is refused.
    let acme = json!({"party": null, "kind": "customer", "name": "Acme", "phone": "",
        "address": "", "version": null});
    call(&w, "save_party", json!({"form": acme})).expect("add customer");
    let edit = json!({"party": "Acme", "kind": "customer", "name": "Acme Ltd",
        "phone": "021-5555", "address": "", "version": null});
    call(&w, "save_party", json!({"form": edit})).expect("edit customer");
    let customers = call(&w, "parties", json!({"kind": "customer"})).expect("customers");
    assert_eq!(customers[0]["name"], "Acme Ltd");
    assert_eq!(customers[0]["phone"], "021-5555");
    let odd = json!({"party": "Acme Ltd", "kind": "customer", "name": "Acme Ltd", "phone": "",
        "address": "", "version": null, "email": "x@y"});
    assert!(
        call(&w, "save_party", json!({"form": odd})).is_err(),
        "unknown fields are refused"
    );
    let price = json!({"item": "TEA", "sku": "TEA", "name": "Green tea", "unit": "box",
        "price": "38.00", "low_stock": "5", "version": null});
    call(&w, "save_item", json!({"form": price})).expect("new price");
    assert_eq!(
        call(&w, "items", json!({})).expect("items")[0]["price"],
        3800
    );

    // Refusals are told in the language the window chose, with a stable code.
    let bad = json!({"op": "issue", "item": "TEA", "warehouse": "SH1", "to": "", "qty": "99",
        "transfer": "", "note": ""});
    let en = call(&w, "record_stock", json!({"entry": bad.clone()})).expect_err("oversell");
    call(&w, "set_lang", json!({"lang": "zh"})).expect("switch");
    let zh = call(&w, "record_stock", json!({"entry": bad})).expect_err("oversell");
    assert_eq!(en["code"], zh["code"]);
    assert_ne!(en["message"], zh["message"]);
    assert!(
        zh["message"].as_str().is_some_and(|m| !m.is_ascii()),
        "{zh}"
    );
    let levels = call(&w, "levels", json!({"warehouse": "SH1"})).expect("levels");
    assert_eq!(levels[0]["qty"], 20, "a refused issue changes nothing");

    // A backup opens only with the backup passphrase: none is written before it is set.
    // It is remembered: its folder is offered again and the window says when it was made.
    let backups = tempfile::tempdir().expect("temp dir");
    let dir = backups.path().join("usb");
    assert_eq!(
        call(&w, "last_backup", json!({})).expect("none yet"),
        json!(null)
    );
    assert!(call(&w, "backup", json!({"dir": dir})).is_err());
    let setup_after = call(
        &w,
        "set_backup_passphrase",
        json!({"passphrase": "in the safe"}),
    )
    .expect("backup passphrase");
    assert_eq!(setup_after["backup_passphrase"], true);
    let backup = call(&w, "backup", json!({"dir": dir})).expect("backup");
    let file = backup["path"].as_str().expect("a path");
    assert!(std::path::Path::new(file).starts_with(&dir));
    let written = std::fs::metadata(file).expect("written").len();
    assert_eq!(backup["bytes"].as_u64(), Some(written));
    assert_eq!(call(&w, "last_backup", json!({})).expect("last"), backup);
    assert_eq!(backup["dir"].as_str(), dir.to_str());
    // A backup is this device's, not a bundle to merge.
    assert!(call(&w, "import_bundle", json!({"path": file})).is_err());
    // Backups by themselves: the schedule is kept in the data dir and read back.
    assert_eq!(
        call(&w, "backup_schedule", json!({})).expect("none"),
        json!(null)
    );
    let daily = json!({"dir": dir, "every_hours": 24, "keep": 7});
    let set = call(&w, "set_backup_schedule", json!({"schedule": daily})).expect("set");
    assert_eq!(set, daily);
    assert_eq!(call(&w, "backup_schedule", json!({})).expect("kept"), daily);
    let bad = json!({"dir": dir, "every_hours": 0, "keep": 7});
    assert!(call(&w, "set_backup_schedule", json!({"schedule": bad})).is_err());
    let off = call(&w, "set_backup_schedule", json!({"schedule": null})).expect("off");
    assert_eq!(off, json!(null));
    let missing = call(
        &w,
        "import_bundle",
        json!({"path": dir.join("nope.bundle")}),
    );
    assert!(missing.is_err(), "a missing file is a clear refusal");

    // What was typed and not saved is kept, read back and dropped; device renames.
    let body = r#"{"lines":[{"item":"TEA","qty":"2"}]}"#;
    call(&w, "keep_draft", json!({"key": "order:new", "body": body})).expect("keep");
    let kept = call(&w, "draft", json!({"key": "order:new"})).expect("draft");
    assert_eq!(kept["body"], body);
    let bad = call(&w, "keep_draft", json!({"key": "order:new", "body": "{"}));
    assert!(bad.is_err(), "a body that is not JSON is refused");
    call(&w, "drop_draft", json!({"key": "order:new"})).expect("drop");
    assert_eq!(call(&w, "drafts", json!({})).expect("drafts"), json!([]));
    let code = setup["me"]["code"].as_str().expect("a code").to_string();
    let renamed = call(
        &w,
        "rename_device",
        json!({"key": code, "name": "Li (front desk)"}),
    )
    .expect("rename");
    assert_eq!(renamed["name"], "Li (front desk)");

    // A field typed wrong is refused by the book, naming the field.
    let malformed = json!({"op": "receive", "item": "TEA", "warehouse": "SH1", "to": "",
        "qty": "1.5", "transfer": "", "note": ""});
    let refused = call(&w, "record_stock", json!({"entry": malformed})).expect_err("a half box");
    assert_eq!(refused["code"], "invalid_value");
}

fn kept_book(dir: &std::path::Path, unlock: &outpost_node::Unlock) {
    let org = outpost_node::api::NewOrg {
        name: "Kept".into(),
        site: outpost_node::api::SiteCode::parse("BJ").expect("code"),
        site_name: "Beijing".into(),
        device_name: "Wang".into(),
    };
    outpost_node::Node::create(dir, org, unlock).expect("create");
}

#[test]
fn a_book_locked_with_a_passphrase_waits_for_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    kept_book(dir.path(), &outpost_node::Unlock::with_passphrase("lotus"));
    let (_app, w) = window(dir.path());
    let status = call(&w, "app_status", json!({})).expect("status");
    assert_eq!(
        status["lifecycle"],
        json!({"state": "passphrase", "wrong": false})
    );
    assert_eq!(status["setup"], Value::Null);
    // No command reaches the book meanwhile.
    let refused = call(&w, "orders", json!({"filter": {}})).expect_err("not open");
    assert_eq!(refused["code"], "not_set_up");
    let status = call(&w, "unlock", json!({"passphrase": "lily"})).expect("status");
    assert_eq!(
        status["lifecycle"],
        json!({"state": "passphrase", "wrong": true})
    );
    // Reading the status again does not try the wrong one again, nor forget it was wrong.
    let status = call(&w, "app_status", json!({})).expect("status");
    assert_eq!(
        status["lifecycle"],
        json!({"state": "passphrase", "wrong": true})
    );
    let status = call(&w, "unlock", json!({"passphrase": "lotus"})).expect("status");
    assert_eq!(status["lifecycle"], json!({"state": "open"}));
    assert_eq!(status["setup"]["org"], "Kept");
}

#[test]
fn an_existing_book_opens_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    kept_book(dir.path(), &outpost_node::Unlock::none());
    let (_app, w) = window(dir.path());
    let status = call(&w, "app_status", json!({})).expect("status");
    assert_eq!(status["setup"]["org"], "Kept");
    assert_eq!(status["setup"]["me"]["name"], "Wang");
}
