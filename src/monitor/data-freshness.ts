/**
 * Data freshness: how many trading days (Mon–Fri) the newest price lags the monitoring date.
 * With the default threshold of 1, data up to the previous close is fresh (the daily cycle
 * runs before the day's close is known); two or more missing days are stale.
 */
import { tradingDaysBetween } from "./dates.ts";
import type { DataFreshness, MonitorThresholds } from "./types.ts";

export function dataFreshness(
  lastDataDate: string | null,
  date: string,
  t: Pick<MonitorThresholds, "maxStaleTradingDays">,
): DataFreshness {
  if (lastDataDate === null) {
    return { status: "missing", lastDataDate: null, tradingDaysBehind: null, threshold: t.maxStaleTradingDays };
  }
  const behind = tradingDaysBetween(lastDataDate, date);
  return {
    status: behind > t.maxStaleTradingDays ? "stale" : "ok",
    lastDataDate,
    tradingDaysBehind: behind,
    threshold: t.maxStaleTradingDays,
  };
}
