/**
 * Block bootstraps, the automatic block length and bootstrap confidence intervals. Sources:
 * - optimalBlockLength: the Python `arch` package's test suite,
 *   arch/tests/bootstrap/test_block_length.py (bashtage/arch): an AR(1) series y_t = 0.3·y_{t−1} + e_t
 *   from numpy `RandomState(0).standard_normal(10100)`, first 100 values dropped, has optimal
 *   block lengths 13.635665 (stationary) and 15.60894 (circular), checked there at rtol 1e-4;
 * - the Patton–Politis–White (2009) correction makes circular/stationary = (2 / (4/3))^(1/3);
 * - Politis & Romano (1994), Lemma 1: the exact variance of a stationary-bootstrap mean.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createRng } from "../../../src/core/rng.ts";
import {
  bootstrapConfidenceIntervals,
  bootstrapDistribution,
  cagr,
  circularBlockBootstrapIndices,
  maxDrawdown,
  optimalBlockLength,
  sharpeRatio,
  stationaryBootstrapIndices,
  stationaryBootstrapVariance,
} from "../../../src/quant/stats/index.ts";
import { NumpyRandomState } from "./numpy-random-state.ts";

function ar1(phi: number, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const y = new Float64Array(n);
  let prev = 0;
  for (let i = 0; i < n + 50; i++) {
    prev = phi * prev + rng.normal();
    if (i >= 50) y[i - 50] = prev;
  }
  return y;
}

/** Number of t ≥ 1 where idx[t] is not idx[t − 1] + 1 (mod n): block starts after the first. */
function breaks(idx: Int32Array, n: number): number {
  let k = 0;
  for (let t = 1; t < idx.length; t++) if (idx[t] !== (idx[t - 1] + 1) % n) k++;
  return k;
}

describe("NumpyRandomState (test helper)", () => {
  it("reproduces numpy's RandomState(0) draws", () => {
    const rs = new NumpyRandomState(0);
    expect([rs.normal(), rs.normal(), rs.normal()]).toEqual([
      1.764052345967664, 0.4001572083672233, 0.9787379841057392,
    ]);
    const u = new NumpyRandomState(0);
    expect(u.double()).toBe(0.5488135039273248); // np.random.RandomState(0).random_sample()
  });
});

describe("optimalBlockLength", () => {
  it("reproduces arch's test_block_length: 13.635665 (stationary), 15.60894 (circular)", () => {
    const rs = new NumpyRandomState(0);
    const y = Float64Array.from({ length: 10100 }, () => rs.normal());
    for (let i = 1; i < y.length; i++) y[i] = 0.3 * y[i - 1] + y[i];
    const b = optimalBlockLength(y.subarray(100));
    expect(b.stationary).toBeCloseTo(13.635665, 5);
    expect(b.circular).toBeCloseTo(15.60894, 4);
  });
  it("has circular/stationary = 1.5^(1/3) (the 2009 correction's D_CB = 4/3·ĝ²) unless capped", () => {
    fc.assert(
      fc.property(fc.double({ min: -0.6, max: 0.8, noNaN: true }), fc.integer({ min: 1, max: 1e6 }), (phi, seed) => {
        const b = optimalBlockLength(ar1(phi, 400, seed));
        const cap = Math.ceil(Math.min(3 * Math.sqrt(400), 400 / 3));
        return b.circular >= cap || Math.abs(b.circular / b.stationary - Math.cbrt(1.5)) < 1e-12;
      }),
      { numRuns: 40 },
    );
  });
  it("grows with the dependence and is small for white noise", () => {
    const noise = optimalBlockLength(ar1(0, 2000, 1)).stationary;
    const weak = optimalBlockLength(ar1(0.3, 2000, 1)).stationary;
    const strong = optimalBlockLength(ar1(0.8, 2000, 1)).stationary;
    expect(noise).toBeLessThan(3);
    expect(weak).toBeGreaterThan(noise);
    expect(strong).toBeGreaterThan(weak);
    expect(strong).toBeLessThanOrEqual(Math.ceil(3 * Math.sqrt(2000)));
  });
  it("returns 1 for a constant series and rejects short or non-finite series", () => {
    expect(optimalBlockLength(new Float64Array(50).fill(0.01))).toEqual({ stationary: 1, circular: 1 });
    expect(() => optimalBlockLength([1, 2, 3, 4, 5, 6, 7, 8])).toThrow(/needs at least 9 values, got 8/);
    expect(() => optimalBlockLength([1, 2, NaN, 4, 5, 6, 7, 8, 9, 10])).toThrow(/value 2 is NaN/);
  });
});

