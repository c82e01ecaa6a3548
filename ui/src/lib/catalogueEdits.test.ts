import { describe, expect, it } from "vitest";
import type { Item, Party } from "./api";
import { itemChanges, itemFields, partyChanges, partyFields } from "./catalogueEdits";

const tea: Item = { id: "i1", sku: "TEA", name: "Green tea", unit: "box", price: 3500, low_stock: 5 };
const acme: Party = { id: "p1", kind: "customer", name: "Acme", phone: "021", address: "" };

describe("catalogue edits", () => {
  it("send only what changed", () => {
    expect(itemChanges(tea, { ...itemFields(tea), price: "38.00" })).toEqual({ name: null, price: 3800, lowStock: null });
    expect(itemChanges(tea, itemFields(tea))).toEqual({ name: null, price: null, lowStock: null });
    expect(partyChanges(acme, { ...partyFields(acme), phone: "010-1" })).toEqual({ phone: "010-1" });
    expect(partyChanges(acme, { ...partyFields(acme), name: " Acme " })).toEqual({});
  });

  it("name the field that cannot be read", () => {
    expect(itemChanges(tea, { ...itemFields(tea), price: "abc" })).toEqual({ invalid: "price" });
    expect(itemChanges(tea, { ...itemFields(tea), lowStock: "-1" })).toEqual({ invalid: "lowStock" });
  });
});
