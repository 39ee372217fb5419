import { StrataError } from "../../core/errors.ts";
import { sharpeRatio, type SharpeRatioOptions } from "./sharpe-ratio.ts";

/**
 * Sharpe ratio over each trailing window of `window` periods ending at t (empyrical
 * `roll_sharpe_ratio`), output row-aligned with the input: NaN for t < window − 1 (pandas'
 * rolling convention; empyrical returns only the n − window + 1 full windows). Each window is
 * computed afresh by `sharpeRatio` (O(n·window), exact, no running-sum drift); a constant-rf array
 * is sliced with the window.
 */
export function rollingSharpe(returns: ArrayLike<number>, window: number, opts: SharpeRatioOptions = {}): Float64Array {
  if (!Number.isInteger(window) || window < 2) {
    throw new StrataError("ARGUMENT", `rollingSharpe: window must be an integer ≥ 2, got ${window}`, {
      hint: "e.g. 126 for a six-month window of daily returns",
    });
  }
  const n = returns.length;
  const out = new Float64Array(n).fill(NaN);
  const r = Float64Array.from(returns as ArrayLike<number>);
  const rf = opts.riskFree;
  const rfArr = rf !== undefined && typeof rf !== "number" ? Float64Array.from(rf) : undefined;
  for (let t = window - 1; t < n; t++) {
    const o = rfArr ? { ...opts, riskFree: rfArr.subarray(t - window + 1, t + 1) } : opts;
    out[t] = sharpeRatio(r.subarray(t - window + 1, t + 1), o);
  }
  return out;
}
