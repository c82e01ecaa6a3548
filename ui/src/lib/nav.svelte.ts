// Which screen the window shows, with its parameter (an order number, a record key).
export type Screen =
  | "today" | "orders" | "order-new" | "order" | "order-edit" | "stock" | "catalogue" | "tasks"
  | "conflicts" | "history" | "peers" | "members" | "settings" | "finance" | "billing";

class Nav {
  screen: Screen = $state("today");
  param = $state("");
}

export const nav = new Nav();

/** Shows `screen` (with `param`, e.g. an order number). */
export function go(screen: Screen, param = ""): void {
  trail.push([nav.screen, nav.param]);
  if (trail.length > 50) trail.shift();
  nav.screen = screen;
  nav.param = param;
}

const trail: [Screen, string][] = [];

/** Returns to the screen shown before the current one. */
export function back(): void {
  const [screen, param] = trail.pop() ?? ["today", ""];
  nav.screen = screen;
  nav.param = param;
}
