/**
 * Quantile binning of float32 features into ≤ 256 bins with Uint8 codes (column-major).
 *
 * Cuts come from the exact quantiles of each feature's sorted values, so they depend only on
 * the multiset of values (never on row order). Each cut is a float32 threshold t_b: a value x
 * falls in the first bin b with x ≤ t_b (the last bin is unbounded). Because codes are assigned
 * with exactly these comparisons, "code ≤ b" at fit time and "x ≤ t_b" at predict time route
 * every row identically. NaN gets its own code (= number of value bins) when the feature has
 * any NaN; its direction at each split is learned (Chen & Guestrin 2016, §3.4 sparsity-aware).
 */
export interface BinnedMatrix {
  nRows: number;
  nFeatures: number;
  /** codes[f * nRows + i]: bin of feature f, row i. */
  codes: Uint8Array;
  /** Thresholds per feature (float32 values held in doubles), length = value bins − 1. */
  cuts: Float64Array[];
  /** Value bins per feature (0 for an all-NaN feature). */
  nBins: Int32Array;
  /** 1 when the feature has NaNs in the training data; their code is nBins[f]. */
  hasMissing: Uint8Array;
}

/**
 * Thresholds for one column: each distinct value its own bin when there are at most `maxBins`
 * of them; otherwise the values at ranks ⌈k·m/B⌉ (k = 1…B−1) of the m sorted values become the
 * upper ends of bins (duplicates collapse, so heavy ties give fewer bins).
 * A threshold sits halfway between the largest value of a bin and the smallest of the next,
 * rounded to float32 and kept strictly below the latter.
 */
export function computeCuts(column: Float32Array, maxBins: number): Float64Array {
  let m = 0;
  const vals = new Float32Array(column.length);
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (v === v) vals[m++] = v;
  }
  return cutsFromSorted(vals.subarray(0, m).sort(), maxBins);
}

/** Bin code of x given thresholds: number of thresholds strictly below x; NaN → missCode. */
export function binColumn(column: Float32Array, cuts: Float64Array, missCode: number, out: Uint8Array): void {
  const nc = cuts.length;
  for (let i = 0; i < column.length; i++) {
    const x = column[i];
    if (x !== x) {
      out[i] = missCode;
      continue;
    }
    let lo = 0,
      hi = nc;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x <= cuts[mid]) hi = mid;
      else lo = mid + 1;
    }
    out[i] = lo;
  }
}

/** Bin every column of X into one Uint8 buffer (shared when `shared`, for worker threads). */
export function binMatrix(columns: Float32Array[], nRows: number, maxBins: number, shared = false): BinnedMatrix {
  const nFeatures = columns.length;
  const buf = shared ? new SharedArrayBuffer(nRows * nFeatures) : new ArrayBuffer(nRows * nFeatures);
  const codes = new Uint8Array(buf);
  const cuts: Float64Array[] = [];
  const nBins = new Int32Array(nFeatures);
  const hasMissing = new Uint8Array(nFeatures);
  const scratch = BK.radixScratch(nRows);
  for (let f = 0; f < nFeatures; f++) {
    const r = binFeature(columns[f], maxBins, codes.subarray(f * nRows, (f + 1) * nRows), scratch);
    cuts.push(r.cuts);
    nBins[f] = r.nBins;
    hasMissing[f] = r.hasMissing;
  }
  return { nRows, nFeatures, codes, cuts, nBins, hasMissing };
}

export interface RadixScratch {
  keys: Uint32Array;
  keys2: Uint32Array;
  idx: Int32Array;
  idx2: Int32Array;
  sorted: Float32Array;
  count: Uint32Array;
}

/**
 * The binning routines as one SELF-CONTAINED function (no references outside its body), so
 * the worker pool can ship it as source text and bin features on every thread (see pool.ts).
 * Long on purpose: its helpers must live inside it.
 */
