// Desktop benchmark: time from launching the app to the first order list rendered, with a
// year of one busy site in the book, and the memory of the app and its WebKit processes.
// Prints JSON figures (recorded in docs/performance.md). Run by `make bench-desktop`:
//   node bench.mjs [--orders 100000] [--dataset DIR] [--runs 3]
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { APP, CLI, openApp } from "./harness.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const orders = Number(arg("orders", "100000"));
const runs = Number(arg("runs", "3"));
const dataset = arg("dataset", mkdtempSync(path.join(os.tmpdir(), "outpost-desktop-bench-")));

function outpost(args) {
  return execFileSync(CLI, ["--lang", "en", ...args], {
    env: { ...process.env, OUTPOST_DATA_DIR: dataset },
    encoding: "utf8",
    timeout: 30 * 60_000,
  });
}

let generateS = null;
if (!existsSync(path.join(dataset, "outpost.sqlite3"))) {
  const t = performance.now();
  outpost(["init", "--org", "Bench Trading", "--site", "SH", "--site-name", "Shanghai", "--name", "Bench"]);
  outpost(["sample", "--orders", String(orders), "--days", "365", "--items", "200", "--customers", "100"]);
  generateS = (performance.now() - t) / 1000;
}

/** Resident memory (KiB) of `pid` and, by parent links, every process under it. */
function treeRss(pid) {
  const parent = new Map();
  const rss = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const name = /^Name:\s+(.+)$/m.exec(status)?.[1] ?? "?";
      parent.set(Number(entry), ppid);
      rss.set(Number(entry), { kb, name });
    } catch {
      // The process ended while we looked.
    }
  }
  const inTree = (p) => {
    for (let q = p; q > 1; q = parent.get(q) ?? 0) if (q === pid) return true;
    return false;
  };
  const procs = [...rss].filter(([p]) => inTree(p)).map(([p, v]) => ({ pid: p, ...v }));
  return { totalKb: procs.reduce((s, p) => s + p.kb, 0), procs };
}

function appPid() {
  const out = execFileSync("pgrep", ["-n", "-f", APP], { encoding: "utf8" }).trim();
  return Number(out.split("\n").pop());
}

const samples = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const app = await openApp({ OUTPOST_DATA_DIR: dataset, OUTPOST_LISTEN: "/ip4/127.0.0.1/tcp/0" });
  const b = app.browser;
  try {
    await b.$('[data-nav="orders"]').waitForDisplayed({ timeout: 60_000 });
    const tToday = performance.now();
    await b.$('[data-nav="orders"]').click();
    await b.$("[data-order]").waitForExist({ timeout: 60_000 });
    const tOrders = performance.now();
    const rows = (await b.$$("[data-order]")).length;
    const mem = treeRss(appPid());
    samples.push({
      launch_to_today_ms: Math.round(tToday - t0),
      click_to_orders_ms: Math.round(tOrders - tToday),
      launch_to_order_list_ms: Math.round(tOrders - t0),
      rows_rendered: rows,
      rss_total_mb: Math.round(mem.totalKb / 1024),
      rss_by_process_mb: Object.fromEntries(mem.procs.map((p) => [`${p.name}(${p.pid})`, Math.round(p.kb / 1024)])),
    });
  } finally {
    await app.close();
  }
  await new Promise((r) => setTimeout(r, 1000));
}

const median = (key) => samples.map((s) => s[key]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
console.log(JSON.stringify({
  app: APP,
  dataset,
  orders,
  generate_s: generateS,
  runs: samples,
  median_launch_to_order_list_ms: median("launch_to_order_list_ms"),
  median_launch_to_today_ms: median("launch_to_today_ms"),
  median_click_to_orders_ms: median("click_to_orders_ms"),
  median_rss_total_mb: median("rss_total_mb"),
}, null, 2));
