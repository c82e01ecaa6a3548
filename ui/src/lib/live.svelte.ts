// Live data: every node event (a local write, changes merged from a peer, peers coming
// and going) bumps `live.version`; screens re-read what they show when it changes.
import { listen } from "@tauri-apps/api/event";
import type { Event as NodeEvent, Today } from "./api";

class Live {
  /** Bumped on every node event. */
  version = $state(0);
  /** Records merged from peers since the window opened. */
  merged = $state(0);
  /** The last event, for the status bar. */
  last: NodeEvent | null = $state(null);
  /** What needs the user now, read once per change by the shell for every screen. */
  today: Today | null = $state(null);
  /** Why `today` could not be read, if it could not. */
  todayError = $state("");
  /** Bumped whenever a form's draft is kept or dropped (drafts are not node events). */
  drafts = $state(0);
}

export const live = new Live();

/** Starts forwarding node events into `live` (once, at start). */
export async function startLive(): Promise<void> {
  await listen<NodeEvent>("outpost://node", (event) => {
    live.last = event.payload;
    if (event.payload.type === "synced") live.merged += event.payload.records.length;
    live.version += 1;
  });
}

/**
 * Keeps only the newest of overlapping reads. Commands run in parallel on the node's
 * threads, so an answer read before a merge can arrive after one read after it and would
 * put stale rows back on screen.
 */
export class Latest {
  private started = 0;

  /** Starts `read`; `use` or `fail` runs only if no newer read started meanwhile. */
  run<T>(read: Promise<T>, use: (value: T) => void, fail: (e: unknown) => void): void {
    const mine = ++this.started;
    read.then(
      (value) => {
        if (mine === this.started) use(value);
      },
      (e) => {
        if (mine === this.started) fail(e);
      },
    );
  }
}
