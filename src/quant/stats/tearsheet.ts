import { alphaBeta, type AlphaBetaOptions } from "./alpha-beta.ts";
import { annualVolatility } from "./annual-volatility.ts";
import { bestPeriod } from "./best-period.ts";
import { cagr } from "./cagr.ts";
import { calmarRatio } from "./calmar-ratio.ts";
import { conditionalValueAtRisk } from "./conditional-value-at-risk.ts";
import {
  periodsPerYearOf,
  riskFreePerPeriod,
  type NanOption,
  type PeriodsOption,
  type RiskFreeOption,
} from "./conventions.ts";
import type { DrawdownOptions } from "./drawdown-series.ts";
import { kurtosis } from "./kurtosis.ts";
import { maxDrawdown } from "./max-drawdown.ts";
import { omegaRatio } from "./omega-ratio.ts";
import { sharpeRatio } from "./sharpe-ratio.ts";
import { skew } from "./skew.ts";
import { sortinoRatio } from "./sortino-ratio.ts";
import { tailRatio } from "./tail-ratio.ts";
import { totalReturn } from "./total-return.ts";
import { valueAtRisk } from "./value-at-risk.ts";
import { winRate } from "./win-rate.ts";
import { worstPeriod } from "./worst-period.ts";

export interface TearsheetOptions extends PeriodsOption, RiskFreeOption, NanOption {
  /** Row-aligned benchmark returns; when given the result has `alpha` and `beta`. */
  benchmark?: ArrayLike<number>;
  /** ddof of the volatility and Sharpe standard deviations: 1 (default, empyrical) or 0. */
  ddof?: number;
  /** Drawdown peak convention (see `drawdownSeries`); default "start" (empyrical). */
  drawdownFrom?: DrawdownOptions["from"];
  /** VaR/CVaR method (see `valueAtRisk`); default "historical" (empyrical). */
  varMethod?: "historical" | "parametric";
  /** Alpha annualization (see `alphaBeta`); default "compound" (empyrical). */
  alphaAnnualization?: AlphaBetaOptions["annualization"];
}

/** Every metric is a plain number (NaN/±Infinity where undefined — JSON writes them as null). */
export interface Tearsheet {
  total_return: number;
  cagr: number;
  annual_volatility: number;
  sharpe: number;
  sortino: number;
  max_drawdown: number;
  calmar: number;
  omega: number;
  tail_ratio: number;
  skew: number;
  kurtosis: number;
  var_95: number;
  cvar_95: number;
  win_rate: number;
  best_day: number;
  worst_day: number;
  alpha?: number;
  beta?: number;
}

/**
 * The tearsheet metrics of one return series, each as its own function documents (docs/metrics.md).
 * The risk-free rate enters Sharpe, Sortino (as the MAR), Omega and alpha/beta; CAGR, drawdown,
 * Calmar, VaR and the distribution shape use the raw returns (as empyrical's `perf_stats`).
 * Skew is scipy's biased g1 and kurtosis scipy's excess (Fisher) kurtosis, as empyrical uses
 * scipy.stats; VaR/CVaR at the 5% cutoff; win rate excludes flat periods (quantstats).
 */
export function tearsheet(returns: ArrayLike<number>, opts: TearsheetOptions = {}): Tearsheet {
  const periodsPerYear = periodsPerYearOf(opts, "tearsheet");
  const per = { periodsPerYear };
  const rf = { riskFree: opts.riskFree, riskFreeBasis: opts.riskFreeBasis, periodsPerYear };
  // Per-period rf (constant or array) for the metrics that take it as a plain offset.
  const rfPeriod = riskFreePerPeriod(rf, "tearsheet");
  const dd = { from: opts.drawdownFrom, nan: opts.nan };
  const out: Tearsheet = {
    total_return: totalReturn(returns),
    cagr: cagr(returns, { ...per, nan: opts.nan }),
    annual_volatility: annualVolatility(returns, { ...per, ddof: opts.ddof }),
    sharpe: sharpeRatio(returns, { ...rf, ddof: opts.ddof }),
    sortino: sortinoRatio(returns, { ...per, requiredReturn: rfPeriod }),
    max_drawdown: maxDrawdown(returns, dd),
    calmar: calmarRatio(returns, { ...per, ...dd }),
    omega: omegaRatio(returns, { ...per, riskFree: rfPeriod }),
    tail_ratio: tailRatio(returns),
    skew: skew(returns),
    kurtosis: kurtosis(returns),
    var_95: valueAtRisk(returns, { cutoff: 0.05, method: opts.varMethod }),
    cvar_95: conditionalValueAtRisk(returns, { cutoff: 0.05, method: opts.varMethod }),
    win_rate: winRate(returns),
    best_day: bestPeriod(returns).value,
    worst_day: worstPeriod(returns).value,
  };
  if (opts.benchmark) {
    const ab = alphaBeta(returns, opts.benchmark, { ...rf, annualization: opts.alphaAnnualization });
    out.alpha = ab.alpha;
    out.beta = ab.beta;
  }
  return out;
}
