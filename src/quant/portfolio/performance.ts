import { dot, quadForm } from "./dense.ts";

export interface PortfolioPerformance {
  /** wᵀμ (annualized when μ is). */
  expectedReturn: number;
  /** √(wᵀΣw). */
  volatility: number;
  /** (wᵀμ − r_f) / σ; NaN for zero volatility. */
  sharpe: number;
}

/** Expected return, volatility and Sharpe ratio of weights w (PyPortfolioOpt's `portfolio_performance`). */
export function portfolioPerformance(
  w: ArrayLike<number>,
  mu: ArrayLike<number> | null,
  cov: ArrayLike<number>,
  opts: { riskFreeRate?: number } = {},
): PortfolioPerformance {
  const n = w.length;
  const rf = opts.riskFreeRate ?? 0;
  const volatility = Math.sqrt(Math.max(0, quadForm(cov, w, n)));
  const expectedReturn = mu ? dot(w, mu) : NaN;
  return { expectedReturn, volatility, sharpe: volatility > 0 ? (expectedReturn - rf) / volatility : NaN };
}
