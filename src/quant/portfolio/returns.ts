import type { ReturnColumns } from "./dense.ts";
import { shapeOf } from "./dense.ts";

/**
 * Simple returns r_t = p_t / p_{t−1} − 1 of each price column (T prices → T − 1 returns).
 * A missing price (NaN) makes both returns touching it NaN, like pandas' `pct_change` on a
 * series whose gaps are leading (the only gaps PyPortfolioOpt's test prices have). The first
 * row of `pct_change` (all NaN) is not emitted, as PyPortfolioOpt drops it (`dropna(how="all")`).
 */
export function simpleReturns(prices: ReturnColumns): Float64Array[] {
  const [n, t] = shapeOf(prices, "simpleReturns");
  const out: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const p = prices[j];
    const r = new Float64Array(Math.max(0, t - 1));
    for (let i = 1; i < t; i++) r[i - 1] = p[i] / p[i - 1] - 1;
    out.push(r);
  }
  return out;
}
