import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { activeReturnTest } from "../../../src/quant/stats/active-return-test.ts";
import { normalCdf } from "../../../src/quant/stats/normal-cdf.ts";

/** n values with mean exactly m and population sd exactly s (±s around m, alternating in pairs, shuffled). */
function series(n: number, m: number, s: number, seed: number): Float64Array {
  const x = Float64Array.from({ length: n }, (_, i) => m + (i % 2 === 0 ? s : -s));
  const rng = createRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [x[i], x[j]] = [x[j], x[i]];
  }
  return x;
}

describe("activeReturnTest", () => {
  it("with iid resampling (block 1) matches the normal approximation of the mean", () => {
    // ā / (σ/√n) = 2 with σ the population sd: the bootstrap mean has sd σ/√n, so
    // p ≈ 1 − Φ(2) = 0.02275 (Efron & Tibshirani 1993, the bootstrap of a mean). n = 400.
    const n = 400,
      s = 0.01,
      m = (2 * s) / Math.sqrt(n);
    const champ = new Float64Array(n);
    const r = activeReturnTest(series(n, m, s, 3), champ, { rng: createRng(1), resamples: 20000, blockLength: 1 });
    expect(r.meanActive).toBeCloseTo(m, 15);
    expect(r.p).toBeGreaterThan(1 - normalCdf(2) - 0.006);
    expect(r.p).toBeLessThan(1 - normalCdf(2) + 0.006);
    expect(r.confidence).toBeCloseTo(1 - r.p, 15);
  });

  it("is paired: what both books share cancels (same result with a common market added)", () => {
    const n = 250;
    const rng = createRng(5);
    const market = Float64Array.from({ length: n }, () => 0.02 * rng.normal());
    const champ = Float64Array.from({ length: n }, () => 0.001 * rng.normal());
    const chal = Float64Array.from(champ, (c) => c + 0.0004 + 0.001 * rng.normal());
    const plain = activeReturnTest(chal, champ, { rng: createRng(9) });
    const withMarket = activeReturnTest(
      Float64Array.from(chal, (c, t) => c + market[t]),
      Float64Array.from(champ, (c, t) => c + market[t]),
      { rng: createRng(9) },
    );
    expect(withMarket.p).toBeCloseTo(plain.p, 2);
    expect(plain.confidence).toBeGreaterThan(0.9);
  });

  it("a challenger equal to the champion has no evidence (p = 1); a worse one neither", () => {
    const x = series(100, 0.001, 0.01, 2);
    expect(activeReturnTest(x, x, { rng: createRng(1), resamples: 200 }).p).toBe(1);
    const worse = Float64Array.from(x, (v) => v - 0.002);
    expect(activeReturnTest(worse, x, { rng: createRng(1), resamples: 200 }).p).toBeGreaterThan(0.99);
  });

  it("is deterministic for a seed, and refuses unaligned or short series", () => {
    const a = series(60, 0.0005, 0.01, 4),
      b = new Float64Array(60);
    const r1 = activeReturnTest(a, b, { rng: createRng(3) });
    const r2 = activeReturnTest(a, b, { rng: createRng(3) });
    expect(r1).toEqual(r2);
    expect(() => activeReturnTest(a, b.subarray(1), { rng: createRng(3) })).toThrow(/the same days/);
    expect(() => activeReturnTest(a.subarray(0, 5), b.subarray(0, 5), { rng: createRng(3) })).toThrow(/at least 10/);
  });
});
