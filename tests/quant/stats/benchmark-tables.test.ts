/**
 * alphaBeta, monthlyReturns, rollingSharpe and the tearsheet. Sources: empyrical-reloaded
 * `tests/test_stats.py` (test_alpha_beta, test_aggregate_returns, test_roll_sharpe_ratio) and the
 * older quantopian/empyrical `empyrical/tests/test_stats.py` (simple ×252 alpha, −8.306666666666668).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  alphaBeta,
  annualVolatility,
  cagr,
  deviation,
  maxDrawdown,
  monthlyReturns,
  rollingSharpe,
  sharpeRatio,
  tearsheet,
} from "../../../src/quant/stats/index.ts";
import { epochDay, readFixture } from "../../fixtures/stats/read-csv.ts";

const S9 = readFixture("empyrical_series9.csv");
const { mixed_returns: mixed, negative_returns: negative, simple_benchmark: simple } = S9.columns;

describe("alphaBeta", () => {
  it("mixed_returns vs negative_returns[1:] (aligned on dates) matches test_alpha_beta", () => {
    const bench = Float64Array.from(negative);
    bench[0] = NaN; // negative_returns[1:] has no 2000-01-30 row
    const ab = alphaBeta(mixed, bench);
    expect(ab.alpha).toBeCloseTo(-0.9997853834885004, 8);
    expect(ab.beta).toBeCloseTo(-0.71296296296296313, 8);
    // quantopian/empyrical (before compounding) published alpha = ᾱ·252 = −8.306666666666668.
    expect(alphaBeta(mixed, bench, { annualization: "simple" }).alpha).toBeCloseTo(-8.306666666666668, 8);
  });
  it("against itself (0, 1) and its negation (0, −1); NaN when too short", () => {
    const self = alphaBeta(mixed, mixed);
    expect(self.alpha).toBeCloseTo(0, 12);
    expect(self.beta).toBeCloseTo(1, 12);
    const neg = alphaBeta(
      mixed,
      mixed.map((x) => -x),
    );
    expect(neg.alpha).toBeCloseTo(0, 12);
    expect(neg.beta).toBeCloseTo(-1, 12);
    expect(alphaBeta([0.01], [0.01])).toEqual({ alpha: NaN, beta: NaN });
    expect(alphaBeta(mixed, S9.columns.flat_line_1).beta).toBeNaN(); // constant benchmark
  });
  it(
    "beta of 2·x on x is 2; shifting returns by c moves the per-period alpha by c (test_alpha_beta_translation, " +
      "property)",
    () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: 5, maxLength: 50 }),
          fc.double({ min: -0.002, max: 0.002, noNaN: true }),
          (b, c) => {
            const r = b.map((x, i) => 2 * x + 0.001 * Math.sin(i));
            // Well-conditioned benchmarks only: with Var(b) near rounding level beta is noise.
            if (!(deviation(b) > 1e-4)) return true;
            const base = alphaBeta(r, b),
              moved = alphaBeta(
                r.map((x) => x + c),
                b,
              );
            const daily = (a: number) => Math.pow(1 + a, 1 / 252) - 1;
            return (
              Math.abs(moved.beta - base.beta) < 1e-9 && Math.abs(daily(moved.alpha) - daily(base.alpha) - c) < 1e-9
            );
          },
        ),
      );
    },
  );
  it("throws on misaligned lengths, naming both", () => {
    expect(() => alphaBeta([0.1, 0.2], [0.1])).toThrow(/returns has 2 values but benchmark has 1/);
  });
});

describe("monthlyReturns", () => {
  it("simple_benchmark by month matches test_aggregate_returns: Jan 0.01, Feb 0.030301; year 0.04060401", () => {
    const rows = monthlyReturns(simple, S9.dates.map(epochDay));
    expect(rows).toHaveLength(1);
    expect(rows[0].year).toBe(2000);
    expect(rows[0].months[0]).toBeCloseTo(0.01, 12);
    expect(rows[0].months[1]).toBeCloseTo(0.03030099999999991, 12);
    expect(rows[0].months[2]).toBeNaN();
    expect(rows[0].total).toBeCloseTo(0.040604010000000024, 12);
  });
  it(
    "weekly_returns (Sundays from 2000-01-30) by month: [0, 0.0878912, −0.0450046], year 0.0389310917 " +
      "(test_aggregate_returns)",
    () => {
      const dates = Array.from({ length: 9 }, (_, i) => epochDay("2000-01-30") + 7 * i);
      const rows = monthlyReturns(S9.columns.mixed_returns_zero_first, dates);
      expect(Array.from(rows[0].months.slice(0, 3))).toEqual([
        expect.closeTo(0, 12),
        expect.closeTo(0.087891200000000058, 12),
        expect.closeTo(-0.04500459999999995, 12),
      ]);
      expect(rows[0].total).toBeCloseTo(0.038931091700480147, 12);
    },
  );
  it("splits years and sorts them", () => {
    const rows = monthlyReturns(
      [0.1, 0.2, -0.5],
      [epochDay("2021-01-05"), epochDay("2019-12-31"), epochDay("2021-01-06")],
    );
    expect(rows.map((r) => r.year)).toEqual([2019, 2021]);
    expect(rows[1].months[0]).toBeCloseTo(1.1 * 0.5 - 1, 14);
  });
});

describe("rollingSharpe", () => {
  it("matches test_roll_sharpe_ratio (window 6), row-aligned with NaN warm-up", () => {
    const neg = rollingSharpe(negative, 6);
    expect(Array.from(neg.slice(0, 5)).every(Number.isNaN)).toBe(true);
    [-18.09162052, -26.79897486, -26.69138263, -25.72298838].forEach((v, i) => expect(neg[5 + i]).toBeCloseTo(v, 8));
    const mix = rollingSharpe(mixed, 6);
    [7.57445259, 8.22784105, 8.22784105, -3.1374751].forEach((v, i) => expect(mix[5 + i]).toBeCloseTo(v, 7));
  });
  it("the last full window equals sharpeRatio of that window", () => {
    const r = readFixture("spy_2015_2019_daily_returns.csv").columns.SPY;
    const roll = rollingSharpe(r, 126);
    expect(roll[r.length - 1]).toBeCloseTo(sharpeRatio(r.subarray(r.length - 126)), 12);
  });
});

describe("tearsheet", () => {
  it("collects the metrics under their keys, equal to the single functions", () => {
    const t = tearsheet(mixed, { benchmark: mixed });
    expect(Object.keys(t)).toEqual([
      "total_return",
      "cagr",
      "annual_volatility",
      "sharpe",
      "sortino",
      "max_drawdown",
      "calmar",
      "omega",
      "tail_ratio",
      "skew",
      "kurtosis",
      "var_95",
      "cvar_95",
      "win_rate",
      "best_day",
      "worst_day",
      "alpha",
      "beta",
    ]);
    expect(t.cagr).toBeCloseTo(1.9135925373194231, 8);
    expect(t.annual_volatility).toBeCloseTo(0.9136465399704637, 8);
    expect(t.sharpe).toBeCloseTo(1.7238613961706866, 8);
    expect(t.sortino).toBeCloseTo(2.605531251673693, 8);
    expect(t.max_drawdown).toBeCloseTo(-0.1, 8);
    expect(t.calmar).toBeCloseTo(19.135925373194233, 8);
    expect(t.beta).toBeCloseTo(1, 12);
    expect(tearsheet(mixed)).not.toHaveProperty("alpha");
  });
  it("passes periodsPerYear and the risk-free rate through", () => {
    const spy = readFixture("spy_2015_2019_daily_returns.csv").columns.SPY;
    const t = tearsheet(spy, { periodsPerYear: 252, riskFree: 0.02, riskFreeBasis: "annual" });
    expect(t.sharpe).toBeCloseTo(sharpeRatio(spy, { riskFree: Math.pow(1.02, 1 / 252) - 1 }), 12);
    expect(t.cagr).toBeCloseTo(cagr(spy), 12);
    expect(t.annual_volatility).toBeCloseTo(annualVolatility(spy), 12);
    expect(t.max_drawdown).toBeCloseTo(maxDrawdown(spy), 12);
    expect(t.max_drawdown).toBeLessThanOrEqual(0);
  });
});
