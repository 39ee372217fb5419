/**
 * Shapes shared by the factor builders. A factor is one SQL expression evaluated over the
 * per-bar relation built by `barsQuery` (see bars.ts), with the named window `w`
 * = (PARTITION BY symbol ORDER BY date); builders add their own ROWS frame to it.
 */
export type FactorFamily =
  | "momentum"
  | "reversal"
  | "volatility"
  | "range_volatility"
  | "atr"
  | "rsi"
  | "ma_gap"
  | "donchian"
  | "volume"
  | "beta";

/** Price columns a factor reads; all but close may be missing from a file (close-only data). */
export type PriceInput = "open" | "high" | "low" | "close" | "volume";

/** Per-bar columns a factor may read besides date, symbol, open, high, low, close, volume. */
export type BarColumn = "n" | "prev_close" | "ret" | "lr" | "gain" | "loss" | "tr" | "pk" | "gk" | "dv" | "mkt";

export interface Factor {
  /** Output column, e.g. "mom_20", "mom_252_21". */
  name: string;
  family: FactorFamily;
  /**
   * Rows of the symbol (today included) the value needs. On a symbol's earlier rows the value
   * is NULL — warm-up is never zero-filled, and counts from the symbol's own first row, so a
   * late listing warms up on its own.
   */
  warmup: number;
  /** SQL expression over the bars relation; windows use `w`. */
  sql: string;
  /** Per-bar columns the expression reads. */
  uses: BarColumn[];
  /**
   * Price columns the value needs (default ["close"]). Without one of them the factor is NULL
   * on every row, so the features stage leaves it out (see stages/features.ts).
   */
  prices?: PriceInput[];
}

/** A column of the features table with its warm-up (for metrics and docs). */
export interface FeatureColumn {
  name: string;
  family: FactorFamily | "rank" | "zscore";
  warmup: number;
}
