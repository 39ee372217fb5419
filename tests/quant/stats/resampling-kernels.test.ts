/**
 * The one-pass resampling kernels of `bootstrapConfidenceIntervals`, `bootstrapDistribution`,
 * `monteCarloReturns` and the Reality Check / SPA bootstrap against an independent reference:
 * the resample indices drawn by `stationaryBootstrapIndices` / `circularBlockBootstrapIndices`
 * from the same seed, the resampled series built from them, and the library's own metrics
 * (`sharpeRatio`, `cagr`, `maxDrawdown`, `quantile`) — the computation the kernels fuse. The
 * kernels promise the same draws in the same order and the same running products, so CAGR,
 * final equity, max drawdown and the bootstrap means must match exactly; only the Sharpe ratio
 * (a one-pass sum of squares) may differ, by rounding.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createRng, type Rng } from "../../../src/core/rng.ts";
import {
  blockBootstrapIndices,
  bootstrapConfidenceIntervals,
  bootstrapDistribution,
  cagr,
  maxDrawdown,
  monteCarloReturns,
  quantile,
  sharpeRatio,
  stationaryBootstrapIndices,
} from "../../../src/quant/stats/index.ts";
import { differentialMatrix, forEachBootstrapMeans } from "../../../src/quant/stats/multiple-comparison.ts";

type Method = "stationary" | "circular";

/** The resamples, as index arrays drawn from `rng` exactly as the kernels document. */
function referenceResamples(
  x: Float64Array,
  method: Method,
  blockLength: number,
  count: number,
  rng: Rng,
  length = x.length,
): Float64Array[] {
  const out: Float64Array[] = [];
  for (let b = 0; b < count; b++) {
    const idx = blockBootstrapIndices(method, x.length, blockLength, { rng, length });
    out.push(Float64Array.from(idx, (i) => x[i]));
  }
  return out;
}

function referenceIntervals(
  x: Float64Array,
  method: Method,
  blockLength: number,
  resamples: number,
  seed: number,
  level = 0.95,
) {
  const samples = referenceResamples(x, method, blockLength, resamples, createRng(seed));
  const lo = (1 - level) / 2,
    hi = (1 + level) / 2;
  const ci = (values: number[]) => ({ lower: quantile(values, lo), upper: quantile(values, hi) });
  return {
    sharpe: ci(samples.map((s) => sharpeRatio(s))),
    cagr: ci(samples.map((s) => cagr(s))),
    maxDrawdown: ci(samples.map((s) => maxDrawdown(s))),
  };
}

/** Final equity Π(1 + r) and max drawdown min(W/peak − 1), peak from 1, of each path, sorted. */
function referenceMonteCarlo(
  x: Float64Array,
  method: Method,
  blockLength: number,
  paths: number,
  horizon: number,
  seed: number,
) {
  const samples = referenceResamples(x, method, blockLength, paths, createRng(seed), horizon);
  const finalEquity = Float64Array.from(samples, (s) => s.reduce((w, r) => w * (1 + r), 1)).sort();
  return { finalEquity, maxDrawdown: Float64Array.from(samples, (s) => maxDrawdown(s)).sort() };
}

function garch(n: number, seed: number, drift = 0.0004): Float64Array {
  const g = createRng(seed);
  let v = 0.01;
  return Float64Array.from({ length: n }, () => {
    v = Math.sqrt(0.000002 + 0.9 * v * v + 0.08 * (v * g.normal()) ** 2);
    return drift + v * g.studentT(4);
  });
}

/**
 * Sharpe tolerance. The kernel's mean is a plain running sum and its sum of squares a one-pass
 * sum about the resample's first value; `sharpeRatio` takes a compensated mean and a two-pass
 * deviation. Both are the exact values up to rounding: the mean within ~n·ε·mean|r| (absolute),
 * the variance within ~(1 + (k − m)²/σ²)·√n·ε (relative). At the bounds below (|SR| ≥ 0.02
 * annualized, so |m| ≳ 1e-5 against mean|r| ≈ 0.008, n = 1000) that is under 1e-9 relative;
 * observed ≤ 1.1e-14. Any indexing or draw-order mistake moves a bound by 1e-3 or more.
 */
const SHARPE_RTOL = 1e-9;
const close = (a: number, b: number, rtol: number) => Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b));

