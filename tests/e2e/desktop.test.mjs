// The real desktop window, driven through WebDriver: a clerk's day from an empty data
// dir, both languages, and a second office over libp2p whose edits appear live, ending
// in a conflict settled in the window. Screenshots of every screen land in
// target/e2e-screenshots/ (look at them).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { CLI, TEST_ENV, cli, freePort, openApp, screenshot } from "./harness.mjs";

/** `text` in GBK, as Chinese banks' web sites write statements (glibc's iconv). */
const gbk = (text) => execFileSync("iconv", ["-f", "UTF-8", "-t", "GBK"], { input: text });

const appDir = mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-app-"));
const officeDir = mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-office-"));
let app;
let b;
let appEnv;
let office; // the second office's `outpost serve`
/** Where the app's backup is written (the restore scenario starts from it). */
let usb;
/** The passphrase the app's book is locked with from the kill -9 scenario on. */
const appLock = { OUTPOST_PASSPHRASE: "plum blossom" };

const screens = ["today", "orders", "stock", "tasks", "catalogue", "billing", "finance", "conflicts", "peers", "members", "settings"];

async function nav(screen) {
  await b.$(`[data-nav="${screen}"]`).click();
}

async function shot(name) {
  await b.pause(400);
  screenshot(name);
}

async function fill(selector, value) {
  const el = await b.$(selector);
  await el.waitForDisplayed();
  await el.clearValue();
  await el.setValue(value);
}

async function textOf(selector) {
  const el = await b.$(selector);
  await el.waitForDisplayed();
  return el.getText();
}

/** Waits until `check` returns something truthy (the window updates asynchronously). */
async function until(what, check, timeout = 15_000) {
  let last;
  await b.waitUntil(async () => {
    last = await check();
    return last;
  }, { timeout, timeoutMsg: `timed out waiting for ${what}` });
  return last;
}

/** Follows today's link to an unsaved form titled `title`. */
async function openDraftFromToday(title) {
  await nav("today");
  await until(`"${title}" unsaved on today`, async () => (await textOf('[data-test="today-drafts"]')).includes(title));
  for (const button of await b.$$('[data-test="today-drafts"] button')) {
    if ((await button.getText()) === title) return button.click();
  }
  throw new Error(`no link "${title}" on today`);
}

/** Starts the second office's node; resolves once it answers commands (it says where it listens). */
function serveOffice(listen) {
  return serve(officeDir, listen);
}

/** Starts `outpost serve` on `dir` as the office; resolves once it listens. */
function serve(dir, listen, env = {}) {
  office = spawn(CLI, ["--lang", "en", "serve", "--no-relay", "--no-mdns", "--listen", listen], {
    env: { ...TEST_ENV, OUTPOST_DATA_DIR: dir, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // The CLI forwards commands to the serving node through its socket, bound before the
  // addresses are printed; a command sent earlier would find the book locked.
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("outpost serve did not listen within 30 s")), 30_000);
    let seen = "";
    office.stdout.on("data", (chunk) => {
      seen += chunk;
      if (/^listening /m.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    office.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`outpost serve exited (${code}) before listening`));
    });
  });
}

async function stopOffice() {
  if (!office) return;
  const done = new Promise((resolve) => office.on("close", resolve));
  office.kill("SIGTERM");
  await done;
  office = undefined;
}

before(async () => {
  const port = await freePort();
  appEnv = {
    OUTPOST_DATA_DIR: appDir,
    OUTPOST_LISTEN: `/ip4/127.0.0.1/tcp/${port}`,
    LANG: "en_US.UTF-8",
  };
  app = await openApp(appEnv);
  b = app.browser;
});

after(async () => {
  await stopOffice();
  await app?.close();
});

