import type { NanOption } from "./conventions.ts";

export interface DrawdownOptions extends NanOption {
  /**
   * Where the running peak starts. "start" (default, empyrical `drawdown_series`: wealth
   * starts at 1 before the first return, so a loss in the first period is a drawdown) or
   * "first" (the peak starts at the wealth after the first return, as quantstats'
   * `to_drawdown_series` on prices built from the returns: the first period is never under water).
   */
  from?: "start" | "first";
}

/**
 * Drawdown at each period, W_t / max_{s≤t} W_s − 1 ≤ 0, with W the compounded wealth
 * (empyrical `drawdown_series`). NaN returns are flat periods (`nan: "zero"`, default) or, with
 * "skip", keep a NaN slot while the wealth carries over.
 */
export function drawdownSeries(returns: ArrayLike<number>, opts: DrawdownOptions = {}): Float64Array {
  const n = returns.length;
  const out = new Float64Array(n);
  let wealth = 1;
  let peak = opts.from === "first" ? -Infinity : 1;
  for (let i = 0; i < n; i++) {
    const r = returns[i];
    const missing = Number.isNaN(r);
    if (!missing) wealth *= 1 + r;
    if (missing && opts.nan === "skip") {
      out[i] = NaN;
      continue;
    }
    if (wealth > peak) peak = wealth;
    out[i] = wealth / peak - 1;
  }
  return out;
}
