/**
 * Maximum-Sharpe (tangency) portfolio: max (μ − r_f)ᵀw / √(wᵀΣw) subject to Σw = net and the
 * constraints.
 *
 * Unconstrained: w ∝ Σ⁻¹(μ − r_f 1), scaled to Σw = net (valid when 1ᵀΣ⁻¹(μ − r_f) > 0).
 * Constrained: the homogenization of Cornuejols & Tütüncü (2007), Optimization Methods in
 * Finance, §8.2 — the method PyPortfolioOpt's `max_sharpe` uses: with y = κ·w, κ > 0,
 *   minimize yᵀΣy  s.t.  (μ − r_f)ᵀy = 1,  and every constraint aᵀw ≥ b written aᵀy ≥ (b/net)·1ᵀy,
 * a convex QP; then w = net · y / 1ᵀy. Fails (for the fallback) when no asset's expected return
 * exceeds r_f — the tangency portfolio does not exist.
 */
import { type ResolvedConstraints, inequalityRows, lift, liftCovariance, weightsOf } from "./constraints.ts";
import { invertSpd, type Matrix } from "./dense.ts";
import { covarianceProblem, isUnconstrained } from "./min-variance.ts";
import { solveQp, type LinearConstraint } from "./qp.ts";
import type { Attempt } from "./types.ts";

export function maxSharpeAttempt(
  mu: ArrayLike<number>,
  cov: Matrix,
  r: ResolvedConstraints,
  riskFreeRate = 0,
): Attempt {
  const n = r.n;
  const excess = new Float64Array(n);
  let anyPositive = false;
  for (let i = 0; i < n; i++) {
    excess[i] = mu[i] - riskFreeRate;
    if (!Number.isFinite(excess[i])) return { ok: false, reason: `expected return of asset ${i} is ${mu[i]}` };
    if (excess[i] > 1e-12) anyPositive = true; // a denormal edge is no edge: the QP would need y ~ 1/excess
  }
  if (!anyPositive)
    return {
      ok: false,
      reason:
        `no asset's expected return exceeds the risk-free rate ${riskFreeRate}; the tangency portfolio does ` +
        `not exist`,
    };
  if (r.net === 0) return { ok: false, reason: "max Sharpe needs a non-zero net exposure" };
  const problem = covarianceProblem(cov, n);
  if (problem) return { ok: false, reason: problem };
  if (isUnconstrained(r)) {
    const { inverse } = invertSpd(cov, n);
    const w = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v += inverse![i * n + j] * excess[j];
      w[i] = v;
      s += v;
    }
    if (!(s > 0))
      return {
        ok: false,
        reason: `1ᵀΣ⁻¹(μ − r_f) = ${s} ≤ 0: the unconstrained tangency portfolio has negative net exposure`,
      };
    for (let i = 0; i < n; i++) w[i] *= r.net / s;
    return { ok: true, weights: w, notes: [] };
  }
  const ones = lift(r, new Float64Array(n).fill(1));
  const rows: LinearConstraint[] = inequalityRows(r).map((row) => ({
    a: row.a.map((v, k) => v - (row.b / r.net) * ones[k]),
    b: 0,
    type: "ge",
  }));
  rows.push({ a: lift(r, excess), b: 1, type: "eq" });
  rows.push({ a: r.net > 0 ? ones : ones.map((v) => -v), b: 0, type: "ge" });
  const Q = liftCovariance(r, cov);
  const res = solveQp(Q, new Float64Array(ones.length), rows);
  if (res.status !== "optimal")
    return {
      ok: false,
      reason:
        `max-Sharpe quadratic program ${res.status.replace("_", " ")} (the constraints may leave no portfolio ` +
        `with positive excess return)`,
    };
  const y = weightsOf(r, res.x);
  let k = 0;
  for (let i = 0; i < n; i++) k += y[i];
  if (!(Math.abs(k) > 1e-300)) return { ok: false, reason: "max-Sharpe solution has zero net exposure" };
  for (let i = 0; i < n; i++) y[i] *= r.net / k;
  return { ok: true, weights: y, notes: [] };
}
