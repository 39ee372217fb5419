/**
 * Model drift: the live signal has decayed when the rolling rank IC sits below a threshold on
 * at least `driftShare` of the last `driftLookbackDays` days (default: 10 of the last 20) →
 * "review". Fewer rolling values than the lookback and not yet enough weak days →
 * "insufficient-data" (a short history can already prove decay, but not its absence).
 */
import type { DailyIc, ModelDrift, MonitorThresholds } from "./types.ts";

export function modelDrift(
  daily: readonly DailyIc[],
  t: Pick<MonitorThresholds, "minRollingIc" | "driftLookbackDays" | "driftShare">,
): ModelDrift {
  const rolling = daily.flatMap((d) => (d.rollingRankIc === null ? [] : [d.rollingRankIc]));
  const last = rolling.slice(-t.driftLookbackDays);
  const weakDays = last.filter((v) => v < t.minRollingIc).length;
  // ceil(0.5 × 20) = 10; the small epsilon keeps ceil(0.3 × 10) at 3, not 4 (0.3 × 10 = 3.0000000000000004).
  const weakDaysForReview = Math.max(1, Math.ceil(t.driftShare * t.driftLookbackDays - 1e-9));
  const status =
    weakDays >= weakDaysForReview ? "review" : last.length < t.driftLookbackDays ? "insufficient-data" : "ok";
  return { status, inspected: last.length, weakDays, weakDaysForReview, threshold: t.minRollingIc };
}
