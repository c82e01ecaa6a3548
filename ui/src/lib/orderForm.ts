// The order form's arithmetic as the clerk types: a preview of what outpost-core stores
// (qty × price − discount per line), in integer fen.
import { parseMoney } from "./format";

/** A line as typed: text fields straight from the inputs. */
export interface DraftLine {
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
    out.push({ item: l.item.trim(), qty, price, discount });
  }
  return { lines: out };
}
