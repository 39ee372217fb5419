export { type StrategyPanel, closeReturns } from "./panel.ts";
export {
  evaluateStrategies,
  type EvaluateStrategiesOptions,
  type StrategyEvaluation,
  type StrategyMetrics,
} from "./evaluate.ts";
export {
  strategySignals,
  maCrossSignals,
  tsMomentumSignals,
  donchianSignals,
  meanReversionSignals,
  trendAtrSignals,
} from "./signals.ts";
export {
  STRATEGY_KINDS,
  STRATEGY_KIND_NAMES,
  type StrategyKindName,
  type StrategyParamsByKind,
  type StrategyParamsInputByKind,
  parseStrategyParams,
} from "./kinds.ts";
export type { StrategyKind } from "./kind.ts";
export { maCrossParams, type MaCrossParams, type MaCrossParamsInput } from "./ma-cross.ts";
export { tsMomentumParams, type TsMomentumParams, type TsMomentumParamsInput } from "./ts-momentum.ts";
export { donchianParams, type DonchianParams, type DonchianParamsInput } from "./donchian.ts";
export { meanReversionParams, type MeanReversionParams, type MeanReversionParamsInput } from "./mean-reversion.ts";
export { trendAtrParams, type TrendAtrParams, type TrendAtrParamsInput } from "./trend-atr.ts";
export { RESTART_EVERY } from "./rolling-sums.ts";
