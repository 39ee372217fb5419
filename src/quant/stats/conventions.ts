/**
 * Conventions shared by the tearsheet metrics, each an explicit option whose default is
 * empyrical's (https://github.com/stefan-jansen/empyrical-reloaded, src/empyrical/stats.py), so
 * numbers compare with it. docs/metrics.md lists every metric with its convention and source.
 */
import { StrataError } from "../../core/errors.ts";
import { variance } from "./variance.ts";
import { pow } from "../../core/math/index.ts";

/** Periods per year used to annualize. Default 252 (daily; empyrical's DAILY). 52 weekly, 12 monthly. */
export interface PeriodsOption {
  periodsPerYear?: number;
}

/**
 * Risk-free rate subtracted from each return (decimal). A number is a constant; an array is
 * row-aligned with the returns (empyrical accepts a series too). Default 0.
 */
export interface RiskFreeOption {
  riskFree?: number | ArrayLike<number>;
  /**
   * "period" (default, empyrical: the rate is already per period) or "annual": a constant
   * annual rate converted per period geometrically, (1 + rf)^(1/periodsPerYear) − 1
   * (quantstats' `to_excess_returns(nperiods=…)`).
   */
  riskFreeBasis?: "period" | "annual";
}

/**
 * How NaN returns enter the compounding metrics (total return, CAGR, drawdowns, monthly table).
 * "zero" (default, empyrical's `cum_returns`: NaN is filled with 0 and still counts as a period,
 * so `annual_return` divides by len(returns) including it) or "skip" (the NaN period is
 * removed: neither compounded nor counted). Moment metrics (mean, std, Sharpe…) always skip NaN,
 * as numpy's nanmean/nanstd do in empyrical.
 */
export interface NanOption {
  nan?: "zero" | "skip";
}

export const DEFAULT_PERIODS_PER_YEAR = 252;

/** Validated periods per year (positive and finite). */
export function periodsPerYearOf(opts: PeriodsOption, fn: string): number {
  const p = opts.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  if (!(p > 0) || !Number.isFinite(p)) {
    throw new StrataError("ARGUMENT", `${fn}: periodsPerYear must be a positive number, got ${p}`, {
      hint: "use 252 for daily, 52 for weekly, 12 for monthly returns",
    });
  }
  return p;
}

/** Validated ddof: 0 (population) or 1 (sample, default). */
export function ddofOf(ddof: number | undefined, fn: string): number {
  const d = ddof ?? 1;
  if (d !== 0 && d !== 1) {
    throw new StrataError("ARGUMENT", `${fn}: ddof must be 0 or 1, got ${d}`, {
      hint: "empyrical uses ddof = 1 (sample standard deviation)",
    });
  }
  return d;
}

/** Validated tail probability in [0, 1] (e.g. 0.05 for 95% VaR). */
export function cutoffOf(cutoff: number | undefined, fn: string): number {
  const c = cutoff ?? 0.05;
  if (!(c >= 0 && c <= 1)) {
    throw new StrataError("ARGUMENT", `${fn}: cutoff must be a probability in [0, 1], got ${c}`, {
      hint: "pass the tail probability as a decimal: 0.05 for the 95% level",
    });
  }
  return c;
}

/** The risk-free rate per period: a constant (converted when `riskFreeBasis` is "annual") or the array as given. */
export function riskFreePerPeriod(opts: RiskFreeOption & PeriodsOption, fn: string): number | ArrayLike<number> {
  const rf = opts.riskFree ?? 0;
  if (typeof rf !== "number") {
    if (opts.riskFreeBasis === "annual") {
      throw new StrataError("ARGUMENT", `${fn}: riskFreeBasis "annual" applies to a constant rate only`, {
        hint: "convert a series of annual rates per period yourself, or pass a number",
      });
    }
    return rf;
  }
  return opts.riskFreeBasis === "annual" ? pow(1 + rf, 1 / periodsPerYearOf(opts, fn)) - 1 : rf;
}

/**
 * r_t − rf_t for every t (NaN stays NaN). Throws when an array risk-free rate has another
 * length than the returns.
 */
export function excessReturns(
  returns: ArrayLike<number>,
  opts: RiskFreeOption & PeriodsOption = {},
  fn = "excessReturns",
): Float64Array {
  const n = returns.length;
  const out = new Float64Array(n);
  const rf = riskFreePerPeriod(opts, fn);
  if (typeof rf === "number") {
    for (let i = 0; i < n; i++) out[i] = returns[i] - rf;
    return out;
  }
  if (rf.length !== n) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: riskFree has ${rf.length} values but returns has ${n}; expected one rate per return`,
      {
        hint: "pass a constant rate, or an array row-aligned with the returns",
      },
    );
  }
  for (let i = 0; i < n; i++) out[i] = returns[i] - rf[i];
  return out;
}

/** The values that are not NaN/±Infinity, in order. */
export function finiteValues(values: ArrayLike<number>): Float64Array {
  let k = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) k++;
  const out = new Float64Array(k);
  k = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[k++] = values[i];
  return out;
}

/**
 * Standard deviation of the finite values with `ddof` (Welford via `variance`, rescaled for
 * ddof 0); NaN when fewer than ddof + 1 values (and, for ddof 0, when there are none).
 */
export function deviationWithDdof(values: ArrayLike<number>, ddof: number): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  if (n <= ddof) return NaN;
  if (n === 1) return 0; // ddof 0, a single value
  return Math.sqrt((variance(values) * (n - 1)) / (n - ddof));
}
