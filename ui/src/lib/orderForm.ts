// The order form as the clerk types it, and the form the book reads: every field stays
// text; the book parses it, works out the amounts (a preview while typing) and what a
// save changes.
import type { LineForm, LineRow, OrderForm, OrderKind } from "./api";
import { moneyInput } from "./format";

/** A line as typed: text fields straight from the inputs. */
export interface DraftLine {
  /** The stored line this row edits (absent for a row added in the form). */
  id?: string;
  item: string;
  qty: string;
  price: string;
  discount: string;
}

/** An empty line. */
export function emptyLine(): DraftLine {
  return { item: "", qty: "1", price: "", discount: "" };
}

/** The rows of a stored order as the form shows them. */
export function linesOf(rows: LineRow[]): DraftLine[] {
  return rows.map((l) => ({
    id: l.id, item: l.sku, qty: String(l.qty), price: moneyInput(l.price),
    discount: l.discount ? moneyInput(l.discount) : "",
  }));
}

/** What the screen holds, typed. */
export interface TypedOrder {
  /** The draft edited (its number), empty for a new order. */
  number: string;
  kind: OrderKind;
  party: string;
  warehouse: string;
  note: string;
  lines: DraftLine[];
  /** The order's version when the form was filled (none for a new order). */
  version: string | null;
}

/** The form the book reads, for a save (`submit` too) or a preview. */
export function orderForm(typed: TypedOrder, submit: boolean): OrderForm {
  const lines: LineForm[] = typed.lines.map((l) => ({
    id: l.id ?? null, item: l.item, qty: l.qty, price: l.price, discount: l.discount,
  }));
  return {
    order: typed.number || null, kind: typed.kind, party: typed.party, warehouse: typed.warehouse,
    note: typed.note, lines, submit, version: typed.version,
  };
}
