import { StrataError } from "../../core/errors.ts";
import { log } from "../../core/math/index.ts";
import { leastSquaresLine } from "./centred-sums.ts";

export interface PboOptions {
  /** Number S of equal blocks of rows; even, ≥ 2. Default 16 (C(16, 8) = 12,870 combinations). */
  splits?: number;
  /**
   * Performance of a strategy on a set of rows: "sharpe" (default; per-period mean / std, ddof
   * 1), "mean", or a function of the strategy's returns on those rows (in time order).
   * Non-finite values (a constant strategy's Sharpe) rank last.
   */
  metric?: "sharpe" | "mean" | ((returns: Float64Array) => number);
}

export interface PboResult {
  /** Probability of backtest overfitting: the share of combinations with λ ≤ 0. */
  pbo: number;
  /** λ_c = ln(ω̄_c / (1 − ω̄_c)) per combination, in the order the combinations are enumerated. */
  logits: Float64Array;
  /** Index n* of the in-sample best strategy per combination. */
  selected: Int32Array;
  /** In-sample performance of n* per combination. */
  inSample: Float64Array;
  /** Out-of-sample performance of n* per combination. */
  outOfSample: Float64Array;
  /** Least-squares line outOfSample ≈ intercept + slope · inSample (performance degradation). */
  degradation: { slope: number; intercept: number };
  /** Share of combinations where n* loses out of sample (performance < 0). */
  probabilityOfLoss: number;
  combinations: number;
  splits: number;
  /** Rows used: S·⌊T/S⌋, the most recent ones (the first T mod S rows are dropped). */
  rowsUsed: number;
}

/**
 * Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey,
 * Borwein, López de Prado & Zhu 2015, "The Probability of Backtest Overfitting", Journal of
 * Computational Finance 20(4), §2–3). Input: one column of per-period returns per strategy
 * (N ≥ 2 columns, T rows). The rows are cut into S equal blocks; for each of the C(S, S/2)
 * ways to pick S/2 blocks as the training set J (the rest, J̄, is the test set):
 *   n* = argmax_n R_n(J)              (the strategy the backtest would choose; first on ties),
 *   ω̄ = rank of R_{n*}(J̄) among R_1(J̄) … R_N(J̄) / (N + 1)   (rank 1 = worst, ties averaged),
 *   λ = ln(ω̄ / (1 − ω̄)),
 * and PBO = #{λ ≤ 0} / C(S, S/2): how often the in-sample choice is no better than the
 * out-of-sample median. The degradation slope regresses R_{n*}(J̄) on R_{n*}(J). For N
 * exchangeable (skill-less) strategies ω̄ is uniform, so E[PBO] = ½ (N even); a strategy that
 * truly dominates gives PBO ≈ 0.
 */
export function probabilityOfBacktestOverfitting(
  returns: ReadonlyArray<ArrayLike<number>>,
  opts: PboOptions = {},
): PboResult {
  const S = opts.splits ?? 16;
  const metric = opts.metric ?? "sharpe";
  const { N, size, offset } = checkInputs(returns, S, metric);
  const half = S / 2;
  const perf = subsetPerformance(returns, { S, N, size, offset, metric });

  const C = binomial(S, half);
  const logits = new Float64Array(C),
    inSample = new Float64Array(C),
    outOfSample = new Float64Array(C);
  const selected = new Int32Array(C);
  const train = Int32Array.from({ length: half }, (_, i) => i);
  const test = new Int32Array(half);
  const oos = new Float64Array(N);
  for (let c = 0; c < C; c++) {
    complement(train, S, test);
    let best = 0,
      bestPerf = -Infinity;
    for (let n = 0; n < N; n++) {
      const v = rankable(perf(train, n));
      if (v > bestPerf) {
        bestPerf = v;
        best = n;
      }
    }
    for (let n = 0; n < N; n++) oos[n] = rankable(perf(test, n));
    const target = oos[best];
    let below = 0,
      equal = 0;
    for (let n = 0; n < N; n++) {
      if (oos[n] < target) below++;
      else if (oos[n] === target) equal++;
    }
    const rank = below + (equal + 1) / 2; // average rank of the ties, 1 = worst
    const w = rank / (N + 1);
    logits[c] = log(w / (1 - w));
    selected[c] = best;
    inSample[c] = bestPerf;
    outOfSample[c] = target;
    nextCombination(train, S);
  }

  let overfit = 0,
    losses = 0;
  for (let c = 0; c < C; c++) {
    if (logits[c] <= 0) overfit++;
    if (outOfSample[c] < 0) losses++;
  }
  return {
    pbo: overfit / C,
    logits,
    selected,
    inSample,
    outOfSample,
    degradation: leastSquaresLine(inSample, outOfSample),
    probabilityOfLoss: losses / C,
    combinations: C,
    splits: S,
    rowsUsed: S * size,
  };
}

