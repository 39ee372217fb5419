/**
 * The daily monitoring pass: signal quality (IC, rank IC, quantile spread), model drift,
 * performance drift against the backtest, data freshness and the correlation of the book,
 * with one alert per finding. Pure: same input, same report (deterministic, JSON-serializable),
 * and nothing dated after `input.date` is read — forward returns count only when their exit
 * close is on or before `date`.
 */
import type { Alert } from "./alert.ts";
import { StrataError } from "../core/errors.ts";
import { correlationMonitor } from "./correlation-monitor.ts";
import { dataFreshness } from "./data-freshness.ts";
import { isoDay } from "./dates.ts";
import { realizedForwardReturns } from "./forward-returns.ts";
import { informationCoefficients } from "./information-coefficient.ts";
import { modelDrift } from "./model-drift.ts";
import { performanceDrift } from "./performance-drift.ts";
import { resolveThresholds } from "./thresholds.ts";
import type {
  CorrelationMonitor,
  DataFreshness,
  IcSummary,
  ModelDrift,
  MonitorInput,
  MonitoringReport,
  PerformanceDrift,
} from "./types.ts";

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const fix = (x: number | null, d = 3): string => (x === null ? "n/a" : x.toFixed(d));

export function monitorDay(input: MonitorInput): MonitoringReport {
  const { date, horizon } = input;
  const lag = checkInput(input);
  const thresholds = resolveThresholds(input.thresholds);

  const forward = realizedForwardReturns(input.prices, date, { horizon, lag });
  const ic = informationCoefficients(input.scores, forward, date, thresholds);
  const drift = modelDrift(ic.daily, thresholds);
  const perf = performanceDrift(input.equity, input.backtestSharpe, date, thresholds);
  const fresh = dataFreshness(input.lastDataDate, date, thresholds);
  const corr = correlationMonitor(input.prices, input.weights, date, thresholds);

  const alerts = [
    modelDriftAlert(drift, ic, date),
    performanceDriftAlert(perf, date),
    freshnessAlert(fresh, date),
    correlationAlert(corr, date),
  ].filter((a): a is Alert => a !== null);
  return {
    date,
    horizon,
    lag,
    thresholds,
    ic,
    modelDrift: drift,
    performanceDrift: perf,
    dataFreshness: fresh,
    correlation: corr,
    alerts,
  };
}

/** Check the dates, the horizon and the lag; returns the lag (default 1). */
function checkInput(input: MonitorInput): number {
  const { date, horizon } = input;
  isoDay(date, "monitor date");
  const lag = input.lag ?? 1;
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new StrataError("ARGUMENT", `monitorDay: horizon must be an integer ≥ 1 (trading days), got ${horizon}`, {
      hint: "pass the forward-return horizon the champion was trained on (the labels stage's horizon)",
    });
  }
  if (!Number.isInteger(lag) || lag < 0) {
    throw new StrataError("ARGUMENT", `monitorDay: lag must be an integer ≥ 0 (bars), got ${lag}`, {
      hint: "the labels stage's lag, 1 by default",
    });
  }
  if (input.lastDataDate !== null) isoDay(input.lastDataDate, "lastDataDate");
  return lag;
}

function modelDriftAlert(drift: ModelDrift, ic: IcSummary, date: string): Alert | null {
  if (drift.status !== "review") return null;
  return {
    key: "monitor:model-drift",
    severity: "warning",
    date,
    title:
      `Model drift: rolling rank IC below ${drift.threshold} on ${drift.weakDays} of the ` +
      `last ${drift.inspected} days`,
    message:
      `The live scores have lost their edge (mean rank IC ${fix(ic.meanRankIc)} over ${ic.days} days). Review ` +
      `the champion: retrain, or select another model.`,
    details: {
      weakDays: drift.weakDays,
      inspected: drift.inspected,
      weakDaysForReview: drift.weakDaysForReview,
      threshold: drift.threshold,
      meanRankIc: ic.meanRankIc,
    },
  };
}

function performanceDriftAlert(perf: PerformanceDrift, date: string): Alert | null {
  if (perf.status !== "review" || perf.sharpeChange === null) return null;
  const worse = perf.sharpeChange < 0;
  return {
    key: "monitor:performance-drift",
    severity: worse ? "warning" : "info",
    date,
    title:
      `Performance drift: live Sharpe ${fix(perf.liveSharpe, 2)} vs backtest ${fix(perf.backtestSharpe, 2)} ` +
      `(${perf.sharpeChange >= 0 ? "+" : ""}${pct(perf.sharpeChange)}, limit ±${pct(perf.threshold)})`,
    message:
      `Paper trading ${worse ? "lags" : "beats"} the backtest beyond the limit over ${perf.observations} ` +
      `daily returns. Check costs, fills and data against the backtest's assumptions.`,
    details: {
      liveSharpe: perf.liveSharpe,
      backtestSharpe: perf.backtestSharpe,
      sharpeChange: perf.sharpeChange,
      threshold: perf.threshold,
      observations: perf.observations,
    },
  };
}

function freshnessAlert(fresh: DataFreshness, date: string): Alert | null {
  if (fresh.status === "ok") return null;
  return {
    key: "monitor:data-freshness",
    severity: "critical",
    date,
    title:
      fresh.status === "missing"
        ? "Data missing: no prices at all"
        : `Stale data: last prices ${fresh.lastDataDate}, ${fresh.tradingDaysBehind} trading days behind ${date}`,
    message:
      `Signals would be computed on old prices (allowed: ${fresh.threshold} trading day behind). Update the ` +
      `data stage (pipeline run data) before trading.`,
    details: {
      lastDataDate: fresh.lastDataDate,
      tradingDaysBehind: fresh.tradingDaysBehind,
      threshold: fresh.threshold,
    },
  };
}

function correlationAlert(corr: CorrelationMonitor, date: string): Alert | null {
  if (corr.status !== "review" || corr.averageCorrelation === null) return null;
  return {
    key: "monitor:correlation",
    severity: "warning",
    date,
    title:
      `Concentration: average pairwise correlation ${fix(corr.averageCorrelation, 2)} of ${corr.symbols.length} ` +
      `held names above ${corr.threshold}`,
    message:
      `The book behaves like ${fix(corr.effectiveBets, 1)} independent names over ${corr.observations} days. ` +
      `Review the optimizer's risk controls or the sector caps.`,
    details: {
      averageCorrelation: corr.averageCorrelation,
      diversificationScore: corr.diversificationScore,
      effectiveBets: corr.effectiveBets,
      observations: corr.observations,
      threshold: corr.threshold,
      symbols: corr.symbols.length,
    },
  };
}
