/** Small cases worked by hand (the arithmetic is in the comments). */
import { describe, expect, it } from "vitest";
import {
  ewmaCovariance,
  hrpWeights,
  leafOrder,
  ledoitWolf,
  linkage,
  minVarianceClosedForm,
  optimizePortfolio,
  rebalance,
  riskParityWeights,
  sampleCovariance,
  volatilityTarget,
} from "../../../src/quant/portfolio/index.ts";

const near = (a: ArrayLike<number>, b: number[], tol = 1e-12) =>
  b.forEach((v, i) => expect(Math.abs(a[i] - v)).toBeLessThan(tol));

describe("min variance", () => {
  it("minVarianceClosedForm(2×2) is Σ⁻¹1 / 1ᵀΣ⁻¹1", () => {
    // Σ = [[.04, .006], [.006, .09]]; Σ⁻¹ ∝ [[.09, −.006], [−.006, .04]]; row sums .084, .034
    // ⇒ w = (.084, .034)/.118 = (42/59, 17/59).
    near(minVarianceClosedForm(Float64Array.of(0.04, 0.006, 0.006, 0.09), 2)!, [42 / 59, 17 / 59]);
  });
  it("minVarianceClosedForm(diagonal 3×3) is inverse-variance", () => {
    // Σ = diag(1, 2, 4) ⇒ w ∝ (1, 1/2, 1/4) = (4/7, 2/7, 1/7).
    near(minVarianceClosedForm(Float64Array.of(1, 0, 0, 0, 2, 0, 0, 0, 4), 3)!, [4 / 7, 2 / 7, 1 / 7]);
  });
  it("the long-short optimizer equals the closed form; long-only zeroes the short leg", () => {
    // Σ = [[1, .9, 0], [.9, 1, 0], [0, 0, 1]] ⇒ Σ⁻¹1 = (1/1.9, 1/1.9, 1) ⇒ w = (10, 10, 19)/39 (no shorts).
    // With Σ_01 = .9, σ_1 = 2: Σ = [[1, 1.8], [1.8, 4]], Σ⁻¹1 ∝ (4 − 1.8, 1 − 1.8) = (2.2, −.8) ⇒ w = (11/7, −4/7);
    // long-only: w = (1, 0) (variance 1 < any mix, since ∂/∂w1 of the variance at (1, 0) is 2(1.8 − 1) > 0).
    const cov3 = Float64Array.of(1, 0.9, 0, 0.9, 1, 0, 0, 0, 1);
    near(optimizePortfolio("min_variance", cov3, { constraints: { longOnly: false } }).weights, [
      10 / 39,
      10 / 39,
      19 / 39,
    ]);
    const cov2 = Float64Array.of(1, 1.8, 1.8, 4);
    near(optimizePortfolio("min_variance", cov2, { constraints: { longOnly: false } }).weights, [11 / 7, -4 / 7]);
    near(optimizePortfolio("min_variance", cov2).weights, [1, 0]);
  });
  it("a cap binds and the excess goes where variance is lowest", () => {
    // Σ = diag(1, 2, 4): unconstrained (4/7, 2/7, 1/7); cap .5 ⇒ w0 = .5 and the rest, .5, split
    // as min-variance of diag(2, 4): (2/3, 1/3) ⇒ (.5, 1/3, 1/6).
    near(
      optimizePortfolio("min_variance", Float64Array.of(1, 0, 0, 0, 2, 0, 0, 0, 4), { constraints: { maxWeight: 0.5 } })
        .weights,
      [0.5, 1 / 3, 1 / 6],
      1e-10,
    );
  });
});