test("a new organisation: item, stock, a two-line sales order shipped, stock drops", async () => {
  await b.$('[data-mode="create"]').waitForDisplayed();
  await shot("en-first-run");
  await fill('input[name="org"]', "E2E Trading");
  await fill('input[name="site"]', "SH");
  await fill('input[name="site-name"]', "Shanghai");
  await fill('input[name="name"]', "Li Wei");
  await b.$('[data-test="first-submit"]').click();
  assert.equal(await textOf('[data-test="org-name"]'), "E2E Trading");

  await nav("catalogue");
  await fill('[data-test="item-form"] input[name="sku"]', "TEA");
  await fill('[data-test="item-form"] input[name="name"]', "Green tea");
  await fill('[data-test="item-form"] input[name="unit"]', "box");
  await fill('[data-test="item-form"] input[name="price"]', "35.00");
  await fill('[data-test="item-form"] input[name="low-stock"]', "5");
  await b.$('[data-test="item-add"]').click();
  await until("the item in the list", async () => (await textOf('[data-test="items"]')).includes("Green tea"));
  await fill('[data-test="party-form"] input[name="party-name"]', "Acme Foods");
  await b.$('[data-test="party-add"]').click();
  await until("the customer in the list", async () => (await b.$("body").getText()).includes("Acme Foods"));

  await nav("stock");
  await b.$('[data-op="receive"]').click();
  await fill('[data-test="stock-form"] input[name="item"]', "TEA");
  await fill('[data-test="stock-form"] input[name="qty"]', "20");
  await b.$('[data-test="stock-submit"]').click();
  await until("level 20", async () => (await textOf('[data-level="TEA@SH1"] [data-test="level-qty"]')).startsWith("20"));

  await nav("orders");
  await b.$('[data-test="order-new"]').click();
  await b.$('select[name="party"]').selectByAttribute("value", "Acme Foods");
  const item1 = await b.$('input[data-cell="item"]');
  await item1.setValue("TEA");
  const qty1 = await b.$('input[data-cell="qty"]');
  await qty1.clearValue();
  await qty1.setValue("3");
  // The catalogue price fills in once the item is known; Enter adds the next line.
  await b.keys("Enter");
  await until("a second line", async () => (await b.$$('input[data-cell="item"]')).length === 2);
  const items = await b.$$('input[data-cell="item"]');
  await items[1].setValue("TEA");
  const qtys = await b.$$('input[data-cell="qty"]');
  await qtys[1].clearValue();
  await qtys[1].setValue("2");
  const prices = await b.$$('input[data-cell="price"]');
  await prices[1].clearValue();
  await prices[1].setValue("30");
  const discounts = await b.$$('input[data-cell="discount"]');
  await discounts[1].setValue("5");
  // 3 × 35.00 + (2 × 30.00 − 5.00), computed as typed.
  await until("the total", async () => (await textOf('[data-test="order-total"]')) === "¥160.00");
  await shot("en-order-new");
  await b.$('[data-test="save-submit"]').click();
  await until("submitted", async () => (await textOf('[data-test="order-status"]')) === "Submitted");
  await b.$('[data-action="approve"]').click();
  await until("approved", async () => (await textOf('[data-test="order-status"]')) === "Approved");
  await b.$('[data-action="ship"]').click();
  await until("shipped", async () => (await textOf('[data-test="order-status"]')) === "Shipped");
  assert.match(await textOf('[data-test="detail-lines"]'), /TEA/);
  await shot("en-order-detail");

  await nav("stock");
  await until("level 15", async () => (await textOf('[data-level="TEA@SH1"] [data-test="level-qty"]')).startsWith("15"));

  await nav("orders");
  await b.$("[data-order] td").click();
  await b.$('[data-test="order-history"]').click();
  await until("history rows", async () => (await textOf('[data-test="history"]')).includes("A1"));
  await shot("en-history");

  // A date range narrows the list: from tomorrow shows nothing, from today the order.
  const day = (offset) => {
    const d = new Date();
    d.setDate(d.getDate() + offset);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  };
  await nav("orders");
  for (const [offset, rows] of [[1, 0], [0, 1]]) {
    await fill('input[name="from"]', day(offset));
    await b.keys("Enter");
    await until(`${rows} orders from ${day(offset)}`, async () => (await b.$$("[data-order]")).length === rows);
  }
  await shot("en-orders-from-today");
});

test("every screen in both languages; switching changes the labels", async () => {
  for (const lang of ["en", "zh"]) {
    await b.$(`[data-lang="${lang}"]`).click();
    for (const s of screens) {
      await nav(s);
      await shot(`${lang}-${s}`);
    }
  }
  assert.equal(await textOf('[data-nav="orders"]'), "订单");
  await nav("orders");
  assert.match(await textOf('[data-test="order-list"]'), /已发货/);
  await b.$('[data-lang="en"]').click();
  assert.equal(await textOf('[data-nav="orders"]'), "Orders");
});

