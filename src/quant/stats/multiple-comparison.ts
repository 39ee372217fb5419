/**
 * Shared machinery of the Reality Check and the SPA test: a T × K matrix of performance
 * differentials d_{t,k} = (strategy k's return − the benchmark's) at time t, its column means,
 * and the column means of stationary-bootstrap resamples of its rows (the same rows for every
 * column, so the strategies' cross-correlation is kept).
 */
import { StrataError } from "../../core/errors.ts";
import type { Rng } from "../../core/rng.ts";
import { stationaryBootstrapIndices } from "./block-bootstrap.ts";
import { optimalBlockLength } from "./optimal-block-length.ts";

export interface MultipleComparisonOptions {
  /** The seeded random stream. Required. */
  rng: Rng;
  /** Bootstrap resamples B. Default 1000. */
  resamples?: number;
  /**
   * Mean block length of the stationary bootstrap, in periods. Default: the mean over the
   * columns of the Politis–White automatic length (`optimalBlockLength(...).stationary`), at least 1.
   */
  blockLength?: number;
}

/**
 * d_{t,k} = r_{t,k} − b_t: each strategy's return minus the benchmark's, one column per
 * strategy (positive = the strategy did better). The input of `realityCheck` and `spaTest`.
 */
export function performanceDifferentials(
  strategies: ReadonlyArray<ArrayLike<number>>,
  benchmark: ArrayLike<number>,
): Float64Array[] {
  return strategies.map((col, k) => {
    if (col.length !== benchmark.length) {
      throw new StrataError(
        "ARGUMENT",
        `performanceDifferentials: strategy ${k} has ${col.length} returns but the benchmark has ${benchmark.length}`,
        {
          hint: "align every strategy and the benchmark on the same dates first",
        },
      );
    }
    return Float64Array.from(col, (v, t) => v - benchmark[t]);
  });
}

export interface DifferentialMatrix {
  /** Row-major T × K copy: x[t·K + k]. */
  x: Float64Array;
  rows: number;
  cols: number;
  means: Float64Array;
  blockLength: number;
  resamples: number;
}

export function differentialMatrix(
  columns: ReadonlyArray<ArrayLike<number>>,
  opts: MultipleComparisonOptions,
  fn: string,
): DifferentialMatrix {
  if (!opts?.rng) {
    throw new StrataError("ARGUMENT", `${fn}: opts.rng is required`, {
      hint: "pass { rng: createRng(seed) } so the bootstrap is reproducible",
    });
  }
  const K = columns.length;
  if (K === 0)
    throw new StrataError("ARGUMENT", `${fn}: no strategies`, {
      hint: "pass one column of performance differentials per strategy",
    });
  const T = columns[0].length;
  if (T < 9)
    throw new StrataError("ARGUMENT", `${fn}: needs at least 9 periods, got ${T}`, {
      hint: "pass longer return series",
    });
  const x = new Float64Array(T * K);
  const means = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const c = columns[k];
    if (c.length !== T) {
      throw new StrataError("ARGUMENT", `${fn}: column ${k} has ${c.length} values, column 0 has ${T}`, {
        hint: "every column must cover the same periods",
      });
    }
    let s = 0;
    for (let t = 0; t < T; t++) {
      const v = c[t];
      if (!Number.isFinite(v)) {
        throw new StrataError("ARGUMENT", `${fn}: column ${k}, period ${t} is ${v}`, {
          hint: "drop or fill missing returns before testing",
        });
      }
      x[t * K + k] = v;
      s += v;
    }
    means[k] = s / T;
  }
  const resamples = opts.resamples ?? 1000;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new StrataError("ARGUMENT", `${fn}: resamples must be a positive integer, got ${resamples}`, {
      hint: "1000 or more",
    });
  }
  let blockLength = opts.blockLength;
  if (blockLength === undefined) {
    let s = 0;
    for (const c of columns) s += optimalBlockLength(c).stationary;
    blockLength = Math.max(1, s / K);
  }
  if (!(blockLength >= 1) || !(blockLength <= T)) {
    throw new StrataError("ARGUMENT", `${fn}: blockLength must be between 1 and ${T} periods, got ${blockLength}`, {
      hint: "omit it to use the Politis–White automatic length",
    });
  }
  return { x, rows: T, cols: K, means, blockLength, resamples };
}

/**
 * Calls visit(means*) with the column means of each of the B stationary-bootstrap resamples (a reused buffer).
 *
 * Each resample's row indices are drawn as `stationaryBootstrapIndices` draws them (the same
 * draws from `rng`, in the same order), then every column is summed over those rows in row
 * order — the same additions in the same order as a row-by-row sweep, so the means are the
 * same bit for bit — but column by column over a column-major copy, four columns at a time:
 * the sums stay in registers as four independent chains instead of a load, add and store of
 * a T·K sweep's running sums per value (about twice as fast for 30 columns).
 */
export function forEachBootstrapMeans(m: DifferentialMatrix, rng: Rng, visit: (meansStar: Float64Array) => void): void {
  const { x, rows: T, cols: K } = m;
  const xt = new Float64Array(T * K); // xt[k·T + t] = x[t·K + k]
  for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) xt[k * T + t] = x[t * K + k];
  const idx = new Int32Array(T);
  const sums = new Float64Array(K);
  for (let b = 0; b < m.resamples; b++) {
    stationaryBootstrapIndices(T, m.blockLength, { rng, out: idx });
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const o0 = k * T,
        o1 = o0 + T,
        o2 = o1 + T,
        o3 = o2 + T;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let t = 0; t < T; t++) {
        const i = idx[t];
        s0 += xt[o0 + i];
        s1 += xt[o1 + i];
        s2 += xt[o2 + i];
        s3 += xt[o3 + i];
      }
      sums[k] = s0 / T;
      sums[k + 1] = s1 / T;
      sums[k + 2] = s2 / T;
      sums[k + 3] = s3 / T;
    }
    for (; k < K; k++) {
      const o = k * T;
      let s = 0;
      for (let t = 0; t < T; t++) s += xt[o + idx[t]];
      sums[k] = s / T;
    }
    visit(sums);
  }
}

/** a / w with a zero scale read as "certain": +∞ for a > 0, −∞ for a < 0, 0 for 0. */
export function studentize(a: number, w: number): number {
  if (w > 0) return a / w;
  return a > 0 ? Infinity : a < 0 ? -Infinity : 0;
}
