/**
 * Rebalance schedules against the calendar of JavaScript's Date (an independent
 * implementation of the proleptic Gregorian calendar).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { rebalanceRows } from "../../../src/quant/backtest/index.ts";

const DAY = 86_400_000;
/** Weekdays from `start` (UTC ISO date) for `n` calendar days, as epoch days. */
function businessDays(start: string, n: number): Int32Array {
  const d0 = Date.parse(start) / DAY;
  const out: number[] = [];
  for (let d = d0; d < d0 + n; d++) {
    const wd = new Date(d * DAY).getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d);
  }
  return Int32Array.from(out);
}
const iso = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);

describe("rebalanceRows", () => {
  const days = businessDays("2024-01-01", 75); // Mon 2024-01-01 … Fri 2024-03-15

  it("weekly, last: every Friday, plus the last row", () => {
    const rows = rebalanceRows(days, "weekly");
    expect(Array.from(rows, (t) => iso(days[t])).slice(0, 3)).toEqual(["2024-01-05", "2024-01-12", "2024-01-19"]);
    expect(
      Array.from(rows)
        .slice(0, -1)
        .every((t) => new Date(days[t] * DAY).getUTCDay() === 5),
    ).toBe(true);
    expect(rows[rows.length - 1]).toBe(days.length - 1);
  });

  it("weekly, first: every Monday", () => {
    const rows = rebalanceRows(days, "weekly", { anchor: "first" });
    expect(Array.from(rows).every((t) => new Date(days[t] * DAY).getUTCDay() === 1)).toBe(true);
    expect(rows.length).toBe(11);
  });

  it("monthly: last and first trading day of each month (2024: Jan 31 Wed, Feb 29 Thu)", () => {
    expect(Array.from(rebalanceRows(days, "monthly"), (t) => iso(days[t]))).toEqual([
      "2024-01-31",
      "2024-02-29",
      "2024-03-15",
    ]);
    expect(Array.from(rebalanceRows(days, "monthly", { anchor: "first" }), (t) => iso(days[t]))).toEqual([
      "2024-01-01",
      "2024-02-01",
      "2024-03-01",
    ]);
  });

  it("daily: every row", () => {
    expect(Array.from(rebalanceRows(days.subarray(0, 4), "daily"))).toEqual([0, 1, 2, 3]);
  });

  it("monthly rows match Date's month for any calendar, before and after 1970", () => {
    fc.assert(
      fc.property(fc.integer({ min: -200_000, max: 200_000 }), fc.integer({ min: 1, max: 9 }), (d0, step) => {
        const days = Int32Array.from({ length: 200 }, (_, k) => d0 + k * step);
        const month = (d: number) => {
          const x = new Date(d * DAY);
          return x.getUTCFullYear() * 12 + x.getUTCMonth();
        };
        const expected = Array.from(days.keys()).filter((t) => t === 0 || month(days[t]) !== month(days[t - 1]));
        expect(Array.from(rebalanceRows(days, "monthly", { anchor: "first" }))).toEqual(expected);
        const week = (d: number) => {
          const x = new Date(d * DAY);
          const dow = (x.getUTCDay() + 6) % 7;
          return d - dow;
        }; // Monday of d's week
        const expectedW = Array.from(days.keys()).filter(
          (t) => t === days.length - 1 || week(days[t]) !== week(days[t + 1]),
        );
        expect(Array.from(rebalanceRows(days, "weekly"))).toEqual(expectedW);
      }),
    );
  });

  it("refuses a calendar that is not strictly increasing", () => {
    expect(() => rebalanceRows(Int32Array.from([3, 3]), "weekly")).toThrow(/days\[1\] = 3 is not after days\[0\] = 3/);
  });
});
