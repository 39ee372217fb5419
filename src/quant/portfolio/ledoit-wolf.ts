/**
 * Ledoit–Wolf shrinkage of the sample covariance towards a structured target:
 *   Σ̂ = δ·F + (1 − δ)·S,   δ ∈ [0, 1] estimated to minimize the expected Frobenius loss.
 *
 * Targets:
 * - "identity" (default): F = μ·I, μ = tr(S)/n, the scaled identity of Ledoit & Wolf (2004),
 *   "A well-conditioned estimator for large-dimensional covariance matrices", J. Multivariate
 *   Analysis 88(2), 365–411, Lemma 3.2–3.4 (b², d², δ = min(b̄², d²)/d²). This is scikit-learn's
 *   `sklearn.covariance.ledoit_wolf` (and so PyPortfolioOpt's default
 *   `CovarianceShrinkage.ledoit_wolf(shrinkage_target="constant_variance")`), reproduced
 *   operation for operation: S = XcᵀXc / T (ddof 0, centred X).
 * - "constant_correlation": F_ii = S_ii, F_ij = r̄·√(S_ii S_jj) with r̄ the mean off-diagonal
 *   sample correlation; Ledoit & Wolf (2004), "Honey, I shrunk the sample covariance matrix",
 *   J. Portfolio Management 30(4), 110–119, Appendix (π̂, ρ̂, γ̂, κ̂ = (π̂ − ρ̂)/γ̂, δ = κ̂/T
 *   clipped to [0, 1]), as in the authors' covCor.m, with S = XcᵀXc / T.
 *
 * Missing values: `missing: "zero"` (default) replaces NaN returns by 0 before estimating, as
 * PyPortfolioOpt does (`np.nan_to_num`) — this biases the variance of a late-listed asset
 * towards 0, which is why the default matches the reference, not why it is good; `"drop"` keeps
 * only the rows where every asset has a value.
 */
import { StrataError } from "../../core/errors.ts";
import type { Matrix, ReturnColumns } from "./dense.ts";
import { shapeOf } from "./dense.ts";

export type ShrinkageTarget = "identity" | "constant_correlation";

export interface LedoitWolfOptions {
  target?: ShrinkageTarget;
  /** Annualization factor (default 252). */
  periodsPerYear?: number;
  missing?: "zero" | "drop";
}

export interface LedoitWolfResult {
  covariance: Matrix;
  /** δ, the weight of the target. */
  shrinkage: number;
  target: ShrinkageTarget;
}

/** Centred data matrix, row-major T×n, after the missing-value rule. */
function centred(returns: ReturnColumns, missing: "zero" | "drop"): { x: Float64Array; t: number; n: number } {
  const [n, t0] = shapeOf(returns, "ledoitWolf");
  const rows: number[] = [];
  for (let i = 0; i < t0; i++) {
    if (missing === "drop") {
      let ok = true;
      for (let j = 0; j < n; j++)
        if (!Number.isFinite(returns[j][i])) {
          ok = false;
          break;
        }
      if (!ok) continue;
    }
    rows.push(i);
  }
  const t = rows.length;
  const x = new Float64Array(t * n);
  for (let j = 0; j < n; j++) {
    let m = 0;
    for (let k = 0; k < t; k++) {
      const v = returns[j][rows[k]];
      const f = Number.isFinite(v) ? v : 0;
      x[k * n + j] = f;
      m += f;
    }
    m /= t;
    for (let k = 0; k < t; k++) x[k * n + j] -= m;
  }
  return { x, t, n };
}

/** Column cross-product AᵀB / t of two T×n row-major matrices. */
function crossProd(a: Float64Array, b: Float64Array, t: number, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let k = 0; k < t; k++) {
    const o = k * n;
    for (let i = 0; i < n; i++) {
      const ai = a[o + i];
      if (ai === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += ai * b[o + j];
    }
  }
  for (let i = 0; i < n * n; i++) out[i] /= t;
  return out;
}

