// The order form's arithmetic as the clerk types: a preview of what outpost-core stores
// (qty × price − discount per line), in integer fen.
import { parseMoney } from "./format";

/** A line as typed: text fields straight from the inputs. */
export interface DraftLine {
  /** The stored line this row edits (absent for a row added in the form). */
  id?: string;
  item: string;
  qty: string;
  price: string;
  discount: string;
}

/** Whole quantity, or null. */
export function parseQty(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** A line's amount in fen, or null while a field does not parse. */
export function lineAmount(line: DraftLine): number | null {
  const qty = parseQty(line.qty);
  const price = parseMoney(line.price);
  const discount = line.discount.trim() === "" ? 0 : parseMoney(line.discount);
  if (qty === null || price === null || discount === null) return null;
  return qty * price - discount;
}

/** The total of the lines that parse, and how many do not. */
export function orderTotal(lines: DraftLine[]): { total: number; invalid: number } {
  let total = 0;
  let invalid = 0;
  for (const line of lines) {
    if (line.item.trim() === "" && line.qty.trim() === "") continue;
    const amount = lineAmount(line);
    if (amount === null) invalid += 1;
    else total += amount;
  }
  return { total, invalid };
}

/** An empty line. */
export function emptyLine(): DraftLine {
  return { item: "", qty: "1", price: "", discount: "" };
}

/** A line ready to send: the item as typed (SKU or name), price null for the catalogue's. */
export interface CheckedLine {
  /** The stored line it edits, if any. */
  id?: string;
  item: string;
  qty: number;
  price: number | null;
  discount: number;
}

/** Whether a line was left as it started (no item, no price, quantity 1 or none). */
function untouched(l: DraftLine): boolean {
  return l.item.trim() === "" && (l.qty.trim() === "" || l.qty.trim() === "1") && l.price.trim() === "";
}

/**
 * The lines to send, skipping untouched ones, or the 1-based number of the first line
 * that cannot be sent (no item, or a quantity, price or discount that does not parse).
 */
export function checkLines(lines: DraftLine[]): { lines: CheckedLine[] } | { badLine: number } {
  const out: CheckedLine[] = [];
  for (const [i, l] of lines.entries()) {
    if (untouched(l)) continue;
    const qty = parseQty(l.qty);
    const price = l.price.trim() === "" ? null : parseMoney(l.price);
    const discount = l.discount.trim() === "" ? 0 : parseMoney(l.discount);
    if (qty === null || (l.price.trim() !== "" && price === null) || discount === null || l.item.trim() === "") {
      return { badLine: i + 1 };
    }
    out.push({ ...(l.id ? { id: l.id } : {}), item: l.item.trim(), qty, price, discount });
  }
  return { lines: out };
}

/** A stored line as the form edits it. */
export interface StoredLine { id: string; sku: string; qty: number; price: number; discount: number }

/** One step of saving the form's lines onto a stored draft order. */
export type LineStep =
  | { type: "set"; line: number; item: string | null; qty: number | null; price: number | null; discount: number | null }
  | { type: "remove"; line: number }
  | ({ type: "add" } & Omit<CheckedLine, "id">);

/**
 * The edits that turn `stored` lines into `checked` ones: changed rows are set in place
 * (a new item included, so a line keeps its number), then rows the form dropped are
 * removed from the last back (numbers stay valid), then new rows are added. Only changed
 * fields are sent: an unchanged field must not become a conflict with someone's edit.
 */
export function lineSteps(stored: StoredLine[], checked: CheckedLine[]): LineStep[] {
  const steps: LineStep[] = [];
  const kept = new Set<string>();
  for (const now of checked) {
    if (!now.id) continue;
    const no = stored.findIndex((l) => l.id === now.id) + 1;
    if (no === 0) continue;
    kept.add(now.id);
    const was = stored[no - 1];
    const item = now.item.toLowerCase() === was.sku.toLowerCase() ? null : now.item;
    const qty = now.qty === was.qty ? null : now.qty;
    const price = now.price === null || now.price === was.price ? null : now.price;
    const discount = now.discount === was.discount ? null : now.discount;
    if (item !== null || qty !== null || price !== null || discount !== null) {
      steps.push({ type: "set", line: no, item, qty, price, discount });
    }
  }
  for (let no = stored.length; no >= 1; no--) {
    if (!kept.has(stored[no - 1].id)) steps.push({ type: "remove", line: no });
  }
  for (const now of checked) {
    if (now.id && kept.has(now.id)) continue;
    steps.push({ type: "add", item: now.item, qty: now.qty, price: now.price, discount: now.discount });
  }
  return steps;
}
