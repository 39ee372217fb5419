/** Portfolio construction (pure numerics): risk models, expected returns, optimizers, constraints, trading rules. */
export type { Matrix, ReturnColumns } from "./dense.ts";
export { simpleReturns } from "./returns.ts";
export { meanHistoricalReturn, type MeanHistoricalReturnOptions } from "./expected-returns.ts";
export { sampleCovariance, sampleCorrelation, covToCorr, type SampleCovarianceOptions } from "./covariance.ts";
export { ledoitWolf, type LedoitWolfOptions, type LedoitWolfResult, type ShrinkageTarget } from "./ledoit-wolf.ts";
export { ewmaCovariance, type EwmaCovarianceOptions } from "./ewma-covariance.ts";
export { solveQp, type LinearConstraint, type QpOptions, type QpResult, type QpStatus } from "./qp.ts";
export {
  resolveConstraints,
  maxFeasibleNet,
  violation,
  DEFAULT_BUDGETS,
  type PortfolioConstraints,
  type ResolvedConstraints,
  type SectorCaps,
  type RiskBudgets,
} from "./constraints.ts";
export { projectOntoConstraints } from "./project.ts";
export { minVarianceClosedForm } from "./min-variance.ts";
export { riskParityWeights, type RiskParityResult } from "./risk-parity.ts";
export { linkage, leafOrder, LINKAGE_METHODS, type LinkageMethod, type Merge } from "./linkage.ts";
export { hrpWeights, clusterVariance, type HrpOptions, type HrpWeights } from "./hrp.ts";
export { portfolioPerformance, type PortfolioPerformance } from "./performance.ts";
export { rebalance, type RebalanceOptions, type RebalanceResult } from "./rebalance.ts";
export { volatilityTarget, type VolTargetOptions, type VolTargetResult } from "./vol-target.ts";
export { optimizePortfolio, type OptimizeOptions } from "./optimize.ts";
export { PORTFOLIO_METHODS, type PortfolioMethod, type PortfolioResult, type Fallback } from "./types.ts";
