import { describe, expect, it } from "vitest";
import { en } from "./en";
import { zh } from "./zh";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("catalogue", () => {
  it("has every key in both languages, none empty", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries({ ...en, ...zh })) {
      expect(text.trim(), key).not.toBe("");
    }
  });

  it("has the same placeholders in both languages", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("is translated: Chinese strings are not the English ones", () => {
    const same = (Object.keys(en) as (keyof typeof en)[]).filter(
      (k) => en[k] === zh[k] && /[a-z]{3}/i.test(en[k]) && !en[k].startsWith("/") && en[k] !== "SKU",
    );
    expect(same).toEqual([]);
  });
});

describe("catalogue use", () => {
  it("has no key the window never shows", () => {
    // Every source file of the window, as text (Vite reads them at test time).
    const files = import.meta.glob<string>(["../../**/*.svelte", "../../**/*.ts", "!../../**/*.test.ts", "!./*.ts"], {
      query: "?raw",
      import: "default",
      eager: true,
    });
    const source = Object.values(files).join("\n");
    expect(source).toContain("nav.orders");
    // Keys built at run time from a value: `status.${s}` and the like.
    const dynamic = ["status.", "action.", "kind.", "role.", "tstatus.", "priority.", "stock.op.", "common.ago.", "field.", "exception.", "suggest.", "movement.", "chart.class."];
    const unused = Object.keys(en).filter(
      (k) => !source.includes(`"${k}"`) && !dynamic.some((d) => k.startsWith(d)),
    );
    expect(unused).toEqual([]);
  });
});
