/**
 * The cost of a trade — one home for the backtest engine, the trade tables the backtest stage
 * writes, and paper trading (order estimates and simulated fills). Definitions:
 * docs/backtest.md, "Costs".
 *
 * Two views of the same model:
 * - **Weights** (backtest): a trade of |Δw| (fraction of equity) costs κ·|Δw| with
 *   κ = (commission + slippage) bps / 10⁴ per side, plus optional square-root impact.
 * - **Shares and currency** (paper): a fill moves away from the reference price by the slippage
 *   bps, and pays commission in bps of its notional plus a fee per share.
 */
import { pow } from "../../core/math/index.ts";

/** A rate in basis points as a decimal. */
export const bpsRate = (bps: number): number => bps / 1e4;

/** κ: commission plus slippage, both in basis points per side, as a decimal rate on traded notional. */
export const linearCostRate = (commissionBps: number, slippageBps: number): number =>
  (commissionBps + slippageBps) / 1e4;

/**
 * Square-root market impact of a trade of size a = |Δw| (fraction of equity), as a fraction of
 * equity: a · k · σ · (Q / ADV)^exponent with Q = a · equity · capital (currency). `equity` is
 * the portfolio's equity when trading (1 = initial), σ the asset's daily volatility (decimal),
 * ADV its average daily traded value in the currency of `capital`. Sources for the law and its
 * exponent: ImpactModel (types.ts). pow(q, 0.5) is Math.sqrt(q) bit for bit (core/math).
 */
export function impactCost(
  a: number,
  equity: number,
  sigma: number,
  adv: number,
  k: number,
  exponent: number,
  capital: number,
): number {
  const q = (a * equity * capital) / adv;
  return a * k * sigma * (exponent === 0.5 ? Math.sqrt(q) : pow(q, exponent));
}

/** Impact parameters with their defaults resolved (ImpactModel without the per-asset inputs). */
export interface ImpactLaw {
  k: number;
  exponent: number;
  capital: number;
}

export function impactLaw(model: { k?: number; exponent?: number; capital?: number }): ImpactLaw {
  return { k: model.k ?? 1, exponent: model.exponent ?? 0.5, capital: model.capital ?? 1 };
}

/**
 * Cost of a trade of size a = |Δw| as a fraction of equity: κ·a, plus impact when `law` is
 * given (σ, ADV and equity as in impactCost). Zero for a zero trade.
 */
export function weightTradeCost(
  a: number,
  kappa: number,
  law: ImpactLaw | null,
  equity: number,
  sigma: number,
  adv: number,
): number {
  if (a === 0) return 0;
  const c = kappa * a;
  return law ? c + impactCost(a, equity, sigma, adv, law.k, law.exponent, law.capital) : c;
}

export interface SquareRootImpactOptions {
  /** Prefactor (default 1). */
  k?: number;
  /** Exponent of Q / ADV (default 0.5). */
  exponent?: number;
  /** Currency value of equity 1 (default 1). */
  capital?: number;
}

/** impactCost for a signed trade Δw with ImpactModel-style options (sign ignored; 0 for no trade). */
export function squareRootImpact(
  tradeWeight: number,
  equity: number,
  sigma: number,
  adv: number,
  options: SquareRootImpactOptions = {},
): number {
  const a = Math.abs(tradeWeight);
  if (a === 0) return 0;
  const { k, exponent, capital } = impactLaw(options);
  return impactCost(a, equity, sigma, adv, k, exponent, capital);
}

/** Per-order costs in currency (paper trading). */
export interface OrderCostModel {
  commissionBps: number;
  commissionPerShare: number;
  slippageBps: number;
}

/** Commission of an order: bps of its notional plus a fee per share. */
export function orderCommission(
  notional: number,
  shares: number,
  m: Pick<OrderCostModel, "commissionBps" | "commissionPerShare">,
): number {
  return bpsRate(m.commissionBps) * notional + m.commissionPerShare * shares;
}

/** Fill price of a buy (side +1) or sell (−1) at `ref` after slippage: the trader always pays it. */
export function slippedPrice(ref: number, side: 1 | -1, slippageBps: number): number {
  return ref * (1 + side * bpsRate(slippageBps));
}