test("a second office over libp2p: its customer and order appear live; a concurrent edit is settled", async () => {
  await nav("members");
  await b.$('select[name="role"]').selectByAttribute("value", "clerk");
  await b.$('[data-test="invite-create"]').click();
  const code = (await (await b.$('[data-test="invite-code"]')).getValue()).trim();
  assert.match(code, /^outpost-invite-/);
  await cli(officeDir, ["join", code, "--name", "Zhang Min"]);
  const officePort = await freePort();
  await serveOffice(`/ip4/127.0.0.1/tcp/${officePort}`);

  // The office's order reaches the open window with no reload.
  await nav("orders");
  // A clerk may add the customer of the order being taken; every office accepts it.
  await cli(officeDir, ["customer", "add", "Beta Retail"]);
  const out = await cli(officeDir, ["--json", "order", "new", "--customer", "Beta Retail", "--line", "TEA:1"]);
  const number = JSON.parse(out).number;
  await until(`order ${number} in the window`, async () => (await b.$(`[data-order="${number}"]`)).isExisting(), 20_000);
  assert.match(await textOf(`[data-order="${number}"]`), /Beta Retail/);
  await nav("peers");
  await until("a connected peer", async () => (await textOf('[data-test="peers"]')).includes("Zhang Min"), 20_000);
  await shot("en-peers-connected");

  // Both change the draft's note while apart, and each issues all the tea there is.
  await nav("stock");
  const level = (await textOf('[data-level="TEA@SH1"] [data-test="level-qty"]')).split(/\s/)[0];
  await stopOffice();
  await cli(officeDir, ["order", "edit", number, "--note", "from the office"]);
  await cli(officeDir, ["stock", "issue", "--item", "TEA", "--warehouse", "SH1", "--qty", level]);
  await b.$('[data-op="issue"]').click();
  await fill('[data-test="stock-form"] input[name="item"]', "TEA");
  await fill('[data-test="stock-form"] input[name="qty"]', level);
  await b.$('[data-test="stock-submit"]').click();
  await until("the tea issued", async () => (await textOf('[data-level="TEA@SH1"] [data-test="level-qty"]')).startsWith("0"));
  await nav("orders");
  await b.$(`[data-order="${number}"] td`).click();
  await b.$('[data-test="order-edit"]').click();
  await fill('input[name="note"]', "from the window");
  await b.$('[data-test="save-draft"]').click();
  await until("the draft saved", async () => (await b.$('[data-test="order-status"]')).isExisting());

  await serveOffice(`/ip4/127.0.0.1/tcp/${officePort}`);
  await until("the conflict badge", async () => (await b.$('[data-test="conflict-badge"]')).isExisting(), 20_000);
  await nav("conflicts");
  const values = await until("both values", async () => {
    const texts = [];
    for (const el of await b.$$('[data-test="conflict-value"]')) texts.push(await el.getText());
    return texts.length === 2 ? texts : null;
  });
  assert.deepEqual([...values].sort(), ["from the office", "from the window"]);
  await shot("en-conflict");
  const pick = values.indexOf("from the office") + 1;
  await b.$(`[data-choice="${pick}"]`).click();
  await b.$('[data-test="no-conflicts"]').waitForDisplayed();
  // The pick is a change like any other: the order now says what was picked.
  await nav("orders");
  await b.$(`[data-order="${number}"] td`).click();
  await until("the picked note", async () => (await b.$("main").getText()).includes("from the office"));

  // The tea issued twice is below zero: acknowledged with a note, it leaves today's list.
  await nav("today");
  const oversold = '[data-exception="negative_stock"]';
  await until("stock below zero on today", async () => (await b.$(oversold)).isExisting(), 20_000);
  await b.$(`${oversold} [data-test="ack"]`).click();
  await fill(`${oversold} input[name="ack-note"]`, "both issues were real; recount on Monday");
  await b.$(`${oversold} [data-test="ack-form"] button[type="submit"]`).click();
  await until("acknowledged", async () => (await textOf('[data-test="acknowledged"]')).includes("Acknowledged (1)"));
  await until("off the open list", async () => !(await (await b.$(oversold)).isExisting()));
  await b.$('[data-test="acknowledged"] summary').click();
  assert.match(await textOf('[data-test="acknowledged"]'), /recount on Monday/);
  await shot("en-today-acknowledged");
  // The office hears of it too.
  await until("acknowledged at the office", async () => {
    const open = JSON.parse(await cli(officeDir, ["--json", "exceptions"]));
    return open.every((e) => e.kind !== "negative_stock");
  }, 20_000);
});

