import {
  ddofOf,
  deviationWithDdof,
  excessReturns,
  periodsPerYearOf,
  type PeriodsOption,
  type RiskFreeOption,
} from "./conventions.ts";
import { mean } from "./mean.ts";

export interface SharpeRatioOptions extends PeriodsOption, RiskFreeOption {
  /** Delta degrees of freedom of the standard deviation: 1 (default, empyrical) or 0. */
  ddof?: number;
}

/**
 * Annualized Sharpe ratio (empyrical `sharpe_ratio`; Sharpe 1994):
 *   mean(r − rf) / std(r − rf, ddof) · √P
 * over the non-NaN excess returns; rf per period by default (see `RiskFreeOption`), P =
 * periodsPerYear (default 252), ddof 1. NaN when fewer than two returns. Zero variance follows
 * IEEE division as numpy does in empyrical: ±Infinity for a non-zero mean, NaN for 0/0.
 */
export function sharpeRatio(returns: ArrayLike<number>, opts: SharpeRatioOptions = {}): number {
  const p = periodsPerYearOf(opts, "sharpeRatio");
  const ddof = ddofOf(opts.ddof, "sharpeRatio");
  if (returns.length < 2) return NaN;
  const excess = excessReturns(returns, opts, "sharpeRatio");
  return (mean(excess) / deviationWithDdof(excess, ddof)) * Math.sqrt(p);
}
