import { StrataError } from "../../core/errors.ts";
import type { ReturnColumns } from "./dense.ts";
import { shapeOf } from "./dense.ts";
import { pow } from "../../core/math/index.ts";

export interface MeanHistoricalReturnOptions {
  /**
   * true (default, PyPortfolioOpt's `mean_historical_return`): geometric mean, the CAGR
   * (Π(1 + r))^(P / count) − 1. false: arithmetic mean × P.
   */
  compounding?: boolean;
  /** Periods per year P used to annualize (default 252, daily data). */
  periodsPerYear?: number;
}

/**
 * Annualized historical mean return of each asset, from simple per-period returns (decimal).
 * Missing values (NaN) are skipped per asset and `count` is the number of finite returns of
 * that asset, exactly as pandas' `prod()` and `count()` do in PyPortfolioOpt's
 * `expected_returns.mean_historical_return`. An asset with no finite return gets NaN.
 */
export function meanHistoricalReturn(returns: ReturnColumns, opts: MeanHistoricalReturnOptions = {}): Float64Array {
  const compounding = opts.compounding ?? true;
  const p = opts.periodsPerYear ?? 252;
  if (!(p > 0)) throw new StrataError("ARGUMENT", `meanHistoricalReturn: periodsPerYear must be > 0, got ${p}`);
  const [n, t] = shapeOf(returns, "meanHistoricalReturn");
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const r = returns[j];
    let count = 0,
      prod = 1,
      s = 0;
    for (let i = 0; i < t; i++) {
      const v = r[i];
      if (!Number.isFinite(v)) continue;
      count++;
      prod *= 1 + v;
      s += v;
    }
    out[j] = count === 0 ? NaN : compounding ? pow(prod, p / count) - 1 : (s / count) * p;
  }
  return out;
}
