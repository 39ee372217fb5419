/**
 * Inputs, thresholds and the report of the daily monitoring pass (`monitorDay`). Everything is
 * plain JSON: dates are "YYYY-MM-DD" strings, numbers are decimals (0.05 = 5%), and a value
 * that cannot be computed yet is `null`, never NaN (JSON has no NaN).
 */
import type { Alert } from "./alert.ts";

export interface ScoreRow {
  date: string;
  symbol: string;
  score: number;
}
export interface PriceRow {
  date: string;
  symbol: string;
  close: number;
}
export interface EquityRow {
  date: string;
  equity: number;
}
export interface WeightRow {
  date: string;
  symbol: string;
  weight: number;
}

export interface MonitorThresholds {
  /** Daily rank ICs averaged into the rolling IC (trailing, in IC dates). Default 20. */
  icRollingWindow: number;
  /** Fewest daily ICs a rolling IC needs. Default 5. */
  icRollingMinPeriods: number;
  /** A rolling rank IC strictly below this counts as a weak day. Default 0.02. */
  minRollingIc: number;
  /** Last rolling-IC days inspected for model drift. Default 20. */
  driftLookbackDays: number;
  /** Review when weak days ≥ this share of `driftLookbackDays`. Default 0.5 ("at least half"). */
  driftShare: number;
  /** Number of quantile buckets of the score for the spread. Default 5 (quintiles). */
  quantiles: number;
  /** Fewest scored names with a realized return for a date's IC and spread. Default 5. */
  minNamesPerDate: number;
  /**
   * Performance drift: |live Sharpe − backtest Sharpe| / |backtest Sharpe| strictly above this alerts. Default 0.30.
   */
  maxSharpeChange: number;
  /** Fewest daily equity returns before the live Sharpe is compared. Default 20. */
  minSharpeObservations: number;
  /** Data is stale when more than this many trading days (Mon–Fri) separate lastDataDate and date. Default 1. */
  maxStaleTradingDays: number;
  /** Trailing price dates (≤ date) whose returns enter the correlation monitor. Default 60. */
  correlationWindow: number;
  /** Average pairwise correlation of held names strictly above this alerts. Default 0.7. */
  maxAverageCorrelation: number;
  /** Fewest complete return observations before the correlation alert may fire. Default 20. */
  minCorrelationObservations: number;
}

export const DEFAULT_MONITOR_THRESHOLDS: Readonly<MonitorThresholds> = Object.freeze({
  icRollingWindow: 20,
  icRollingMinPeriods: 5,
  minRollingIc: 0.02,
  driftLookbackDays: 20,
  driftShare: 0.5,
  quantiles: 5,
  minNamesPerDate: 5,
  maxSharpeChange: 0.3,
  minSharpeObservations: 20,
  maxStaleTradingDays: 1,
  correlationWindow: 60,
  maxAverageCorrelation: 0.7,
  minCorrelationObservations: 20,
});

export interface MonitorInput {
  /** The monitoring date (YYYY-MM-DD). Nothing dated after it is read. */
  date: string;
  /** Live score history (the champion's scores per date and symbol). */
  scores: ScoreRow[];
  /** Close prices; rows after `date` are ignored (and should not be passed). */
  prices: PriceRow[];
  /** Forward-return horizon in trading days (bars of the symbol), integer ≥ 1. */
  horizon: number;
  /**
   * Execution lag in bars, integer ≥ 0 (default 1, as the labels stage): a score at t is
   * judged on close[t + lag + horizon] / close[t + lag] − 1.
   */
  lag?: number;
  /** Paper equity history. */
  equity: EquityRow[];
  /** Annualized Sharpe of the champion's backtest, or null when unknown. */
  backtestSharpe: number | null;
  /** Portfolio weights over time (the latest date ≤ `date` is the current book). */
  weights: WeightRow[];
  /** Last date the data set holds prices for, or null when it holds none. */
  lastDataDate: string | null;
  thresholds?: Partial<MonitorThresholds>;
}

export interface DailyIc {
  /** Score date. */
  date: string;
  /** Names with a score and a realized forward return. */
  n: number;
  /** Pearson IC of score vs forward return; null below minNamesPerDate or for a constant side. */
  ic: number | null;
  /** Spearman rank IC (average ranks for ties). */
  rankIc: number | null;
  /** Mean forward return of the top quantile minus that of the bottom quantile. */
  spread: number | null;
  /** Trailing mean of rankIc over icRollingWindow IC dates (null below icRollingMinPeriods). */
  rollingRankIc: number | null;
}

export interface IcSummary {
  /** Score dates with a realized forward return (exit date ≤ date). */
  days: number;
  /** Last score date whose forward return is realized, or null. */
  lastRealizedDate: string | null;
  meanIc: number | null;
  meanRankIc: number | null;
  /** Mean rank IC / its standard deviation (ddof 1) × √days: the t statistic of the mean. */
  rankIcTStat: number | null;
  /** Mean of the daily top − bottom quantile spreads (forward-return units, not annualized). */
  meanSpread: number | null;
  /** Mean forward return of each quantile, bottom (1) to top, averaged over days. */
  quantileMeans: (number | null)[];
  daily: DailyIc[];
}

export type Status = "ok" | "review" | "insufficient-data";

export interface ModelDrift {
  status: Status;
  /** Rolling rank ICs inspected (up to driftLookbackDays). */
  inspected: number;
  /** How many were below minRollingIc. */
  weakDays: number;
  /** weakDays needed for review: ceil(driftShare × driftLookbackDays). */
  weakDaysForReview: number;
  threshold: number;
}

export interface PerformanceDrift {
  status: Status | "not-applicable";
  liveSharpe: number | null;
  backtestSharpe: number | null;
  /** (live − backtest) / |backtest|; null when either is unknown or the backtest Sharpe is 0. */
  sharpeChange: number | null;
  observations: number;
  threshold: number;
}

export interface DataFreshness {
  status: "ok" | "stale" | "missing";
  lastDataDate: string | null;
  /** Mon–Fri days d with lastDataDate < d ≤ date (0 when the data reaches date). */
  tradingDaysBehind: number | null;
  threshold: number;
}

export interface CorrelationMonitor {
  status: Status;
  /** Names held (non-zero weight) on the latest weights date ≤ date. */
  symbols: string[];
  weightsDate: string | null;
  /** Return dates on which every held name has a return (complete cases). */
  observations: number;
  averageCorrelation: number | null;
  /** 1 / (1 + (N − 1)·ρ̄), in (0, 1] for ρ̄ ≥ 0: effective bets per name (see correlation-monitor.ts). */
  diversificationScore: number | null;
  /** N / (1 + (N − 1)·ρ̄). */
  effectiveBets: number | null;
  threshold: number;
}

export interface MonitoringReport {
  date: string;
  horizon: number;
  lag: number;
  thresholds: MonitorThresholds;
  ic: IcSummary;
  modelDrift: ModelDrift;
  performanceDrift: PerformanceDrift;
  dataFreshness: DataFreshness;
  correlation: CorrelationMonitor;
  alerts: Alert[];
}
