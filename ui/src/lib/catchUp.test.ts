import { describe, expect, it } from "vitest";
import { catchUp } from "./catchUp";

describe("catch-up progress", () => {
  it("grows as documents arrive and ends when none wait", () => {
    let c = catchUp(null, 4);
    expect(c).toEqual({ most: 4, done: 0 });
    c = catchUp(c, 3);
    expect(c).toEqual({ most: 4, done: 0.25 });
    c = catchUp(c, 1);
    expect(c?.done).toBe(0.75);
    expect(catchUp(c, 0)).toBeNull();
  });

  it("takes in documents that start waiting during a catch-up", () => {
    const c = catchUp(catchUp(null, 2), 5);
    expect(c).toEqual({ most: 5, done: 0 });
  });
});
