import { quantile } from "./quantile.ts";

/**
 * Tail ratio |Q(0.95)| / |Q(0.05)| of the non-NaN returns (empyrical `tail_ratio`), quantiles
 * by numpy's linear interpolation (`quantile`). 0.25 means the left tail is four times the
 * right. NaN for an empty series; ±Infinity/NaN when Q(0.05) is 0 (IEEE division, as numpy).
 */
export function tailRatio(returns: ArrayLike<number>): number {
  if (returns.length === 0) return NaN;
  return Math.abs(quantile(returns, 0.95)) / Math.abs(quantile(returns, 0.05));
}
