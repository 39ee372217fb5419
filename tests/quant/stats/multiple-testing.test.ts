/**
 * White's Reality Check (White 2000) and Hansen's SPA test (Hansen 2005) by simulation:
 * a planted edge is found (p ≈ 0), pure noise is not (p-values spread over [0, 1], rejections
 * near the nominal rate), and the p-values agree with the normal approximation of the bootstrap
 * mean (CLT) in the one-strategy case. The `arch` package's SPA tests compare it with itself
 * (no published p-values to reproduce), so the references here are the tests' definitions.
 */
import { describe, expect, it } from "vitest";
import { createRng, type Rng } from "../../../src/core/rng.ts";
import {
  normalCdf,
  optimalBlockLength,
  performanceDifferentials,
  realityCheck,
  spaTest,
  stationaryBootstrapVariance,
} from "../../../src/quant/stats/index.ts";

/** K columns of T i.i.d. normal returns, sd 1%, with the given daily means. */
function noise(rng: Rng, T: number, means: number[]): Float64Array[] {
  return means.map((m) => Float64Array.from({ length: T }, () => m + 0.01 * rng.normal()));
}

describe("realityCheck and spaTest with a planted edge", () => {
  it(
    "give p ≈ 0 when one of 50 strategies beats a noisy " + "benchmark by 0.3% a day (t ≈ 0.003/0.0141·√1000 ≈ 6.7)",
    () => {
      const rng = createRng(101);
      const T = 1000;
      const strategies = noise(rng, T, [...new Array(49).fill(0), 0.003]);
      const benchmark = Float64Array.from({ length: T }, () => 0.01 * rng.normal());
      const d = performanceDifferentials(strategies, benchmark);
      const rc = realityCheck(d, { rng: createRng(1), resamples: 500 });
      const spa = spaTest(d, { rng: createRng(1), resamples: 500 });
      expect(rc.best).toBe(49);
      expect(spa.best).toBe(49);
      expect(rc.pValue).toBeLessThan(0.01);
      expect(spa.pValues.upper).toBeLessThan(0.01);
      expect(spa.pValues.consistent).toBeLessThan(0.01);
    },
  );
  it("the SPA test keeps its power when many poor strategies are added; the Reality Check loses it", () => {
    // Hansen (2005)'s point: RC recentres every strategy at zero, so 200 clearly bad ones
    // (−0.3% a day) inflate its null distribution; the SPA (consistent) leaves them out.
    const rng = createRng(202);
    const T = 500;
    const good = noise(rng, T, [0.0011]);
    const bad = noise(rng, T, new Array(200).fill(-0.003)).map((c) => c.map((v) => v * 3)); // noisier as well
    const zero = new Float64Array(T);
    const d = performanceDifferentials([...good, ...bad], zero);
    const rc = realityCheck(d, { rng: createRng(3), resamples: 400, blockLength: 1 });
    const spa = spaTest(d, { rng: createRng(3), resamples: 400, blockLength: 1 });
    expect(spa.pValues.consistent).toBeLessThan(0.05);
    expect(rc.pValue).toBeGreaterThan(spa.pValues.consistent + 0.05);
  });
});

describe("realityCheck and spaTest on pure noise", () => {
  it("do not reject too often for 100 zero-mean strategies (40 simulated data sets, 10% level)", () => {
    const gen = createRng(303);
    const pRc: number[] = [],
      pC: number[] = [],
      pU: number[] = [];
    for (let s = 0; s < 40; s++) {
      const d = noise(gen, 250, new Array(100).fill(0));
      const rc = realityCheck(d, { rng: gen.fork(`rc${s}`), resamples: 200, blockLength: 1 });
      const spa = spaTest(d, { rng: gen.fork(`spa${s}`), resamples: 200, blockLength: 1 });
      pRc.push(rc.pValue);
      pC.push(spa.pValues.consistent);
      pU.push(spa.pValues.upper);
      expect(spa.pValues.lower).toBeLessThanOrEqual(spa.pValues.consistent);
      expect(spa.pValues.consistent).toBeLessThanOrEqual(spa.pValues.upper);
    }
    for (const [name, p] of [
      ["rc", pRc],
      ["consistent", pC],
      ["upper", pU],
    ] as const) {
      const rejections = p.filter((v) => v < 0.1).length; // expected 4 of 40 at the nominal size
      expect(rejections, name).toBeLessThanOrEqual(10); // P(Bin(40, 0.1) > 10) ≈ 0.002
      const belowHalf = p.filter((v) => v < 0.5).length / p.length; // uniform ⇒ 0.5
      expect(belowHalf, name).toBeGreaterThan(0.25);
      expect(belowHalf, name).toBeLessThan(0.75);
    }
  });
});

