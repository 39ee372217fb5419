import { drawdownSeries, type DrawdownOptions } from "./drawdown-series.ts";

/**
 * Maximum drawdown, min_t (W_t / max_{s≤t} W_s − 1) ≤ 0 (empyrical `max_drawdown`), a
 * negative decimal (−0.1 = a 10% fall from the peak). NaN for an empty series. See
 * `drawdownSeries` for the `from` and `nan` conventions; `maxDrawdownPeriod` also gives the dates.
 */
export function maxDrawdown(returns: ArrayLike<number>, opts: DrawdownOptions = {}): number {
  if (returns.length === 0) return NaN;
  const dd = drawdownSeries(returns, opts);
  let min = Infinity;
  for (let i = 0; i < dd.length; i++) if (dd[i] < min) min = dd[i]; // NaN slots compare false
  return min === Infinity ? NaN : min;
}
