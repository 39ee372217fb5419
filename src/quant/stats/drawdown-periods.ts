import { drawdownSeries } from "./drawdown-series.ts";

/** One spell under water: from a peak of wealth to its trough and back to the peak. */
export interface DrawdownPeriod {
  /** Index of the peak (the period whose close set it); −1: the start, before the first return. */
  peak: number;
  /** Index of the deepest point. */
  trough: number;
  /** Index of the first period back at the peak; null while still under water at the end. */
  recovery: number | null;
  /** Drawdown at the trough, W / peak − 1 (≤ 0). */
  depth: number;
  /** Periods from the peak to the recovery (or to the last period when not recovered). */
  length: number;
}

/**
 * The `top` deepest drawdown periods (pyfolio `gen_drawdown_table`, quantstats
 * `drawdown_details`), deepest first: each maximal spell with drawdown < 0 of the compounded
 * wealth (empyrical `drawdown_series`, wealth 1 before the first return; NaN returns flat), so
 * periods never overlap. Ties in depth keep time order.
 */
export function drawdownPeriods(returns: ArrayLike<number>, top = 5): DrawdownPeriod[] {
  const dd = drawdownSeries(returns);
  const n = dd.length;
  const out: DrawdownPeriod[] = [];
  let i = 0;
  while (i < n) {
    if (!(dd[i] < 0)) {
      i++;
      continue;
    }
    const peak = i - 1;
    let trough = i;
    while (i < n && dd[i] < 0) {
      if (dd[i] < dd[trough]) trough = i;
      i++;
    }
    const recovery = i < n ? i : null;
    out.push({ peak, trough, recovery, depth: dd[trough], length: (recovery ?? n - 1) - peak });
  }
  // Stable sort: equal depths keep time order.
  return out.sort((a, b) => a.depth - b.depth).slice(0, Math.max(0, top));
}
