/**
 * Small statistics helpers of src/quant/stats against hand computations and published worked
 * examples; invariants by property tests.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { deviation, mean, pearson, rank, spearman, variance } from "../../../src/quant/stats/index.ts";

// Anscombe (1973), "Graphs in statistical analysis", The American Statistician 27(1), data set I.
// Every set of the quartet has correlation 0.816 (Anscombe's Table 1 / Wikipedia "Anscombe's quartet").
const ANSCOMBE_X = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
const ANSCOMBE_Y1 = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];

// Wikipedia "Spearman's rank correlation coefficient", worked example: IQ vs hours of TV per
// week, ρ = −29/165 ≈ −0.175757 (no ties).
const IQ = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
const TV = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
/** Values on a 0.01 grid: affine maps of them keep distinct values distinct. */
const grid = fc.integer({ min: -100_000, max: 100_000 }).map((v) => v / 100);

describe("rank", () => {
  it("rank([10, 20, 20, 5, NaN, 20]) gives ties their average rank and leaves NaN unranked", () => {
    // by hand: 5 → 1, 10 → 2, the three 20s share ranks 3, 4, 5 → 4
    expect(Array.from(rank([10, 20, 20, 5, NaN, 20]))).toEqual([2, 4, 4, 1, NaN, 4]);
  });

  it("ranks of the finite values sum to n(n+1)/2 and preserve order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(finite, fc.constant(NaN), fc.integer({ min: 0, max: 3 })), { maxLength: 60 }),
        (xs) => {
          const r = rank(xs);
          const idx = xs.map((_, i) => i).filter((i) => Number.isFinite(xs[i]));
          const n = idx.length;
          expect(idx.reduce((s, i) => s + r[i], 0)).toBeCloseTo((n * (n + 1)) / 2, 9);
          for (const i of idx) for (const j of idx) if (xs[i] < xs[j]) expect(r[i]).toBeLessThan(r[j]);
          xs.forEach((x, i) => {
            if (!Number.isFinite(x)) expect(r[i]).toBeNaN();
          });
        },
      ),
    );
  });
});

describe("pearson", () => {
  it("pearson(x, y) = 11/√130 on a 4-point example computed by hand", () => {
    // x̄ = 2.5, ȳ = 5; Σdxdy = 11, Σdx² = 5, Σdy² = 26 ⇒ r = 11/√130 = 0.9647638212377322
    expect(pearson([1, 2, 3, 4], [2, 4, 5, 9])).toBeCloseTo(11 / Math.sqrt(130), 14);
  });

  it("pearson(Anscombe I) = 0.816 (Anscombe 1973)", () => {
    expect(Math.abs(pearson(ANSCOMBE_X, ANSCOMBE_Y1) - 0.816)).toBeLessThan(5e-4);
  });

  it("pearson is NaN for a constant sample or fewer than two pairs, and throws on unequal lengths", () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(pearson([1], [2])).toBeNaN();
    expect(() => pearson([1, 2], [1, 2, 3])).toThrow(/x has 2 values but y has 3/);
  });

  it("pearson is symmetric, in [−1, 1], and invariant to positive affine maps", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(grid, grid), { minLength: 3, maxLength: 40 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (pairs, s) => {
          const x = pairs.map((p) => p[0]),
            y = pairs.map((p) => p[1]);
          const r = pearson(x, y);
          fc.pre(Number.isFinite(r));
          expect(Math.abs(r)).toBeLessThanOrEqual(1);
          expect(pearson(y, x)).toBeCloseTo(r, 10);
          expect(
            pearson(
              x.map((v) => s * v + 3),
              y,
            ),
          ).toBeCloseTo(r, 6);
        },
      ),
    );
  });
});

describe("spearman", () => {
  it("spearman(IQ, TV hours) = −29/165 (Wikipedia worked example)", () => {
    expect(spearman(IQ, TV)).toBeCloseTo(-29 / 165, 14);
  });

  it("spearman with ties uses average ranks: 29/38 by hand", () => {
    // x = [1,2,2,3,4] → ranks [1, 2.5, 2.5, 4, 5]; y = [2,1,3,3,5] → ranks [2, 1, 3.5, 3.5, 5].
    // Centred on 3: Σdxdy = 2 + 1 − 0.25 + 0.5 + 4 = 7.25, Σdx² = Σdy² = 9.5 ⇒ ρ = 7.25/9.5 = 29/38.
    // (scipy.stats.spearmanr gives 0.7631578947368421 too.)
    expect(spearman([1, 2, 2, 3, 4], [2, 1, 3, 3, 5])).toBeCloseTo(29 / 38, 14);
  });

  it("spearman is unchanged by strictly increasing transforms of either sample", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), finite), { minLength: 3, maxLength: 40 }),
        (pairs) => {
          const x = pairs.map((p) => p[0]),
            y = pairs.map((p) => p[1]);
          const r = spearman(x, y);
          fc.pre(Number.isFinite(r));
          expect(
            spearman(
              x.map((v) => Math.exp(v / 10)),
              y.map((v) => v * 2),
            ),
          ).toBeCloseTo(r, 12);
        },
      ),
    );
  });
});

describe("mean, variance, deviation", () => {
  it("variance([2,4,4,4,5,5,7,9]) = 32/7 (sample), skipping NaN", () => {
    // mean 5, Σ(x − 5)² = 9+1+1+1+0+0+4+16 = 32, n − 1 = 7
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9, NaN])).toBe(5);
    expect(variance([2, 4, 4, 4, 5, NaN, 5, 7, 9])).toBeCloseTo(32 / 7, 14);
    expect(deviation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 14);
  });

  it("variance is NaN below two values; mean NaN with none", () => {
    expect(variance([3])).toBeNaN();
    expect(mean([NaN])).toBeNaN();
  });

  it("mean keeps small values next to a large offset (compensated sum)", () => {
    // 1e16 + 1 + 1 − 1e16: naive left-to-right summation loses both ones (ulp(1e16) = 2).
    expect(mean([1e16, 1, 1, -1e16])).toBe(0.5);
  });

  it("Welford variance agrees with the two-pass formula", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 2, maxLength: 50 }), (xs) => {
        const m = xs.reduce((a, b) => a + b, 0) / xs.length;
        const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
        expect(Math.abs(variance(xs) - v)).toBeLessThanOrEqual(1e-9 * Math.max(1, v));
      }),
    );
  });
});
