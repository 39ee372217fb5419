/**
 * Moving-average gap: how far the close is above its n-day simple moving average.
 *
 *   ma_gap_n = close_t / mean(close_i, i = t−n+1 … t) − 1
 * Units: decimal. Warm-up: n rows.
 */
import { afterWarmup, checkWindow, rolling } from "./sql.ts";
import type { Factor } from "./types.ts";

export function movingAverageGap(n: number): Factor {
  checkWindow("moving-average gap", "window n", n);
  return {
    name: `ma_gap_${n}`,
    family: "ma_gap",
    warmup: n,
    sql: afterWarmup(n, `close / ${rolling("avg", "close", n)} - 1`),
    uses: ["n"],
  };
}
