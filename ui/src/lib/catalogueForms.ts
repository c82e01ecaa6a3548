// Filling the catalogue's forms: a record's fields as text to edit, and the form the book
// saves. The book works out what changed (against the version the form was filled from).
import type { Item, ItemForm, Party, PartyForm, PartyKind } from "./api";
import { moneyInput } from "./format";

/** An item's fields as typed. */
export interface ItemFields { sku: string; name: string; unit: string; price: string; lowStock: string }
/** A customer's or supplier's fields as typed. */
export interface PartyFields { name: string; phone: string; address: string }

/** The edit form for `it` before anything is typed. */
export function itemFields(it: Item): ItemFields {
  return { sku: it.sku, name: it.name, unit: it.unit, price: moneyInput(it.price), lowStock: String(it.low_stock) };
}

/** The edit form for `p` before anything is typed. */
export function partyFields(p: Party): PartyFields {
  return { name: p.name, phone: p.phone, address: p.address };
}

/** The item form to save: a new item when `editing` is null, else an edit of it. */
export function itemForm(typed: ItemFields, editing: { sku: string; version: string } | null): ItemForm {
  return {
    item: editing?.sku ?? null, sku: typed.sku, name: typed.name, unit: typed.unit,
    price: typed.price, low_stock: typed.lowStock, version: editing?.version ?? null,
  };
}

/** The party form to save: a new party when `editing` is null, else an edit of it. */
export function partyForm(kind: PartyKind, typed: PartyFields, editing: { id: string; version: string } | null): PartyForm {
  return { party: editing?.id ?? null, kind, ...typed, version: editing?.version ?? null };
}
