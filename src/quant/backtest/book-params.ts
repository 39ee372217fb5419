/**
 * The params that decide a signal portfolio's book — schedule, selection, optimizer,
 * covariance, constraints, trading rules, volatility target and costs — with their defaults,
 * and their one mapping to signalPortfolio's options. The backtest stage validates a study's
 * params with this schema; paper trading rebuilds the champion's book from the same params
 * with the same mapping, so the two cannot drift apart. Definitions: docs/backtest.md.
 */
import { z } from "zod";
import { StrataError } from "../../core/errors.ts";
import { PORTFOLIO_METHODS, type PortfolioMethod } from "../portfolio/types.ts";
import type { SignalPortfolioOptions } from "./signal-portfolio.ts";

export const costsParams = z
  .object({
    /** Commission and slippage, basis points per side on traded notional. */
    commission_bps: z.number().min(0).default(1),
    slippage_bps: z.number().min(0).default(2),
    /** Extra bps per side at which every cell is re-evaluated (0 = the base costs). */
    stress_bps: z.array(z.number().min(0)).min(1).default([0, 3, 10]),
    /** Square-root impact k·σ·√(Q/ADV) on top (σ, ADV trailing `window` rows; capital in currency). */
    impact: z
      .object({
        k: z.number().min(0).default(1),
        capital: z.number().positive().default(1e8),
        window: z.number().int().min(2).default(20),
      })
      .strict()
      .nullable()
      .default(null),
  })
  .strict()
  .default({ commission_bps: 1, slippage_bps: 2, stress_bps: [0, 3, 10], impact: null });

export const scheduleParams = {
  /** Rebalance frequency; weights are formed at the last close of each period. */
  rebalance: z.enum(["daily", "weekly", "monthly"]).default("weekly"),
  /** Bars between the decision close and the trade close (≥ 1). */
  lag: z.number().int().min(1).default(1),
  /** Regime detection on the equal-weight market: trailing windows in rows. */
  regimes: z
    .object({
      vol_window: z.number().int().min(2).default(63),
      trend_window: z.number().int().min(1).default(126),
      min_history: z.number().int().min(1).default(126),
    })
    .strict()
    .default({ vol_window: 63, trend_window: 126, min_history: 126 }),
};

/** Everything that shapes the book from scores (the backtest stage adds its model and warnings). */
export const bookParamsShape = {
  optimizer: z.enum(PORTFOLIO_METHODS as [PortfolioMethod, ...PortfolioMethod[]]).default("equal_weight"),
  ...scheduleParams,
  selection: z
    .object({
      side: z.enum(["long", "long_short"]).default("long"),
      /** Names per leg (default 20 when quantile is not given). */
      top: z.number().int().min(1).optional(),
      /** Or a fraction of the eligible names per leg. */
      quantile: z.number().gt(0).max(1).optional(),
      /** Long-short: exposure of each leg. */
      leg_exposure: z.number().positive().default(0.5),
    })
    .strict()
    .default({ side: "long", leg_exposure: 0.5 })
    .refine((s) => !(s.top !== undefined && s.quantile !== undefined), { message: "give top or quantile, not both" }),
  covariance: z
    .object({
      estimator: z.enum(["sample", "ledoit_wolf", "ewma"]).default("ledoit_wolf"),
      window: z.number().int().min(2).default(126),
      /** Finite returns a name needs in the window (default: the window). */
      min_observations: z.number().int().min(2).optional(),
      half_life: z.number().positive().optional(),
    })
    .strict()
    .default({ estimator: "ledoit_wolf", window: 126 }),
  /** Expected returns for max_sharpe and kelly: the scores (× 252 / horizon) or the trailing mean. */
  expected_returns: z.enum(["score", "historical"]).default("score"),
  /** Label horizon of the scores in bars (annualizes score-based expected returns): taken from train. */
  horizon: z.number().int().min(1).default(5),
  constraints: z
    .object({
      max_weight: z.number().positive().max(1).default(0.15),
      /** Cap on each sector's weight within a leg (needs prices.sector). */
      sector_cap: z.number().positive().max(1).optional(),
      /** Hierarchical risk budgets (portfolio / strategy / position), true for 0.80 / 0.40 / 0.15. */
      budgets: z
        .union([
          z.boolean(),
          z
            .object({
              portfolio: z.number().positive(),
              strategy: z.number().positive(),
              position: z.number().positive(),
            })
            .partial()
            .strict(),
        ])
        .default(false),
    })
    .strict()
    .default({ max_weight: 0.15, budgets: false }),
  trading: z
    .object({
      /** No-trade band (absolute weight). */
      band: z.number().min(0).default(0),
      /** Cap on Σ|Δw| per rebalance. */
      max_turnover: z.number().positive().optional(),
    })
    .strict()
    .default({ band: 0 }),
  vol_target: z
    .object({ target: z.number().positive(), max_leverage: z.number().positive().default(1) })
    .strict()
    .nullable()
    .default(null),
  costs: costsParams,
  risk_free: z.number().default(0),
  linkage: z.enum(["single", "complete", "average", "ward"]).default("single"),
  kelly_fraction: z.number().gt(0).max(1).default(0.5),
};

const bookParams = z.object(bookParamsShape);
export type BookParams = z.output<typeof bookParams>;

/**
 * signalPortfolio's options for the book the params describe. `sectors`: each asset's sector
 * (needed by constraints.sector_cap, which caps every sector at the same weight within a leg);
 * `where` names the caller in errors.
 */
export function signalPortfolioOptions(p: BookParams, sectors: string[] | null, where: string): SignalPortfolioOptions {
  const sel = p.selection,
    c = p.constraints;
  let sectorCaps: { of: string[]; caps: Record<string, number> } | undefined;
  if (c.sector_cap !== undefined) {
    if (!sectors) {
      throw new StrataError("DATA", `${where}: constraints.sector_cap needs a sector column in the prices`, {
        hint: "add sector to the prices (the data stage's prices carry it), or drop sector_cap",
      });
    }
    const cap = c.sector_cap;
    sectorCaps = { of: sectors, caps: Object.fromEntries([...new Set(sectors)].sort().map((s) => [s, cap])) };
  }
  return {
    method: p.optimizer,
    side: sel.side,
    ...(sel.quantile !== undefined ? { quantile: sel.quantile } : { top: sel.top ?? 20 }),
    legExposure: sel.leg_exposure,
    window: p.covariance.window,
    minObservations: p.covariance.min_observations,
    estimator: p.covariance.estimator,
    halfLife: p.covariance.half_life,
    expectedReturns: p.expected_returns,
    scoreScale: 252 / p.horizon,
    riskFreeRate: p.risk_free,
    constraints: {
      maxWeight: c.max_weight,
      sectors: sectorCaps,
      budgets: c.budgets === false ? undefined : c.budgets === true ? {} : c.budgets,
    },
    linkage: p.linkage,
    kellyFraction: p.kelly_fraction,
    volTarget: p.vol_target ? { target: p.vol_target.target, maxLeverage: p.vol_target.max_leverage } : undefined,
  };
}
