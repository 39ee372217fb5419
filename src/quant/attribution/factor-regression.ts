/**
 * Factor exposures of a return series: the OLS regression (ols.ts)
 *
 *   y[t] = α + Σ_j β_j·f[t,j] + e[t]
 *
 * of the book's returns (net or gross, per bar, decimal) on K factor return series (T × K
 * row-major, e.g. `factorReturns(...).matrix`), over the rows where y and every factor are
 * finite. Full sample: exposures β, per-bar alpha α, the usual OLS standard errors and
 * t-statistics (homoskedastic, serially independent errors — daily returns are close to the
 * second, not to the first; Newey–West errors would be wider), R² and adjusted R². Alpha is
 * annualized as alphaBeta (stats/alpha-beta.ts) does: (1 + α)^P − 1 by default ("compound",
 * so the one-factor market regression gives alphaBeta's alpha), or α·P ("simple", the
 * convention of most factor-model tables); its t-statistic is that of α per bar.
 * Rolling: the same fit on each trailing window of rows t − W + 1 … t.
 */
import { StrataError } from "../../core/errors.ts";
import { pow } from "../../core/math/index.ts";
import { periodsPerYearOf, type PeriodsOption } from "../stats/conventions.ts";
import { checkCount } from "./inputs.ts";
import { ols } from "./ols.ts";

export interface FactorRegressionOptions extends PeriodsOption {
  /** Factor names, one per column (default "f0", "f1", …). */
  names?: readonly string[];
  /** "compound" (default): (1 + α)^P − 1, as alphaBeta; "simple": α·P. */
  annualization?: "compound" | "simple";
}

export interface FactorRegression {
  /** False when fewer than K + 2 complete rows or collinear / constant factors (numbers NaN). */
  ok: boolean;
  names: string[];
  /** Complete rows used. */
  nObservations: number;
  /** Intercept per bar, its annualization, standard error and t-statistic. */
  alpha: number;
  alphaAnnualized: number;
  alphaStandardError: number;
  alphaTStat: number;
  /** β per factor (order of `names`), standard errors and t-statistics. */
  exposures: Float64Array;
  standardErrors: Float64Array;
  tStats: Float64Array;
  rSquared: number;
  /** 1 − (1 − R²)(n − 1)/(n − K − 1). */
  adjustedRSquared: number;
  /** √(SSE / (n − K − 1)), per bar. */
  residualStandardError: number;
}

export interface RollingFactorRegressionOptions {
  /** Rows per window (default 126, about six months of days; ≥ K + 2). */
  window?: number;
  /** Complete rows a window needs (default max(K + 2, ⌈window / 2⌉)); fewer gives NaN. */
  minObservations?: number;
}

export interface RollingFactorRegression {
  window: number;
  /** T × K: β of the window ending at row t (NaN before the first full window or when it has too few rows). */
  exposures: Float64Array;
  /** T: α per bar and R² of that window. */
  alpha: Float64Array;
  rSquared: Float64Array;
  /** T: complete rows in the window. */
  nObservations: Int32Array;
}

/** Checks shapes; returns K and the mask of complete rows. */
function prepare(fn: string, y: ArrayLike<number>, factors: ArrayLike<number>, K: number): Uint8Array {
  checkCount(fn, "nFactors", K);
  if (factors.length !== y.length * K) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: factors has ${factors.length} values, expected T × K = ${y.length * K} (T = returns.length = ${
        y.length
      }, K = ${K})`,
      { hint: "pass the factor returns row-major (f[t * K + j]), row-aligned with the returns" },
    );
  }
  const ok = new Uint8Array(y.length);
  for (let t = 0; t < y.length; t++) {
    let good = Number.isFinite(y[t]);
    for (let j = 0; good && j < K; j++) good = Number.isFinite(factors[t * K + j]);
    ok[t] = good ? 1 : 0;
  }
  return ok;
}

/** Full-sample OLS of `returns` (length T) on `factors` (T × nFactors). */
export function factorRegression(
  returns: ArrayLike<number>,
  factors: ArrayLike<number>,
  nFactors: number,
  opts: FactorRegressionOptions = {},
): FactorRegression {
  const fn = "factorRegression";
  const K = nFactors;
  const complete = prepare(fn, returns, factors, K);
  const P = periodsPerYearOf(opts, fn);
  const names = opts.names ? [...opts.names] : Array.from({ length: K }, (_, j) => `f${j}`);
  if (names.length !== K) {
    throw new StrataError("ARGUMENT", `${fn}: names has ${names.length} entries, expected K = ${K}`);
  }
  const rows: number[] = [];
  for (let t = 0; t < complete.length; t++) if (complete[t]) rows.push(t);
  const fit = ols(returns, factors, K, rows);
  const n = fit.n;
  const a = fit.intercept;
  return {
    ok: fit.ok,
    names,
    nObservations: n,
    alpha: a,
    alphaAnnualized: opts.annualization === "simple" ? a * P : pow(1 + a, P) - 1,
    alphaStandardError: fit.interceptStandardError,
    alphaTStat: a / fit.interceptStandardError,
    exposures: fit.coefficients,
    standardErrors: fit.standardErrors,
    tStats: fit.coefficients.map((b, j) => b / fit.standardErrors[j]),
    rSquared: fit.rSquared,
    adjustedRSquared: 1 - ((1 - fit.rSquared) * (n - 1)) / (n - K - 1),
    residualStandardError: Math.sqrt(fit.sse / (n - K - 1)),
  };
}

/** OLS on each trailing window of `window` rows; row t uses rows ≤ t only. */
export function rollingFactorRegression(
  returns: ArrayLike<number>,
  factors: ArrayLike<number>,
  nFactors: number,
  opts: RollingFactorRegressionOptions = {},
): RollingFactorRegression {
  const fn = "rollingFactorRegression";
  const K = nFactors;
  const complete = prepare(fn, returns, factors, K);
  const W = opts.window ?? 126;
  if (!Number.isInteger(W) || W < K + 2) {
    throw new StrataError("ARGUMENT", `${fn}: window must be an integer ≥ K + 2 = ${K + 2}, got ${W}`, {
      hint: "a fit with an intercept and K factors needs at least K + 2 rows for its residual variance",
    });
  }
  const minObs = opts.minObservations ?? Math.max(K + 2, Math.ceil(W / 2));
  if (!Number.isInteger(minObs) || minObs < K + 2 || minObs > W) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: minObservations must be an integer in [K + 2, window] = [${K + 2}, ${W}], got ${minObs}`,
    );
  }
  const T = returns.length;
  const out: RollingFactorRegression = {
    window: W,
    exposures: new Float64Array(T * K).fill(NaN),
    alpha: new Float64Array(T).fill(NaN),
    rSquared: new Float64Array(T).fill(NaN),
    nObservations: new Int32Array(T),
  };
  const rows: number[] = [];
  for (let t = 0; t < T; t++) {
    rows.length = 0;
    for (let u = Math.max(0, t - W + 1); u <= t; u++) if (complete[u]) rows.push(u);
    out.nObservations[t] = rows.length;
    if (t < W - 1 || rows.length < minObs) continue;
    const fit = ols(returns, factors, K, rows);
    if (!fit.ok) continue;
    out.exposures.set(fit.coefficients, t * K);
    out.alpha[t] = fit.intercept;
    out.rSquared[t] = fit.rSquared;
  }
  return out;
}
