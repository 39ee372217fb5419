/**
 * Donchian channel position (the breakout distance of Donchian's n-day rule): where the close
 * sits between the lowest low and the highest high of the last n bars, today included.
 *
 *   donch_n = (close_t − min L) / (max H − min L)   over i = t−n+1 … t
 * 1 = at the top of the channel (a breakout), 0 = at the bottom; 0.5 when the channel has no
 * width. Units: 0 … 1. Warm-up: n rows.
 */
import { afterWarmup, checkWindow, rolling } from "./sql.ts";
import type { Factor } from "./types.ts";

export function donchianPosition(n: number): Factor {
  checkWindow("Donchian position", "window n", n);
  const hi = rolling("max", "high", n),
    lo = rolling("min", "low", n);
  return {
    name: `donch_${n}`,
    family: "donchian",
    warmup: n,
    sql: afterWarmup(n, `CASE WHEN ${hi} > ${lo} THEN (close - ${lo}) / (${hi} - ${lo}) ELSE 0.5 END`),
    uses: ["n"],
    prices: ["high", "low", "close"],
  };
}
