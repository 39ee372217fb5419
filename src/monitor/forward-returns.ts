/**
 * Realized forward returns of a price history, without look-ahead: only prices dated ≤ `asOf`
 * are read, so a return exists only when its exit close is known on `asOf`.
 *
 *   fwd[t] = close[t + lag + horizon] / close[t + lag] − 1
 *
 * counted over the symbol's own rows, as the labels stage does (stages/labels.ts), so the
 * monitor judges live scores on the same target the models were trained on.
 */
import { StrataError } from "../core/errors.ts";
import type { PriceRow } from "./types.ts";

export interface ForwardReturnOptions {
  horizon: number;
  lag: number;
}

/** score date → symbol → realized forward return. Closes ≤ 0 or non-finite give no return. */
export function realizedForwardReturns(
  prices: readonly PriceRow[],
  asOf: string,
  opts: ForwardReturnOptions,
): Map<string, Map<string, number>> {
  const { horizon, lag } = opts;
  const bySymbol = new Map<string, PriceRow[]>();
  for (const p of prices) {
    // ISO dates compare as strings; everything after asOf is invisible here.
    if (p.date > asOf) continue;
    let rows = bySymbol.get(p.symbol);
    if (!rows) bySymbol.set(p.symbol, (rows = []));
    rows.push(p);
  }
  const out = new Map<string, Map<string, number>>();
  for (const [symbol, rows] of bySymbol) {
    rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    for (let i = 1; i < rows.length; i++) {
      if (rows[i].date === rows[i - 1].date) {
        throw new StrataError(
          "DATA",
          `prices hold two rows for ${symbol} on ${rows[i].date}; expected one close per (date, symbol)`,
          {
            hint: "de-duplicate the price history before monitoring",
          },
        );
      }
    }
    for (let i = 0; i + lag + horizon < rows.length; i++) {
      const entry = rows[i + lag].close,
        exit = rows[i + lag + horizon].close;
      if (!(entry > 0) || !(exit > 0) || !Number.isFinite(entry) || !Number.isFinite(exit)) continue;
      let day = out.get(rows[i].date);
      if (!day) out.set(rows[i].date, (day = new Map()));
      day.set(symbol, exit / entry - 1);
    }
  }
  return out;
}
