import { type ResolvedConstraints, liftCovariance } from "./constraints.ts";
import { invertSpd, isFiniteSymmetric, type Matrix } from "./dense.ts";
import { solveBudgeted } from "./project.ts";
import type { Attempt } from "./types.ts";

/**
 * Unconstrained global minimum-variance weights w = Σ⁻¹1 / (1ᵀΣ⁻¹1) (Merton 1972, "An analytic
 * derivation of the efficient portfolio frontier", J. Financial and Quantitative Analysis 7(4),
 * eq. for the minimum-variance portfolio), scaled to `net`. Shorts allowed. null when Σ is not
 * positive definite.
 */
export function minVarianceClosedForm(cov: ArrayLike<number>, n: number, net = 1): Float64Array | null {
  const { inverse } = invertSpd(cov, n);
  if (!inverse) return null;
  const w = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let j = 0; j < n; j++) v += inverse[i * n + j];
    w[i] = v;
    s += v;
  }
  for (let i = 0; i < n; i++) w[i] *= net / s;
  return w;
}

/** True when no bound, gross or group constraint is present (the closed forms apply). */
export function isUnconstrained(r: ResolvedConstraints): boolean {
  return (
    !r.longOnly &&
    r.groups.length === 0 &&
    !Number.isFinite(r.gross) &&
    r.lower.every((v) => v === -Infinity) &&
    r.upper.every((v) => v === Infinity)
  );
}

export function covarianceProblem(cov: ArrayLike<number>, n: number): string | null {
  if (!isFiniteSymmetric(cov, n)) return "covariance has non-finite or asymmetric entries";
  const { failedAt } = invertSpd(cov, n);
  if (failedAt >= 0)
    return (
      `covariance is not positive definite (Cholesky pivot ${failedAt} ≤ 0; singular, e.g. more assets than ` +
      `observations)`
    );
  return null;
}

/** min wᵀΣw subject to Σw = net and the constraints (long-only/capped: the QP). */
export function minVarianceAttempt(cov: Matrix, r: ResolvedConstraints): Attempt {
  const n = r.n;
  const problem = covarianceProblem(cov, n);
  if (problem) return { ok: false, reason: problem };
  if (isUnconstrained(r)) {
    const w = minVarianceClosedForm(cov, n, r.net);
    return w ? { ok: true, weights: w, notes: [] } : { ok: false, reason: "covariance is not positive definite" };
  }
  const Q = liftCovariance(r, cov);
  return solveBudgeted(Q, new Float64Array(Q.length === n * n ? n : 2 * n), r);
}
