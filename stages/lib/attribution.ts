/**
 * A backtest cell's performance attribution, written beside its metrics as `attribution.json`:
 * the cell's held book from its first trade on, handed to the one document builder the paper
 * book uses too (src/quant/attribution/document.ts: by symbol, sector with Brinson–Fachler
 * against 1/N, year, month, regime, and factor exposures with the alpha left).
 */
import { attributionDocument, heldWeights } from "../../src/quant/attribution/index.ts";
import type { Evaluation, Market } from "./portfolio.ts";
import { isoDate } from "./portfolio.ts";

/**
 * Shares traded per cell of the panel, dollar volume over close (a loop: `Float64Array.from`
 * with a map function walks the iterator protocol, ~0.1 s for a 200 × 3,300 panel).
 */
function volumes(dollarVolume: Float64Array, close: Float64Array): Float64Array {
  const v = new Float64Array(close.length);
  for (let k = 0; k < v.length; k++) v[k] = dollarVolume[k] / close[k];
  return v;
}

/** The attribution document of a cell's base evaluation, from its first trade on. */
export function attributionDoc(market: Market, ev: Evaluation): Record<string, unknown> {
  const { panel } = market;
  const N = panel.nAssets,
    s = ev.start;
  return attributionDocument({
    symbols: panel.symbols,
    dates: Array.from(panel.days.subarray(s), (d) => isoDate(d)),
    weights: heldWeights(ev.base.holdings, N).subarray(s * N),
    returns: panel.returns.subarray(s * N),
    costs: ev.base.costs.subarray(s),
    net: ev.base.net.subarray(s),
    sectors: market.sectors,
    regimes: market.states.slice(s).map((x) => x ?? "unknown"),
    // The factors read every row up to the cell's last: their history starts with the data.
    factorPanel: { close: panel.close, volume: volumes(market.dollarVolume, panel.close) },
  });
}
