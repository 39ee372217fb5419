/**
 * Drawdowns against empyrical-reloaded `tests/test_stats.py::test_max_drawdown` (and quantopian/
 * empyrical's, same numbers) and a hand computation on Bacon (2008)'s 24 monthly returns.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { drawdownPeriods, drawdownSeries, maxDrawdown, maxDrawdownPeriod } from "../../../src/quant/stats/index.ts";
import { createRng } from "../../../src/core/rng.ts";
import { epochDay, readFixture } from "../../fixtures/stats/read-csv.ts";

const S9 = readFixture("empyrical_series9.csv");
const bacon = readFixture("bacon_2008_monthly_returns.csv").columns.portfolio;

describe("maxDrawdown", () => {
  it("matches test_max_drawdown", () => {
    const c = S9.columns;
    expect(maxDrawdown([])).toBeNaN();
    expect(maxDrawdown([0.01])).toBe(0);
    expect(maxDrawdown(c.simple_benchmark)).toBe(0);
    expect(maxDrawdown(c.mixed_returns)).toBeCloseTo(-0.1, 8);
    expect(maxDrawdown(c.positive_returns)).toBe(0);
    expect(maxDrawdown(c.negative_returns)).toBeCloseTo(-0.36590730349873601, 8);
    expect(maxDrawdown(c.all_negative_returns)).toBeCloseTo(-0.378589157, 8);
    expect(maxDrawdown([0.1, -0.1, 0.1])).toBeCloseTo(-0.1, 8); // udu_returns
  });
  it('from "first" does not count a first-period loss: all_negative_returns ⇒ 0.621411/0.98 − 1 (by hand)', () => {
    const r = S9.columns.all_negative_returns;
    const wealth = Array.from(r).reduce((w, x) => w * (1 + x), 1);
    expect(maxDrawdown(r, { from: "first" })).toBeCloseTo(wealth / 0.98 - 1, 14);
    expect(maxDrawdown(r, { from: "first" })).toBeCloseTo(-0.36590730349873601, 8); // the same losses after day 1
  });
  const returns = fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { minLength: 1, maxLength: 80 });
  it("is ≤ 0, and raising every return never deepens it (test_max_drawdown_translation, property)", () => {
    fc.assert(
      fc.property(returns, fc.double({ min: 0, max: 0.05, noNaN: true }), (r, c) => {
        const base = maxDrawdown(r),
          raised = maxDrawdown(r.map((x) => x + c));
        return base <= 0 && raised >= base - 1e-12;
      }),
    );
  });
  it("drawdownSeries is ≤ 0 everywhere and 0 at new highs (property)", () => {
    fc.assert(fc.property(returns, (r) => Array.from(drawdownSeries(r)).every((d) => d <= 0 && d >= -1)));
  });
});

describe("maxDrawdownPeriod", () => {
  it("locates mixed_returns' drawdown: peak index 7 (2000-02-06), trough 8 (2000-02-07), not recovered", () => {
    const dates = S9.dates.map(epochDay);
    const p = maxDrawdownPeriod(S9.columns.mixed_returns, { dates });
    expect(p).toMatchObject({ peak: 7, trough: 8, recovery: null, duration: 1, declineDuration: 1 });
    expect(p.maxDrawdown).toBeCloseTo(-0.1, 12);
    expect(p.peakDate).toBe(epochDay("2000-02-06"));
    expect(p.troughDate).toBe(epochDay("2000-02-07"));
    expect(p.recoveryDate).toBeNull();
  });
  it("udu_returns [10, −10, 10]%: peak 0, trough 1, not recovered (by hand 1.1·0.9·1.1 = 1.089 < 1.1)", () => {
    const p = maxDrawdownPeriod([0.1, -0.1, 0.1]);
    expect(p).toMatchObject({ peak: 0, trough: 1, recovery: null, duration: 2 });
    const q = maxDrawdownPeriod([0.1, -0.1, 0.2]); // 1.1·0.9·1.2 = 1.188 ≥ 1.1 ⇒ recovered at index 2
    expect(q).toMatchObject({ peak: 0, trough: 1, recovery: 2, duration: 2 });
  });
  it("a first-period loss has its peak at the starting value (index −1)", () => {
    const p = maxDrawdownPeriod([-0.02, -0.06, 0.2]);
    expect(p).toMatchObject({ peak: -1, trough: 1, recovery: 2 });
  });
  it("Bacon (2008): max drawdown months 14–18, by hand 0.963·0.939·1.017·0.951·0.978 − 1 = −0.1446730", () => {
    const p = maxDrawdownPeriod(bacon);
    expect(p.maxDrawdown).toBeCloseTo(0.963 * 0.939 * 1.017 * 0.951 * 0.978 - 1, 12);
    expect(p.maxDrawdown).toBeCloseTo(-0.144672955739218, 12);
    expect(p).toMatchObject({ peak: 12, trough: 17, recovery: null, duration: 11, declineDuration: 5 });
  });
});

describe("drawdownPeriods", () => {
  // Hand computation: wealth 1.1, 0.99, 0.891, 1.11375, 1.1694375, 0.93555, 1.216215; running
  // peak 1.1, 1.1, 1.1, 1.11375, 1.1694375, 1.1694375, 1.216215; drawdown 0, −0.1, −0.19, 0, 0,
  // −0.2, 0. Two spells: peak 0 → trough 2 (−19 %) → recovery 3; peak 4 → trough 5 (−20 %) → 6.
  const r = [0.1, -0.1, -0.1, 0.25, 0.05, -0.2, 0.3];

  it("finds each spell under water, deepest first, with peak, trough, recovery and length", () => {
    const p = drawdownPeriods(r);
    expect(p).toHaveLength(2);
    expect(p[0]).toMatchObject({ peak: 4, trough: 5, recovery: 6, length: 2 });
    expect(p[0].depth).toBeCloseTo(-0.2, 14);
    expect(p[1]).toMatchObject({ peak: 0, trough: 2, recovery: 3, length: 3 });
    expect(p[1].depth).toBeCloseTo(-0.19, 14);
    expect(drawdownPeriods(r, 1)).toHaveLength(1);
  });

  it("a loss on the first period starts at the start (peak −1); an open spell has no recovery", () => {
    const p = drawdownPeriods([-0.05, 0.02, -0.1]);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ peak: -1, trough: 2, recovery: null, length: 3 });
    // 0.95 · 1.02 · 0.9 − 1
    expect(p[0].depth).toBeCloseTo(0.95 * 1.02 * 0.9 - 1, 14);
    expect(drawdownPeriods([0.01, 0.02])).toEqual([]);
  });

  it("its deepest spell is the maximum drawdown", () => {
    const rng = createRng(5);
    const x = Array.from({ length: 500 }, () => 0.01 * rng.normal());
    expect(drawdownPeriods(x, 1)[0].depth).toBeCloseTo(maxDrawdown(x), 14);
  });
});
