export { mean } from "./mean.ts";
export { variance } from "./variance.ts";
export { deviation } from "./deviation.ts";
export { rank } from "./rank.ts";
export { pearson } from "./pearson.ts";
export { spearman } from "./spearman.ts";
export {
  crossSectionIc,
  dailyIc,
  icSummary,
  type IcOptions,
  type DailyIc,
  type IcSummary,
} from "./information-coefficient.ts";
export {
  excessReturns,
  riskFreePerPeriod,
  DEFAULT_PERIODS_PER_YEAR,
  type PeriodsOption,
  type RiskFreeOption,
  type NanOption,
} from "./conventions.ts";
export { quantile, quantileSorted } from "./quantile.ts";
export { normalQuantile } from "./normal-quantile.ts";
export { centralMoments, type CentralMoments } from "./central-moments.ts";
export { cumulativeReturns, type CumulativeReturnsOptions } from "./cumulative-returns.ts";
export { totalReturn } from "./total-return.ts";
export { cagr, type CagrOptions } from "./cagr.ts";
export { annualVolatility, type AnnualVolatilityOptions } from "./annual-volatility.ts";
export { sharpeRatio, type SharpeRatioOptions } from "./sharpe-ratio.ts";
export { downsideRisk, type DownsideRiskOptions } from "./downside-risk.ts";
export { sortinoRatio, type SortinoRatioOptions } from "./sortino-ratio.ts";
export { drawdownSeries, type DrawdownOptions } from "./drawdown-series.ts";
export { maxDrawdown } from "./max-drawdown.ts";
export { drawdownPeriods, type DrawdownPeriod } from "./drawdown-periods.ts";
export { maxDrawdownPeriod, type MaxDrawdownPeriod, type MaxDrawdownPeriodOptions } from "./max-drawdown-period.ts";
export { calmarRatio, type CalmarRatioOptions } from "./calmar-ratio.ts";
export { omegaRatio, type OmegaRatioOptions } from "./omega-ratio.ts";
export { tailRatio } from "./tail-ratio.ts";
export { skew, type SkewOptions } from "./skew.ts";
export { kurtosis, type KurtosisOptions } from "./kurtosis.ts";
export { valueAtRisk, type ValueAtRiskOptions } from "./value-at-risk.ts";
export { conditionalValueAtRisk } from "./conditional-value-at-risk.ts";
export { winRate, type WinRateOptions } from "./win-rate.ts";
export { bestPeriod, type ExtremePeriod } from "./best-period.ts";
export { worstPeriod } from "./worst-period.ts";
export { alphaBeta, type AlphaBeta, type AlphaBetaOptions } from "./alpha-beta.ts";
export { monthlyReturns, type MonthlyReturnsRow } from "./monthly-returns.ts";
export { rollingSharpe } from "./rolling-sharpe.ts";
export { tearsheet, type Tearsheet, type TearsheetOptions } from "./tearsheet.ts";
export { normalCdf } from "./normal-cdf.ts";
export {
  probabilisticSharpeRatio,
  sharpeRatioStandardError,
  returnsSharpeMoments,
  type ProbabilisticSharpeRatioOptions,
  type ReturnShapeOptions,
  type ReturnsSharpeMoments,
} from "./probabilistic-sharpe-ratio.ts";
export { expectedMaxSharpe, EULER_MASCHERONI, type ExpectedMaxSharpeOptions } from "./expected-max-sharpe.ts";
export { deflatedSharpeRatio, type DeflatedSharpeRatioOptions } from "./deflated-sharpe-ratio.ts";
export { minTrackRecordLength, type MinTrackRecordLengthOptions } from "./min-track-record-length.ts";
export { sharpeSignificance, type SharpeSignificance, type SharpeSignificanceOptions } from "./sharpe-significance.ts";
export {
  stationaryBootstrapIndices,
  circularBlockBootstrapIndices,
  blockBootstrapIndices,
  stationaryBootstrapVariance,
  type BlockBootstrapMethod,
  type BootstrapIndicesOptions,
} from "./block-bootstrap.ts";
export { optimalBlockLength, type OptimalBlockLength } from "./optimal-block-length.ts";
export {
  bootstrapConfidenceIntervals,
  bootstrapDistribution,
  type BlockBootstrapOptions,
  type BootstrapConfidenceIntervalOptions,
  type BootstrapConfidenceIntervals,
  type ConfidenceInterval,
} from "./bootstrap-confidence-intervals.ts";
export { performanceDifferentials, type MultipleComparisonOptions } from "./multiple-comparison.ts";
export { realityCheck, type RealityCheckResult } from "./reality-check.ts";
export { spaTest, type SpaTestResult } from "./spa-test.ts";
export {
  probabilityOfBacktestOverfitting,
  type PboOptions,
  type PboResult,
} from "./probability-of-backtest-overfitting.ts";
export { signTest, binomialUpperTail, type SignTestOptions, type SignTestResult } from "./sign-test.ts";
export { monteCarloReturns, type MonteCarloReturns, type MonteCarloReturnsOptions } from "./monte-carlo-returns.ts";
export { alignByDate } from "./align-by-date.ts";
