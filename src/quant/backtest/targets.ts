/**
 * Target weights (dense T × N matrix with all-NaN "no rebalance" rows, or a list of rows)
 * resolved to the rows where they trade.
 */
import { StrataError } from "../../core/errors.ts";
import type { TargetRule, Targets } from "./types.ts";

/**
 * For each row t, the weight vector (length N, possibly a view) to trade at the close of t,
 * i.e. the targets decided at row t − lag; null where nothing trades. Decisions whose trade
 * row falls past the last row are dropped.
 */
export function tradeSchedule(
  targets: Exclude<Targets, TargetRule>,
  nRows: number,
  nAssets: number,
  lag: number,
): (Float64Array | null)[] {
  const out: (Float64Array | null)[] = new Array(nRows).fill(null);
  const check = (w: Float64Array, t: number) => {
    for (let i = 0; i < nAssets; i++) {
      const v = w[i];
      if (v !== v) continue;
      if (!Number.isFinite(v)) {
        throw new StrataError(
          "ARGUMENT",
          `backtest: target weight of asset ${i} at row ${t} is ${v}, expected a finite number or NaN (no trade)`,
        );
      }
    }
  };
  if (targets instanceof Float64Array) {
    if (targets.length !== nRows * nAssets) {
      throw new StrataError(
        "ARGUMENT",
        `backtest: targets has ${targets.length} values, expected T × N = ${nRows} × ${nAssets} = ${nRows * nAssets}`,
        {
          hint:
            "pass targets with the same shape as returns (all-NaN rows = no rebalance), or a list of { t, " +
            "weights }",
        },
      );
    }
    for (let t = 0; t + lag < nRows; t++) {
      const w = targets.subarray(t * nAssets, (t + 1) * nAssets);
      let any = false;
      for (let i = 0; i < nAssets; i++)
        if (w[i] === w[i]) {
          any = true;
          break;
        }
      if (!any) continue;
      check(w, t);
      out[t + lag] = w;
    }
    return out;
  }
  let prev = -1;
  for (const { t, weights } of targets) {
    if (!Number.isInteger(t) || t < 0 || t >= nRows || t <= prev) {
      throw new StrataError(
        "ARGUMENT",
        `backtest: target row t = ${t} is not an integer in ${prev + 1}..${nRows - 1}`,
        {
          hint: "list target rows once each, in increasing order, within the rows of returns",
        },
      );
    }
    if (weights.length !== nAssets) {
      throw new StrataError(
        "ARGUMENT",
        `backtest: target weights at row ${t} have ${weights.length} values, expected nAssets = ${nAssets}`,
      );
    }
    check(weights, t);
    prev = t;
    if (t + lag < nRows) out[t + lag] = weights;
  }
  return out;
}
