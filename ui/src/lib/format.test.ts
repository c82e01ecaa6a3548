import { describe, expect, it } from "vitest";
import { ago, backupDue, dayStartMs, formatDateTime, formatMoney, moneyInput, todayLocal } from "./format";

describe("money", () => {
  it("formats fen as yuan with separators", () => {
    expect(formatMoney(123456)).toBe("¥1,234.56");
    expect(formatMoney(0)).toBe("¥0.00");
    expect(formatMoney(5)).toBe("¥0.05");
    expect(formatMoney(-307)).toBe("-¥3.07");
    expect(formatMoney(100000000000)).toBe("¥1,000,000,000.00");
    expect(formatMoney(Number.MAX_SAFE_INTEGER)).toBe("¥90,071,992,547,409.91");
  });

  it("shows fen as the plain text an input edits", () => {
    expect(moneyInput(123456)).toBe("1234.56");
    expect(moneyInput(-307)).toBe("-3.07");
  });
});

describe("dates", () => {
  it("formats local date and time", () => {
    const d = new Date(2026, 10, 3, 9, 5);
    expect(formatDateTime(d.getTime())).toBe("2026-11-03 09:05");
    expect(todayLocal(d)).toBe("2026-11-03");
  });

  it("says how long ago, coarsely", () => {
    const now = 1_000_000_000;
    expect(ago(now - 5_000, now)).toEqual([5, "s"]);
    expect(ago(now - 120_000, now)).toEqual([2, "min"]);
    expect(ago(now - 3 * 3_600_000, now)).toEqual([3, "h"]);
    expect(ago(now - 2 * 86_400_000, now)).toEqual([2, "d"]);
    expect(ago(now + 10_000, now)).toEqual([0, "s"]);
  });
});

describe("date filters", () => {
  it("turn a local day into the instants that bound it", () => {
    const start = dayStartMs("2026-02-28");
    expect(start).toBe(new Date(2026, 1, 28).getTime());
    expect(dayStartMs("2026-02-28", true)).toBe(new Date(2026, 2, 1).getTime());
    expect(dayStartMs("2026-12-31", true)).toBe(new Date(2027, 0, 1).getTime());
  });

  it("refuse what is not a date", () => {
    expect(dayStartMs("")).toBeNull();
    expect(dayStartMs("2026-02-30")).toBeNull();
    expect(dayStartMs("12/02/2026")).toBeNull();
  });
});

describe("the backup reminder", () => {
  const now = Date.UTC(2026, 11, 2, 12);
  it("is due when nothing was ever backed up, or not for a week", () => {
    expect(backupDue(null, now)).toBe(true);
    expect(backupDue(now - 6 * 86_400_000, now)).toBe(false);
    expect(backupDue(now - 7 * 86_400_000, now)).toBe(true);
  });
});
