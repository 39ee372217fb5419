/**
 * Monte Carlo of returns by block resampling. Reference: a two-outcome case enumerated by hand,
 * exact compounding of a constant series, and the expectation of the log-equity of an i.i.d.
 * resample (h · mean log(1 + r)).
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { monteCarloReturns, optimalBlockLength } from "../../../src/quant/stats/index.ts";

describe("monteCarloReturns", () => {
  it("matches the enumerated distribution of two i.i.d. draws from {+10%, −10%}", () => {
    // Paths (prob. ¼ each): ++ → 1.21, DD 0; +− → 0.99, DD 0.99/1.1 − 1 = −10%; −+ → 0.99, DD −10%;
    // −− → 0.81, DD −19%. So P(W < 1) = ¾, P(W < 0.85) = ¼, P(DD < −15%) = ¼, median W = 0.99.
    const mc = monteCarloReturns([0.1, -0.1], {
      rng: createRng(1),
      blockLength: 1,
      horizon: 2,
      paths: 20_000,
      lossFractions: [0.15],
      quantiles: [0.5],
    });
    expect(Math.abs(mc.probabilityOfLoss - 0.75)).toBeLessThan(0.015); // binomial sd 0.003
    expect(Math.abs(mc.lossProbabilities[0].probability - 0.25)).toBeLessThan(0.015);
    expect(Math.abs(mc.drawdownProbabilities[0].probability - 0.25)).toBeLessThan(0.015);
    expect(mc.finalEquityQuantiles[0].value).toBeCloseTo(0.99, 12);
    expect(new Set(mc.finalEquity.map((v) => Math.round(v * 1e6)))).toEqual(new Set([810000, 990000, 1210000]));
    expect(mc.maxDrawdown[0]).toBeCloseTo(-0.19, 12);
    expect(mc.maxDrawdown[mc.paths - 1]).toBe(0);
  });
  it("compounds a constant series exactly: W = 1.001^500, no drawdown", () => {
    const mc = monteCarloReturns(new Float64Array(100).fill(0.001), { rng: createRng(2), horizon: 500, paths: 50 });
    for (const q of mc.finalEquityQuantiles) expect(q.value).toBeCloseTo(1.001 ** 500, 12);
    expect(mc.maxDrawdown.every((v) => v === 0)).toBe(true);
    expect(mc.probabilityOfLoss).toBe(0);
  });
  it("has E[log W] = h · mean(log(1 + r)) for the i.i.d. resample (seed 3)", () => {
    const rng = createRng(30);
    const r = Float64Array.from({ length: 500 }, () => 0.0003 + 0.012 * rng.normal());
    const mc = monteCarloReturns(r, { rng: createRng(3), blockLength: 1, horizon: 252, paths: 4000 });
    const logs = r.map((v) => Math.log1p(v));
    const m = logs.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - m) ** 2, 0) / r.length);
    const meanLogW = mc.finalEquity.reduce((a, w) => a + Math.log(w), 0) / mc.paths;
    expect(Math.abs(meanLogW - 252 * m)).toBeLessThan(4 * sd * Math.sqrt(252 / 4000)); // 4 Monte Carlo standard errors
  });
  it("is deterministic for a seed, sorts its outputs and uses the automatic block length by default", () => {
    const rng = createRng(40);
    let prev = 0;
    const r = Float64Array.from({ length: 300 }, () => (prev = 0.6 * prev + 0.01 * rng.normal()));
    const a = monteCarloReturns(r, { rng: createRng(4), paths: 200 });
    expect(monteCarloReturns(r, { rng: createRng(4), paths: 200 })).toEqual(a);
    expect(a.blockLength).toBe(Math.max(1, optimalBlockLength(r).stationary));
    expect(a.horizon).toBe(300);
    for (let i = 1; i < a.paths; i++) {
      expect(a.finalEquity[i]).toBeGreaterThanOrEqual(a.finalEquity[i - 1]);
      expect(a.maxDrawdown[i]).toBeGreaterThanOrEqual(a.maxDrawdown[i - 1]);
    }
    const q = a.maxDrawdownQuantiles.map((x) => x.value);
    expect(q[0]).toBeLessThan(q[4]); // p = 0.05 is the deep drawdown
    const c = monteCarloReturns(r, { rng: createRng(4), paths: 200, method: "circular" });
    expect(c.blockLength).toBe(Math.round(optimalBlockLength(r).circular));
  });
  it("rejects bad paths, horizons, quantiles and loss fractions", () => {
    const r = [0.01, -0.01, 0.02];
    const rng = createRng(1);
    expect(() => monteCarloReturns(r, { rng, blockLength: 1, paths: 0 })).toThrow(
      /paths must be a positive integer, got 0/,
    );
    expect(() => monteCarloReturns(r, { rng, blockLength: 1, horizon: 2.5 })).toThrow(
      /horizon must be a positive integer number of periods, got 2\.5/,
    );
    expect(() => monteCarloReturns(r, { rng, blockLength: 1, quantiles: [5] })).toThrow(
      /quantile 5 is not a probability/,
    );
    expect(() => monteCarloReturns(r, { rng, blockLength: 1, lossFractions: [20] })).toThrow(
      /loss fraction 20 is not in \[0, 1\][\s\S]*0\.2 for a 20% loss/,
    );
  });
});