describe("bootstrapConfidenceIntervals: the fused kernel against index resampling and the library's metrics", () => {
  const x = garch(1000, 11);
  for (const [method, blockLength] of [
    ["stationary", 1],
    ["stationary", 4.7],
    ["circular", 1],
    ["circular", 7],
    ["circular", 999],
  ] as const) {
    it(`${method}, block length ${blockLength}: CAGR and max drawdown bounds exactly, Sharpe to rounding`, () => {
      const got = bootstrapConfidenceIntervals(x, { rng: createRng(5), method, blockLength, resamples: 300 });
      const ref = referenceIntervals(x, method, blockLength, 300, 5);
      expect(got.cagr.lower).toBe(ref.cagr.lower);
      expect(got.cagr.upper).toBe(ref.cagr.upper);
      expect(got.maxDrawdown.lower).toBe(ref.maxDrawdown.lower);
      expect(got.maxDrawdown.upper).toBe(ref.maxDrawdown.upper);
      expect(close(got.sharpe.lower, ref.sharpe.lower, SHARPE_RTOL), `${got.sharpe.lower} vs ${ref.sharpe.lower}`).toBe(
        true,
      );
      expect(close(got.sharpe.upper, ref.sharpe.upper, SHARPE_RTOL), `${got.sharpe.upper} vs ${ref.sharpe.upper}`).toBe(
        true,
      );
    });
  }
  it("matches with the automatic block length and a non-default level and periods per year", () => {
    const got = bootstrapConfidenceIntervals(x, { rng: createRng(8), resamples: 200, level: 0.8, periodsPerYear: 52 });
    const samples = referenceResamples(x, "stationary", got.blockLength, 200, createRng(8));
    const sh = samples.map((s) => sharpeRatio(s, { periodsPerYear: 52 })),
      cg = samples.map((s) => cagr(s, { periodsPerYear: 52 }));
    const lo = (1 - 0.8) / 2,
      hi = (1 + 0.8) / 2; // as the function forms them (lo is 0.09999999999999998)
    expect(got.cagr.lower).toBe(quantile(cg, lo));
    expect(got.cagr.upper).toBe(quantile(cg, hi));
    expect(close(got.sharpe.lower, quantile(sh, lo), SHARPE_RTOL)).toBe(true);
    expect(close(got.sharpe.upper, quantile(sh, hi), SHARPE_RTOL)).toBe(true);
  });
  it(
    "leaves a constant resample's Sharpe ratio out of the interval, " + "even when its rounded mean is not the value",
    () => {
      // Nine times 0.1 sums to 0.8999999999999999, so a two-pass deviation about that mean is a
      // spurious ~1e-17 and the Sharpe ratio a finite ~1e17: every resample of this series is
      // constant, so there is no Sharpe interval at all; the CAGR interval is exact.
      const flat = new Float64Array(9).fill(0.1);
      const ci = bootstrapConfidenceIntervals(flat, { rng: createRng(1), blockLength: 2, resamples: 50 });
      expect(ci.sharpe.lower).toBeNaN();
      expect(ci.sharpe.upper).toBeNaN();
      expect(ci.cagr.lower).toBe(cagr(flat));
      expect(ci.cagr.upper).toBe(cagr(flat));
      expect(ci.maxDrawdown.lower).toBe(0);
    },
  );
  it("a series with long flat runs: constant resamples drop out, the rest match the reference", () => {
    // Values exact in binary (multiples of 2⁻¹²), so the reference's constant resamples have an
    // exact mean, zero deviation and an infinite Sharpe ratio that `quantile` skips as well.
    const y = Float64Array.from({ length: 12 }, (_, i) => (i === 5 ? 2 ** -11 : i === 9 ? -(2 ** -12) : 2 ** -12));
    const got = bootstrapConfidenceIntervals(y, { rng: createRng(3), blockLength: 1, resamples: 2000 });
    const ref = referenceIntervals(y, "stationary", 1, 2000, 3);
    expect(close(got.sharpe.lower, ref.sharpe.lower, SHARPE_RTOL)).toBe(true);
    expect(close(got.sharpe.upper, ref.sharpe.upper, SHARPE_RTOL)).toBe(true);
    expect(got.maxDrawdown).toMatchObject(ref.maxDrawdown);
  });
});

describe("bootstrapDistribution: resamples built without an index buffer", () => {
  it("hands the statistic exactly the reference resamples, for both methods", () => {
    const x = garch(200, 2);
    for (const [method, blockLength] of [
      ["stationary", 3.3],
      ["circular", 6],
    ] as const) {
      const seen: Float64Array[] = [];
      bootstrapDistribution(
        x,
        (s) => {
          seen.push(s.slice());
          return 0;
        },
        { rng: createRng(4), method, blockLength, resamples: 40 },
      );
      expect(seen).toEqual(referenceResamples(x, method, blockLength, 40, createRng(4)));
    }
  });
});

