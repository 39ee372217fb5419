/**
 * Volume factors.
 *
 *   vlm_z_n       = (volume_t − mean(volume)) / stdev(volume)   over the last n bars, today
 *                   included (sample stdev, ddof 1); 0 when the volume is constant. n ≥ 2.
 *                   Units: standard deviations. Warm-up: n rows.
 *   dollar_vol_n  = ln( mean(close_i × volume_i) )               over the last n bars;
 *                   NULL when that mean is not positive. Units: ln of currency units.
 *                   Warm-up: n rows.
 */
import { afterWarmup, checkWindow, rolling } from "./sql.ts";
import type { Factor } from "./types.ts";

export function volumeZScore(n: number): Factor {
  checkWindow("volume z-score", "window n", n, 2);
  const sd = rolling("stddev_samp", "volume", n);
  return {
    name: `vlm_z_${n}`,
    family: "volume",
    warmup: n,
    sql: afterWarmup(n, `CASE WHEN ${sd} > 0 THEN (volume - ${rolling("avg", "volume", n)}) / ${sd} ELSE 0 END`),
    uses: ["n"],
    prices: ["volume"],
  };
}

export function dollarVolume(n: number): Factor {
  checkWindow("dollar volume", "window n", n);
  const mean = rolling("avg", "dv", n);
  return {
    name: `dollar_vol_${n}`,
    family: "volume",
    warmup: n,
    sql: afterWarmup(n, `CASE WHEN ${mean} > 0 THEN ln(${mean}) END`),
    uses: ["n", "dv"],
    prices: ["close", "volume"],
  };
}
