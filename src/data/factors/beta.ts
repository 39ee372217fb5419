/**
 * Rolling beta to the market, the market being the equal-weight mean of the daily simple
 * returns of every symbol with a return that date (the symbol itself included).
 *
 *   beta_n = cov(r_i, m_i) / var(m_i)   over the last n days, i = t−n+1 … t
 * (sample covariance and variance; the ddof cancels). NULL when the market did not move.
 * Units: dimensionless. Warm-up: n + 1 rows (n returns). n ≥ 2.
 */
import { afterWarmup, checkWindow, rolling } from "./sql.ts";
import type { Factor } from "./types.ts";

export function marketBeta(n: number): Factor {
  checkWindow("market beta", "window n", n, 2);
  const v = rolling("var_samp", "mkt", n);
  return {
    name: `beta_${n}`,
    family: "beta",
    warmup: n + 1,
    sql: afterWarmup(
      n + 1,
      `CASE WHEN ${v} > 0 THEN covar_samp(ret, mkt) OVER (w ROWS BETWEEN ${n - 1} PRECEDING AND CURRENT ROW) / ${v} ` +
        `END`,
    ),
    uses: ["n", "ret", "mkt"],
  };
}
