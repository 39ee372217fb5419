/** Degenerate inputs never throw: the chain falls back and says why. */
import { describe, expect, it } from "vitest";
import { optimizePortfolio, sampleCovariance } from "../../../src/quant/portfolio/index.ts";

const cov = Float64Array.of(0.04, 0.006, 0.006, 0.09);

describe("optimizePortfolio fallbacks", () => {
  it("max_sharpe with every expected return below the risk-free rate falls back to min_variance", () => {
    const res = optimizePortfolio("max_sharpe", cov, { expectedReturns: [-0.05, -0.02], riskFreeRate: 0.01 });
    expect(res.method).toBe("min_variance");
    expect(res.fallback).toEqual({
      from: "max_sharpe",
      reason: expect.stringMatching(/max_sharpe: .*risk-free rate 0\.01/),
    });
    expect(res.weights[0] + res.weights[1]).toBeCloseTo(1, 12);
  });

  it("more assets than observations: singular covariance ⇒ max_sharpe → min_variance → inverse_vol", () => {
    // 5 assets, 3 returns: rank ≤ 2.
    const r = [0, 1, 2, 3, 4].map((j) => Float64Array.of(0.01 * (j + 1), -0.02 + 0.003 * j, 0.015 - 0.001 * j * j));
    const S = sampleCovariance(r);
    const res = optimizePortfolio("max_sharpe", S, { expectedReturns: [0.1, 0.2, 0.1, 0.05, 0.3] });
    expect(res.method).toBe("inverse_vol");
    expect(res.fallback?.from).toBe("max_sharpe");
    expect(res.fallback?.reason).toMatch(
      /max_sharpe: covariance is not positive definite.*min_variance: covariance is not positive definite/,
    );
    const d = [0, 1, 2, 3, 4].map((i) => 1 / Math.sqrt(S[i * 5 + i]));
    const t = d.reduce((a, b) => a + b, 0);
    d.forEach((v, i) => expect(res.weights[i]).toBeCloseTo(v / t, 12));
  });

  it("a zero-variance asset and NaN covariance end at equal_weight", () => {
    const zero = Float64Array.of(0.04, 0, 0, 0);
    const a = optimizePortfolio("hrp", zero);
    expect(a.method).toBe("equal_weight");
    expect(a.fallback?.reason).toMatch(/hrp: asset 1 has variance 0.*inverse_vol: asset 1 has variance 0/);
    const b = optimizePortfolio("kelly", Float64Array.of(NaN, 0, 0, 0.04), { expectedReturns: [0.1, 0.1] });
    expect(b.method).toBe("equal_weight");
    expect(Array.from(b.weights)).toEqual([0.5, 0.5]);
  });

  it("missing expected returns are a fallback reason, not a crash", () => {
    const res = optimizePortfolio("max_sharpe", cov);
    expect(res.method).toBe("min_variance");
    expect(res.fallback?.reason).toBe("max_sharpe: max_sharpe needs expected returns");
  });

  it("caps that cannot reach the target invest what they can and note it", () => {
    const res = optimizePortfolio("equal_weight", cov, { constraints: { maxWeight: 0.3 } });
    expect(Array.from(res.weights).map((v) => +v.toFixed(12))).toEqual([0.3, 0.3]);
    expect(res.notes[0]).toMatch(/net exposure lowered from 1 to 0\.6/);
  });

  it("contract violations still throw StrataError", () => {
    expect(() => optimizePortfolio("max_sharpe", cov, { expectedReturns: [0.1] })).toThrow(
      /1 expected returns for a 2×2 covariance/,
    );
    expect(() => optimizePortfolio("nope" as never, cov)).toThrow(/unknown method 'nope'/);
    expect(() => optimizePortfolio("min_variance", cov, { constraints: { maxWeight: -1 } })).toThrow(
      /maxWeight must be > 0/,
    );
  });
});
