/**
 * Momentum: the k-day return, optionally skipping the most recent s days (Jegadeesh & Titman
 * 1993; the 12-1 month form "252-21" follows Fama & French's UMD construction).
 *
 *   mom_k    = close_t / close_{t−k} − 1
 *   mom_k_s  = close_{t−s} / close_{t−k} − 1          (0 < s < k)
 * Units: simple return (decimal), not annualized. Warm-up: k + 1 rows.
 */
import { StrataError } from "../../core/errors.ts";
import { afterWarmup, checkWindow } from "./sql.ts";
import type { Factor } from "./types.ts";

export interface MomentumOptions {
  /** Days at the end of the window left out (default 0: none). */
  skip?: number;
}

export function momentum(k: number, opts: MomentumOptions = {}): Factor {
  checkWindow("momentum", "window k", k);
  const s = opts.skip ?? 0;
  checkWindow("momentum", "skip s", s, 0);
  if (s >= k) {
    throw new StrataError("ARGUMENT", `momentum: skip ${s} must be smaller than the window ${k}`, {
      hint: `write e.g. [${Math.max(k, s + 1)}, ${s}] — the return from t−k to t−s needs k > s`,
    });
  }
  const end = s === 0 ? "close" : `lag(close, ${s}) OVER w`;
  return {
    name: s === 0 ? `mom_${k}` : `mom_${k}_${s}`,
    family: "momentum",
    warmup: k + 1,
    sql: afterWarmup(k + 1, `${end} / lag(close, ${k}) OVER w - 1`),
    uses: ["n"],
  };
}
