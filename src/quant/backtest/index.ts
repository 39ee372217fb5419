export * from "./types.ts";
export { backtest } from "./backtest.ts";
export { rebalanceRows, sampleTargets, type RebalanceFrequency, type RebalanceScheduleOptions } from "./schedule.ts";
export {
  bpsRate,
  impactCost,
  impactLaw,
  linearCostRate,
  orderCommission,
  slippedPrice,
  squareRootImpact,
  weightTradeCost,
  type ImpactLaw,
  type OrderCostModel,
  type SquareRootImpactOptions,
} from "./costs.ts";
export { pricePanel, panelMatrix, type PricePanel } from "./panel.ts";
export { equalWeightMarketReturns, panelMarket, type PanelMarket } from "./market.ts";
export { momentumScores, reversalScores, equalWeightTargets, buyAndHoldTargets } from "./baselines.ts";
export {
  signalPortfolio,
  decisionRule,
  type SignalPortfolioOptions,
  type Decision,
  type SkippedDecision,
  type TradingRules,
  type CovarianceEstimator,
} from "./signal-portfolio.ts";
export {
  summarizeDecisions,
  optimizerLabel,
  formatShare,
  type DecisionSummary,
  type DecisionSummaryOptions,
} from "./decision-summary.ts";
