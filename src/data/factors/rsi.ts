/**
 * Relative strength index with simple-average smoothing (Cutler's RSI). Wilder (1978) defines
 * RSI = 100 − 100 / (1 + RS), RS = AvgGain / AvgLoss over n days, his averages being the
 * recursive AvgGain_t = ((n−1)·AvgGain_{t−1} + gain_t)/n. Here the averages are plain n-day
 * means of the last n close-to-close gains and losses (the variant attributed to Cutler), for
 * the same reason as atr.ts: the recursion does not vectorize in SQL.
 *
 *   rsi_n = 100 · Σgain / (Σgain + Σloss)      (equal to 100 − 100/(1 + RS))
 *         = 50 when the window has neither gains nor losses (a flat price)
 * Units: 0 … 100. Warm-up: n + 1 rows (n price changes).
 */
import { afterWarmup, checkWindow, rolling } from "./sql.ts";
import type { Factor } from "./types.ts";

export function rsi(n: number): Factor {
  checkWindow("RSI", "window n", n);
  const up = rolling("sum", "gain", n),
    down = rolling("sum", "loss", n);
  return {
    name: `rsi_${n}`,
    family: "rsi",
    warmup: n + 1,
    sql: afterWarmup(n + 1, `CASE WHEN ${up} + ${down} > 0 THEN 100 * ${up} / (${up} + ${down}) ELSE 50 END`),
    uses: ["n", "gain", "loss"],
  };
}