test("what was typed and never saved outlives leaving the form and a kill -9; the book locked with a passphrase asks for it; an admin renames a device; a backup is remembered", async () => {
  await nav("orders");
  await b.$('[data-test="order-new"]').click();
  await b.$('select[name="party"]').selectByAttribute("value", "Acme Foods");
  await (await b.$('input[data-cell="item"]')).setValue("TEA");
  const qty = await b.$('input[data-cell="qty"]');
  await qty.clearValue();
  await qty.setValue("4");
  await fill('input[name="note"]', "typed, never saved");
  await b.$('[data-test="draft-kept"]').waitForDisplayed();
  // The book gets a passphrase from the settings (typed twice; a slip is caught).
  await nav("settings");
  assert.equal(await (await b.$('[data-test="sealed"]')).getAttribute("data-sealed"), "false");
  await fill('input[name="new-passphrase"]', appLock.OUTPOST_PASSPHRASE);
  await fill('input[name="new-passphrase-again"]', "plum blosom");
  await b.$('[data-test="lock-book"]').click();
  await until("the slip caught", async () => (await textOf('[data-test="passphrase"] .error')).includes("differ"));
  await fill('input[name="new-passphrase"]', appLock.OUTPOST_PASSPHRASE);
  await fill('input[name="new-passphrase-again"]', appLock.OUTPOST_PASSPHRASE);
  await b.$('[data-test="lock-book"]').click();
  await b.$('[data-test="passphrase-done"]').waitForDisplayed({ timeout: 30_000 });
  assert.equal(await (await b.$('[data-test="sealed"]')).getAttribute("data-sealed"), "true");
  await nav("today");
  await until("the unsaved form on today", async () => (await textOf('[data-test="today-drafts"]')).includes("New order"));
  await shot("en-today-drafts");

  // Gone without a goodbye, then started again on the same data dir, where the window
  // asks for the passphrase.
  execFileSync("pkill", ["-KILL", "-x", "outpost-desktop"]);
  await app.close();
  app = await openApp(appEnv);
  b = app.browser;
  await b.$('[data-test="locked-book"]').waitForDisplayed();
  await shot("en-locked-book");
  await fill('input[name="passphrase"]', "peach blossom");
  await b.$('[data-test="locked-book"] button[type="submit"]').click();
  await b.$('[data-test="wrong-passphrase"]').waitForDisplayed();
  await fill('input[name="passphrase"]', appLock.OUTPOST_PASSPHRASE);
  await b.$('[data-test="locked-book"] button[type="submit"]').click();
  await b.$('[data-test="org-name"]').waitForDisplayed();
  await nav("orders");
  await b.$('[data-test="order-new"]').click();
  await b.$('[data-test="draft-restored"]').waitForDisplayed();
  assert.equal(await (await b.$('input[data-cell="item"]')).getValue(), "TEA");
  assert.equal(await (await b.$('input[data-cell="qty"]')).getValue(), "4");
  assert.equal(await (await b.$('input[name="note"]')).getValue(), "typed, never saved");
  await until("the restored total", async () => (await textOf('[data-test="order-total"]')) === "¥140.00");
  await shot("en-order-restored");
  await b.$('[data-test="save-draft"]').click();
  await until("saved as a draft order", async () => (await textOf('[data-test="order-status"]')) === "Draft");
  // Saved: nothing is left unsaved.
  await nav("today");
  await until("drafts read", async () => (await (await b.$("h1")).getAttribute("data-drafts")) === "0");

  await nav("settings");
  await fill('input[name="device-name"]', "Li Wei (HQ desk)");
  await b.$('[data-test="rename-device"]').click();
  await b.$('[data-test="renamed"]').waitForDisplayed();
  await nav("members");
  await until("the new name", async () => (await textOf('[data-test="members"]')).includes("Li Wei (HQ desk)"));

  // A backup: the window says when and where, and offers the same folder next time.
  usb = mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-usb-"));
  await nav("today");
  assert.match(await textOf('[data-test="today-backup"]'), /No backup yet/);
  await b.$('[data-test="today-backup"]').click();
  assert.match(await textOf('[data-test="last-backup"]'), /No backup/);
  // A backup opens only with the backup passphrase: set once, typed twice.
  const backupPassphrase = () => b.$('[data-test="backup-passphrase"]').then((e) => e.getAttribute("data-set"));
  assert.equal(await backupPassphrase(), "false");
  await fill('input[name="backup-passphrase"]', "in the safe");
  await fill('input[name="backup-passphrase-again"]', "in the safe");
  await b.$('[data-test="set-backup-passphrase"]').click();
  await until("the backup passphrase set", async () => (await backupPassphrase()) === "true");
  await fill('input[name="backup-dir"]', usb);
  await b.$('[data-test="backup"]').click();
  await until("the backup", async () => (await textOf('[data-test="last-backup"]')).includes(usb));
  const written = readdirSync(usb);
  assert.equal(written.length, 1, written.join());
  // From now on it backs up by itself into that folder (daily, the last week kept).
  await b.$('input[name="schedule-on"]').click();
  await b.$('[data-test="schedule-save"]').click();
  await until("the schedule kept", async () => (await (await b.$('[data-test="schedule"]')).getAttribute("data-on")) === "true");
  await nav("today");
  await nav("settings");
  await until("the folder offered again", async () => (await (await b.$('input[name="backup-dir"]')).getValue()) === usb);
  const lastText = await textOf('[data-test="last-backup"]');
  assert.ok(lastText.includes(written[0]), lastText);
  await nav("today");
  await until("the reminder answered", async () => /Last backup \d+ (s|min) ago/.test(await textOf('[data-test="today-backup"]')));
});

