// Where each kept draft belongs: the screen that shows its form, and how the today
// screen names it. Keys are written by the forms (see FormDraft).
import type { Key } from "./i18n/en";
import type { Screen } from "./nav.svelte";

/** A draft's form (screen and parameter) and its title (catalogue key and values). */
export interface DraftPlace {
  screen: Screen;
  param: string;
  title: Key;
  values: Record<string, string>;
}

/**
 * Where `key` belongs: `order:new`, `order:<number>`, `task:new`, `comment:<task number>`,
 * `stock:entry`, `catalogue`.
 */
export function draftPlace(key: string): DraftPlace {
  const at = key.indexOf(":");
  const [kind, rest] = at < 0 ? [key, ""] : [key.slice(0, at), key.slice(at + 1)];
  const place = (screen: Screen, param: string, title: Key, values: Record<string, string> = {}) =>
    ({ screen, param, title, values });
  switch (kind) {
    case "task": return place("tasks", "", "tasks.new");
    case "comment": return place("tasks", rest, "today.draftComment", { number: rest });
    case "stock": return place("stock", "", "today.draftStock");
    case "catalogue": return place("catalogue", "", "catalogue.title");
    default:
      return rest === "new"
        ? place("order-new", "", "form.newTitle")
        : place("order-edit", rest, "form.editTitle", { number: rest });
  }
}
