/**
 * One entry point for every method, with the fallback chain that keeps a stage running on
 * degenerate input (all expected returns below the risk-free rate, a singular covariance, more
 * assets than observations…):
 *   max_sharpe → min_variance → inverse_vol → equal_weight
 *   kelly      → min_variance → inverse_vol → equal_weight
 *   hrp, risk_parity, min_variance → inverse_vol → equal_weight
 * equal_weight cannot fail. The result names the method that produced the weights and, after a
 * fallback, `{ from, reason }` with each failed step's reason, so a stage can record it.
 * Contract violations (mismatched lengths, unknown method, invalid option values) still throw.
 */
import { StrataError } from "../../core/errors.ts";
import { resolveConstraints, type PortfolioConstraints } from "./constraints.ts";
import { sideOf, type Matrix } from "./dense.ts";
import { equalWeightAttempt } from "./equal-weight.ts";
import { hrpAttempt } from "./hrp.ts";
import { inverseVolAttempt } from "./inverse-vol.ts";
import { kellyAttempt } from "./kelly.ts";
import type { LinkageMethod } from "./linkage.ts";
import { maxSharpeAttempt } from "./max-sharpe.ts";
import { minVarianceAttempt } from "./min-variance.ts";
import { riskParityAttempt } from "./risk-parity.ts";
import { PORTFOLIO_METHODS, type Attempt, type PortfolioMethod, type PortfolioResult } from "./types.ts";

export interface OptimizeOptions {
  /** Annualized expected returns (decimal), required by max_sharpe and kelly. */
  expectedReturns?: ArrayLike<number>;
  constraints?: PortfolioConstraints;
  /** Annual risk-free rate, decimal (default 0, DESIGN.md). */
  riskFreeRate?: number;
  /** HRP linkage (default "single"). */
  linkage?: LinkageMethod;
  /** HRP clustering correlation (default: implied by the covariance). */
  correlation?: ArrayLike<number>;
  /** Kelly fraction (default 0.5) and gross cap (default the gross constraint, else 1). */
  kellyFraction?: number;
  maxLeverage?: number;
  /** Risk parity budgets (default equal). */
  riskBudget?: ArrayLike<number>;
}

const NEXT: Record<PortfolioMethod, PortfolioMethod | null> = {
  max_sharpe: "min_variance",
  kelly: "min_variance",
  min_variance: "inverse_vol",
  hrp: "inverse_vol",
  risk_parity: "inverse_vol",
  inverse_vol: "equal_weight",
  equal_weight: null,
};

/** Optimize weights for `covariance` (n×n row-major, annualized) with `method`. */
export function optimizePortfolio(
  method: PortfolioMethod,
  covariance: Matrix,
  opts: OptimizeOptions = {},
): PortfolioResult {
  if (!PORTFOLIO_METHODS.includes(method)) {
    throw new StrataError("ARGUMENT", `optimizePortfolio: unknown method '${String(method)}'`, {
      hint: `use one of ${PORTFOLIO_METHODS.join(", ")}`,
    });
  }
  const n = sideOf(covariance, "optimizePortfolio");
  const mu = opts.expectedReturns;
  if (mu && mu.length !== n) {
    throw new StrataError("ARGUMENT", `optimizePortfolio: ${mu.length} expected returns for a ${n}×${n} covariance`, {
      hint: "pass one expected return per asset, in covariance order",
    });
  }
  for (const [name, v] of [
    ["correlation", opts.correlation],
    ["riskBudget", opts.riskBudget],
  ] as const) {
    const want = name === "correlation" ? n * n : n;
    if (v && v.length !== want)
      throw new StrataError("ARGUMENT", `optimizePortfolio: ${name} has ${v.length} entries, expected ${want}`);
  }
  const r = resolveConstraints(n, opts.constraints);
  const rf = opts.riskFreeRate ?? 0;
  const attempt = (m: PortfolioMethod): Attempt => {
    switch (m) {
      case "equal_weight":
        return equalWeightAttempt(r);
      case "inverse_vol":
        return inverseVolAttempt(covariance, r);
      case "min_variance":
        return minVarianceAttempt(covariance, r);
      case "max_sharpe":
        return mu
          ? maxSharpeAttempt(mu, covariance, r, rf)
          : { ok: false, reason: "max_sharpe needs expected returns" };
      case "kelly":
        return mu
          ? kellyAttempt(mu, covariance, r, {
              fraction: opts.kellyFraction,
              maxLeverage: opts.maxLeverage,
              riskFreeRate: rf,
            })
          : { ok: false, reason: "kelly needs expected returns" };
      case "hrp":
        return hrpAttempt(covariance, r, { linkage: opts.linkage, correlation: opts.correlation });
      case "risk_parity":
        return riskParityAttempt(covariance, r, opts.riskBudget);
    }
  };
  const reasons: string[] = [];
  for (let m: PortfolioMethod | null = method; m; m = NEXT[m]) {
    const a = attempt(m);
    if (a.ok) {
      return {
        weights: a.weights,
        method: m,
        fallback: reasons.length ? { from: method, reason: reasons.join("; ") } : null,
        notes: a.notes,
      };
    }
    reasons.push(`${m}: ${a.reason}`);
  }
  // Unreachable: equal_weight always succeeds.
  throw new StrataError("INTERNAL", `optimizePortfolio: every method failed (${reasons.join("; ")})`);
}