describe("one strategy: the bootstrap p-value is the CLT's 1 − Φ(√T·d̄/σ̂)", () => {
  const rng = createRng(404);
  const T = 400;
  const d = noise(rng, T, [0.0012]);
  const mean = d[0].reduce((a, b) => a + b, 0) / T;
  const sd = Math.sqrt(d[0].reduce((a, b) => a + (b - mean) ** 2, 0) / T);

  it("realityCheck with an i.i.d. bootstrap", () => {
    const rc = realityCheck(d, { rng: createRng(5), resamples: 20_000, blockLength: 1 });
    expect(rc.statistic).toBeCloseTo(Math.sqrt(T) * mean, 14);
    expect(Math.abs(rc.pValue - (1 - normalCdf((Math.sqrt(T) * mean) / sd)))).toBeLessThan(0.01);
  });
  it("spaTest: all three p-values coincide with the RC's when the mean is positive", () => {
    const rc = realityCheck(d, { rng: createRng(6), resamples: 5000, blockLength: 3 });
    const spa = spaTest(d, { rng: createRng(6), resamples: 5000, blockLength: 3 });
    expect(mean).toBeGreaterThan(0);
    expect(spa.pValues).toEqual({ lower: rc.pValue, consistent: rc.pValue, upper: rc.pValue });
    expect(spa.scales[0]).toBeCloseTo(Math.sqrt(stationaryBootstrapVariance(d[0], 3)), 15);
    expect(spa.statistic).toBeCloseTo((Math.sqrt(T) * mean) / spa.scales[0], 12);
  });
  it("spaTest is 1 (no evidence) when every strategy loses", () => {
    const losing = noise(createRng(7), 300, [-0.002, -0.003]);
    const spa = spaTest(losing, { rng: createRng(8), resamples: 200 });
    expect(spa.statistic).toBe(0);
    expect(spa.pValues.upper).toBe(1);
  });
});

describe("realityCheck / spaTest arguments", () => {
  it("default the block length to the columns' mean Politis–White length, and are deterministic", () => {
    const d = noise(createRng(9), 300, [0, 0.001, -0.001]).map((c) => {
      for (let t = 1; t < c.length; t++) c[t] += 0.5 * c[t - 1]; // some serial dependence
      return c;
    });
    const expected = d.reduce((a, c) => a + optimalBlockLength(c).stationary, 0) / 3;
    const a = spaTest(d, { rng: createRng(1), resamples: 100 });
    expect(a.blockLength).toBeCloseTo(Math.max(1, expected), 12);
    expect(spaTest(d, { rng: createRng(1), resamples: 100 })).toEqual(a);
  });
  it("reject ragged columns, NaN, a missing rng and misaligned benchmarks", () => {
    const rng = createRng(1);
    expect(() => realityCheck([new Float64Array(20), new Float64Array(19)], { rng })).toThrow(
      /column 1 has 19 values, column 0 has 20/,
    );
    expect(() => spaTest([Float64Array.from({ length: 20 }, (_, i) => (i === 4 ? NaN : 0))], { rng })).toThrow(
      /column 0, period 4 is NaN/,
    );
    expect(() => spaTest([new Float64Array(20)], {} as never)).toThrow(/opts\.rng is required/);
    expect(() => performanceDifferentials([[1, 2]], [1])).toThrow(/strategy 0 has 2 returns but the benchmark has 1/);
  });
});
