// Live data: every node event (a local write, changes merged from a peer, peers coming
// and going) bumps `live.version`; screens re-read what they show when it changes.
import { listen } from "@tauri-apps/api/event";

export interface NodeEvent {
  type: "written" | "imported" | "synced" | "changes_refused" | "peers_changed";
  records?: { kind: string; id: string }[];
  count?: number;
}

class Live {
  /** Bumped on every node event. */
  version = $state(0);
  /** Records merged from peers since the window opened. */
  merged = $state(0);
  /** The last event, for the status bar. */
  last: NodeEvent | null = $state(null);
}

export const live = new Live();

/** Starts forwarding node events into `live` (once, at start). */
export async function startLive(): Promise<void> {
  await listen<NodeEvent>("outpost://node", (event) => {
    live.last = event.payload;
    if (event.payload.type === "synced") live.merged += event.payload.records?.length ?? 0;
    live.version += 1;
  });
}
