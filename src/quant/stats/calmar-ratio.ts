import { cagr, type CagrOptions } from "./cagr.ts";
import { maxDrawdown } from "./max-drawdown.ts";
import type { DrawdownOptions } from "./drawdown-series.ts";

export type CalmarRatioOptions = CagrOptions & DrawdownOptions;

/**
 * Calmar ratio CAGR / |max drawdown| (empyrical `calmar_ratio`; Young 1991). NaN when there is
 * no drawdown (max drawdown ≥ 0), for fewer than one return, or when the ratio is infinite.
 */
export function calmarRatio(returns: ArrayLike<number>, opts: CalmarRatioOptions = {}): number {
  const mdd = maxDrawdown(returns, opts);
  if (!(mdd < 0)) return NaN;
  const out = cagr(returns, opts) / Math.abs(mdd);
  return Number.isFinite(out) ? out : NaN;
}
