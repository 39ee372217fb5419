/**
 * Realized volatility: the sample standard deviation (ddof 1) of the last n daily log returns,
 * annualized by √252.
 *
 *   vol_n = √252 · stdev(ln(close_i / close_{i−1}), i = t−n+1 … t)
 * Units: annualized decimal. Warm-up: n + 1 rows (n returns). n ≥ 2.
 */
import { afterWarmup, checkWindow, PERIODS_PER_YEAR, rolling } from "./sql.ts";
import type { Factor } from "./types.ts";

export function realizedVolatility(n: number): Factor {
  checkWindow("realized volatility", "window n", n, 2);
  return {
    name: `vol_${n}`,
    family: "volatility",
    warmup: n + 1,
    sql: afterWarmup(n + 1, `sqrt(${PERIODS_PER_YEAR}) * ${rolling("stddev_samp", "lr", n)}`),
    uses: ["n", "lr"],
  };
}
