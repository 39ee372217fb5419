/**
 * The inputs every attribution shares, checked once: a held book of T rows × N assets in the
 * backtest's layout (src/quant/backtest/types.ts: row-major, `m[t * N + i]`, decimals) —
 *
 *   weights w[t,i]  the weight held over bar t: after the trade at the close of t − 1, before
 *                   bar t's return (the backtest's `holdings` shifted down one row; heldWeights)
 *   returns r[t,i]  simple return of asset i over bar t, ≥ −1, NaN = no return (contributes 0)
 *   costs   k[t]    costs charged at the close of t, fraction of equity, ≥ 0 (backtest `costs`)
 *   net     R[t]    the book's net return; default Σ_i w·r − k (backtest `net` when cashRate is 0)
 *
 * — and the compounding path G[t] = Π_{s≤t} (1 + R[s]) (G[−1] = 1) whose previous value G[t−1]
 * scales bar t's terms so that they add up to the compounded return (see contribution.ts).
 */
import { StrataError } from "../../core/errors.ts";

/** The checked book: T and N, and the net return per row (given, or Σ w·r − cost). */
export interface Book {
  nRows: number;
  nAssets: number;
  weights: Float64Array;
  returns: Float64Array;
  costs: ArrayLike<number>;
  /** R[t]: the `net` option as given, or Σ_i w·r (NaN r → 0) − cost. */
  net: Float64Array;
  /** True when `net` was given (it may then hold cash interest that Σ w·r − cost does not). */
  netGiven: boolean;
}

const BOOK_HINT = "pass T × N row-major Float64Arrays (weights held over each bar: heldWeights(result.holdings, N))";

/** Throws unless n is an integer ≥ 1. */
export function checkCount(fn: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new StrataError("ARGUMENT", `${fn}: ${name} must be an integer ≥ 1, got ${n}`);
  }
}

/** Throws unless `a` has `expected` values; `shape` says how the expectation is made up. */
export function checkLength(fn: string, name: string, a: ArrayLike<unknown>, expected: number, shape: string): void {
  if (a.length !== expected) {
    throw new StrataError("ARGUMENT", `${fn}: ${name} has ${a.length} values, expected ${shape} = ${expected}`, {
      hint: BOOK_HINT,
    });
  }
}

/** Throws on the first value of `a` that is not a simple return (finite, ≥ −1) or NaN. */
export function checkReturns(fn: string, name: string, a: ArrayLike<number>, nAssets: number): void {
  for (let j = 0; j < a.length; j++) {
    const r = a[j];
    if (r !== r || (r >= -1 && r !== Infinity)) continue;
    const t = Math.floor(j / nAssets);
    throw new StrataError(
      "ARGUMENT",
      `${fn}: ${name} of asset ${j - t * nAssets} at row ${t} is ${r}, expected a simple return ≥ −1 or NaN`,
      { hint: "NaN marks a bar without a return (not trading); it contributes 0" },
    );
  }
}

/** Throws on the first value of `a` that is not finite (and, with `min`, not ≥ min). */
export function checkFinite(fn: string, name: string, a: ArrayLike<number>, min = -Infinity, hint?: string): void {
  for (let j = 0; j < a.length; j++) {
    const v = a[j];
    if (Number.isFinite(v) && v >= min) continue;
    const want = min === -Infinity ? "a finite number" : `a finite number ≥ ${min}`;
    throw new StrataError("ARGUMENT", `${fn}: ${name}[${j}] is ${v}, expected ${want}`, hint ? { hint } : {});
  }
}

/**
 * Checks the book (lengths: weights and returns T × N with T = costs.length, net T) and returns
 * it with R[t]. Weights must be finite (a book holds a number of each asset), returns ≥ −1 or
 * NaN, costs finite ≥ 0, net finite.
 */
export function checkBook(
  fn: string,
  weights: Float64Array,
  returns: Float64Array,
  costs: ArrayLike<number>,
  nAssets: number,
  net: ArrayLike<number> | undefined,
): Book {
  checkCount(fn, "nAssets", nAssets);
  const T = costs.length;
  checkLength(fn, "weights", weights, T * nAssets, `T × N (T = costs.length = ${T}, N = ${nAssets})`);
  checkLength(fn, "returns", returns, T * nAssets, `T × N (T = costs.length = ${T}, N = ${nAssets})`);
  if (net !== undefined) checkLength(fn, "net", net, T, "T (one per row of costs)");
  checkFinite(fn, "weights", weights, -Infinity, "a held weight is a number; use 0 for an asset not held");
  checkReturns(fn, "returns", returns, nAssets);
  checkFinite(fn, "costs", costs, 0, "costs are a fraction of equity charged per row, ≥ 0");
  const R = new Float64Array(T);
  if (net !== undefined) {
    checkFinite(fn, "net", net);
    R.set(net);
  } else {
    for (let t = 0; t < T; t++) R[t] = grossReturn(weights, returns, t, nAssets) - costs[t];
  }
  return { nRows: T, nAssets, weights, returns, costs, net: R, netGiven: net !== undefined };
}

/** Σ_i w[t,i]·r[t,i] over the assets with a return on row t. */
export function grossReturn(weights: Float64Array, returns: Float64Array, t: number, N: number): number {
  let s = 0;
  for (let o = t * N, i = 0; i < N; i++) {
    const r = returns[o + i];
    if (r === r) s += weights[o + i] * r;
  }
  return s;
}

/** G[t] = Π_{s≤t} (1 + R[s]): the equity path from 1. */
export function growthPath(net: ArrayLike<number>): Float64Array {
  const G = new Float64Array(net.length);
  let g = 1;
  for (let t = 0; t < net.length; t++) G[t] = g *= 1 + net[t];
  return G;
}

/** Distinct labels in order of first appearance, and each entry's index among them. */
export interface Labels {
  names: string[];
  index: Int32Array;
}

/** Indexes one label per entry; throws unless there are exactly `expected` strings. */
export function labelIndex(
  fn: string,
  name: string,
  labels: readonly string[],
  expected: number,
  shape: string,
): Labels {
  if (labels.length !== expected) {
    throw new StrataError("ARGUMENT", `${fn}: ${name} has ${labels.length} labels, expected ${shape} = ${expected}`, {
      hint: `pass one string per ${shape.startsWith("N") ? "asset (column)" : "row"}`,
    });
  }
  const at = new Map<string, number>();
  const index = new Int32Array(expected);
  for (let j = 0; j < expected; j++) {
    const l = labels[j];
    if (typeof l !== "string") {
      throw new StrataError("ARGUMENT", `${fn}: ${name}[${j}] is ${String(l)}, expected a string label`);
    }
    let k = at.get(l);
    if (k === undefined) at.set(l, (k = at.size));
    index[j] = k;
  }
  return { names: [...at.keys()], index };
}
