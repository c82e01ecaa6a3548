import { describe, expect, it } from "vitest";
import { shownValue } from "./conflicts";
import { locale } from "./i18n.svelte";

describe("conflicted values", () => {
  it("reads as the person typed them, in their language", () => {
    locale.lang = "en";
    expect(shownValue("price", 123456)).toBe("¥1,234.56");
    expect(shownValue("note", "from the office")).toBe("from the office");
    expect(shownValue("due", null)).toBe("—");
    expect(shownValue("priority", "high")).toBe("High");
    expect(shownValue("low_stock", 5)).toBe("5");
    locale.lang = "zh";
    expect(shownValue("status", "done")).not.toBe("done");
    locale.lang = "en";
  });
});
