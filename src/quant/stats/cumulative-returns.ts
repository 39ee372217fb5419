import type { NanOption } from "./conventions.ts";

export interface CumulativeReturnsOptions extends NanOption {
  /**
   * 0 (default): cumulative return Π(1 + r) − 1; any other value: wealth starting_value · Π(1 + r)
   * (empyrical `cum_returns(starting_value=…)`).
   */
  startingValue?: number;
}

/**
 * Cumulative compounded returns, one per input period (empyrical `cum_returns`). With the
 * default `nan: "zero"` a NaN return is a flat period; with "skip" it is a flat period too but
 * the output keeps its slot (NaN), so indices stay aligned with the input.
 */
export function cumulativeReturns(returns: ArrayLike<number>, opts: CumulativeReturnsOptions = {}): Float64Array {
  const n = returns.length;
  const start = opts.startingValue ?? 0;
  const out = new Float64Array(n);
  let wealth = 1;
  for (let i = 0; i < n; i++) {
    const r = returns[i];
    if (Number.isNaN(r)) {
      out[i] = opts.nan === "skip" ? NaN : start === 0 ? wealth - 1 : wealth * start;
      continue;
    }
    wealth *= 1 + r;
    out[i] = start === 0 ? wealth - 1 : wealth * start;
  }
  return out;
}