/** Checks the columns, splits and metric; the block size and the rows left out at the start. */
function checkInputs(
  returns: ReadonlyArray<ArrayLike<number>>,
  S: number,
  metric: unknown,
): { N: number; size: number; offset: number } {
  const N = returns.length;
  if (N < 2) {
    throw new StrataError("ARGUMENT", `probabilityOfBacktestOverfitting: needs at least 2 strategies, got ${N}`, {
      hint: "pass one column of returns per configuration tried",
    });
  }
  const T = returns[0].length;
  for (let n = 1; n < N; n++) {
    if (returns[n].length !== T) {
      throw new StrataError(
        "ARGUMENT",
        `probabilityOfBacktestOverfitting: column ${n} has ${returns[n].length} rows, column 0 has ${T}`,
        {
          hint: "align every strategy on the same dates",
        },
      );
    }
  }
  if (!Number.isInteger(S) || S < 2 || S % 2 !== 0) {
    throw new StrataError(
      "ARGUMENT",
      `probabilityOfBacktestOverfitting: splits must be an even integer ≥ 2, got ${S}`,
      { hint: "e.g. 16 (the paper's choice)" },
    );
  }
  const size = Math.floor(T / S);
  if (size < 2) {
    throw new StrataError(
      "ARGUMENT",
      `probabilityOfBacktestOverfitting: ${T} rows cannot make ${S} blocks of at least 2 rows`,
      {
        hint: "use fewer splits or a longer history",
      },
    );
  }
  const offset = T - S * size;
  if (typeof metric !== "function" && metric !== "sharpe" && metric !== "mean") {
    throw new StrataError(
      "ARGUMENT",
      `probabilityOfBacktestOverfitting: metric must be "sharpe", "mean" or a function, got ${JSON.stringify(metric)}`,
    );
  }
  for (let n = 0; n < N; n++) {
    for (let t = offset; t < T; t++) {
      if (!Number.isFinite(returns[n][t])) {
        throw new StrataError(
          "ARGUMENT",
          `probabilityOfBacktestOverfitting: column ${n}, row ${t} is ${returns[n][t]}`,
          { hint: "drop or fill missing returns first" },
        );
      }
    }
  }

  return { N, size, offset };
}

interface Blocks {
  S: number;
  N: number;
  /** Rows per block, and the rows before the first block (T − S·size, left out). */
  size: number;
  offset: number;
  metric: NonNullable<PboOptions["metric"]>;
}

/**
 * perf(set, n): strategy n's performance over the S/2 blocks in `set`. The built-in metrics
 * combine per-block means and sums of squared deviations (computed once here); a function
 * metric gets the blocks' rows copied into one buffer.
 */
function subsetPerformance(
  returns: ReadonlyArray<ArrayLike<number>>,
  { S, N, size, offset, metric }: Blocks,
): (set: ArrayLike<number>, n: number) => number {
  // Per block and strategy: mean and sum of squared deviations (combined per subset below).
  const gMean = new Float64Array(S * N),
    gM2 = new Float64Array(S * N);
  for (let g = 0; g < S; g++) {
    for (let n = 0; n < N; n++) {
      const col = returns[n];
      const start = offset + g * size;
      let s = 0;
      for (let t = start; t < start + size; t++) s += col[t];
      const m = s / size;
      let m2 = 0;
      for (let t = start; t < start + size; t++) m2 += (col[t] - m) ** 2;
      gMean[g * N + n] = m;
      gM2[g * N + n] = m2;
    }
  }
  const half = S / 2;
  const rowsPerSet = half * size;
  const buffer = new Float64Array(rowsPerSet);
  const perf = (set: ArrayLike<number>, n: number): number => {
    if (typeof metric === "function") {
      let k = 0;
      for (let i = 0; i < half; i++) {
        const start = offset + set[i] * size;
        for (let t = start; t < start + size; t++) buffer[k++] = returns[n][t];
      }
      return metric(buffer);
    }
    let m = 0;
    for (let i = 0; i < half; i++) m += gMean[set[i] * N + n];
    m /= half;
    if (metric === "mean") return m;
    let m2 = 0;
    for (let i = 0; i < half; i++) {
      const d = gMean[set[i] * N + n] - m;
      m2 += gM2[set[i] * N + n] + size * d * d; // Chan et al.'s pairwise update, all blocks of equal size
    }
    return m / Math.sqrt(m2 / (rowsPerSet - 1));
  };

  return perf;
}

/** Non-finite performance ranks last (−∞); NaN would break the comparisons. */
function rankable(v: number): number {
  return Number.isNaN(v) ? -Infinity : v;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** The blocks not in `set` (sorted), into out. */
function complement(set: Int32Array, S: number, out: Int32Array): void {
  let j = 0,
    k = 0;
  for (let g = 0; g < S; g++) {
    if (j < set.length && set[j] === g) j++;
    else out[k++] = g;
  }
}

/** Advance a sorted k-subset of 0…S−1 to the next in lexicographic order (wraps after the last). */
function nextCombination(set: Int32Array, S: number): void {
  const k = set.length;
  let i = k - 1;
  while (i >= 0 && set[i] === S - k + i) i--;
  if (i < 0) return;
  set[i]++;
  for (let j = i + 1; j < k; j++) set[j] = set[j - 1] + 1;
}
