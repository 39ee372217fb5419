/**
 * Arithmetic mean of the finite values (NaN and ±Infinity are skipped, as d3-array's `mean`
 * skips null/NaN); NaN when there are none. Kahan–Neumaier compensated sum, as d3-array's
 * `fsum` (https://github.com/d3/d3-array/blob/main/src/fsum.js), so long series of small
 * daily values keep their last digits.
 */
export function mean(values: ArrayLike<number>): number {
  let sum = 0,
    comp = 0,
    n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
    n++;
  }
  return n === 0 ? NaN : (sum + comp) / n;
}
