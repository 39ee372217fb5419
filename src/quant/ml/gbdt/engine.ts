/**
 * Shared set-up of a tree-ensemble fit: binning, the shared buffers the kernels work on, the
 * executor (main thread + worker pool), fixed-point gradients, row/feature sampling, and the
 * routing of binned rows through a grown tree.
 */
import { availableParallelism } from "node:os";
import { StrataError } from "../../../core/errors.ts";
import type { Rng } from "../../../core/rng.ts";
import type { FeatureMatrix, FitOptions } from "../types.ts";
import type { BinnedMatrix } from "./binning.ts";
import { gbdtKernels, type KernelStateInit } from "./kernels.ts";
import { openExecutor, type Executor } from "./pool.ts";
import type { GrownTree } from "./grow.ts";

const K = gbdtKernels();

export interface Engine {
  binned: BinnedMatrix;
  exec: Executor;
  nRows: number;
}

/** Below this many cells (rows × features) threads cost more than they save. */
const MIN_CELLS_FOR_THREADS = 200_000;

/**
 * Threads to train on: opts.threads if given (capped by the feature count, since histogram
 * work is split by feature), else the machine's available parallelism for data large enough.
 */
export function resolveThreads(threads: number | undefined, nRows: number, nFeatures: number, where: string): number {
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new StrataError("ARGUMENT", `${where}: opts.threads = ${threads}: expected an integer ≥ 1`, {
        hint: "omit it to use every available core",
      });
    }
    return Math.max(1, Math.min(threads, nFeatures));
  }
  if (nRows * nFeatures < MIN_CELLS_FOR_THREADS) return 1;
  return Math.max(1, Math.min(availableParallelism(), nFeatures, 16));
}

/**
 * Bin X and open an executor. `boost`: also allocate the shared boosting state (labels y,
 * weights, predictions, gradients) used by the OP_PRED/OP_GRAD/OP_QUANT jobs.
 */
export async function createEngine(
  X: FeatureMatrix,
  maxBins: number,
  threads: number,
  nSlots: number,
  boost?: { y: Float64Array; weights?: Float64Array },
): Promise<Engine> {
  const n = X.nRows,
    F = X.nFeatures;
  const mk = <T>(C: new (b: ArrayBufferLike) => T, bytes: number): T =>
    new C(threads > 1 ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const L = K.layout(F, nSlots);
  const rowWords = (F + 3) >> 2;
  // Binning runs on the executor's threads (OP_BIN): the columns go to shared memory first.
  const cols = mk(Float32Array, 4 * n * F);
  X.columns.forEach((c, f) => cols.set(c, f * n));
  const nb = boost ? n : 0;
  const y = mk(Float64Array, 8 * nb);
  if (boost) y.set(boost.y);
  const weights = mk(Float64Array, boost?.weights ? 8 * n : 0);
  if (boost?.weights) weights.set(boost.weights);
  const init: KernelStateInit = {
    nRows: n,
    nFeatures: F,
    nSlots,
    codes: mk(Uint8Array, n * F),
    rowCodes: mk(Uint32Array, 4 * n * rowWords),
    rowWords,
    nBins: mk(Int32Array, 4 * F),
    hasMissing: mk(Uint8Array, F),
    grad: mk(Float64Array, 8 * n),
    hess: mk(Float64Array, 8 * n),
    rows: mk(Int32Array, 4 * n),
    hist: mk(Float64Array, 8 * nSlots * F * 512),
    task: mk(Int32Array, 4 * L.end),
    result: mk(Float64Array, 8 * Math.max(2 * nSlots * F * 8, 64)),
    param: mk(Float64Array, 8 * 8),
    y,
    weights,
    pred: mk(Float64Array, 8 * nb),
    leafOf: mk(Int32Array, 4 * nb),
    gradF: mk(Float64Array, 8 * nb),
    leaf: mk(Float64Array, 8 * 8 * (2 * nSlots + 2)),
    rowsTmp: mk(Int32Array, 4 * n),
    pieceLeft: mk(Int32Array, 4 * nSlots * threads),
    cols,
    // Row-split dense builds (kernels.ts, OP_HISTROWS) when their scratch stays small.
    scratch: mk(
      Float64Array,
      threads > 1 && (threads - 1) * 4 * F * 512 * 8 <= 2 ** 26 ? 8 * (threads - 1) * 4 * F * 512 : 0,
    ),
    cutsOut: mk(Float64Array, 8 * 256 * F),
    nCuts: mk(Int32Array, 4 * F),
  };
  const exec = await openExecutor(init, threads);
  const S = exec.state;
  try {
    S.param[6] = maxBins;
    S.task[K.T_OP] = K.OP_BIN;
    exec.run();
    S.task[K.T_OP] = K.OP_ROWMAJOR;
    exec.run();
  } catch (e) {
    exec.close();
    throw e;
  }
  const cuts = Array.from({ length: F }, (_, f) => S.cutsOut.slice(256 * f, 256 * f + S.nCuts[f]));
  const binned: BinnedMatrix = {
    nRows: n,
    nFeatures: F,
    codes: S.codes,
    cuts,
    nBins: S.nBins,
    hasMissing: S.hasMissing,
  };
  return { binned, exec, nRows: n };
}

/**
 * Power-of-two scale s such that Σ|round(v·s)| over `count` terms with |v| ≤ maxAbs stays below
 * 2^52: every partial sum of the fixed-point values is then an exactly representable integer,
 * so sums are exact and order-independent. The resolution is ≈ maxAbs·count·2^−51 — finer
 * than float32 gradients for any count below 2^27.
 */
export function fixedPointScale(maxAbs: number, count: number): number {
  if (!(maxAbs > 0) || count <= 0) return 1;
  const bound = 2 ** 51 / (count + 1);
  let e = Math.floor(Math.log2(bound / maxAbs));
  if (e > 1000) e = 1000;
  let s = 2 ** e;
  while (s * maxAbs + 0.5 > bound) s /= 2;
  return s;
}

/** Quantize `values` (rows where `use` is nonzero, or all) into out with scale s. */
export function quantizeInto(values: Float64Array, s: number, out: Float64Array): void {
  for (let i = 0; i < values.length; i++) out[i] = Math.round(values[i] * s);
}

/** `k` of `n` feature indices drawn without replacement, sorted ascending. */
export function sampleFeatures(rng: Rng, n: number, k: number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, k).sort();
}

