import { describe, expect, it } from "vitest";
import { Latest } from "./live.svelte";

describe("overlapping reads", () => {
  it("show the newest answer even when an older one arrives last", async () => {
    const reads = new Latest();
    const shown: string[] = [];
    let finishOld: (v: string) => void = () => {};
    const old = new Promise<string>((resolve) => (finishOld = resolve));
    reads.run(old, (v) => shown.push(v), () => {});
    reads.run(Promise.resolve("after the merge"), (v) => shown.push(v), () => {});
    await Promise.resolve();
    finishOld("before the merge");
    await old;
    await Promise.resolve();
    expect(shown).toEqual(["after the merge"]);
  });

  it("drop an old failure too", async () => {
    const reads = new Latest();
    const errors: unknown[] = [];
    reads.run(Promise.reject(new Error("old")), () => {}, (e) => errors.push(e));
    reads.run(Promise.resolve(1), () => {}, (e) => errors.push(e));
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toEqual([]);
  });
});
