import { StrataError } from "../../core/errors.ts";
import type { Matrix, ReturnColumns } from "./dense.ts";
import { shapeOf } from "./dense.ts";

export interface SampleCovarianceOptions {
  /** Multiply by P to annualize (default 252, PyPortfolioOpt's `frequency`); 1 = per period. */
  periodsPerYear?: number;
  /** Delta degrees of freedom (default 1: the unbiased n − 1 denominator, as pandas). */
  ddof?: number;
}

/**
 * Pairwise-complete moments of two columns: the rows where both are finite, their means over
 * those rows, then centred cross- and auto-products (two-pass, no Σxy − n·x̄·ȳ cancellation).
 * This is pandas' `DataFrame.cov()` / `.corr()` rule, which PyPortfolioOpt's `sample_cov` and
 * `HRPOpt` inherit when price histories start on different dates.
 */
function pairMoments(x: ArrayLike<number>, y: ArrayLike<number>): { n: number; sxy: number; sxx: number; syy: number } {
  let n = 0,
    mx = 0,
    my = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i],
      b = y[i];
    if (Number.isFinite(a) && Number.isFinite(b)) {
      n++;
      mx += a;
      my += b;
    }
  }
  if (n === 0) return { n, sxy: NaN, sxx: NaN, syy: NaN };
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i],
      b = y[i];
    if (!(Number.isFinite(a) && Number.isFinite(b))) continue;
    const da = a - mx,
      db = b - my;
    sxy += da * db;
    sxx += da * da;
    syy += db * db;
  }
  return { n, sxy, sxx, syy };
}

/**
 * Sample covariance matrix (n×n row-major) of per-period returns, annualized by
 * `periodsPerYear`. Missing values are handled pairwise (see `pairMoments`); a pair with
 * ≤ ddof common observations gets NaN. With no missing values this is the textbook
 * Σ = XcᵀXc / (T − 1) × P.
 */
export function sampleCovariance(returns: ReturnColumns, opts: SampleCovarianceOptions = {}): Matrix {
  const p = opts.periodsPerYear ?? 252;
  const ddof = opts.ddof ?? 1;
  if (!(p > 0)) throw new StrataError("ARGUMENT", `sampleCovariance: periodsPerYear must be > 0, got ${p}`);
  const [n] = shapeOf(returns, "sampleCovariance");
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const m = pairMoments(returns[i], returns[j]);
      const v = m.n > ddof ? (m.sxy / (m.n - ddof)) * p : NaN;
      cov[i * n + j] = cov[j * n + i] = v;
    }
  }
  return cov;
}

/** Pairwise-complete Pearson correlation matrix (pandas' `DataFrame.corr()`); NaN for a constant pair. */
export function sampleCorrelation(returns: ReturnColumns): Matrix {
  const [n] = shapeOf(returns, "sampleCorrelation");
  const corr = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (i === j) {
        const m = pairMoments(returns[i], returns[i]);
        corr[i * n + i] = m.n > 1 && m.sxx > 0 ? 1 : NaN;
        continue;
      }
      const m = pairMoments(returns[i], returns[j]);
      const r = m.n > 1 && m.sxx > 0 && m.syy > 0 ? Math.max(-1, Math.min(1, m.sxy / Math.sqrt(m.sxx * m.syy))) : NaN;
      corr[i * n + j] = corr[j * n + i] = r;
    }
  }
  return corr;
}

/** Correlation implied by a covariance matrix, C_ij = Σ_ij / √(Σ_ii Σ_jj) (PyPortfolioOpt's `cov_to_corr`). */
export function covToCorr(cov: ArrayLike<number>, n: number): Matrix {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = cov[i * n + j] / Math.sqrt(cov[i * n + i] * cov[j * n + j]);
  }
  return out;
}
