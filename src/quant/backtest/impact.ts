/**
 * Square-root market impact of one trade, as a fraction of equity (see ImpactModel for the
 * law and its sources):
 *
 *   cost = |Δw| · k · σ · (Q / ADV)^exponent,     Q = |Δw| · equity · capital (currency).
 *
 * `tradeWeight` is the trade Δw (fraction of equity, sign ignored), `equity` the portfolio's
 * equity when trading (1 = initial), `sigma` the asset's daily volatility (decimal), `adv` its
 * average daily traded value in the currency of `capital`. Zero for a zero trade.
 */
import { pow } from "../../core/math/index.ts";
export interface SquareRootImpactOptions {
  /** Prefactor (default 1). */
  k?: number;
  /** Exponent of Q / ADV (default 0.5). */
  exponent?: number;
  /** Currency value of equity 1 (default 1). */
  capital?: number;
}

export function squareRootImpact(tradeWeight: number, equity: number, sigma: number, adv: number, options: SquareRootImpactOptions = {}): number {
  const a = Math.abs(tradeWeight);
  if (a === 0) return 0;
  const { k = 1, exponent = 0.5, capital = 1 } = options;
  return a * k * sigma * pow((a * equity * capital) / adv, exponent);
}
