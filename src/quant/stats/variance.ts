/**
 * Sample variance (n − 1 in the denominator) of the finite values, by Welford's online
 * algorithm (Welford 1962; the same update as d3-array's `variance`,
 * https://github.com/d3/d3-array/blob/main/src/variance.js). NaN and ±Infinity are skipped;
 * NaN when fewer than two values remain.
 */
export function variance(values: ArrayLike<number>): number {
  let n = 0,
    m = 0,
    s = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    n++;
    const delta = v - m;
    m += delta / n;
    s += delta * (v - m);
  }
  return n > 1 ? s / (n - 1) : NaN;
}
