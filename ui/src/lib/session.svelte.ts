// Who this device is and what core says its member may do, as the shell last read it
// (app_status). Screens show the controls the capabilities allow and nothing else: the
// window checks no role itself.
import type { Capabilities, Setup } from "./api";

class Session {
  /** This device in its organisation, once set up. */
  setup: Setup | null = $state(null);
}

export const session = new Session();

/** What this device may do (nothing before it is set up). */
export function can(): Capabilities | null {
  return session.setup?.capabilities ?? null;
}