test("a warehouse count and a task's day: due date picked, overdue on today, comment, moved on the board", async () => {
  // Stock counted: the level becomes what was counted, whatever it was.
  await nav("stock");
  await b.$('[data-op="count"]').click();
  await fill('[data-test="stock-form"] input[name="item"]', "TEA");
  await fill('[data-test="stock-form"] input[name="qty"]', "12");
  // Called away before recording it: the entry waits on today and comes back whole.
  await openDraftFromToday("Stock entry");
  await until("the count restored", async () => (await (await b.$('[data-test="stock-form"] input[name="qty"]')).getValue()) === "12");
  assert.match(await b.$('[data-op="count"]').getAttribute("class"), /active/);
  assert.equal(await (await b.$('[data-test="stock-form"] input[name="item"]')).getValue(), "TEA");
  await b.$('[data-test="stock-submit"]').click();
  await until("level 12", async () => (await textOf('[data-level="TEA@SH1"] [data-test="level-qty"]')).startsWith("12"));

  await nav("tasks");
  await fill('[data-test="task-form"] input[name="title"]', "Recount the tea");
  await fill('[data-test="task-form"] input[name="owner"]', "Zhang Min");
  // Typed into the date picker (its calendar closes with Escape and keeps the date).
  await fill('[data-test="task-form"] input[name="due"]', "2026-01-15");
  await b.keys("Escape");
  await b.$('[data-test="task-form"] button[type="submit"]').click();
  await until("the task on the board", async () => (await b.$('[data-column="todo"]').getText()).includes("Recount the tea"));
  const card = await b.$('[data-column="todo"] [data-task]');
  assert.match(await card.getText(), /Zhang Min/);
  assert.match(await card.getText(), /2026-01-15/);
  const taskNumber = await card.getAttribute("data-task");
  // Whom to assign to is offered: the members (this device, renamed above) and past owners.
  const people = [];
  for (const option of await b.$$("#task-people option")) people.push(await option.getAttribute("value"));
  assert.ok(people.includes("Li Wei (HQ desk)") && people.includes("Zhang Min"), people.join(", "));

  await nav("today");
  await until("the task overdue on today", async () => (await b.$("main").getText()).includes("Recount the tea"));

  await nav("tasks");
  await b.$(`[data-task="${taskNumber}"] button.link`).click();
  await fill(`[data-task="${taskNumber}"] input[name="comment"]`, "half the shelf done");
  // A comment typed and left is kept for that task; today leads back to it.
  await openDraftFromToday(`Comment on ${taskNumber}`);
  const commentInput = await b.$(`[data-task="${taskNumber}"] input[name="comment"]`);
  await until("the comment restored", async () => (await commentInput.getValue()) === "half the shelf done");
  await commentInput.click();
  await b.keys("Enter");
  await until("the comment", async () => (await textOf(`[data-task="${taskNumber}"]`)).includes("half the shelf done"));
  const moveToDoing = await b.$(`[data-task="${taskNumber}"]`).$$("button");
  for (const button of moveToDoing) {
    if ((await button.getText()).includes("Doing")) {
      await button.click();
      break;
    }
  }
  await until("the task in Doing", async () => (await b.$('[data-column="doing"]').getText()).includes("Recount the tea"));
  await shot("en-tasks-board");

  // A task half typed is still there after going elsewhere, and today says so.
  await fill('[data-test="task-form"] input[name="title"]', "Call the tea supplier");
  await b.pause(600);
  await nav("today");
  await until("the unsaved task on today", async () => (await textOf('[data-test="today-drafts"]')).includes("New task"));
  await nav("tasks");
  await until("the title restored", async () => (await (await b.$('[data-test="task-form"] input[name="title"]')).getValue()) === "Call the tea supplier");
});

test("the catalogue is kept up to date: a new price, a customer's new name and phone", async () => {
  await nav("catalogue");
  await b.$('[data-item="TEA"] [data-test="item-edit-open"]').click();
  await fill('[data-test="item-edit"] input[name="edit-price"]', "38.00");
  // Called away mid-edit: the edit waits on today and reopens as it was typed.
  await openDraftFromToday("Catalogue");
  await until("the edit reopened", async () => (await (await b.$('[data-test="item-edit"] input[name="edit-price"]')).getValue()) === "38.00");
  await b.$('[data-test="item-save"]').click();
  await until("the new price", async () => (await textOf('[data-item="TEA"]')).includes("¥38.00"));

  await b.$('[data-party="Acme Foods"] [data-test="party-edit-open"]').click();
  await fill('[data-test="party-edit"] input[name="edit-party-name"]', "Acme Foods Ltd");
  await fill('[data-test="party-edit"] input[name="edit-phone"]', "021-5555 0101");
  await b.$('[data-test="party-save"]').click();
  await until("the new name and phone", async () => (await textOf('[data-party="Acme Foods Ltd"]')).includes("021-5555 0101"));
  await shot("en-catalogue-edited");
  await nav("today");
  await until("nothing left unsaved there", async () => !(await b.$("main").getText()).includes("Catalogue"));
  // Orders name their customer by id: every order of Acme shows the new name.
  await nav("orders");
  await until("orders under the new name", async () => (await textOf('[data-test="order-list"]')).includes("Acme Foods Ltd"));
  assert.ok(!(await textOf('[data-test="order-list"]')).match(/Acme Foods(?! Ltd)/), "no order keeps the old name");
});

