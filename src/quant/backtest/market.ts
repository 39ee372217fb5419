/**
 * The equal-weight market of a price panel and its regime states: one rule for the backtest,
 * the baselines and paper trading (whose decision-time regime must be the state the backtest
 * would have seen that day).
 *
 * Market return of row t = the mean, over the names TRADING on row t, of their simple return
 * r[t, i] (panel.ts: close over the name's previous row − 1):
 * - a name trading on t has a close on t and an earlier row; the move over a gap in its rows
 *   lands on the row it trades again (nothing is lost, nothing is invented);
 * - a name without a close on t does not count: not before listing, not on a missing day, and
 *   not after delisting (the panel's held-at-last-price zeros are not market moves);
 * - NaN where no name trades with a return (row 0 always).
 * Summed in the panel's symbol order, so the bits do not depend on row order or threads.
 * Point in time: row t reads rows ≤ t only; the states come from marketRegimes, causal too.
 */
import { marketRegimes, type MarketRegimesOptions, type Regime } from "../regime/market-regimes.ts";
import type { PricePanel } from "./panel.ts";

/** Equal-weight return of the names trading on each panel row (NaN where none has a return). */
export function equalWeightMarketReturns(panel: PricePanel): Float64Array {
  const { nRows: T, nAssets: N, close, returns } = panel;
  const out = new Float64Array(T).fill(NaN);
  for (let t = 0; t < T; t++) {
    let s = 0,
      n = 0;
    for (let i = 0; i < N; i++) {
      if (close[t * N + i] !== close[t * N + i]) continue; // not trading on t
      const r = returns[t * N + i];
      if (r === r) {
        s += r;
        n++;
      }
    }
    if (n) out[t] = s / n;
  }
  return out;
}

export interface PanelMarket {
  /** equalWeightMarketReturns(panel). */
  marketReturns: Float64Array;
  /** Regime state of each panel row; null on row 0 (no return) and during the warm-up. */
  states: (Regime | null)[];
}

/** The panel's market returns and the regime state of every row (marketRegimes from row 1). */
export function panelMarket(panel: PricePanel, opts: MarketRegimesOptions = {}): PanelMarket {
  const marketReturns = equalWeightMarketReturns(panel);
  if (panel.nRows === 0) return { marketReturns, states: [] };
  // Row 0 has no return: regimes start from row 1 (states[0] stays null).
  const m = marketRegimes(marketReturns.subarray(1), opts);
  return { marketReturns, states: [null, ...m.states] };
}
