/**
 * The price panel the rule strategies read, its validation, the close-to-close returns, and
 * the symbol-major copy the evaluator works on.
 *
 * Layout: row-major T × N Float64Arrays (row t = bar t, column i = symbol i), NaN where a symbol
 * has no bar (not listed yet, suspended, delisted). `high` and `low` are optional and come
 * together; without them the strategies that read them use the close (documented per kind).
 * A `PricePanel` from src/quant/backtest (closes, nRows, nAssets) is a valid `StrategyPanel`.
 */
import { StrataError } from "../../core/errors.ts";

export interface StrategyPanel {
  /** T, the number of bars. */
  nRows: number;
  /** N, the number of symbols. */
  nAssets: number;
  /** T × N closes (> 0), NaN where the symbol has no bar. */
  close: Float64Array;
  /** T × N highs, NaN where the symbol has no bar (optional, with `low`). */
  high?: Float64Array;
  /** T × N lows, NaN where the symbol has no bar (optional, with `high`). */
  low?: Float64Array;
}

/** Throws unless the shape holds and every value is a positive finite price or NaN. */
export function validatePanel(panel: StrategyPanel, fn: string): void {
  const { nRows: T, nAssets: N } = panel;
  if (!Number.isInteger(T) || !Number.isInteger(N) || T < 1 || N < 1) {
    throw new StrataError("ARGUMENT", `${fn}: nRows and nAssets must be positive integers, got ${T} × ${N}`, {
      hint: "pass the panel's shape: T bars (rows) × N symbols (columns)",
    });
  }
  if ((panel.high === undefined) !== (panel.low === undefined)) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: the panel has ${panel.high ? "high" : "low"} without ${panel.high ? "low" : "high"}`,
      {
        hint: "give both high and low, or neither (the strategies then use the close)",
      },
    );
  }
  for (const name of ["close", "high", "low"] as const) {
    const a = panel[name];
    if (a === undefined) continue;
    if (!(a instanceof Float64Array) || a.length !== T * N) {
      throw new StrataError(
        "ARGUMENT",
        `${fn}: ${name} must be a Float64Array of T × N = ${T * N} values, got ${a?.length ?? a}`,
        { hint: "lay prices out row-major: value of symbol i at bar t at index t·N + i" },
      );
    }
    for (let j = 0; j < a.length; j++) {
      const v = a[j];
      if (v !== v) continue;
      if (!(v > 0) || v === Infinity) {
        const t = Math.floor(j / N);
        throw new StrataError(
          "DATA",
          `${fn}: ${name} of symbol ${j - t * N} at row ${t} is ${v}, expected a price > 0`,
          {
            hint: "use NaN where a symbol has no bar",
          },
        );
      }
    }
  }
}

/**
 * Close-to-close simple returns, row-major T × N: r[t,i] = close[t,i] / close[t−1,i] − 1, NaN on
 * row 0 and wherever either close is missing (no P&L on that bar).
 */
export function closeReturns(panel: StrategyPanel): Float64Array {
  const { nRows: T, nAssets: N, close } = panel;
  const out = new Float64Array(T * N).fill(NaN);
  for (let j = N; j < T * N; j++) out[j] = close[j] / close[j - N] - 1;
  return out;
}

/** Symbol-major copy (column i at [i·T, (i+1)·T)) of a row-major T × N array. */
export function symbolMajor(a: Float64Array, T: number, N: number): Float64Array {
  const out = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    for (let i = 0; i < N; i++) out[i * T + t] = a[row + i];
  }
  return out;
}

/** The panel's columns, symbol-major; high and low are the closes when the panel has none. */
export interface SymbolColumns {
  T: number;
  N: number;
  close: Float64Array;
  high: Float64Array;
  low: Float64Array;
  /** Symbol-major: the last row ≤ t whose close is missing, −1 if none (lastMissing). */
  closeGaps: Int32Array;
}

/**
 * For symbol-major columns x (N columns of T rows): at [i·T + t], the last row u ≤ t with x[i·T + u]
 * missing (NaN), −1 if none — so rows a … b of symbol i are all present iff the value at b is < a.
 */
export function lastMissing(x: Float64Array, T: number, N: number): Int32Array {
  const out = new Int32Array(T * N);
  for (let i = 0; i < N; i++) {
    let last = -1;
    for (let t = 0, j = i * T; t < T; t++, j++) {
      if (x[j] !== x[j]) last = t;
      out[j] = last;
    }
  }
  return out;
}

export function symbolColumns(panel: StrategyPanel): SymbolColumns {
  const { nRows: T, nAssets: N } = panel;
  const close = symbolMajor(panel.close, T, N);
  const high = panel.high ? symbolMajor(panel.high, T, N) : close;
  const low = panel.low ? symbolMajor(panel.low, T, N) : close;
  return { T, N, close, high, low, closeGaps: lastMissing(close, T, N) };
}

/**
 * Close-to-close returns (closeReturns) of one symbol's rows t0 … t0 + n − 1 into out[0 … n − 1],
 * from the symbol-major closes of that symbol at `b`: computed where needed, not kept for the panel.
 */
export function symbolReturns(close: Float64Array, b: number, t0: number, n: number, out: Float64Array): void {
  for (let j = 0, t = t0; j < n; j++, t++) out[j] = t === 0 ? NaN : close[b + t] / close[b + t - 1] - 1;
}
