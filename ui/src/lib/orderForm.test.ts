import { describe, expect, it } from "vitest";
import { checkLines, emptyLine, lineAmount, orderTotal, parseQty } from "./orderForm";

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
