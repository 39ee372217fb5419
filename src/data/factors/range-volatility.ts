/**
 * Range-based volatility estimators from daily OHLC, averaged over the last n bars and
 * annualized by √252. Both use only the bar's own prices (no previous close).
 *
 * Parkinson (1980), "The Extreme Value Method for Estimating the Variance of the Rate of
 * Return", Journal of Business 53(1):61–65, eq. for σ² with k = 1/(4 ln 2):
 *   pk_n = √252 · √( 1/(4 ln 2) · mean(ln(H_i / L_i)²) )
 *
 * Garman & Klass (1980), "On the Estimation of Security Price Volatilities from Historical
 * Data", Journal of Business 53(1):67–78, the practical estimator σ̂²₅ (no opening jump):
 *   gk_n = √252 · √( mean( ½ ln(H_i / L_i)² − (2 ln 2 − 1) ln(C_i / O_i)² ) )
 * A negative mean (possible for the GK estimator on tiny ranges) gives NULL.
 * Units: annualized decimal. Warm-up: n rows.
 */
import { afterWarmup, checkWindow, PERIODS_PER_YEAR, rolling } from "./sql.ts";
import type { Factor } from "./types.ts";

export function parkinsonVolatility(n: number): Factor {
  checkWindow("Parkinson volatility", "window n", n);
  return {
    name: `pk_${n}`,
    family: "range_volatility",
    warmup: n,
    sql: afterWarmup(n, `sqrt(${PERIODS_PER_YEAR} * ${rolling("avg", "pk", n)} / (4 * ln(2)))`),
    uses: ["n", "pk"],
    prices: ["high", "low"],
  };
}

export function garmanKlassVolatility(n: number): Factor {
  checkWindow("Garman-Klass volatility", "window n", n);
  const mean = rolling("avg", "gk", n);
  return {
    name: `gk_${n}`,
    family: "range_volatility",
    warmup: n,
    sql: afterWarmup(n, `CASE WHEN ${mean} >= 0 THEN sqrt(${PERIODS_PER_YEAR} * ${mean}) END`),
    uses: ["n", "gk"],
    prices: ["open", "high", "low", "close"],
  };
}
