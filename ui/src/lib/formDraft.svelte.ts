// One form's draft for the life of the component that creates it: the same wiring for
// every form that keeps what was typed (orders, tasks, stock entries, comments).
import { onDestroy } from "svelte";
import { DraftKeeper } from "./drafts";

/**
 * Keeps what `read()` returns a moment after each change and when the component goes
 * away. Keeping starts once `start` has set the baseline and restored any kept draft, so
 * loading a form never counts as typing. Create it while the component initialises.
 */
export class FormDraft<T> {
  /** The form holds something typed and not saved. */
  dirty = $state(false);
  /** When the shown text was kept, if it was restored from a draft. */
  restoredAt = $state<number | null>(null);
  private keeping = $state(false);
  private readonly keeper: DraftKeeper;

  /** `key()` names the draft; `onError` hears a failure to keep or restore. */
  constructor(key: () => string, read: () => T, onError: (message: string) => void) {
    this.keeper = new DraftKeeper(key, onError);
    $effect(() => {
      const state = read();
      if (this.keeping) this.dirty = this.keeper.changed(state);
    });
    onDestroy(() => void this.keeper.flush());
  }

  /**
   * Takes `baseline` as the form with nothing typed (empty, or the record as stored) and
   * returns the kept draft to show instead, if there is one; keeping starts after.
   */
  async start(baseline: T): Promise<T | null> {
    this.keeping = false;
    this.keeper.setBaseline(baseline);
    try {
      const kept = await this.keeper.restore<T>();
      this.restoredAt = kept?.savedAtMs ?? null;
      this.dirty = kept !== null;
      return kept?.state ?? null;
    } finally {
      // Even if the kept draft could not be read, what is typed from now on is kept.
      this.keeping = true;
    }
  }

  /** Stops keeping (while the form reloads or switches to another record). */
  pause(): void {
    this.keeping = false;
  }

  /** Keeps what the last keystrokes changed now (before the key changes). */
  flush(): Promise<void> {
    return this.keeper.flush();
  }

  /** The form was saved as `state`: that is its new baseline and no draft is kept. */
  async saved(state: T): Promise<void> {
    this.keeper.setBaseline(state);
    await this.discard();
  }

  /** Forgets the draft (saved, or thrown away by the person). */
  async discard(): Promise<void> {
    await this.keeper.discard();
    this.restoredAt = null;
    this.dirty = false;
  }
}
