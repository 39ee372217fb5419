/**
 * Short-term reversal (Jegadeesh 1990; Lehmann 1990): minus the k-day return, so that a high
 * value means "fell recently, expected to bounce".
 *
 *   rev_k = −(close_t / close_{t−k} − 1)
 * Units: simple return (decimal). Warm-up: k + 1 rows.
 */
import { afterWarmup, checkWindow } from "./sql.ts";
import type { Factor } from "./types.ts";

export function reversal(k: number): Factor {
  checkWindow("reversal", "window k", k);
  return {
    name: `rev_${k}`,
    family: "reversal",
    warmup: k + 1,
    sql: afterWarmup(k + 1, `1 - close / lag(close, ${k}) OVER w`),
    uses: ["n"],
  };
}
