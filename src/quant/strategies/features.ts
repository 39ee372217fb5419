/**
 * The rolling quantities strategies read ("features"), named by type and window, and the table
 * that computes each distinct one once for all the parameter sets that read it.
 *
 * A feature is computed tile by tile: for each tile of rows [t0, t0 + n) and each symbol, its fill
 * writes the values of rows t0… into a row of a small buffer shared by every parameter set for
 * that symbol and tile (symbol-major columns in, contiguous rows out: all in cache while the sets
 * read it). Fills keep their per-symbol state between tiles and are called for every symbol on
 * every tile in row order, so a value never depends on the tile length.
 */
import { channelFill } from "./channels.ts";
import type { SymbolColumns } from "./panel.ts";
import { smaFill, zscoreFill } from "./rolling-sums.ts";
import { atrFill, rsiFill } from "./wilder.ts";

export type FeatureType = "sma" | "zscore" | "roc" | "max_high" | "min_low" | "rsi" | "atr";

export interface FeatureSpec {
  type: FeatureType;
  /** Window length in bars (≥ 1). */
  window: number;
}

/**
 * Writes the feature's values for symbol i at rows t0 … t0 + n − 1 into out[off …]. Called for
 * each symbol with consecutive tiles starting at row 0.
 */
export type FeatureFill = (i: number, t0: number, n: number, out: Float64Array, off: number) => void;

/** Rate of change: close[t] / close[t − w] − 1, NaN until t ≥ w and when either close is missing. */
function rocFill(x: Float64Array, T: number, w: number): FeatureFill {
  return (i, t0, n, out, off) => {
    const b = i * T;
    for (let j = 0; j < n; j++) {
      const t = t0 + j;
      out[off + j] = t >= w ? x[b + t] / x[b + t - w] - 1 : NaN;
    }
  };
}

export function featureFill(f: FeatureSpec, cols: SymbolColumns, maxRows: number): FeatureFill {
  const { T, N, close, high, low } = cols;
  switch (f.type) {
    case "sma":
      return smaFill(close, T, N, f.window);
    case "zscore":
      return zscoreFill(close, T, N, f.window);
    case "roc":
      return rocFill(close, T, f.window);
    case "max_high":
      return channelFill(high, T, f.window, "max", maxRows);
    case "min_low":
      return channelFill(low, T, f.window, "min", maxRows);
    case "rsi":
      return rsiFill(close, T, N, f.window);
    case "atr":
      return atrFill(close, high, low, T, N, f.window);
  }
}

/** The distinct features of many parameter sets, and where each set finds its own. */
export interface FeatureTable {
  /** The distinct features, in order of first use. */
  specs: FeatureSpec[];
  /** For each set, the slot (index into `specs`) of each feature it reads, in its order. */
  slots: Int32Array[];
}

export function featureTable(perSet: FeatureSpec[][]): FeatureTable {
  const index = new Map<string, number>();
  const specs: FeatureSpec[] = [];
  const slots = perSet.map((fs) =>
    Int32Array.from(fs, (f) => {
      const key = `${f.type}:${f.window}`;
      let s = index.get(key);
      if (s === undefined) {
        s = specs.length;
        index.set(key, s);
        specs.push(f);
      }
      return s;
    }),
  );
  return { specs, slots };
}
