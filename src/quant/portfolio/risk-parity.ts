/**
 * Risk parity (equal risk contribution, or any risk budget b): weights whose risk
 * contributions w_i·(Σw)_i are proportional to b_i.
 *
 * Solved through the convex formulation of Spinu (2013), "An algorithm for computing risk
 * parity weights", SSRN 2297383: x̂ = argmin ½xᵀΣx − Σ b_i ln x_i (x > 0), w = x̂ / Σx̂. The
 * minimizer is found by cyclical coordinate descent (Griveau-Billion, Richard & Roncalli 2013,
 * "A fast algorithm for computing high-dimensional risk parity portfolios", arXiv:1311.4057,
 * eq. (6)): each coordinate's first-order condition Σ_ii x_i² + c_i x_i − b_i = 0,
 * c_i = Σ_{j≠i} Σ_ij x_j, has the positive root x_i = (−c_i + √(c_i² + 4Σ_ii b_i)) / (2Σ_ii).
 * Long-only by construction; caps are applied afterwards by projection (the result is then the
 * capped portfolio nearest to ERC, not a constrained ERC).
 */
import type { ResolvedConstraints } from "./constraints.ts";
import type { Matrix } from "./dense.ts";
import { projectOntoConstraints } from "./project.ts";
import type { Attempt } from "./types.ts";

export interface RiskParityResult {
  weights: Float64Array;
  converged: boolean;
  sweeps: number;
}

export function riskParityWeights(
  cov: Matrix,
  n: number,
  opts: { budget?: ArrayLike<number>; tolerance?: number; maxSweeps?: number } = {},
): RiskParityResult | string {
  const b = new Float64Array(n);
  let bs = 0;
  for (let i = 0; i < n; i++) {
    b[i] = opts.budget ? opts.budget[i] : 1;
    if (!(b[i] > 0)) return `risk budget of asset ${i} is ${b[i]}; budgets must be > 0`;
    bs += b[i];
  }
  for (let i = 0; i < n; i++) b[i] /= bs;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = cov[i * n + i];
    if (!(Number.isFinite(v) && v > 0))
      return `asset ${i} has variance ${v}; risk parity needs every variance finite and > 0`;
    x[i] = 1 / Math.sqrt(v); // inverse-vol start
  }
  const tol = opts.tolerance ?? 1e-12;
  const maxSweeps = opts.maxSweeps ?? 10_000;
  let sweeps = 0,
    converged = false;
  while (sweeps < maxSweeps) {
    sweeps++;
    let change = 0;
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (let j = 0; j < n; j++) if (j !== i) c += cov[i * n + j] * x[j];
      const s = cov[i * n + i];
      const xi = (-c + Math.sqrt(c * c + 4 * s * b[i])) / (2 * s);
      change = Math.max(change, Math.abs(xi - x[i]) / Math.max(xi, 1e-300));
      x[i] = xi;
    }
    if (!x.every(Number.isFinite)) return "risk parity iteration diverged (covariance not positive semi-definite?)";
    if (change < tol) {
      converged = true;
      break;
    }
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return { weights: x.map((v) => v / s), converged, sweeps };
}

export function riskParityAttempt(cov: Matrix, r: ResolvedConstraints, budget?: ArrayLike<number>): Attempt {
  const res = riskParityWeights(cov, r.n, { budget });
  if (typeof res === "string") return { ok: false, reason: res };
  const notes = res.converged ? [] : [`risk parity stopped after ${res.sweeps} sweeps without reaching tolerance`];
  const p = projectOntoConstraints(
    res.weights.map((v) => v * r.net),
    r,
  );
  return p.ok ? { ...p, notes: [...notes, ...p.notes] } : p;
}