describe("monteCarloReturns: the fused path kernel against index resampling", () => {
  const x = garch(500, 21, 0.0002);
  for (const [method, blockLength, horizon] of [
    ["stationary", 1, 500],
    ["stationary", 6.2, 1234],
    ["stationary", 2.5, 37],
    ["circular", 1, 500],
    ["circular", 9, 1234],
    ["circular", 20, 37],
    ["circular", 500, 1100],
  ] as const) {
    it(
      `${method}, block length ${blockLength}, horizon ${horizon}: every path's final equity and drawdown bit for ` +
        `bit`,
      () => {
        const got = monteCarloReturns(x, { rng: createRng(6), method, blockLength, horizon, paths: 300 });
        const ref = referenceMonteCarlo(
          x,
          method,
          method === "circular" ? Math.round(blockLength) : blockLength,
          300,
          horizon,
          6,
        );
        expect(got.finalEquity).toEqual(ref.finalEquity);
        expect(got.maxDrawdown).toEqual(ref.maxDrawdown);
      },
    );
  }
  it("finds the same drawdown as dividing every day on paths that revisit the same levels (property)", () => {
    // The kernel divides only below peak·(1 + low + slack). Returns drawn from a few values
    // whose products return to earlier levels up to an ulp (−10% then +1/9, 2× then −50%,
    // total losses) put many drawdowns within rounding of the running minimum.
    const values = [-0.1, 1 / 9, 0.05, -0.05, 1 / 19, 1, -0.5, -1, 0, 1e-17, -1e-17, -1.5];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...values), { minLength: 2, maxLength: 40 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom<Method>("stationary", "circular"),
        fc.double({ min: 1, max: 8, noNaN: true }),
        (r, horizon, seed, method, block) => {
          const y = Float64Array.from(r);
          const blockLength = Math.min(block, y.length);
          const got = monteCarloReturns(y, { rng: createRng(seed), method, blockLength, horizon, paths: 20 });
          const ref = referenceMonteCarlo(
            y,
            method,
            method === "circular" ? Math.max(1, Math.round(blockLength)) : blockLength,
            20,
            horizon,
            seed,
          );
          expect(got.maxDrawdown).toEqual(ref.maxDrawdown);
          expect(got.finalEquity).toEqual(ref.finalEquity);
        },
      ),
      { numRuns: 300 },
    );
  });
  it(
    "bootstrapConfidenceIntervals' drawdown and CAGR bounds agree with the reference on the same adversarial paths " +
      "(property)",
    () => {
      const values = [-0.1, 1 / 9, 0.05, -0.05, 1 / 19, 1, -0.5, 1e-17, -1e-17];
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(...values), { minLength: 2, maxLength: 40 }),
          fc.integer({ min: 1, max: 1e6 }),
          fc.constantFrom<Method>("stationary", "circular"),
          (r, seed, method) => {
            const y = Float64Array.from(r);
            const got = bootstrapConfidenceIntervals(y, {
              rng: createRng(seed),
              method,
              blockLength: 2,
              resamples: 30,
            });
            const ref = referenceIntervals(y, method, 2, 30, seed);
            expect(got.maxDrawdown).toMatchObject(ref.maxDrawdown);
            expect(got.cagr).toMatchObject(ref.cagr);
          },
        ),
        { numRuns: 200 },
      );
    },
  );
});

describe("forEachBootstrapMeans: column sums over a column-major copy", () => {
  it("gives exactly the means of a row-by-row sweep over the same stationary-bootstrap rows (K = 1, 7, 8, 30)", () => {
    for (const K of [1, 7, 8, 30]) {
      const g = createRng(K);
      const T = 257;
      const columns = Array.from({ length: K }, () => Float64Array.from({ length: T }, () => 0.01 * g.normal()));
      const m = differentialMatrix(columns, { rng: createRng(1), resamples: 25, blockLength: 2.7 }, "test");
      const got: Float64Array[] = [];
      forEachBootstrapMeans(m, createRng(9), (star) => got.push(star.slice()));
      const rng = createRng(9);
      const want: Float64Array[] = [];
      for (let b = 0; b < 25; b++) {
        const idx = stationaryBootstrapIndices(T, 2.7, { rng });
        const sums = new Float64Array(K);
        for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) sums[k] += columns[k][idx[t]];
        want.push(sums.map((s) => s / T));
      }
      expect(got, `K = ${K}`).toEqual(want);
    }
  });
});
