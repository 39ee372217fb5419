/**
 * Walk-forward windows and summary (src/quant/validation/walk-forward.ts), against windows and
 * figures worked out by hand on a calendar.
 */
import { describe, expect, it } from "vitest";
import {
  addMonths,
  walkForwardSummary,
  walkForwardWindows,
  type WindowOutcome,
} from "../../../src/quant/validation/walk-forward.ts";

const DAY = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
const iso = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);
/** Weekdays from `a` to `b` inclusive. */
function weekdays(a: string, b: string): Int32Array {
  const out: number[] = [];
  for (let d = day(a); d <= day(b); d++) {
    const w = new Date(d * DAY).getUTCDay();
    if (w !== 0 && w !== 6) out.push(d);
  }
  return Int32Array.from(out);
}

describe("walk-forward windows", () => {
  const days = weekdays("2020-01-01", "2022-12-30");

  it("12 months of training, 6 of test, stepped by 6: four windows whose tests tile 2021–2022", () => {
    const w = walkForwardWindows(days, { train_months: 12, test_months: 6, step_months: 6 });
    // By hand: starts 2020-01-01, 2020-07-01, 2021-01-01, 2021-07-01; each test is the 6 months after
    // 12 of training; the 5th (test to 2023-07-01) runs past the data (last 2022-12-30).
    expect(w.map((x) => [x.trainStart, x.testStart, x.testEnd])).toEqual([
      ["2020-01-01", "2021-01-01", "2021-07-01"],
      ["2020-07-01", "2021-07-01", "2022-01-01"],
      ["2021-01-01", "2022-01-01", "2022-07-01"],
      ["2021-07-01", "2022-07-01", "2023-01-01"],
    ]);
    for (const x of w) {
      // Every test bar is after every training bar, and inside its calendar bounds.
      expect(days[x.train[1] - 1]).toBeLessThan(days[x.test[0]]);
      expect(iso(days[x.test[0]]) >= x.testStart).toBe(true);
      expect(iso(days[x.test[1] - 1]) < x.testEnd).toBe(true);
      expect(iso(days[x.train[0]]) >= x.trainStart).toBe(true);
    }
    // Consecutive test windows: each starts where the last ended, no bar twice.
    for (let k = 1; k < w.length; k++) expect(w[k].test[0]).toBe(w[k - 1].test[1]);
    expect(w[3].test[1]).toBe(days.length);
  });

  it("anchored: every training window starts at the first date and grows", () => {
    const w = walkForwardWindows(days, { train_months: 12, test_months: 6, anchored: true });
    expect(w.map((x) => x.trainStart)).toEqual(["2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01"]);
    expect(w.map((x) => x.train[0])).toEqual([0, 0, 0, 0]);
    expect(w.map((x) => x.train[1])).toEqual(w.map((x) => x.test[0]));
  });

  it("month arithmetic keeps the day of the month, or the month's last", () => {
    expect(iso(addMonths(day("2021-01-31"), 1))).toBe("2021-02-28");
    expect(iso(addMonths(day("2020-01-31"), 1))).toBe("2020-02-29");
    expect(iso(addMonths(day("2021-08-15"), 6))).toBe("2022-02-15");
  });

  it("bad months and unordered dates are clear errors", () => {
    expect(() => walkForwardWindows(days, { train_months: 0, test_months: 6 })).toThrow(/train_months = 0/);
    expect(() => walkForwardWindows(days, { train_months: 12, test_months: 1.5 })).toThrow(/test_months = 1.5/);
    expect(() => walkForwardWindows(Int32Array.of(5, 4), { train_months: 1, test_months: 1 })).toThrow(
      /dates must increase/,
    );
  });
});

describe("walk-forward summary", () => {
  const w = (
    p: number,
    trainR: number,
    testR: number,
    testSharpe: number,
    dd: number,
    trades: number,
  ): WindowOutcome => ({
    params: { fast: p, slow: 50 },
    trainSharpe: 1,
    trainReturn: trainR,
    testSharpe,
    testReturn: testR,
    testDrawdown: dd,
    testTrades: trades,
  });
  const windows = [w(10, 0.2, 0.1, 1.0, -0.05, 4), w(10, 0.1, 0.05, 0.5, -0.1, 6), w(20, 0.3, 0.15, 1.5, -0.03, 2)];

  it("efficiency, stability and the filters, by hand", () => {
    const s = walkForwardSummary(windows, {
      min_windows: 3,
      min_mean_sharpe: 0.5,
      max_sharpe_std: 1,
      max_mean_drawdown: -0.1,
      min_trades: 10,
    });
    // Efficiency = mean test return / mean training return = (0.30 / 3) / (0.60 / 3) = 0.5.
    expect(s.efficiency).toBeCloseTo(0.5, 12);
    expect(s.meanTestSharpe).toBeCloseTo(1.0, 12);
    // Sample deviation of 1.0, 0.5, 1.5 = 0.5.
    expect(s.testSharpeStd).toBeCloseTo(0.5, 12);
    expect(s.meanTestDrawdown).toBeCloseTo(-0.06, 12);
    expect(s.testTrades).toBe(12);
    expect(s.stability).toEqual({ fast: { distinct: 2, modeShare: 2 / 3 }, slow: { distinct: 1, modeShare: 1 } });
    expect(s.passes).toBe(true);
    const strict = walkForwardSummary(windows, {
      min_windows: 4,
      min_mean_sharpe: 1.2,
      max_sharpe_std: 0.4,
      max_mean_drawdown: -0.05,
      min_trades: 20,
    });
    expect(strict.passes).toBe(false);
    expect(strict.reasons).toEqual([
      "3 of 4 windows",
      "mean test Sharpe 1.00 < 1.2",
      "test Sharpe deviation 0.50 > 0.4",
      "mean test drawdown -6.0 % beyond -5.0 %",
      "12 test trades < 20",
    ]);
  });
});
