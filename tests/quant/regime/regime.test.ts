/**
 * Market regimes: point-in-time by construction (perturbing the future leaves the past states
 * unchanged), hand-checkable rules on synthetic series, and per-regime metrics on SPY 2015–2019
 * (fixture derived from PyPortfolioOpt's spy_prices.csv).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { marketRegimes, regimeMetrics } from "../../../src/quant/regime/index.ts";
import { deviation, tearsheet } from "../../../src/quant/stats/index.ts";
import { readFixture } from "../../fixtures/stats/read-csv.ts";

const spy = readFixture("spy_2015_2019_daily_returns.csv").columns.SPY;

describe("marketRegimes", () => {
  it("states up to t are unchanged when returns after t are perturbed (point in time, property)", () => {
    const base = marketRegimes(spy);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: spy.length - 2 }),
        fc.double({ min: -0.2, max: 0.2, noNaN: true }),
        (t, shock) => {
          const r = Float64Array.from(spy);
          for (let s = t + 1; s < r.length; s++) r[s] = r[s] * 3 + shock * Math.sin(s);
          const other = marketRegimes(r);
          for (let s = 0; s <= t; s++) {
            if (other.states[s] !== base.states[s]) return false;
            if (!Object.is(other.volPercentile[s], base.volPercentile[s])) return false;
          }
          return true;
        },
      ),
      { numRuns: 25 },
    );
  });
  it("computes vol, expanding percentile and trend as documented (hand check at one t)", () => {
    const { vol, volPercentile, trend, states } = marketRegimes(spy);
    const t = 700;
    expect(vol[t]).toBeCloseTo(deviation(spy.subarray(t - 62, t + 1)), 15);
    let le = 0,
      seen = 0;
    for (let s = 62; s <= t; s++) {
      seen++;
      if (vol[s] <= vol[t]) le++;
    }
    expect(volPercentile[t]).toBe(le / seen);
    expect(trend[t]).toBeCloseTo(Array.from(spy.subarray(t - 125, t + 1)).reduce((w, x) => w * (1 + x), 1) - 1, 12);
    const high = volPercentile[t] > 0.5;
    expect(states[t]).toBe(trend[t] < 0 && high ? "risk-off" : trend[t] > 0 && !high ? "risk-on" : "normal");
  });
  it("warm-up is null; a calm rise is risk-on and a turbulent fall risk-off", () => {
    // Rising with ever calmer swings (each new vol the lowest so far ⇒ percentile ≤ 0.5), then
    // falling with ever wilder swings (each new vol the highest so far ⇒ percentile 1).
    const calmUp = Array.from({ length: 300 }, (_, i) => 0.001 + 0.01 * (1 - i / 400) * (i % 2 ? 1 : -1));
    const stormDown = Array.from({ length: 100 }, (_, i) => -0.004 + 0.01 * (1 + i / 10) * (i % 2 ? 1 : -1));
    const { states } = marketRegimes([...calmUp, ...stormDown], { volWindow: 20, trendWindow: 40, minHistory: 20 });
    expect(states.slice(0, 38).every((s) => s === null)).toBe(true);
    expect(states[250]).toBe("risk-on");
    expect(states[399]).toBe("risk-off");
  });
  it("rejects bad windows naming the option", () => {
    expect(() => marketRegimes(spy, { volWindow: 1 })).toThrow(/volWindow must be an integer ≥ 2, got 1/);
  });
});

describe("regimeMetrics", () => {
  it("groups r_t under the state at t − 1 and applies the tearsheet to each group", () => {
    const { states } = marketRegimes(spy);
    const by = regimeMetrics(spy, states);
    const labelled = states.slice(0, -1).filter((s) => s !== null).length;
    expect(by["risk-off"].periods + by.normal.periods + by["risk-on"].periods).toBe(labelled);
    const idx: number[] = [];
    for (let t = 1; t < spy.length; t++) if (states[t - 1] === "risk-on") idx.push(t);
    expect(by["risk-on"].metrics).toEqual(tearsheet(Float64Array.from(idx, (t) => spy[t])));
    expect(by["risk-on"].fraction).toBeCloseTo(idx.length / labelled, 14);
    // Days after a turbulent downtrend are the volatile ones (SPY 2015–2019).
    expect(by["risk-off"].metrics!.annual_volatility).toBeGreaterThan(by["risk-on"].metrics!.annual_volatility);
  });
  it("lag 0 uses the same-day state; an empty group has null metrics", () => {
    const r = [0.01, -0.02, 0.03, 0.01];
    const by = regimeMetrics(r, ["risk-on", "risk-on", null, "normal"], { lag: 0 });
    expect(by["risk-on"].periods).toBe(2);
    expect(by.normal.periods).toBe(1);
    expect(by["risk-off"]).toEqual({ periods: 0, fraction: 0, metrics: null });
  });
});
