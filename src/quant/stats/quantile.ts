import { finiteValues } from "./conventions.ts";

/**
 * The p-quantile (0 ≤ p ≤ 1) of the finite values by linear interpolation between order
 * statistics — numpy's default `percentile(…, method="linear")`, Hyndman & Fan (1996) type 7:
 * h = (n − 1)·p, Q = x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)). NaN when there are no finite values.
 */
export function quantile(values: ArrayLike<number>, p: number): number {
  const x = finiteValues(values).sort();
  return quantileSorted(x, p);
}

/** `quantile` of values already sorted ascending (all finite). */
export function quantileSorted(x: ArrayLike<number>, p: number): number {
  const n = x.length;
  if (n === 0 || !(p >= 0 && p <= 1)) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (lo >= n - 1) return x[n - 1];
  return x[lo] + (h - lo) * (x[lo + 1] - x[lo]);
}
