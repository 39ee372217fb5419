import { finiteValues } from "./conventions.ts";
import { mean } from "./mean.ts";

export interface CentralMoments {
  /** Number of finite values. */
  n: number;
  mean: number;
  /** Population central moments m_k = Σ(x − x̄)^k / n, k = 2, 3, 4. */
  m2: number;
  m3: number;
  m4: number;
  /**
   * True when m2 is zero up to rounding — scipy's test `m2 <= (eps_res · mean)²` with the
   * float64 resolution 1e-15 (scipy.stats `skew`/`kurtosis` then return NaN).
   */
  constant: boolean;
}

/** Two-pass central moments of the finite values (mean first, then centred powers). */
export function centralMoments(values: ArrayLike<number>): CentralMoments {
  const x = finiteValues(values);
  const n = x.length;
  const mu = mean(x);
  let s2 = 0,
    s3 = 0,
    s4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mu,
      d2 = d * d;
    s2 += d2;
    s3 += d2 * d;
    s4 += d2 * d2;
  }
  const m2 = s2 / n;
  return { n, mean: mu, m2, m3: s3 / n, m4: s4 / n, constant: !(m2 > (1e-15 * mu) ** 2) };
}
