import { centralMoments } from "./central-moments.ts";

export interface KurtosisOptions {
  /**
   * true (default, scipy.stats.kurtosis and so empyrical): EXCESS kurtosis (Fisher's
   * definition, normal ⇒ 0). false: raw (Pearson's, normal ⇒ 3).
   */
  fisher?: boolean;
  /**
   * true (default, scipy): the moment estimator m4 / m2². false: the bias-corrected G2 =
   * ((n² − 1)·m4/m2² − 3(n − 1)²) / ((n − 2)(n − 3)) (scipy `bias=False`, Excel KURT,
   * PerformanceAnalytics `method="sample_excess"`); needs n ≥ 4.
   */
  bias?: boolean;
}

/** Kurtosis of the finite values (scipy.stats.kurtosis conventions); NaN for a constant sample. */
export function kurtosis(values: ArrayLike<number>, opts: KurtosisOptions = {}): number {
  const { n, m2, m4, constant } = centralMoments(values);
  if (n === 0 || constant) return NaN;
  let excess: number;
  if (opts.bias ?? true) excess = m4 / (m2 * m2) - 3;
  else {
    if (n < 4) return NaN;
    excess = ((n * n - 1) * (m4 / (m2 * m2)) - 3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
  }
  return (opts.fisher ?? true) ? excess : excess + 3;
}