describe("max Sharpe, Kelly, risk parity", () => {
  it("unconstrained tangency is Σ⁻¹μ normalized", () => {
    // Σ⁻¹μ ∝ [[.09, −.006], [−.006, .04]]·(.1, .15) = (.0081, .0054) ⇒ (.6, .4).
    const cov = Float64Array.of(0.04, 0.006, 0.006, 0.09);
    near(
      optimizePortfolio("max_sharpe", cov, { expectedReturns: [0.1, 0.15], constraints: { longOnly: false } }).weights,
      [0.6, 0.4],
    );
    near(optimizePortfolio("max_sharpe", cov, { expectedReturns: [0.1, 0.15] }).weights, [0.6, 0.4], 1e-9);
  });
  it("Kelly with a leverage cap solves the KKT system by hand", () => {
    // Σ = diag(.04, .09), μ = (.08, .09), full Kelly: Σ⁻¹μ = (2, 1), gross 3 > 1.5. With w1 + w2 ≤ 1.5:
    // .04 w1 − .08 + λ = 0, .09 w2 − .09 + λ = 0, w1 + w2 = 1.5 ⇒ λ = 13.5/325 ⇒ w = (25/26, 7/13).
    const cov = Float64Array.of(0.04, 0, 0, 0.09);
    const res = optimizePortfolio("kelly", cov, { expectedReturns: [0.08, 0.09], kellyFraction: 1, maxLeverage: 1.5 });
    near(res.weights, [25 / 26, 7 / 13], 1e-10);
    // Half Kelly, no binding cap: (1, .5).
    near(
      optimizePortfolio("kelly", cov, { expectedReturns: [0.08, 0.09], kellyFraction: 0.5, maxLeverage: 2 }).weights,
      [1, 0.5],
      1e-10,
    );
  });
  it("risk parity of two assets is inverse volatility whatever the correlation", () => {
    // RC_i = w_i (Σw)_i equal for n = 2 ⇔ w1²σ1² = w2²σ2² ⇒ w ∝ 1/σ = (1/.2, 1/.3) ⇒ (.6, .4).
    const res = riskParityWeights(Float64Array.of(0.04, 0.03, 0.03, 0.09), 2);
    if (typeof res === "string") throw new Error(res);
    expect(res.converged).toBe(true);
    near(res.weights, [0.6, 0.4], 1e-10);
  });
});

describe("HRP and linkage", () => {
  it("hrpWeights on 4 assets, worked by hand", () => {
    // σ = (1, 2, 1, 1); ρ01 = .8, ρ23 = .6, other ρ = 0.
    // Distances √((1−ρ)/2): d01 = √.1, d23 = √.2, cross √.5 ⇒ merges (0,1), (2,3), then both ⇒ order 0 1 2 3.
    // Bisection [0,1] | [2,3]: IVP of [0,1]: w = (1, 1/4)/1.25 = (.8, .2), V = .64 + .2²·4 + 2·.8·.2·1.6 = 1.312;
    // IVP of [2,3]: (.5, .5), V = .25 + .25 + 2·.25·.6 = .8. α = 1 − 1.312/2.112 = 25/66 left, 41/66 right.
    // Then [0] | [1]: α = 1 − 1/(1+4) = .8 ⇒ w0 = 20/66, w1 = 5/66; [2] | [3]: equal ⇒ 20.5/66 each.
    const cov = Float64Array.of(1, 1.6, 0, 0, 1.6, 4, 0, 0, 0, 0, 1, 0.6, 0, 0, 0.6, 1);
    const h = hrpWeights(cov, 4);
    if (typeof h === "string") throw new Error(h);
    expect(h.order).toEqual([0, 1, 2, 3]);
    near(h.weights, [20 / 66, 5 / 66, 20.5 / 66, 20.5 / 66]);
  });
  it("linkage on points 0, 1, 3, 7 (1-D Euclidean) for each method", () => {
    const x = [0, 1, 3, 7];
    const d = Float64Array.from({ length: 16 }, (_, k) => Math.abs(x[k >> 2] - x[k & 3]));
    const dists = (m: "single" | "complete" | "average" | "ward") => linkage(d, 4, m).map((z) => z.distance);
    // single: {0,1}@1, +2 @ min(3,2) = 2, +3 @ min(7,6,4) = 4.
    near(dists("single"), [1, 2, 4]);
    // complete: {0,1}@1, +2 @ max(3,2) = 3 (< d23 = 4), +3 @ 7.
    near(dists("complete"), [1, 3, 7]);
    // average: {0,1}@1, +2 @ (3+2)/2 = 2.5, +3 @ (7+6+4)/3.
    near(dists("average"), [1, 2.5, 17 / 3]);
    // ward: √(2 n_a n_b/(n_a+n_b))·|centroid gap|: 1; √(4/3)·2.5; √(6/4)·(7 − 4/3).
    near(dists("ward"), [1, Math.sqrt(4 / 3) * 2.5, Math.sqrt(1.5) * (17 / 3)]);
    const z = linkage(d, 4, "single");
    expect(z.map((m) => [m.a, m.b, m.size])).toEqual([
      [0, 1, 2],
      [2, 4, 3],
      [3, 5, 4],
    ]);
    expect(leafOrder(z, 4)).toEqual([3, 2, 0, 1]);
  });
});

