/**
 * Ranks 1..n with ties given their average rank ("fractional ranking", the convention of
 * Spearman's ρ; scipy.stats.rankdata(method="average")). Non-finite values are not ranked:
 * they get NaN and do not count towards n. Deterministic: ties are detected by value, so the
 * result does not depend on the sort's handling of equal keys.
 */
export function rank(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(NaN);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i])) idx.push(i);
  idx.sort((a, b) => values[a] - values[b] || a - b);
  for (let lo = 0; lo < idx.length; ) {
    let hi = lo;
    while (hi + 1 < idx.length && values[idx[hi + 1]] === values[idx[lo]]) hi++;
    const avg = (lo + hi) / 2 + 1; // positions lo..hi hold ranks lo+1..hi+1
    for (let k = lo; k <= hi; k++) out[idx[k]] = avg;
    lo = hi + 1;
  }
  return out;
}
