// What a person typed into a form and has not saved, kept on this device (in the book's
// SQLite file, never synced) a moment after each change: navigating away, closing the
// window or a crash loses at most the last quarter second of typing.
import { api, messageOf } from "./api";
import { live } from "./live.svelte";

/** What to do with the store after a change: keep the new text, forget it, or nothing. */
export type DraftStep = "keep" | "drop" | "none";

/**
 * Whether `state` needs keeping: a form back at its baseline (empty, or the record as
 * stored) holds nothing unsaved, so a kept draft for it is dropped.
 */
export function draftStep(state: string, baseline: string, kept: string | null): DraftStep {
  if (state === baseline) return kept === null ? "none" : "drop";
  return state === kept ? "none" : "keep";
}

/** Keeps one form's draft under the key `key()` gives, debounced. */
export class DraftKeeper {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private state: string | null = null;
  private kept: string | null = null;
  private baseline = "";

  /** `onError` hears a failure to keep (shown inline: typed text is at risk). */
  constructor(
    private readonly key: () => string,
    private readonly onError: (message: string) => void,
    private readonly delayMs = 250,
  ) {}

  /**
   * The form as it is when nothing was typed (empty, or the record as stored). Forgets
   * what was noted before: the form starts over (it may be another record's now).
   */
  setBaseline(state: unknown): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.baseline = JSON.stringify(state);
    this.state = null;
    this.kept = null;
  }

  /** Reads a kept draft, if one differs from the baseline. */
  async restore<T>(): Promise<{ state: T; savedAtMs: number } | null> {
    const draft = await api.draft(this.key());
    this.kept = draft?.body ?? null;
    if (draft === null) return null;
    if (draft.body === this.baseline) return null;
    return { state: JSON.parse(draft.body) as T, savedAtMs: draft.saved_at_ms };
  }

  /**
   * Notes the form's state; it is kept shortly unless it changes again first. Returns
   * whether it holds something typed (differs from the baseline).
   */
  changed(state: unknown): boolean {
    this.state = JSON.stringify(state);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    return this.state !== this.baseline;
  }

  /** Keeps (or drops) what is pending now. */
  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const state = this.state;
    if (state === null) return;
    const step = draftStep(state, this.baseline, this.kept);
    try {
      if (step === "keep") await api.keepDraft(this.key(), state);
      if (step === "drop") await api.dropDraft(this.key());
      if (step !== "none") {
        this.kept = step === "keep" ? state : null;
        live.drafts += 1;
      }
    } catch (e) {
      this.onError(messageOf(e));
    }
  }

  /** Forgets the draft (the form was saved, or the person discarded it). */
  async discard(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.state = null;
    this.kept = null;
    await api.dropDraft(this.key());
    live.drafts += 1;
  }
}
