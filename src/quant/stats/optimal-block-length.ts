import { StrataError } from "../../core/errors.ts";
import { autocovariance } from "./block-bootstrap.ts";
import { cbrt, log10 } from "../../core/math/index.ts";

export interface OptimalBlockLength {
  /** Mean block length for the stationary bootstrap. */
  stationary: number;
  /** Block length for the circular block bootstrap (round it to an integer to use it). */
  circular: number;
}

/**
 * Automatic block length of Politis & White (2004), "Automatic Block-Length Selection for the
 * Dependent Bootstrap", Econometric Reviews 23(1), with the correction of Patton, Politis &
 * White (2009), Econometric Reviews 28(4) (the circular constant D_CB = 4/3·ĝ(0)², was 2·ĝ(0)²):
 *   b_opt = (2·G² / D)^(1/3) · n^(1/3),   D_SB = 2·ĝ(0)²,   D_CB = (4/3)·ĝ(0)²,
 *   G = Σ_{|k|≤M} λ(k/M)·|k|·γ̂(k),   ĝ(0) = Σ_{|k|≤M} λ(k/M)·γ̂(k),
 * λ the flat-top kernel (1 on |t| ≤ ½, 2(1 − |t|) on ½ ≤ |t| ≤ 1), γ̂(k) = (1/n)Σ(x_t − x̄)(x_{t−k} − x̄).
 * M = 2·m̂, where m̂ is the first lag that starts K_N = 5 consecutive lags with
 * |ρ̂(k)| < 2·√(log10 n / n) (K_N = max(5, √log10 n) = 5 for any practical n); M ≤ m_max =
 * ⌈√n⌉ + K_N, and M = m_max when no such run exists. Results are capped at ⌈min(3√n, n/3)⌉.
 * These tuning choices are those of Patton's MATLAB code and of the Python `arch` package
 * (`optimal_block_length`), whose published figures this reproduces. The values are not
 * floored: a serially uncorrelated series may give b < 1; the bootstraps use max(1, b).
 * Needs at least 9 finite values.
 */
export function optimalBlockLength(values: ArrayLike<number>): OptimalBlockLength {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) {
      throw new StrataError("ARGUMENT", `optimalBlockLength: value ${i} is ${values[i]}; the series must be finite`, {
        hint: "drop or fill missing returns before choosing a block length",
      });
    }
  }
  const kn = Math.max(5, Math.sqrt(log10(n)));
  const kRun = Math.ceil(kn);
  const mMax = Math.ceil(Math.sqrt(n)) + kRun;
  if (n < 9 || mMax >= n) {
    throw new StrataError("ARGUMENT", `optimalBlockLength: needs at least 9 values, got ${n}`, {
      hint: "pass a longer series, or choose the block length yourself",
    });
  }
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = values[i] === values[0];
  if (constant) return { stationary: 1, circular: 1 }; // any block length resamples it exactly
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = values[i] - mean;
  const gamma = new Float64Array(mMax + 1);
  for (let k = 0; k <= mMax; k++) gamma[k] = autocovariance(e, k);
  const bMax = Math.ceil(Math.min(3 * Math.sqrt(n), n / 3));

  // m̂: the first lag m ≥ 1 with |ρ̂(m)|, …, |ρ̂(m + K_N − 1)| all inside the band, m + K_N − 1 < m_max.
  const band = 2 * Math.sqrt(log10(n) / n);
  let mHat = -1;
  let run = 0;
  for (let k = 1; k < mMax; k++) {
    run = Math.abs(gamma[k] / gamma[0]) < band ? run + 1 : 0;
    if (run === kRun) {
      mHat = k - kRun + 1;
      break;
    }
  }
  const M = mHat < 0 ? mMax : Math.min(2 * mHat, mMax);

  let g = 0,
    lrv = gamma[0];
  for (let k = 1; k <= M; k++) {
    const t = k / M;
    const lambda = t <= 0.5 ? 1 : 2 * (1 - t);
    g += 2 * lambda * k * gamma[k];
    lrv += 2 * lambda * gamma[k];
  }
  const n3 = cbrt(n);
  const stationary = cbrt((2 * g * g) / (2 * lrv * lrv)) * n3;
  const circular = cbrt((2 * g * g) / ((4 / 3) * lrv * lrv)) * n3;
  return { stationary: Math.min(stationary, bMax), circular: Math.min(circular, bMax) };
}
