import { periodsPerYearOf, type NanOption, type PeriodsOption } from "./conventions.ts";
import { pow } from "../../core/math/index.ts";

export interface CagrOptions extends PeriodsOption, NanOption {}

/**
 * Compound annual growth rate (empyrical `annual_return` / `cagr`):
 *   (Π(1 + r_t))^(P / n) − 1,  P = periodsPerYear (default 252), n = number of periods.
 * With `nan: "zero"` (default, empyrical) n counts NaN periods too (len(returns)); with "skip"
 * they are not counted. NaN for an empty series.
 */
export function cagr(returns: ArrayLike<number>, opts: CagrOptions = {}): number {
  const p = periodsPerYearOf(opts, "cagr");
  let wealth = 1,
    n = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    if (Number.isNaN(r)) {
      if (opts.nan !== "skip") n++;
      continue;
    }
    wealth *= 1 + r;
    n++;
  }
  if (n === 0) return NaN;
  return pow(wealth, p / n) - 1;
}
