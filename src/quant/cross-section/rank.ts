/**
 * Cross-sectional percentile rank within each group (a date), over the group's non-missing
 * values (NaN = missing):
 *
 *   rank_i = (average position of v_i among the group's m values − 1) / (m − 1),   in 0 … 1
 *
 * Positions are 1-based in ascending order; tied values share the mean of their positions
 * (for a tie group at positions lo+1 … hi that is lo + 1 + (hi − lo − 1)/2); 0.5 when m = 1;
 * NaN where v_i is NaN. The positions are exact integers and halves, so the result is one
 * correctly rounded division: independent of the order of the rows within the group, and of
 * how ties are ordered by the sort. (−0 and +0 are equal, as in SQL.)
 */

/**
 * Sort keys[0 … m) ascending, permuting idx alongside (quicksort, median of three, insertion
 * sort below 16). Keys hold no NaN. Monomorphic loops on typed arrays: ~2× faster here than
 * sorting an index array with a comparator callback.
 */
function sortPairs(keys: Float64Array, idx: Int32Array, m: number, stack: Int32Array): void {
  let sp = 0;
  stack[sp++] = 0;
  stack[sp++] = m - 1;
  while (sp > 0) {
    let hi = stack[--sp];
    let lo = stack[--sp];
    while (hi - lo >= 16) {
      const mid = (lo + hi) >>> 1;
      // median of three into keys[mid], then partition around it (Hoare)
      if (keys[mid] < keys[lo]) swap(keys, idx, mid, lo);
      if (keys[hi] < keys[lo]) swap(keys, idx, hi, lo);
      if (keys[hi] < keys[mid]) swap(keys, idx, hi, mid);
      const pivot = keys[mid];
      let i = lo,
        j = hi;
      while (i <= j) {
        while (keys[i] < pivot) i++;
        while (keys[j] > pivot) j--;
        if (i <= j) {
          swap(keys, idx, i, j);
          i++;
          j--;
        }
      }
      // push the larger part, go on with the smaller: at most log2(m) pending parts
      if (j - lo < hi - i) {
        if (i < hi) {
          stack[sp++] = i;
          stack[sp++] = hi;
        }
        hi = j;
      } else {
        if (lo < j) {
          stack[sp++] = lo;
          stack[sp++] = j;
        }
        lo = i;
      }
    }
    for (let a = lo + 1; a <= hi; a++) {
      const k = keys[a],
        x = idx[a];
      let b = a - 1;
      while (b >= lo && keys[b] > k) {
        keys[b + 1] = keys[b];
        idx[b + 1] = idx[b];
        b--;
      }
      keys[b + 1] = k;
      idx[b + 1] = x;
    }
  }
}

function swap(keys: Float64Array, idx: Int32Array, a: number, b: number): void {
  const k = keys[a];
  keys[a] = keys[b];
  keys[b] = k;
  const x = idx[a];
  idx[a] = idx[b];
  idx[b] = x;
}

/**
 * Ranks of `values` within the groups given by `starts` (see groupStarts), written to `out`
 * (allocated when omitted; may not alias `values`).
 */
export function groupRanks(
  values: Float64Array,
  starts: Int32Array,
  out = new Float64Array(values.length),
): Float64Array {
  let keys = new Float64Array(64),
    idx = new Int32Array(64);
  const stack = new Int32Array(128);
  for (let g = 0; g + 1 < starts.length; g++) {
    const s = starts[g],
      e = starts[g + 1];
    if (e - s > keys.length) {
      keys = new Float64Array(e - s);
      idx = new Int32Array(e - s);
    }
    let m = 0;
    for (let i = s; i < e; i++) {
      const v = values[i];
      if (v === v) {
        keys[m] = v;
        idx[m++] = i;
      } else out[i] = NaN;
    }
    if (m === 0) continue;
    if (m === 1) {
      out[idx[0]] = 0.5;
      continue;
    }
    sortPairs(keys, idx, m, stack);
    // walk tie groups [a, b): positions a+1 … b share the average a + 1 + (b − a − 1)/2
    for (let a = 0; a < m; ) {
      let b = a + 1;
      while (b < m && keys[b] === keys[a]) b++;
      const r = (a + 1 + (b - a - 1) / 2 - 1) / (m - 1);
      for (let k = a; k < b; k++) out[idx[k]] = r;
      a = b;
    }
  }
  return out;
}
