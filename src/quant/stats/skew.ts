import { centralMoments } from "./central-moments.ts";
import { pow } from "../../core/math/index.ts";

export interface SkewOptions {
  /**
   * true (default, scipy.stats.skew and so empyrical): the moment coefficient g1 = m3 / m2^1.5.
   * false: the adjusted Fisher–Pearson G1 = g1 · √(n(n − 1)) / (n − 2) (scipy `bias=False`,
   * Excel SKEW, PerformanceAnalytics `method="sample"`); needs n ≥ 3.
   */
  bias?: boolean;
}

/** Skewness of the finite values; NaN for a constant sample or too few values. */
export function skew(values: ArrayLike<number>, opts: SkewOptions = {}): number {
  const { n, m2, m3, constant } = centralMoments(values);
  if (n === 0 || constant) return NaN;
  const g1 = m3 / pow(m2, 1.5);
  if (opts.bias ?? true) return g1;
  if (n < 3) return NaN;
  return (g1 * Math.sqrt(n * (n - 1))) / (n - 2);
}
