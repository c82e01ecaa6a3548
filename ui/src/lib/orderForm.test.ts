import { describe, expect, it } from "vitest";
import { emptyLine, linesOf, orderForm } from "./orderForm";

describe("the order form", () => {
  it("fills a stored order's lines as text, keeping their ids", () => {
    const rows = [{ no: 1, id: "l1", sku: "TEA", name: "Tea", qty: 3, price: 3500, discount: 0, amount: 10500 }];
    expect(linesOf(rows)).toEqual([{ id: "l1", item: "TEA", qty: "3", price: "35.00", discount: "" }]);
  });

  it("sends every field as typed, with the version it was filled from", () => {
    const typed = {
      number: "SH-A1-000001", kind: "sales" as const, party: "Acme", warehouse: "SH1", note: "",
      lines: [{ id: "l1", item: "TEA", qty: "2", price: "35.00", discount: "" }, emptyLine()],
      version: "ABCD",
    };
    const form = orderForm(typed, true);
    expect(form.order).toBe("SH-A1-000001");
    expect(form.submit).toBe(true);
    expect(form.version).toBe("ABCD");
    expect(form.lines).toEqual([
      { id: "l1", item: "TEA", qty: "2", price: "35.00", discount: "" },
      { id: null, item: "", qty: "1", price: "", discount: "" },
    ]);
    expect(orderForm({ ...typed, number: "", version: null }, false).order).toBeNull();
  });
});