export function ledoitWolf(returns: ReturnColumns, opts: LedoitWolfOptions = {}): LedoitWolfResult {
  const target = opts.target ?? "identity";
  const p = opts.periodsPerYear ?? 252;
  if (target !== "identity" && target !== "constant_correlation") {
    throw new StrataError("ARGUMENT", `ledoitWolf: unknown target '${String(target)}'`, {
      hint: 'use "identity" or "constant_correlation"',
    });
  }
  const { x, t, n } = centred(returns, opts.missing ?? "zero");
  if (t < 2 || n === 0) {
    throw new StrataError("ARGUMENT", `ledoitWolf: need at least 2 observations and 1 asset, got T = ${t}, n = ${n}`, {
      hint: 'pass more history, or use missing: "zero" when rows are incomplete',
    });
  }
  const s = crossProd(x, x, t, n); // ddof 0
  const out = new Float64Array(n * n);
  let delta: number;
  if (target === "identity") {
    // scikit-learn ledoit_wolf_shrinkage, unblocked.
    const x2 = x.map((v) => v * v);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += s[i * n + i];
    const mu = trace / n;
    let d = 0; // Σ (XᵀX)²  / T²  = Σ S²
    for (let i = 0; i < n * n; i++) d += s[i] * s[i];
    const x2x2 = crossProd(x2, x2, t, n); // (X²)ᵀX² / T
    let b = 0;
    for (let i = 0; i < n * n; i++) b += x2x2[i];
    const beta0 = (1 / (n * t)) * (b - d);
    const dd = (d - 2 * mu * trace + n * mu * mu) / n;
    const beta = Math.min(beta0, dd);
    delta = beta === 0 ? 0 : beta / dd;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) out[i * n + j] = (1 - delta) * s[i * n + j] + (i === j ? delta * mu : 0);
    }
  } else {
    const sd = new Float64Array(n);
    for (let i = 0; i < n; i++) sd[i] = Math.sqrt(s[i * n + i]);
    let rsum = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) rsum += s[i * n + j] / (sd[i] * sd[j]);
    const rbar = n > 1 ? rsum / (n * (n - 1)) : 0;
    const f = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) f[i * n + j] = i === j ? s[i * n + i] : rbar * sd[i] * sd[j];
    // π̂: Σ_ij Var-hat of √T·s_ij.
    const x2 = x.map((v) => v * v);
    const x3 = x.map((v) => v * v * v);
    const y2 = crossProd(x2, x2, t, n);
    let pi = 0,
      piDiag = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = y2[i * n + j] - s[i * n + j] * s[i * n + j];
        pi += v;
        if (i === j) piDiag += v;
      }
    }
    // ρ̂: diagonal part plus r̄/2 Σ_{i≠j} (√(s_jj/s_ii) θ_ii,ij + √(s_ii/s_jj) θ_jj,ij), θ as covCor.m.
    const t1 = crossProd(x3, x, t, n);
    let rhoOff = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const theta =
          t1[i * n + j] - s[i * n + i] * s[i * n + j] - s[i * n + j] * s[i * n + i] + s[i * n + i] * s[i * n + j];
        rhoOff += (sd[j] / sd[i]) * theta;
      }
    }
    const rho = piDiag + rbar * rhoOff;
    let gamma = 0;
    for (let i = 0; i < n * n; i++) gamma += (s[i] - f[i]) ** 2;
    const kappa = gamma > 0 ? (pi - rho) / gamma : 0;
    delta = gamma > 0 ? Math.max(0, Math.min(1, kappa / t)) : 0;
    for (let i = 0; i < n * n; i++) out[i] = delta * f[i] + (1 - delta) * s[i];
  }
  for (let i = 0; i < n * n; i++) out[i] *= p;
  return { covariance: out, shrinkage: delta, target };
}
