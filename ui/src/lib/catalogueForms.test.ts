import { describe, expect, it } from "vitest";
import type { Item, Party } from "./api";
import { itemFields, itemForm, partyFields, partyForm } from "./catalogueForms";

const tea: Item = { id: "i1", sku: "TEA", name: "Green tea", unit: "box", price: 3500, low_stock: 5, version: "AB" };
const acme: Party = { id: "p1", kind: "customer", name: "Acme", phone: "021", address: "", version: "CD" };

describe("catalogue forms", () => {
  it("fill an edit with the record as shown and send it whole with its version", () => {
    const typed = { ...itemFields(tea), price: "38.00" };
    expect(itemFields(tea)).toEqual({ sku: "TEA", name: "Green tea", unit: "box", price: "35.00", lowStock: "5" });
    expect(itemForm(typed, { sku: tea.sku, version: tea.version })).toEqual({
      item: "TEA", sku: "TEA", name: "Green tea", unit: "box", price: "38.00", low_stock: "5", version: "AB",
    });
    expect(partyForm("customer", { ...partyFields(acme), phone: "010-1" }, { id: acme.id, version: acme.version }))
      .toEqual({ party: "p1", kind: "customer", name: "Acme", phone: "010-1", address: "", version: "CD" });
  });

  it("send a new record without a key or version", () => {
    const form = itemForm({ sku: "CUP", name: "Cup", unit: "pcs", price: "9.9", lowStock: "" }, null);
    expect(form.item).toBeNull();
    expect(form.version).toBeNull();
  });
});
