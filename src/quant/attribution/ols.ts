/**
 * Ordinary least squares with an intercept, y ≈ α + Σ_j β_j·x_j, over a handful of regressors
 * (the factor regressions: 1–6 columns), by the normal equations made well conditioned:
 *
 * 1. centring (two-pass means, as stats/centred-sums.ts): the intercept leaves the system and
 *    S = XcᵀXc, s = Xcᵀyc are sums of centred products (no Σx² − n·x̄² cancellation);
 * 2. scaling S to unit diagonal, C = D⁻¹SD⁻¹ with D = diag(√S_jj) (the correlation matrix of
 *    the regressors; Jacobi scaling, which minimizes the condition number over diagonal
 *    scalings to within a factor K, van der Sluis 1969, Numer. Math. 14);
 * 3. Cholesky C = LLᵀ (linalg/cholesky.ts) and β = D⁻¹·C⁻¹·D⁻¹s; α = ȳ − Σ β_j·x̄_j.
 *
 * The relative error is then about cond(C)·ε; cond(C) is modest for factor returns (for two
 * regressors of correlation ρ it is (1 + |ρ|)/(1 − |ρ|)), and even Longley's (1967)
 * notoriously collinear data (cond(C) ≈ 1.2·10⁴) keep 12 digits of NIST's certified values
 * (tests). A constant regressor, or a squared pivot L_jj² below `PIVOT_MIN` (L_jj² is the share
 * of regressor j's variance the earlier ones leave unexplained), is a singular fit: `ok: false`,
 * not a throw.
 *
 * Standard errors are the usual (homoskedastic, independent errors) ones, with
 * s² = SSE / (n − K − 1): se(β_j)² = s²·(S⁻¹)_jj, se(α)² = s²·(1/n + x̄ᵀS⁻¹x̄). SSE is summed
 * from the residuals themselves, R² = 1 − SSE / Σ(y − ȳ)².
 */
import { cholesky, choleskySolve } from "../linalg/cholesky.ts";

/** Smallest squared pivot of the unit-diagonal Cholesky factor accepted as non-singular. */
export const PIVOT_MIN = 1e-12;

export interface OlsFit {
  /** False with too few rows (n ≤ K + 1) or collinear / constant regressors: every number below NaN. */
  ok: boolean;
  /** Rows used. */
  n: number;
  intercept: number;
  coefficients: Float64Array;
  interceptStandardError: number;
  standardErrors: Float64Array;
  /** Σ residual², and Σ(y − ȳ)². */
  sse: number;
  sst: number;
  rSquared: number;
}

function failed(n: number, K: number): OlsFit {
  return {
    ok: false,
    n,
    intercept: NaN,
    coefficients: new Float64Array(K).fill(NaN),
    interceptStandardError: NaN,
    standardErrors: new Float64Array(K).fill(NaN),
    sse: NaN,
    sst: NaN,
    rSquared: NaN,
  };
}

/**
 * OLS of y on the K columns of X (row-major, X[t * K + j]) over the rows t of `rows`. The caller
 * picks the rows (all finite) and checks shapes.
 */
export function ols(y: ArrayLike<number>, X: ArrayLike<number>, K: number, rows: ArrayLike<number>): OlsFit {
  const n = rows.length;
  if (n <= K + 1) return failed(n, K);
  const xm = new Float64Array(K);
  let ym = 0;
  for (let k = 0; k < n; k++) {
    const t = rows[k];
    ym += y[t];
    for (let j = 0; j < K; j++) xm[j] += X[t * K + j];
  }
  ym /= n;
  for (let j = 0; j < K; j++) xm[j] /= n;
  const S = new Float64Array(K * K);
  const s = new Float64Array(K);
  const dx = new Float64Array(K);
  let sst = 0;
  for (let k = 0; k < n; k++) {
    const t = rows[k];
    const dy = y[t] - ym;
    sst += dy * dy;
    for (let j = 0; j < K; j++) dx[j] = X[t * K + j] - xm[j];
    for (let j = 0; j < K; j++) {
      s[j] += dx[j] * dy;
      for (let l = 0; l <= j; l++) S[j * K + l] += dx[j] * dx[l];
    }
  }
  const d = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    if (!(S[j * K + j] > 0)) return failed(n, K);
    d[j] = Math.sqrt(S[j * K + j]);
  }
  const C = new Float64Array(K * K);
  for (let j = 0; j < K; j++) for (let l = 0; l <= j; l++) C[j * K + l] = C[l * K + j] = S[j * K + l] / (d[j] * d[l]);
  const f = cholesky(C, K);
  if (!f.ok) return failed(n, K);
  for (let j = 0; j < K; j++) if (!(f.lower[j * K + j] * f.lower[j * K + j] >= PIVOT_MIN)) return failed(n, K);
  const z = choleskySolve(
    f,
    s.map((v, j) => v / d[j]),
  );
  const beta = z.map((v, j) => v / d[j]);
  let alpha = ym;
  for (let j = 0; j < K; j++) alpha -= beta[j] * xm[j];
  let sse = 0;
  for (let k = 0; k < n; k++) {
    const t = rows[k];
    let e = y[t] - alpha;
    for (let j = 0; j < K; j++) e -= beta[j] * X[t * K + j];
    sse += e * e;
  }
  const s2 = sse / (n - K - 1);
  // (S⁻¹)_jl = (C⁻¹)_jl / (d_j·d_l); column l of C⁻¹ from one solve per unit vector.
  const se = new Float64Array(K);
  const unit = new Float64Array(K);
  let xSx = 0; // x̄ᵀS⁻¹x̄
  for (let l = 0; l < K; l++) {
    unit.fill(0);
    unit[l] = 1;
    const col = choleskySolve(f, unit);
    se[l] = Math.sqrt((s2 * col[l]) / (d[l] * d[l]));
    for (let j = 0; j < K; j++) xSx += (xm[j] * col[j] * xm[l]) / (d[j] * d[l]);
  }
  return {
    ok: true,
    n,
    intercept: alpha,
    coefficients: beta,
    interceptStandardError: Math.sqrt(s2 * (1 / n + xSx)),
    standardErrors: se,
    sse,
    sst,
    rSquared: sst > 0 ? 1 - sse / sst : NaN,
  };
}
