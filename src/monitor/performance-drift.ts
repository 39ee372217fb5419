/**
 * Performance drift: the live (paper) Sharpe ratio against the champion's backtest Sharpe.
 *
 *   change = (S_live − S_backtest) / |S_backtest|
 *
 * "review" when |change| > maxSharpeChange (default 0.30, i.e. a Sharpe 30% away from the
 * backtest in either direction: a live strategy that beats its backtest by far is as
 * suspicious as one that lags it). S_live is annualized as everywhere in Strata: mean / std
 * (ddof 1) × √252 of the daily equity returns (sharpeRatio, empyrical's convention).
 */
import { sharpeRatio } from "../quant/stats/sharpe-ratio.ts";
import type { EquityRow, MonitorThresholds, PerformanceDrift } from "./types.ts";

/** Daily simple returns e[t] / e[t−1] − 1 of the equity rows dated ≤ asOf, in date order. */
export function equityReturns(equity: readonly EquityRow[], asOf: string): number[] {
  const rows = equity.filter((e) => e.date <= asOf).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const out: number[] = [];
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1].equity,
      cur = rows[i].equity;
    if (prev > 0 && Number.isFinite(cur)) out.push(cur / prev - 1);
  }
  return out;
}

/** (live − backtest) / |backtest|; null when either is not finite or the backtest Sharpe is 0. */
export function sharpeChange(live: number | null, backtest: number | null): number | null {
  if (live === null || backtest === null || !Number.isFinite(live) || !Number.isFinite(backtest) || backtest === 0)
    return null;
  return (live - backtest) / Math.abs(backtest);
}

export function performanceDrift(
  equity: readonly EquityRow[],
  backtestSharpe: number | null,
  asOf: string,
  t: Pick<MonitorThresholds, "maxSharpeChange" | "minSharpeObservations">,
): PerformanceDrift {
  const r = equityReturns(equity, asOf);
  const s = r.length >= 2 ? sharpeRatio(r) : NaN;
  const liveSharpe = Number.isFinite(s) ? s : null;
  const bt = backtestSharpe !== null && Number.isFinite(backtestSharpe) ? backtestSharpe : null;
  const change = sharpeChange(liveSharpe, bt);
  const base = {
    liveSharpe,
    backtestSharpe: bt,
    sharpeChange: change,
    observations: r.length,
    threshold: t.maxSharpeChange,
  };
  if (bt === null || bt === 0) return { status: "not-applicable", ...base };
  if (r.length < t.minSharpeObservations || change === null) return { status: "insufficient-data", ...base };
  return { status: Math.abs(change) > t.maxSharpeChange ? "review" : "ok", ...base };
}
