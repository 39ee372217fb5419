/**
 * Exact sign test. References: binomial tails by hand (C(n, i)/2ⁿ) and R's binom.test /
 * scipy.stats.binom for the larger cases (binom.sf(5099, 10000, 0.5) = 0.023292763852473225,
 * binom.cdf(30, 100, 0.5) = 3.925069822796835e-05, binom.sf(29, 100, 0.5) = 0.9999839199923521,
 * binom.sf(599, 1000, 0.5) = 1.3642320780329735e-10).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { binomialUpperTail, signTest } from "../../../src/quant/stats/index.ts";

const series = (pos: number, neg: number, zeros = 0) => [
  ...new Array(pos).fill(0.01),
  ...new Array(neg).fill(-0.01),
  ...new Array(zeros).fill(0),
];

describe("signTest", () => {
  it("7 positives of 10: P(X ≥ 7) = (120 + 45 + 10 + 1)/1024 = 0.171875, two-sided 0.34375 (binom.test(7, 10))", () => {
    const r = signTest(series(7, 3), { alternative: "greater" });
    expect(r).toMatchObject({ positives: 7, negatives: 3, zeros: 0, n: 10 });
    expect(r.pValue).toBeCloseTo(176 / 1024, 15);
    expect(signTest(series(7, 3)).pValue).toBeCloseTo(352 / 1024, 14);
    // P(X ≤ 7) = 1 − 56/1024
    expect(signTest(series(7, 3), { alternative: "less" }).pValue).toBeCloseTo(968 / 1024, 15);
  });
  it("15 positives of 20: P(X ≥ 15) = (15504 + 4845 + 1140 + 190 + 20 + 1)/2²⁰ = 21700/1048576", () => {
    expect(signTest(series(15, 5), { alternative: "greater" }).pValue).toBeCloseTo(21700 / 1048576, 16);
    expect(signTest(series(15, 5)).pValue).toBeCloseTo(43400 / 1048576, 16);
  });
  it("drops zero and NaN returns", () => {
    const r = signTest([...series(7, 3, 4), NaN], { alternative: "greater" });
    expect(r).toMatchObject({ positives: 7, negatives: 3, zeros: 4, n: 10 });
    expect(r.pValue).toBeCloseTo(176 / 1024, 15);
    expect(signTest([0, 0, NaN]).pValue).toBe(1);
  });
  it("is 1 two-sided at the centre and matches scipy in large samples and far tails", () => {
    expect(signTest(series(5, 5)).pValue).toBe(1);
    expect(signTest(series(5100, 4900), { alternative: "greater" }).pValue / 0.023292763852473225 - 1).toBeCloseTo(
      0,
      13,
    );
    // binom.sf(29, 100, 0.5)
    expect(signTest(series(30, 70), { alternative: "greater" }).pValue).toBeCloseTo(0.9999839199923521, 14);
    expect(signTest(series(30, 70), { alternative: "less" }).pValue / 3.925069822796835e-5 - 1).toBeCloseTo(0, 13);
    expect(binomialUpperTail(1000, 600) / 1.3642320780329735e-10 - 1).toBeCloseTo(0, 13);
  });
  it("tails sum to one and the two-sided p is symmetric (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, u) => {
        const k = Math.floor(u * (n + 1)) % (n + 1);
        const upper = binomialUpperTail(n, k),
          lowerPlus = binomialUpperTail(n, k + 1);
        const pmfK = upper - lowerPlus;
        return (
          Math.abs(upper + (1 - lowerPlus) - 1 - pmfK) < 1e-12 &&
          signTest(series(k, n - k)).pValue === signTest(series(n - k, k)).pValue
        );
      }),
    );
  });
  it("rejects an unknown alternative", () => {
    expect(() => signTest([0.1], { alternative: "bigger" as never })).toThrow(
      /alternative must be "two-sided", "greater" or "less", got "bigger"/,
    );
  });
});
