import { describe, expect, it } from "vitest";
import { draftStep } from "./drafts";

describe("keeping drafts", () => {
  const empty = JSON.stringify({ lines: [] });
  const typed = JSON.stringify({ lines: [{ item: "TEA" }] });

  it("keeps what differs from the form's starting point, once", () => {
    expect(draftStep(typed, empty, null)).toBe("keep");
    expect(draftStep(typed, empty, typed)).toBe("none");
  });

  it("forgets a kept draft when the form is back where it started", () => {
    expect(draftStep(empty, empty, typed)).toBe("drop");
    expect(draftStep(empty, empty, null)).toBe("none");
  });
});