export function binningKernels() {
  /** Thresholds from the ascending non-NaN values of a column (see computeCuts). */
  function cutsFromSorted(sorted: Float32Array, maxBins: number): Float64Array {
    const m = sorted.length;
    if (m === 0) return new Float64Array(0);
    // Distinct values (−0 and +0 are one value).
    let nDistinct = 1;
    for (let i = 1; i < m; i++) if (sorted[i] !== sorted[i - 1]) nDistinct++;
    const out: number[] = [];
    if (nDistinct <= maxBins) {
      for (let i = 1; i < m; i++) if (sorted[i] !== sorted[i - 1]) out.push(between(sorted[i - 1], sorted[i]));
    } else {
      let last = -Infinity;
      let j = 0;
      for (let k = 1; k < maxBins; k++) {
        const r = Math.ceil((k * m) / maxBins) - 1;
        const v = sorted[r];
        if (!(v > last)) continue;
        // Smallest value above v.
        if (j < r) j = r;
        while (j < m && sorted[j] === v) j++;
        if (j >= m) break;
        out.push(between(v, sorted[j]));
        last = v;
      }
    }
    return Float64Array.from(out);
  }

  /** A float32 t with a ≤ t < c, near the midpoint (a < c, both float32). */
  function between(a: number, c: number): number {
    const t = Math.fround(a / 2 + c / 2);
    return t >= c || t < a ? a : t;
  }

  function radixScratch(n: number): RadixScratch {
    return {
      keys: new Uint32Array(n),
      keys2: new Uint32Array(n),
      idx: new Int32Array(n),
      idx2: new Int32Array(n),
      sorted: new Float32Array(n),
      count: new Uint32Array(2048),
    };
  }

  /**
   * Cuts and codes of one column: an LSD radix sort of the float32 bit patterns (mapped so that
   * unsigned order is numeric order) with row indices, then one pass in sorted order assigns
   * codes. Same result as computeCuts + binColumn (tested), in O(n).
   */
  function binFeature(
    col: Float32Array,
    maxBins: number,
    out: Uint8Array,
    scratch: RadixScratch,
  ): { cuts: Float64Array; nBins: number; hasMissing: number } {
    const n = col.length;
    const bits = new Uint32Array(col.buffer, col.byteOffset, n);
    let { keys, keys2, idx, idx2 } = scratch;
    const { sorted, count } = scratch;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = col[i];
      if (v !== v) continue;
      const b = bits[i];
      keys[m] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
      idx[m++] = i;
    }
    const anyNaN = m < n ? 1 : 0;
    for (let shift = 0; shift < 32; shift += 11) {
      const mask = shift === 22 ? 0x3ff : 0x7ff;
      count.fill(0);
      for (let i = 0; i < m; i++) count[(keys[i] >>> shift) & mask]++;
      if (count[(keys[0] >>> shift) & mask] === m) continue; // every key shares this digit
      let sum = 0;
      for (let d = 0; d <= mask; d++) {
        const c = count[d];
        count[d] = sum;
        sum += c;
      }
      for (let i = 0; i < m; i++) {
        const k = keys[i];
        const at = count[(k >>> shift) & mask]++;
        keys2[at] = k;
        idx2[at] = idx[i];
      }
      const t = keys;
      keys = keys2;
      keys2 = t;
      const u = idx;
      idx = idx2;
      idx2 = u;
      void t;
    }
    const sortedBits = new Uint32Array(sorted.buffer, sorted.byteOffset, m);
    for (let i = 0; i < m; i++) {
      const k = keys[i];
      sortedBits[i] = k & 0x80000000 ? (k & 0x7fffffff) >>> 0 : ~k >>> 0;
    }
    const c = cutsFromSorted(sorted.subarray(0, m), anyNaN ? maxBins - 1 : maxBins);
    const nBins = c.length + (m > 0 || anyNaN === 0 ? 1 : 0);
    let b = 0;
    const nc = c.length;
    for (let i = 0; i < m; i++) {
      const v = sorted[i];
      while (b < nc && v > c[b]) b++;
      out[idx[i]] = b;
    }
    if (anyNaN) for (let i = 0; i < n; i++) if (col[i] !== col[i]) out[i] = nBins;
    return { cuts: c, nBins, hasMissing: anyNaN };
  }

  return { cutsFromSorted, radixScratch, binFeature };
}

const BK = binningKernels();
/** Thresholds from the ascending non-NaN values of a column (see computeCuts). */
export const cutsFromSorted = BK.cutsFromSorted;
/** Cuts and codes of one column (radix sort; see binningKernels). */
export const binFeature = (
  col: Float32Array,
  maxBins: number,
  out: Uint8Array,
  scratch: RadixScratch = BK.radixScratch(col.length),
) => BK.binFeature(col, maxBins, out, scratch);