describe("stationaryBootstrapIndices", () => {
  it("is deterministic for a seed, stays in range, and has geometric blocks of mean blockLength", () => {
    const a = stationaryBootstrapIndices(1000, 5, { rng: createRng(1), length: 200_000 });
    const b = stationaryBootstrapIndices(1000, 5, { rng: createRng(1), length: 200_000 });
    const c = stationaryBootstrapIndices(1000, 5, { rng: createRng(2), length: 200_000 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.reduce((m, v) => Math.min(m, v), Infinity)).toBe(0);
    expect(a.reduce((m, v) => Math.max(m, v), -Infinity)).toBe(999);
    // A new block starts with probability 1/5 (and lands on the successor with probability 1/1000).
    expect(breaks(a, 1000) / 199_999).toBeCloseTo(0.2 * (1 - 1 / 1000), 2);
  });
  it("with blockLength 1 is the i.i.d. bootstrap", () => {
    const idx = stationaryBootstrapIndices(10, 1, { rng: createRng(5), length: 100_000 });
    const counts = new Array(10).fill(0);
    for (const i of idx) counts[i]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500); // sd ≈ 95
    expect(breaks(idx, 10) / 99_999).toBeCloseTo(0.9, 2);
  });
  it("rejects a block length below 1 and a missing rng", () => {
    expect(() => stationaryBootstrapIndices(10, 0.5, { rng: createRng(1) })).toThrow(
      /blockLength must be a number ≥ 1, got 0\.5/,
    );
    expect(() => stationaryBootstrapIndices(10, 2, {} as never)).toThrow(/opts\.rng is required/);
  });
});

describe("circularBlockBootstrapIndices", () => {
  it("concatenates blocks of exactly blockLength consecutive indices, wrapping around", () => {
    const n = 7,
      b = 3;
    const idx = circularBlockBootstrapIndices(n, b, { rng: createRng(9), length: 3000 });
    for (let t = 0; t < idx.length; t++) if (t % b !== 0) expect(idx[t]).toBe((idx[t - 1] + 1) % n);
    const starts = new Set<number>();
    for (let t = 0; t < idx.length; t += b) starts.add(idx[t]);
    expect(starts.size).toBe(n); // every start (including ones that wrap: 5, 6) occurs
    expect(() => circularBlockBootstrapIndices(n, 2.5, { rng: createRng(1) })).toThrow(
      /must be an integer for the circular bootstrap/,
    );
  });
});

describe("stationaryBootstrapVariance", () => {
  it("is the population variance for blockLength 1 (by hand: [1, 2, 3, 4] ⇒ 1.25)", () => {
    expect(stationaryBootstrapVariance([1, 2, 3, 4], 1)).toBeCloseTo(1.25, 15);
  });
  it("equals the untruncated kernel sum of Politis & Romano's Lemma 1", () => {
    const x = ar1(0.5, 600, 4);
    const n = x.length,
      p = 1 / 8;
    const m = x.reduce((a, b) => a + b, 0) / n;
    const e = x.map((v) => v - m);
    let direct = e.reduce((a, v) => a + v * v, 0) / n;
    for (let i = 1; i < n; i++) {
      const k = (1 - i / n) * (1 - p) ** i + (i / n) * (1 - p) ** (n - i);
      let g = 0;
      for (let t = i; t < n; t++) g += e[t] * e[t - i];
      direct += (2 * k * g) / n;
    }
    expect(stationaryBootstrapVariance(x, 8)).toBeCloseTo(direct, 12);
  });
  it("matches the variance of √n·mean over stationary-bootstrap resamples (simulation, seed 21)", () => {
    const x = ar1(0.5, 200, 8);
    const n = x.length;
    const means = bootstrapDistribution(x, (s) => s.reduce((a, b) => a + b, 0) / n, {
      rng: createRng(21),
      blockLength: 6,
      resamples: 20_000,
    });
    const mm = means.reduce((a, b) => a + b, 0) / means.length;
    const mcVar = (n * means.reduce((a, b) => a + (b - mm) ** 2, 0)) / (means.length - 1);
    // sampling error of a variance from 20,000 draws ≈ 1%
    expect(mcVar / stationaryBootstrapVariance(x, 6)).toBeGreaterThan(0.95);
    expect(mcVar / stationaryBootstrapVariance(x, 6)).toBeLessThan(1.05);
  });
});

