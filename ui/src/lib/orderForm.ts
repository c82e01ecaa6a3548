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
