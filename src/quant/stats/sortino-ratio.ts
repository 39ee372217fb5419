import { periodsPerYearOf } from "./conventions.ts";
import { downsideRisk, type DownsideRiskOptions } from "./downside-risk.ts";
import { mean } from "./mean.ts";

export type SortinoRatioOptions = DownsideRiskOptions;

/**
 * Annualized Sortino ratio (empyrical `sortino_ratio`; Sortino & Price 1994):
 *   mean(r − MAR) · P / downsideRisk(r, MAR)
 * with MAR = requiredReturn per period (default 0), P = periodsPerYear (default 252). NaN when
 * fewer than two returns; +Infinity when no period falls below MAR and the mean is positive.
 */
export function sortinoRatio(returns: ArrayLike<number>, opts: SortinoRatioOptions = {}): number {
  const p = periodsPerYearOf(opts, "sortinoRatio");
  const n = returns.length;
  if (n < 2) return NaN;
  const mar = opts.requiredReturn ?? 0;
  const adj = new Float64Array(n);
  for (let i = 0; i < n; i++) adj[i] = returns[i] - (typeof mar === "number" ? mar : mar[i]);
  return (mean(adj) * p) / downsideRisk(returns, opts);
}
