/** Point-in-time market regimes and per-regime performance. */
export {
  marketRegimes,
  REGIMES,
  type Regime,
  type MarketRegimes,
  type MarketRegimesOptions,
} from "./market-regimes.ts";
export { regimeMetrics, type RegimeMetricsOptions, type RegimeSlice } from "./regime-metrics.ts";
