/**
 * Long price rows (date, symbol, close) → the dense T × N panel the engine runs on.
 *
 * Rows are the distinct dates (increasing), columns the distinct symbols (sorted by code
 * unit, so the layout does not depend on row order). Returns are per symbol over its own
 * rows: r[t] = close[t] / close[previous row of that symbol] − 1, so a missing day inside a
 * symbol's life gives NaN that day (not trading: no trade, no P&L) and the move over the gap
 * lands on the next row it trades — nothing is lost.
 *
 * Listing and delisting, explicitly:
 * - before its first row and on its first row a symbol's return is NaN: it cannot be traded
 *   until it has a previous close (a listing day has no return to earn yet);
 * - after its last row, when that row is before the panel's last date (a delisting), its
 *   return is 0 on every later row: a position still held keeps its last traded value and is
 *   sold at that value at the next rebalance (the delisting proceeds go back to cash). This
 *   is the "exit at the last traded close" convention; a delisting return (e.g. CRSP's
 *   −30 % for performance delistings) can be encoded in the prices themselves.
 */
import { StrataError } from "../../core/errors.ts";

export interface PricePanel {
  /** The distinct dates, increasing (epoch days or any increasing integer code). */
  days: Int32Array;
  /** The distinct symbols, sorted. */
  symbols: string[];
  nRows: number;
  nAssets: number;
  /** T × N closes, NaN where the symbol has no row. */
  close: Float64Array;
  /** T × N simple returns (see the module comment for NaN and delisting rules). */
  returns: Float64Array;
  /** Row of each symbol's first and last price. */
  first: Int32Array;
  last: Int32Array;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Builds the panel from long columns of equal length (any row order). */
export function pricePanel(
  dates: ArrayLike<number>,
  symbols: ArrayLike<string | null>,
  close: ArrayLike<number>,
): PricePanel {
  const n = dates.length;
  if (symbols.length !== n || close.length !== n) {
    throw new StrataError(
      "ARGUMENT",
      `pricePanel: ${n} dates, ${symbols.length} symbols and ${close.length} closes; expected one of each per row`,
    );
  }
  const days = Int32Array.from(new Set(Array.from(dates))).sort();
  const names = [...new Set(Array.from(symbols as ArrayLike<string>))];
  for (const s of names) {
    if (typeof s !== "string" || s === "")
      throw new StrataError("DATA", "pricePanel: a price row has no symbol", {
        hint: "every price row needs a non-empty symbol",
      });
  }
  names.sort(byCodeUnit);
  const T = days.length,
    N = names.length;
  const row = new Map<number, number>();
  days.forEach((d, t) => row.set(d, t));
  const col = new Map<string, number>();
  names.forEach((s, i) => col.set(s, i));
  const px = new Float64Array(T * N).fill(NaN);
  for (let k = 0; k < n; k++) {
    const t = row.get(dates[k])!,
      i = col.get(symbols[k] as string)!;
    const c = close[k];
    if (!(c > 0) || !Number.isFinite(c)) {
      throw new StrataError(
        "DATA",
        `pricePanel: close of ${symbols[k]} on row ${t} is ${c}, expected a finite price > 0`,
        { hint: "fix or drop the bad price (pipeline data validate lists them)" },
      );
    }
    if (px[t * N + i] === px[t * N + i]) {
      throw new StrataError("DATA", `pricePanel: ${symbols[k]} has two prices on the same date (row ${t})`, {
        hint: "keep one row per (date, symbol)",
      });
    }
    px[t * N + i] = c;
  }
  const returns = new Float64Array(T * N).fill(NaN);
  const first = new Int32Array(N).fill(-1),
    last = new Int32Array(N).fill(-1);
  for (let i = 0; i < N; i++) {
    let prev = NaN;
    for (let t = 0; t < T; t++) {
      const c = px[t * N + i];
      if (c !== c) continue;
      if (first[i] < 0) first[i] = t;
      last[i] = t;
      if (prev === prev) returns[t * N + i] = c / prev - 1;
      prev = c;
    }
    for (let t = last[i] + 1; t < T; t++) returns[t * N + i] = 0;
  }
  return { days, symbols: names, nRows: T, nAssets: N, close: px, returns, first, last };
}

/**
 * Scatters long (date, symbol, value) rows onto the panel's grid: T × N, NaN where absent.
 * Rows whose date or symbol is not in the panel are counted in `outside`, not placed.
 */
export function panelMatrix(
  panel: PricePanel,
  dates: ArrayLike<number>,
  symbols: ArrayLike<string | null>,
  values: ArrayLike<number>,
): { matrix: Float64Array; outside: number } {
  const { nRows: T, nAssets: N } = panel;
  const row = new Map<number, number>();
  panel.days.forEach((d, t) => row.set(d, t));
  const col = new Map<string, number>();
  panel.symbols.forEach((s, i) => col.set(s, i));
  const matrix = new Float64Array(T * N).fill(NaN);
  let outside = 0;
  for (let k = 0; k < dates.length; k++) {
    const t = row.get(dates[k]),
      i = col.get(symbols[k] as string);
    if (t === undefined || i === undefined) {
      outside++;
      continue;
    }
    matrix[t * N + i] = values[k];
  }
  return { matrix, outside };
}
