/**
 * One problem found in a price file, with where it is. Shared by the long-format validator
 * (ingest.ts) and the wide-table parser (wide-prices.ts), so both report the same way.
 */
export type ProblemKind =
  // errors
  | "read"
  | "empty"
  | "missing-column"
  | "missing-value"
  | "bad-date"
  | "bad-number"
  | "duplicate"
  | "non-positive"
  | "out-of-range"
  | "high-low"
  | "too-few-rows"
  // warnings
  | "gap"
  | "stale"
  | "constant"
  | "ohlc-range"
  | "jump";

export interface DataProblem {
  kind: ProblemKind;
  /** Full sentence: "prices.csv line 7: bad number "abc" in column "Close" (symbol AAPL)". */
  message: string;
  file: string;
  /** CSV: physical line, header = line 1. */
  line?: number;
  /** Parquet: 1-based data row. */
  row?: number;
  /** The file's column name. */
  column?: string;
  value?: string;
  symbol?: string;
  date?: string;
  hint?: string;
}

/**
 * Largest price accepted by default. Real prices stay far below it (Berkshire Hathaway A, the
 * highest-priced US share, trades under 1e6); anything above is a corrupt cell or wrong units,
 * and values near the double range (1e308) overflow every variance computed from them.
 */
export const DEFAULT_MAX_PRICE = 1e9;

/** Largest volume accepted (shares per bar): above it, price × volume sums lose all meaning. */
export const MAX_VOLUME = 1e15;

/** Default bound on a one-bar move |close_t / close_{t−1} − 1| before it is flagged (1 = 100 %). */
export const DEFAULT_MAX_DAILY_MOVE = 1;

/** A bound as written in messages: 1e9 rather than 1000000000. */
export function formatLimit(x: number): string {
  return Math.abs(x) >= 1e6 ? x.toExponential().replace("e+", "e") : String(x);
}
