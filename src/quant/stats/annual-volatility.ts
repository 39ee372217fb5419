import { ddofOf, deviationWithDdof, periodsPerYearOf, type PeriodsOption } from "./conventions.ts";

export interface AnnualVolatilityOptions extends PeriodsOption {
  /** Delta degrees of freedom of the standard deviation: 1 (default, empyrical) or 0. */
  ddof?: number;
}

/**
 * Annualized volatility σ·√P (empyrical `annual_volatility` with its default Lévy exponent 2):
 * σ the standard deviation of the non-NaN returns with `ddof` (default 1), P = periodsPerYear
 * (default 252). NaN when fewer than two returns (empyrical checks len(returns) < 2).
 */
export function annualVolatility(returns: ArrayLike<number>, opts: AnnualVolatilityOptions = {}): number {
  const p = periodsPerYearOf(opts, "annualVolatility");
  const ddof = ddofOf(opts.ddof, "annualVolatility");
  if (returns.length < 2) return NaN;
  return deviationWithDdof(returns, ddof) * Math.sqrt(p);
}
