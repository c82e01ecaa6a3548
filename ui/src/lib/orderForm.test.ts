import { describe, expect, it } from "vitest";
import { checkLines, emptyLine, lineAmount, lineSteps, orderTotal, parseQty } from "./orderForm";

describe("order form totals", () => {
  it("computes qty × price − discount per line in fen", () => {
    expect(lineAmount({ item: "TEA", qty: "3", price: "35.00", discount: "" })).toBe(10500);
    expect(lineAmount({ item: "TEA", qty: "1", price: "30", discount: "5.00" })).toBe(2500);
    expect(lineAmount({ item: "TEA", qty: "3", price: "0.29", discount: "" })).toBe(87);
  });

  it("totals the lines as they are typed, counting the incomplete ones", () => {
    const lines = [
      { item: "TEA", qty: "3", price: "35.00", discount: "" },
      { item: "CUP", qty: "2", price: "12.50", discount: "1" },
      { item: "MUG", qty: "x", price: "9", discount: "" },
      emptyLine(),
    ];
    lines[3] = { ...lines[3], qty: "" };
    expect(orderTotal(lines)).toEqual({ total: 10500 + 2400, invalid: 1 });
  });

  it("accepts whole positive quantities only", () => {
    expect(parseQty("12")).toBe(12);
    for (const bad of ["0", "-1", "1.5", "", "a"]) expect(parseQty(bad)).toBeNull();
  });
});

describe("lines sent on save", () => {
  it("skips untouched lines and names the first bad one by its number", () => {
    const good = { item: "TEA", qty: "2", price: "", discount: "" };
    expect(checkLines([good, emptyLine()])).toEqual({ lines: [{ item: "TEA", qty: 2, price: null, discount: 0 }] });
    expect(checkLines([good, { ...good, qty: "0" }, { ...good, item: "" }])).toEqual({ badLine: 2 });
    expect(checkLines([good, emptyLine(), { ...good, price: "1.234" }])).toEqual({ badLine: 3 });
    expect(checkLines([{ ...good, discount: "abc" }])).toEqual({ badLine: 1 });
  });
});

describe("saving lines onto a stored draft", () => {
  const stored = [
    { id: "a", sku: "TEA", qty: 2, price: 3500, discount: 0 },
    { id: "b", sku: "CUP", qty: 1, price: 1250, discount: 0 },
    { id: "c", sku: "MUG", qty: 1, price: 900, discount: 0 },
  ];

  it("sends nothing when nothing changed", () => {
    const same = stored.map((l) => ({ id: l.id, item: l.sku.toLowerCase(), qty: l.qty, price: l.price, discount: 0 }));
    expect(lineSteps(stored, same)).toEqual([]);
  });

  it("changes an item in place, removes dropped rows from the end and adds new ones", () => {
    const steps = lineSteps(stored, [
      { id: "a", item: "POT", qty: 2, price: 8800, discount: 0 },
      { id: "c", item: "MUG", qty: 3, price: null, discount: 0 },
      { item: "TEA", qty: 1, price: null, discount: 0 },
    ]);
    expect(steps).toEqual([
      { type: "set", line: 1, item: "POT", qty: null, price: 8800, discount: null },
      { type: "set", line: 3, item: null, qty: 3, price: null, discount: null },
      { type: "remove", line: 2 },
      { type: "add", item: "TEA", qty: 1, price: null, discount: 0 },
    ]);
  });
});
