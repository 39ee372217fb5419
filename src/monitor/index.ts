/**
 * Monitoring of the paper book: signal quality and drift (`monitorDay`), the weight-drift
 * history, alert delivery (`createAlerter`) and the Prometheus endpoint (`serveMetrics`).
 * Thresholds, channels and metric names: docs/monitoring.md.
 */
export { monitorDay } from "./monitor-day.ts";
export {
  DEFAULT_MONITOR_THRESHOLDS,
  type MonitorInput,
  type MonitorThresholds,
  type MonitoringReport,
  type ScoreRow,
  type PriceRow,
  type EquityRow,
  type WeightRow,
  type DailyIc,
  type IcSummary,
  type ModelDrift,
  type PerformanceDrift,
  type DataFreshness,
  type CorrelationMonitor,
  type Status,
} from "./types.ts";
export { resolveThresholds } from "./thresholds.ts";
export { realizedForwardReturns, type ForwardReturnOptions } from "./forward-returns.ts";
export { informationCoefficients } from "./information-coefficient.ts";
export { quantileSpread, type QuantileSpread } from "./quantile-spread.ts";
export { modelDrift } from "./model-drift.ts";
export { performanceDrift, equityReturns, sharpeChange } from "./performance-drift.ts";
export { dataFreshness } from "./data-freshness.ts";
export { tradingDaysBetween } from "./dates.ts";
export { correlationMonitor, heldNames } from "./correlation-monitor.ts";
export { weightHistory, weightHistoryCsv, type WeightHistoryRow } from "./weight-history.ts";
export {
  createAlerter,
  DEFAULT_WEBHOOK_ENV,
  type Alerter,
  type AlerterOptions,
  type SendResult,
  type FlushResult,
} from "./alerter.ts";
export type { Alert, AlertSeverity, AlertSink } from "./alert.ts";
export { ALERTS_FILE, STATE_FILE } from "./alert-state.ts";
export { slackPayload } from "./webhook.ts";
export { metricsText, METRIC_NAMES, type MetricsSnapshot } from "./metrics.ts";
export { serveMetrics, type MetricsServer, type ServeMetricsOptions } from "./metrics-server.ts";
export { metricsSnapshotFromPaperState, type PaperStateLike, type PaperSnapshotOptions } from "./paper-snapshot.ts";