describe("risk models", () => {
  it("ewmaCovariance with span 3 weights 1, .5, .25 back from the last return", () => {
    // x = (0, 0, 3): mean 1, squared deviations (1, 1, 4); α = 2/(3+1) = .5
    // ⇒ (4·1 + 1·.5 + 1·.25)/1.75 = 4.75/1.75.
    expect(ewmaCovariance([Float64Array.of(0, 0, 3)], { span: 3, periodsPerYear: 1 })[0]).toBeCloseTo(4.75 / 1.75, 14);
    // halfLife 1 ⇔ α = .5, the same weights.
    expect(ewmaCovariance([Float64Array.of(0, 0, 3)], { halfLife: 1, periodsPerYear: 1 })[0]).toBeCloseTo(
      4.75 / 1.75,
      14,
    );
  });
  it("ewmaCovariance tends to the ddof-0 sample covariance as span → ∞ (PyPortfolioOpt test_exp_cov_limits)", () => {
    const r = [Float64Array.of(0.01, -0.02, 0.03, 0.0, 0.015), Float64Array.of(0.02, 0.01, -0.01, 0.005, 0.0)];
    const e = ewmaCovariance(r, { span: 1e12, periodsPerYear: 1 });
    const s = sampleCovariance(r, { periodsPerYear: 1, ddof: 0 });
    near(e, Array.from(s), 1e-12);
  });
  it("ledoitWolf constant-correlation: δ in [0, 1] and the target has one correlation", () => {
    const r = [0, 1, 2, 3].map((j) =>
      Float64Array.from(
        { length: 60 },
        (_, t) => Math.sin(t * (j + 1) * 0.7) * 0.01 + Math.cos(t * 0.3) * 0.005 * (j % 2 ? 1 : -1),
      ),
    );
    const res = ledoitWolf(r, { target: "constant_correlation", periodsPerYear: 1 });
    expect(res.shrinkage).toBeGreaterThanOrEqual(0);
    expect(res.shrinkage).toBeLessThanOrEqual(1);
    const S = sampleCovariance(r, { periodsPerYear: 1, ddof: 0 });
    if (res.shrinkage > 0) {
      const F = res.covariance.map((v, k) => (v - (1 - res.shrinkage) * S[k]) / res.shrinkage);
      const corr = (i: number, j: number) => F[i * 4 + j] / Math.sqrt(F[i * 4 + i] * F[j * 4 + j]);
      for (const [i, j] of [
        [0, 2],
        [1, 3],
        [2, 3],
      ])
        expect(corr(i, j)).toBeCloseTo(corr(0, 1), 10);
    }
  });
});

describe("trading rules", () => {
  it("rebalance holds names inside the band and scales trades to the turnover cap", () => {
    // target − current = (.005, −.1, .095): the first is inside a .01 band ⇒ held.
    const r = rebalance([0.305, 0.2, 0.495], [0.3, 0.3, 0.4], { band: 0.01 });
    expect(r.held).toEqual([0]);
    near(r.weights, [0.3, 0.2, 0.495]);
    expect(r.netDrift).toBeCloseTo(-0.005, 15);
    // Turnover .195 capped at .0975 ⇒ half of each trade.
    const c = rebalance([0.305, 0.2, 0.495], [0.3, 0.3, 0.4], { band: 0.01, maxTurnover: 0.0975 });
    near(c.weights, [0.3, 0.25, 0.4475]);
    expect(c.turnover).toBeCloseTo(0.0975, 15);
  });
  it("volatilityTarget scales to the target unless leverage binds", () => {
    // σ_p of (.5, .5) under diag(.04, .04) = √(.02) ⇒ k = .1/√.02 = .7071.
    const cov = Float64Array.of(0.04, 0, 0, 0.04);
    const a = volatilityTarget([0.5, 0.5], cov, { targetVolatility: 0.1 });
    expect(a.scale).toBeCloseTo(0.1 / Math.sqrt(0.02), 14);
    expect(a.volatility).toBeCloseTo(0.1, 14);
    // Target .3 needs k = 2.12 > maxLeverage 1.5 / gross 1.
    const b = volatilityTarget([0.5, 0.5], cov, { targetVolatility: 0.3, maxLeverage: 1.5 });
    expect(b.scale).toBe(1.5);
    expect(b.leverageBound).toBe(true);
  });
});
