/**
 * Exponentially weighted covariance, as PyPortfolioOpt's `risk_models.exp_cov`: each pair's
 * product of deviations from the full-sample means, (x_t − x̄)(y_t − ȳ), averaged with
 * pandas' `ewm(span).mean()` weights (adjust=True: w_k = (1 − α)^k for the observation k
 * periods before the last, normalized over the finite products) and the last value taken, then
 * × P. α = 2 / (span + 1), or α = 1 − exp(−ln 2 / halfLife) (a weight halves every halfLife
 * periods). Default span 180, PyPortfolioOpt's. As span → ∞ this tends to the covariance with
 * denominator T (not T − 1).
 */
import { StrataError } from "../../core/errors.ts";
import type { Matrix, ReturnColumns } from "./dense.ts";
import { shapeOf } from "./dense.ts";
import { exp } from "../../core/math/index.ts";

export interface EwmaCovarianceOptions {
  /** Span in periods (default 180). Mutually exclusive with halfLife. */
  span?: number;
  /** Half-life in periods. */
  halfLife?: number;
  /** Annualization factor (default 252). */
  periodsPerYear?: number;
}

export function ewmaCovariance(returns: ReturnColumns, opts: EwmaCovarianceOptions = {}): Matrix {
  if (opts.span !== undefined && opts.halfLife !== undefined) {
    throw new StrataError(
      "ARGUMENT",
      `ewmaCovariance: pass span or halfLife, not both (got span ${opts.span}, halfLife ${opts.halfLife})`,
    );
  }
  let alpha: number;
  if (opts.halfLife !== undefined) {
    if (!(opts.halfLife > 0))
      throw new StrataError("ARGUMENT", `ewmaCovariance: halfLife must be > 0, got ${opts.halfLife}`);
    alpha = 1 - exp(-Math.LN2 / opts.halfLife);
  } else {
    const span = opts.span ?? 180;
    if (!(span >= 1)) throw new StrataError("ARGUMENT", `ewmaCovariance: span must be ≥ 1, got ${span}`);
    alpha = 2 / (span + 1);
  }
  const p = opts.periodsPerYear ?? 252;
  const [n, t] = shapeOf(returns, "ewmaCovariance");
  const means = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0,
      c = 0;
    for (let i = 0; i < t; i++)
      if (Number.isFinite(returns[j][i])) {
        s += returns[j][i];
        c++;
      }
    means[j] = c ? s / c : NaN;
  }
  const cov = new Float64Array(n * n);
  const decay = 1 - alpha;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) {
      // Walk back from the last observation: weight (1 − α)^k, k = periods before the end.
      let num = 0,
        den = 0,
        w = 1;
      for (let i = t - 1; i >= 0; i--, w *= decay) {
        const x = returns[a][i],
          y = returns[b][i];
        if (!(Number.isFinite(x) && Number.isFinite(y))) continue;
        num += w * (x - means[a]) * (y - means[b]);
        den += w;
        if (w < 1e-300) break;
      }
      cov[a * n + b] = cov[b * n + a] = den > 0 ? (num / den) * p : NaN;
    }
  }
  return cov;
}
