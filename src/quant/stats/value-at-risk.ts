import { cutoffOf, ddofOf, deviationWithDdof } from "./conventions.ts";
import { mean } from "./mean.ts";
import { normalQuantile } from "./normal-quantile.ts";
import { quantile } from "./quantile.ts";

export interface ValueAtRiskOptions {
  /** Tail probability (decimal): 0.05 (default) is the 95% VaR. */
  cutoff?: number;
  /**
   * "historical" (default, empyrical `value_at_risk`: the cutoff-quantile of the returns,
   * numpy's linear interpolation) or "parametric" (Gaussian, quantstats `value_at_risk`:
   * μ + σ·Φ⁻¹(cutoff), σ with `ddof`).
   */
  method?: "historical" | "parametric";
  /** ddof of σ for the parametric method: 1 (default, pandas' std as in quantstats) or 0. */
  ddof?: number;
}

/**
 * Value at risk as a RETURN (empyrical's sign): the per-period return that is undercut with
 * probability `cutoff`; a loss is negative (−0.02 = "lose 2% or more on 5% of days").
 * NaN values are skipped (empyrical's numpy percentile would propagate them). NaN when empty.
 */
export function valueAtRisk(returns: ArrayLike<number>, opts: ValueAtRiskOptions = {}): number {
  const c = cutoffOf(opts.cutoff, "valueAtRisk");
  if ((opts.method ?? "historical") === "historical") return quantile(returns, c);
  const sigma = deviationWithDdof(returns, ddofOf(opts.ddof, "valueAtRisk"));
  return mean(returns) + sigma * normalQuantile(c);
}
