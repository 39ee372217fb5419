import { cutoffOf, ddofOf, deviationWithDdof, finiteValues } from "./conventions.ts";
import { mean } from "./mean.ts";
import { normalQuantile } from "./normal-quantile.ts";
import type { ValueAtRiskOptions } from "./value-at-risk.ts";
import { exp } from "../../core/math/index.ts";

/**
 * Conditional value at risk (expected shortfall) as a RETURN, ≤ the VaR at the same cutoff.
 * "historical" (default, empyrical `conditional_value_at_risk`): the mean of the
 * ⌊(n − 1)·cutoff⌋ + 1 smallest returns — exactly the returns at or below the interpolated
 * historical VaR. "parametric" (Gaussian): μ − σ·φ(Φ⁻¹(c)) / c. NaN values are skipped; NaN
 * when empty (or cutoff 0 with the parametric method).
 */
export function conditionalValueAtRisk(returns: ArrayLike<number>, opts: ValueAtRiskOptions = {}): number {
  const c = cutoffOf(opts.cutoff, "conditionalValueAtRisk");
  if ((opts.method ?? "historical") === "parametric") {
    if (c === 0) return NaN;
    const sigma = deviationWithDdof(returns, ddofOf(opts.ddof, "conditionalValueAtRisk"));
    const z = normalQuantile(c);
    const density = exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    return mean(returns) - (sigma * density) / c;
  }
  const x = finiteValues(returns).sort();
  if (x.length === 0) return NaN;
  const k = Math.floor((x.length - 1) * c) + 1;
  return mean(x.subarray(0, k));
}
