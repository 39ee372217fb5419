/**
 * Fractional Kelly weights for jointly normal returns: the growth-optimal w* = Σ⁻¹(μ − r_f)
 * (Thorp 2006, "The Kelly criterion in blackjack, sports betting and the stock market",
 * Handbook of Asset and Liability Management, §7 eq. (7.6)), times `fraction` (default 0.5,
 * "half Kelly": full Kelly is notoriously sensitive to errors in μ).
 *
 * Constrained: maximize fraction·(μ − r_f)ᵀw − ½wᵀΣw (whose unconstrained optimum is the
 * formula above) subject to the position/sector/budget caps and gross exposure ≤ `maxLeverage`
 * (default: the gross cap, else 1). Kelly does not target a net exposure: its size is the bet.
 */
import { type ResolvedConstraints, inequalityRows, lift, liftCovariance, weightsOf } from "./constraints.ts";
import type { Matrix } from "./dense.ts";
import { covarianceProblem } from "./min-variance.ts";
import { solveQp } from "./qp.ts";
import type { Attempt } from "./types.ts";

export interface KellyOptions {
  fraction?: number;
  maxLeverage?: number;
  riskFreeRate?: number;
}

export function kellyAttempt(
  mu: ArrayLike<number>,
  cov: Matrix,
  r0: ResolvedConstraints,
  opts: KellyOptions = {},
): Attempt {
  const n = r0.n;
  const fraction = opts.fraction ?? 0.5;
  const lev = Math.min(opts.maxLeverage ?? (Number.isFinite(r0.gross) ? r0.gross : 1), r0.gross);
  const rf = opts.riskFreeRate ?? 0;
  const excess = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    excess[i] = mu[i] - rf;
    if (!Number.isFinite(excess[i])) return { ok: false, reason: `expected return of asset ${i} is ${mu[i]}` };
  }
  if (r0.longOnly && excess.every((v) => v <= 0))
    return {
      ok: false,
      reason: `no asset's expected return exceeds the risk-free rate ${rf}: long-only Kelly holds nothing`,
    };
  const problem = covarianceProblem(cov, n);
  if (problem) return { ok: false, reason: problem };
  // Gross ≤ leverage is a constraint of its own: split variables when long-short.
  const r: ResolvedConstraints = { ...r0, gross: lev, split: r0.split || !r0.longOnly };
  const Q = liftCovariance(r, cov);
  const c = lift(r, excess).map((v) => -fraction * v);
  const res = solveQp(Q, c, inequalityRows(r));
  if (res.status !== "optimal") return { ok: false, reason: `Kelly quadratic program ${res.status.replace("_", " ")}` };
  return { ok: true, weights: weightsOf(r, res.x), notes: [] };
}