describe("bootstrapConfidenceIntervals", () => {
  const rng = createRng(17);
  const returns = Float64Array.from({ length: 756 }, () => 0.0004 + 0.01 * rng.normal());

  it("centres on the library's Sharpe, CAGR and max drawdown and is deterministic for a seed", () => {
    const a = bootstrapConfidenceIntervals(returns, { rng: createRng(1), resamples: 300 });
    expect(a.sharpe.estimate).toBeCloseTo(sharpeRatio(returns), 12);
    expect(a.cagr.estimate).toBeCloseTo(cagr(returns), 12);
    expect(a.maxDrawdown.estimate).toBeCloseTo(maxDrawdown(returns), 12);
    for (const k of ["sharpe", "cagr", "maxDrawdown"] as const) {
      expect(a[k].lower, k).toBeLessThan(a[k].upper);
    }
    expect(a.sharpe.lower).toBeLessThan(a.sharpe.estimate);
    expect(a.sharpe.upper).toBeGreaterThan(a.sharpe.estimate);
    expect(a.maxDrawdown.upper).toBeLessThanOrEqual(0);
    expect(bootstrapConfidenceIntervals(returns, { rng: createRng(1), resamples: 300 })).toEqual(a);
    expect(bootstrapConfidenceIntervals(returns, { rng: createRng(2), resamples: 300 }).sharpe.lower).not.toBe(
      a.sharpe.lower,
    );
  });
  it("widths follow the standard error: the Sharpe interval ≈ ±1.96·√((1 + SR²/2)/(n − 1))·√252", () => {
    const a = bootstrapConfidenceIntervals(returns, { rng: createRng(3), resamples: 2000, blockLength: 1 });
    const sr = a.sharpe.estimate / Math.sqrt(252);
    const se = Math.sqrt((1 + (sr * sr) / 2) / 755) * Math.sqrt(252);
    expect((a.sharpe.upper - a.sharpe.lower) / (2 * 1.959964 * se)).toBeGreaterThan(0.9);
    expect((a.sharpe.upper - a.sharpe.lower) / (2 * 1.959964 * se)).toBeLessThan(1.1);
  });
  it("covers the true Sharpe ratio close to the nominal 90% on simulated i.i.d. returns (200 samples, seed 29)", () => {
    // Normal returns with mean 0.0005 and sd 0.01: true annual Sharpe 0.05·√252 = 0.7937.
    const gen = createRng(29);
    const truth = 0.05 * Math.sqrt(252);
    let covered = 0;
    const reps = 200;
    for (let k = 0; k < reps; k++) {
      const r = Float64Array.from({ length: 500 }, () => 0.0005 + 0.01 * gen.normal());
      const ci = bootstrapConfidenceIntervals(r, { rng: gen.fork(k), resamples: 400, level: 0.9 });
      if (ci.sharpe.lower <= truth && truth <= ci.sharpe.upper) covered++;
    }
    expect(covered / reps).toBeGreaterThan(0.84); // binomial sd 0.021 around 0.90
    expect(covered / reps).toBeLessThan(0.96);
  });
  it("uses the automatic block length of its method, rounded for the circular bootstrap", () => {
    const y = ar1(0.6, 800, 12).map((v) => v * 0.01);
    const auto = optimalBlockLength(y);
    expect(bootstrapConfidenceIntervals(y, { rng: createRng(1), resamples: 10 }).blockLength).toBe(auto.stationary);
    const c = bootstrapConfidenceIntervals(y, { rng: createRng(1), resamples: 10, method: "circular" });
    expect(c.blockLength).toBe(Math.round(auto.circular));
    expect(c.method).toBe("circular");
  });
  it("rejects a missing rng, NaN returns, a bad level and a block longer than the series", () => {
    expect(() => bootstrapConfidenceIntervals(returns, {} as never)).toThrow(/opts\.rng is required/);
    expect(() => bootstrapConfidenceIntervals([0.01, NaN, 0.02], { rng: createRng(1), blockLength: 1 })).toThrow(
      /return 1 is NaN/,
    );
    expect(() => bootstrapConfidenceIntervals(returns, { rng: createRng(1), level: 95 })).toThrow(
      /level must be in \(0, 1\), got 95/,
    );
    expect(() => bootstrapConfidenceIntervals([0.01, 0.02, 0.03], { rng: createRng(1), blockLength: 5 })).toThrow(
      /between 1 and the series length 3, got 5/,
    );
  });
});
