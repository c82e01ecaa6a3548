// Editing a catalogue item or a customer/supplier in place: the form's fields as the
// record stands, and what an edit changes. Only changed fields are sent: an unchanged
// field written again would become a conflict with another office's edit of it.
import type { Item, Party } from "./api";
import { moneyInput, parseMoney } from "./format";

/** An item's editable fields as typed. */
export interface ItemFields { name: string; price: string; lowStock: string }
/** A customer's or supplier's editable fields as typed. */
export interface PartyFields { name: string; phone: string; address: string }

/** The form for `it` before anything is typed. */
export function itemFields(it: Item): ItemFields {
  return { name: it.name, price: moneyInput(it.price), lowStock: String(it.low_stock) };
}

/** The form for `p` before anything is typed. */
export function partyFields(p: Party): PartyFields {
  return { name: p.name, phone: p.phone, address: p.address };
}

/** What `typed` changes on `it` (null: unchanged), or which field cannot be read. */
export type ItemChanges =
  | { name: string | null; price: number | null; lowStock: number | null }
  | { invalid: "price" | "lowStock" };

export function itemChanges(it: Item, typed: ItemFields): ItemChanges {
  const price = parseMoney(typed.price);
  if (price === null) return { invalid: "price" };
  if (!/^\d+$/.test(typed.lowStock.trim())) return { invalid: "lowStock" };
  const lowStock = Number.parseInt(typed.lowStock, 10);
  return {
    name: typed.name.trim() !== it.name ? typed.name : null,
    price: price !== it.price ? price : null,
    lowStock: lowStock !== it.low_stock ? lowStock : null,
  };
}

/** The fields of `p` that `typed` changes (trimmed, as the book stores them). */
export function partyChanges(p: Party, typed: PartyFields): Partial<PartyFields> {
  const stored = partyFields(p);
  const edit: Partial<PartyFields> = {};
  for (const field of ["name", "phone", "address"] as const) {
    if (typed[field].trim() !== stored[field]) edit[field] = typed[field];
  }
  return edit;
}