test("finance in the window: a sub-account added, a journal entry posted on it, a lopsided one refused, the trial balance balances, a reversal", async () => {
  await nav("finance");
  // The organisation's own bank account, under 1002 Bank deposits.
  await b.$('[data-tab="chart"]').click();
  await fill('[data-test="account-form"] input[name="account-code"]', "100201");
  await fill('[data-test="account-form"] input[name="account-name"]', "ICBC current account");
  await b.$('[data-test="account-form"] button[type="submit"]').click();
  await until("the sub-account in the chart", async () => (await textOf('[data-account="100201"]')).includes("ICBC current account"));
  await b.$('[data-tab="journal"]').click();
  const line = (n) => `[data-entry-line="${n}"]`;
  await b.$(`${line(1)} select[name="line-account"]`).selectByAttribute("value", "100201");
  await fill(`${line(1)} input[name="line-debit"]`, "113.00");
  await b.$(`${line(2)} select[name="line-account"]`).selectByAttribute("value", "6001");
  await fill(`${line(2)} input[name="line-credit"]`, "100.00");
  await fill('input[name="entry-memo"]', "Cash sale");
  await b.$('[data-test="entry-form"] button[type="submit"]').click();
  await until("the refusal", async () => (await textOf('[role="alert"]')).includes("must balance"));
  await b.$('[data-test="entry-form"] button[type="button"]').click();
  await b.$(`${line(3)} select[name="line-account"]`).selectByAttribute("value", "2221");
  await fill(`${line(3)} input[name="line-credit"]`, "13.00");
  await b.$('[data-test="entry-form"] button[type="submit"]').click();
  await until("the entry in the journal", async () => (await b.$$("[data-entry]")).length === 1);
  const number = await (await b.$("[data-entry]")).getAttribute("data-entry");
  await b.$('[data-tab="balances"]').click();
  await until("debits = credits", async () => (await textOf('[data-test="total-debit"]')) === "¥113.00");
  assert.equal(await textOf('[data-test="total-credit"]'), "¥113.00");
  await shot("en-trial-balance");
  // Exported for the accountant: the workbook lands where it was asked to.
  const workbook = path.join(mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-report-")), "trial-balance.xlsx");
  await fill('input[name="export-path"]', workbook);
  await b.$('[data-test="export-form"] button[type="submit"]').click();
  await until("the workbook written", async () => (await textOf('[data-test="finance-done"]')).includes(workbook));
  assert.ok(existsSync(workbook), workbook);
  await b.$('[data-tab="journal"]').click();
  await b.$(`[data-entry="${number}"] button.link`).click();
  await b.$('[data-test="reverse"]').click();
  await until("the reversal", async () => (await b.$$("[data-entry]")).length === 2);
  await b.$('[data-tab="balances"]').click();
  await until("every balance back to zero", async () => {
    const balances = [];
    for (const el of await b.$$("[data-balance]")) balances.push(await el.getAttribute("data-balance"));
    return balances.length > 0 && balances.every((v) => v === "0");
  });
});

test("invoices and payments in the window: a shipped order invoiced, a service billed, part paid, aged; each posts itself", async () => {
  // `Invoice` on a shipped order issues an invoice for it.
  await nav("orders");
  let shipped = null;
  await until("a shipped order listed", async () => {
    for (const row of await b.$$("[data-order]")) {
      if ((await row.getText()).includes("Shipped")) {
        shipped = await row.getAttribute("data-order");
        return true;
      }
    }
    return false;
  });
  await b.$(`[data-order="${shipped}"] td`).click();
  await b.$('[data-action="invoice"]').click();
  await until("invoiced", async () => (await textOf('[data-test="order-status"]')) === "Invoiced");
  // A service billed by amount at 6%, then part paid from the invoice's row.
  await nav("billing");
  await until("the order's invoice", async () => (await b.$$("[data-invoice]")).length === 1);
  await fill('input[name="invoice-party"]', "Acme Foods Ltd");
  await fill('input[name="invoice-net"]', "1000.00");
  await fill('input[name="invoice-rate"]', "6");
  await b.$('[data-test="invoice-form"] button[type="submit"]').click();
  await until("the service invoice", async () => (await b.$$("[data-invoice]")).length === 2);
  const service = await (await b.$("[data-invoice]")).getAttribute("data-invoice");
  assert.ok((await textOf(`[data-invoice="${service}"]`)).includes("¥1,060.00"));
  await b.$(`[data-invoice="${service}"] button.link`).click();
  await b.$('[data-test="settle"]').click();
  await fill('input[name="payment-amount"]', "600.00");
  await fill('input[name="payment-reference"]', "CMB 0001");
  await b.$('[data-test="payment-form"] button[type="submit"]').click();
  await until("the receipt", async () => (await b.$$("[data-payment]")).length === 1);
  await b.$('[data-tab="invoices"]').click();
  await until("what is left", async () => (await (await b.$(`[data-invoice="${service}"] [data-outstanding]`)).getAttribute("data-outstanding")) === "46000");
  await b.$('[data-tab="ageing"]').click();
  await until("Acme's balance aged", async () => (await b.$$('[data-party="Acme Foods Ltd"]')).length === 1);
  await shot("en-ageing");
  const ageingFile = path.join(mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-report-")), "ageing.xlsx");
  await fill('input[name="ageing-path"]', ageingFile);
  await b.$('[data-test="ageing-export"] button[type="submit"]').click();
  await until("the ageing written", async () => (await textOf('[data-test="billing-done"]')).includes(ageingFile));
  assert.ok(existsSync(ageingFile), ageingFile);
  // The bank's statement (as the bank's web site writes it, in GBK) shows the rest
  // arriving: the line suggests the invoice, finance confirms, nothing is owed.
  const today = new Date().toISOString().slice(0, 10);
  const statement = path.join(mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-bank-")), "statement.csv");
  writeFileSync(statement, gbk(`交易日期,收入金额,支出金额,对方户名,交易流水号,摘要\n${today},460.00,,Acme Foods Ltd,CMB-E2E-1,货款\n${today},,5.00,,CMB-E2E-2,手续费\n`));
  await b.$('[data-tab="bank"]').click();
  await fill('input[name="statement-path"]', statement);
  await b.$('[data-test="statement-form"] button[type="submit"]').click();
  await until("the statement's lines", async () => (await b.$$("[data-line]")).length === 2);
  await b.$(`[data-line="CMB-E2E-1"] [data-suggestion="${service}"]`).click();
  await until("the line matched", async () => (await textOf('[data-line="CMB-E2E-1"]')).includes("-P"));
  assert.ok((await textOf('[data-test="unmatched-payments"]')).includes("CMB 0001"), "the earlier receipt the bank has not shown");
  await shot("en-bank");
  await b.$('[data-tab="invoices"]').click();
  await until("nothing owed on the service", async () => (await (await b.$(`[data-invoice="${service}"] [data-outstanding]`)).getAttribute("data-outstanding")) === "0");
  // Each invoice and receipt posted its own entry; the books still balance.
  // Finance opens on its overview: cash, what customers owe (the order's invoice), sales
  // by site, each charted.
  await nav("finance");
  await until("the overview charted", async () => (await b.$$('[data-chart] canvas')).length === 3);
  assert.ok(Number(await (await b.$('[data-test="receivables-total"]')).getAttribute("data-fen")) > 0, "receivables charted");
  await shot("en-finance-overview");
  await b.$('[data-tab="journal"]').click();
  await until("automatic postings", async () => (await b.$$('[data-test="automatic"]')).length === 4);
  await b.$('[data-tab="balances"]').click();
  await until("balanced", async () => (await textOf('[data-test="total-debit"]')) === (await textOf('[data-test="total-credit"]')));
  // The statements: assets = liabilities + equity + profit; the income statement to a
  // workbook; the stock at cost (received loose: at no cost) to CSV.
  await b.$('[data-tab="statements"]').click();
  await until("the balance sheet balances", async () => {
    const assets = await textOf('[data-test="assets"] [data-total]');
    return assets !== "" && assets !== "¥0.00" && assets === (await textOf('[data-test="liabilities-equity"]'));
  });
  assert.equal(await textOf('[data-test="period-profit"]'), await textOf('[data-test="profit"]'));
  await b.$('select[name="export-statement"]').selectByAttribute("value", "income");
  const incomeBook = path.join(mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-report-")), "income.xlsx");
  await fill('input[name="export-path"]', incomeBook);
  await b.$('[data-test="export-form"] button[type="submit"]').click();
  await until("the income statement written", async () => (await textOf('[data-test="finance-done"]')).includes(incomeBook));
  assert.ok(existsSync(incomeBook), incomeBook);
  await b.$('[data-tab="stock"]').click();
  await until("the tea at cost", async () => (await b.$$('[data-valuation="SH TEA"]')).length === 1);
  const stockFile = path.join(mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-report-")), "stock.csv");
  await fill('input[name="export-path"]', stockFile);
  await b.$('[data-test="export-form"] button[type="submit"]').click();
  await until("the stock written", async () => (await textOf('[data-test="finance-done"]')).includes(stockFile));
  assert.ok(readFileSync(stockFile, "utf8").includes("SH,TEA,Green tea"), "the stock file lists the tea");
  await b.$('[data-tab="sales"]').click();
  await b.$('select[name="sales-by"]').selectByAttribute("value", "customer");
  await until("the customer's sales", async () => (await b.$$('[data-sales="Acme Foods Ltd"]')).length === 1);
  await b.$('[data-tab="balances"]').click();
  // Month end: finance closes this month at its site, then exports the trial balance.
  const month = today.slice(0, 7);
  await fill('input[name="close-month"]', month);
  await b.$('[data-test="close-form"] button[type="submit"]').click();
  await until("the month closed", async () => (await b.$$(`[data-close="SH ${month}"]`)).length === 1);
  await shot("en-month-closed");
  const closedBook = path.join(mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-report-")), "trial-balance-closed.csv");
  await fill('input[name="export-path"]', closedBook);
  await b.$('[data-test="export-form"] button[type="submit"]').click();
  await until("the trial balance written", async () => (await textOf('[data-test="finance-done"]')).includes(closedBook));
  assert.ok(existsSync(closedBook), closedBook);
  // Nothing more is dated in the closed month.
  await nav("billing");
  await fill('input[name="invoice-party"]', "Acme Foods Ltd");
  await fill('input[name="invoice-net"]', "1.00");
  await b.$('[data-test="invoice-form"] button[type="submit"]').click();
  await until("refused: the month is closed", async () => (await textOf('[role="alert"]')).includes("is closed"));
});

test("an auditor's window offers no way to change anything: the book says what it may do", async () => {
  // The admin's book, now served from the command line, invites an auditor, who joins in
  // a fresh window with the code.
  await app.close();
  await stopOffice();
  // Headless, the node reads the passphrase from its environment.
  await serve(appDir, `/ip4/127.0.0.1/tcp/${await freePort()}`, appLock);
  const invite = await cli(appDir, ["invite", "new", "--role", "auditor", "--site", "SH"]);
  const code = invite.match(/outpost-invite-\S+/)?.[0];
  assert.ok(code, invite);
  const auditorDir = mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-auditor-"));
  app = await openApp({ ...appEnv, OUTPOST_DATA_DIR: auditorDir, OUTPOST_LISTEN: `/ip4/127.0.0.1/tcp/${await freePort()}` });
  b = app.browser;
  await b.$('[data-mode="join"]').click();
  await fill('textarea[name="code"]', code);
  await fill('input[name="name"]', "Sun Audit");
  await b.$('[data-test="first-submit"]').click();
  await b.$('[data-nav="orders"]').waitForDisplayed({ timeout: 30_000 });

  // It reads the books (they arrive by sync) and is offered no control that writes.
  await nav("orders");
  await until("orders synced to the auditor", async () => (await b.$$("[data-order]")).length > 0, 30_000);
  assert.ok(!(await b.$('[data-test="order-new"]').isExisting()), "no new order");
  await b.$("[data-order] td").click();
  await b.$('[data-test="order-status"]').waitForDisplayed();
  assert.equal((await b.$$("[data-action]")).length, 0, "no lifecycle step");
  assert.ok(!(await b.$('[data-test="order-edit"]').isExisting()), "no edit");
  await nav("catalogue");
  await until("the catalogue synced", async () => (await b.$('[data-item="TEA"]')).isExisting(), 30_000);
  for (const control of ["item-form", "party-form", "item-edit-open", "party-edit-open"]) {
    assert.ok(!(await b.$(`[data-test="${control}"]`).isExisting()), control);
  }
  await nav("stock");
  assert.ok(!(await b.$('[data-test="stock-form"]').isExisting()), "no stock entry");
  await nav("tasks");
  assert.ok(!(await b.$('[data-test="task-form"]').isExisting()), "no new task");
  // The auditor reads the journal, and may post nothing.
  await nav("finance");
  await b.$('[data-tab="journal"]').click();
  await until("the journal synced", async () => (await b.$$("[data-entry]")).length === 6, 30_000);
  assert.ok(!(await b.$('[data-test="entry-form"]').isExisting()), "no journal entry form");
  await b.$("[data-entry] button.link").click();
  assert.ok(!(await b.$('[data-test="reverse"]').isExisting()), "no reversal");
  await nav("billing");
  await until("the invoices synced", async () => (await b.$$("[data-invoice]")).length === 2, 30_000);
  assert.ok(!(await b.$('[data-test="invoice-form"]').isExisting()), "no invoice form");
  await nav("members");
  for (const control of ["invite-form", "member-rename"]) {
    assert.ok(!(await b.$(`[data-test="${control}"]`).isExisting()), control);
  }
  assert.equal((await b.$$('[data-test="members"] button.danger')).length, 0, "no revoke");
  await shot("en-auditor-members");
});

test("a lost laptop's office is back from its backup on the first screen; it writes once the other office was heard", async () => {
  // The laptop is gone: its window and its headless node with it.
  await app.close();
  await stopOffice();
  const [backup] = readdirSync(usb);
  const restoredDir = mkdtempSync(path.join(os.tmpdir(), "outpost-e2e-restored-"));
  // The new machine sits where the old one did: the other office dials it there.
  app = await openApp({ ...appEnv, ...appLock, OUTPOST_DATA_DIR: restoredDir });
  b = app.browser;
  await b.$('[data-mode="restore"]').click();
  await fill('input[name="backup-file"]', path.join(usb, backup));
  await fill('input[name="restore-passphrase"]', "not it");
  await b.$('[data-test="first-submit"]').click();
  await until("the wrong passphrase told", async () => /wrong backup passphrase/.test(await textOf('[role="alert"]')));
  await fill('input[name="restore-passphrase"]', "in the safe");
  await b.$('[data-test="first-submit"]').click();
  await b.$('[data-nav="orders"]').waitForDisplayed({ timeout: 30_000 });
  // The same device as before, with its book; it says why it does not write yet.
  await nav("today");
  await b.$('[data-test="today-catching-up"]').waitForDisplayed();
  await shot("en-restored-catching-up");
  await nav("settings");
  assert.match(await textOf("main"), /A1 · Li Wei \(HQ desk\)/);
  const rename = async () => {
    await fill('input[name="device-name"]', "Li Wei (new laptop)");
    await b.$('[data-test="rename-device"]').click();
  };
  await rename();
  await until("a write refused while catching up", async () => /restored from a backup/.test(await textOf('[role="alert"]')));
  // The other office comes online, and the restored device hears from it.
  await serveOffice(`/ip4/127.0.0.1/tcp/${await freePort()}`);
  await until("a write accepted once the office was heard", async () => {
    await rename();
    return b.$('[data-test="renamed"]').then((e) => e.waitForDisplayed({ timeout: 1_000 }).then(() => true, () => false));
  }, 30_000);
});
