/**
 * Performance attribution of a held (drifting, daily-rebalanced) book: contributions by asset,
 * group and period linked to the compounded return, Brinson–Fachler sectors against the 1/N
 * universe, and factor exposures on price-only style factors. Pure numerics over the
 * backtest's T × N row-major arrays.
 */
export {
  contributionAttribution,
  type AttributionTerms,
  type ContributionAttribution,
  type ContributionOptions,
  type PeriodAttribution,
} from "./contribution.ts";
export {
  brinsonFachler,
  type BrinsonFachlerAttribution,
  type BrinsonFachlerDaily,
  type BrinsonFachlerOptions,
} from "./brinson-fachler.ts";
export {
  factorReturns,
  FACTOR_NAMES,
  type FactorName,
  type FactorReturns,
  type FactorReturnsOptions,
} from "./factor-returns.ts";
export {
  factorRegression,
  rollingFactorRegression,
  type FactorRegression,
  type FactorRegressionOptions,
  type RollingFactorRegression,
  type RollingFactorRegressionOptions,
} from "./factor-regression.ts";
export { ols, PIVOT_MIN, type OlsFit } from "./ols.ts";
export { heldWeights } from "./held-weights.ts";
export { growthPath } from "./inputs.ts";
export { attributionDocument, type AttributionDocumentInputs } from "./document.ts";