/** Route row r through a grown tree using bin codes (fit-time routing). Returns the leaf id. */
export function leafOfBinnedRow(g: GrownTree, binned: BinnedMatrix, r: number): number {
  const { feature, defaultLeft, left, right } = g.tree;
  const { codes, nRows, nBins, hasMissing } = binned;
  let k = 0;
  while (feature[k] >= 0) {
    const f = feature[k];
    const c = codes[f * nRows + r];
    const goLeft = c <= g.bin[k] || (hasMissing[f] === 1 && c === nBins[f] && defaultLeft[k]);
    k = goLeft ? left[k] : right[k];
  }
  return k;
}

export function checkAborted(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) {
    throw new StrataError("ABORTED", `${where}: aborted`, { cause: signal.reason });
  }
}

/** Let timers, I/O and abort events run between trees. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Validate X, y and the fit options shared by the tree learners. */
export function checkFitInputs(where: string, X: FeatureMatrix, y: Float64Array, opts: FitOptions): void {
  const issues: string[] = [];
  if (!X || !Array.isArray(X.columns) || X.columns.length !== X.nFeatures)
    issues.push(`X must be a FeatureMatrix (columns.length = nFeatures)`);
  else {
    X.columns.forEach((c, j) => {
      if (!(c instanceof Float32Array) || c.length !== X.nRows)
        issues.push(`X.columns[${j}] ('${X.names[j]}') must be a Float32Array of ${X.nRows} rows`);
    });
    if (X.names.length !== X.nFeatures) issues.push(`X.names has ${X.names.length} names for ${X.nFeatures} features`);
  }
  if (X && y.length !== X.nRows) issues.push(`y has ${y.length} rows, X has ${X.nRows}`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) {
      issues.push(`y[${i}] = ${y[i]}: labels must be finite (drop or impute those rows first)`);
      break;
    }
  }
  if (opts.weights) {
    if (opts.weights.length !== y.length)
      issues.push(`opts.weights has ${opts.weights.length} rows, y has ${y.length}`);
    for (let i = 0; i < opts.weights.length; i++) {
      const w = opts.weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) {
        issues.push(`opts.weights[${i}] = ${w}: weights must be finite and ≥ 0`);
        break;
      }
    }
  }
  if (opts.valid) {
    const v = opts.valid;
    if (v.X.nFeatures !== X.nFeatures) issues.push(`opts.valid.X has ${v.X.nFeatures} features, X has ${X.nFeatures}`);
    else if (v.X.names.some((nm, j) => nm !== X.names[j]))
      issues.push(`opts.valid.X feature names differ from X's (${v.X.names.join(", ")} vs ${X.names.join(", ")})`);
    if (v.y.length !== v.X.nRows) issues.push(`opts.valid.y has ${v.y.length} rows, opts.valid.X has ${v.X.nRows}`);
  }
  if (issues.length) {
    throw new StrataError("ARGUMENT", `${where}: invalid input:\n  - ${issues.join("\n  - ")}`, {
      details: { issues },
    });
  }
}
