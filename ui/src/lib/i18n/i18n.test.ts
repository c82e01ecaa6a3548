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
