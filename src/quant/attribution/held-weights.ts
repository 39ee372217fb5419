/**
 * The backtest's `holdings` row t is the book after the trades at the close of t, carried into
 * row t + 1 (src/quant/backtest/types.ts); the attributions take the book held over bar t, so
 * row t of the weights is holdings row t − 1, and row 0 the book before the first row
 * (`initialWeights`, default all cash). With these weights, Σ_i w[t,i]·r[t,i] is the backtest's
 * `gross` less the cash interest, and its `contribution` matrix is w·r (NaN r → 0).
 */
import { StrataError } from "../../core/errors.ts";
import { checkCount } from "./inputs.ts";

export function heldWeights(holdings: Float64Array, nAssets: number, initialWeights?: ArrayLike<number>): Float64Array {
  checkCount("heldWeights", "nAssets", nAssets);
  if (holdings.length % nAssets !== 0) {
    throw new StrataError(
      "ARGUMENT",
      `heldWeights: holdings has ${holdings.length} values, not a multiple of N = ${nAssets}`,
      { hint: "pass the backtest's T × N holdings (run it with matrices: true, the default)" },
    );
  }
  if (initialWeights !== undefined && initialWeights.length !== nAssets) {
    throw new StrataError(
      "ARGUMENT",
      `heldWeights: initialWeights has ${initialWeights.length} values, expected N = ${nAssets}`,
    );
  }
  const w = new Float64Array(holdings.length);
  if (w.length === 0) return w;
  if (initialWeights) w.set(initialWeights);
  w.set(holdings.subarray(0, holdings.length - nAssets), nAssets);
  return w;
}
