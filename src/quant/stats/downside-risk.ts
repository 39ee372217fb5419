import { periodsPerYearOf, type PeriodsOption } from "./conventions.ts";

export interface DownsideRiskOptions extends PeriodsOption {
  /** Minimum acceptable return per period (decimal): a constant or a row-aligned array. Default 0. */
  requiredReturn?: number | ArrayLike<number>;
}

/**
 * Annualized downside deviation below the minimum acceptable return (empyrical
 * `downside_risk`; Sortino & Price 1994):
 *   √( mean_t min(r_t − MAR_t, 0)² ) · √P
 * The mean runs over every non-NaN period (periods above MAR count as 0, not dropped — see
 * Sortino's note that the std of the negative returns alone is wrong). NaN for an empty series.
 */
export function downsideRisk(returns: ArrayLike<number>, opts: DownsideRiskOptions = {}): number {
  const p = periodsPerYearOf(opts, "downsideRisk");
  const n = returns.length;
  if (n === 0) return NaN;
  const mar = opts.requiredReturn ?? 0;
  let sum = 0,
    k = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i] - (typeof mar === "number" ? mar : mar[i]);
    if (Number.isNaN(d)) continue;
    if (d < 0) sum += d * d;
    k++;
  }
  if (k === 0) return NaN;
  return Math.sqrt(sum / k) * Math.sqrt(p);
}
