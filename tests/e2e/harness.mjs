// Starts tauri-driver (which starts WebKitWebDriver, which starts the app) and opens a
// WebDriver session on the real window. Everything it starts is stopped by `close()`.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { remote } from "webdriverio";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const APP = path.resolve(process.env.OUTPOST_DESKTOP_BIN ?? path.join(ROOT, "target/debug/outpost-desktop"));
export const CLI = path.resolve(process.env.OUTPOST_BIN ?? path.join(ROOT, "target/debug/outpost"));
/** Every process of a scenario: keys never go to the developer's own desktop keyring. */
export const TEST_ENV = { ...process.env, OUTPOST_KEYRING: "off" };
export const SHOTS = path.join(ROOT, "target/e2e-screenshots");

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.destroy(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port} within ${ms} ms`);
}

/** Opens the app with `env` (e.g. OUTPOST_DATA_DIR) and returns the WebDriver session. */
export async function openApp(env) {
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  const nativePort = await freePort();
  // Its own process group: tauri-driver, its WebKitWebDriver and the app are stopped
  // together. An app left behind once held the test runner's output open, and the run
  // waited for it until the timeout.
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...TEST_ENV, WEBKIT_DISABLE_COMPOSITING_MODE: "1", ...env },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  const stop = () => stopGroup(driver);
  let browser;
  try {
    // tauri-driver listens before the WebKitWebDriver it spawned does, and forwards the
    // new-session request at once: on a busy machine that request met a closed port
    // and every scenario failed (UND_ERR_SOCKET). Wait for both.
    await waitForPort(port, 15_000, "tauri-driver");
    await waitForPort(nativePort, 15_000, "WebKitWebDriver");
    browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "error",
      connectionRetryTimeout: 60_000,
      connectionRetryCount: 1,
      waitforTimeout: 15_000,
      capabilities: { "tauri:options": { application: APP } },
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    browser,
    async close() {
      try { await browser.deleteSession(); } catch { /* the window may be gone already */ }
      await stop();
    },
  };
}

/** Whether process group `pgid` has a member left. */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops `child`'s whole process group: SIGTERM, then SIGKILL to whatever is left after
 * two seconds (bounded: 20 looks 100 ms apart).
 */
async function stopGroup(child) {
  const pgid = child.pid;
  if (!pgid || !groupAlive(pgid)) return;
  try { process.kill(-pgid, "SIGTERM"); } catch { /* gone meanwhile */ }
  for (let i = 0; i < 20 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pgid)) {
    try { process.kill(-pgid, "SIGKILL"); } catch { /* gone meanwhile */ }
  }
}

/** Runs the `outpost` CLI; resolves with stdout, rejects with stderr on failure. */
export function cli(dataDir, args, { timeout = 60_000, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, ["--lang", "en", ...args], {
      env: { ...TEST_ENV, OUTPOST_DATA_DIR: dataDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`outpost ${args.join(" ")}: ${code}\n${err}${out}`))));
  });
}

/**
 * Saves the X display as `target/e2e-screenshots/<name>.png`. The display, not
 * WebDriver: WebKitWebDriver's screenshot command never answers under Xvfb.
 */
export function screenshot(name) {
  execFileSync("import", ["-window", "root", path.join(SHOTS, `${name}.png`)], { timeout: 20_000 });
}
