/** Small SQL helpers shared by the factor builders. */
import { StrataError } from "../../core/errors.ts";

/** Periods per year used to annualize volatilities (DESIGN.md quant conventions). */
export const PERIODS_PER_YEAR = 252;

/** `fn(expr) OVER (w ROWS BETWEEN n-1 PRECEDING AND CURRENT ROW)`: the last n rows of the symbol. */
export function rolling(fn: string, expr: string, n: number): string {
  return `${fn}(${expr}) OVER (w ROWS BETWEEN ${n - 1} PRECEDING AND CURRENT ROW)`;
}

/** NULL unless the symbol has at least `warmup` rows up to today (`n` = row number). */
export function afterWarmup(warmup: number, expr: string): string {
  return `CASE WHEN n >= ${warmup} THEN ${expr} END`;
}

/** Throw unless `value` is an integer ≥ `min` (window lengths, skips). */
export function checkWindow(factor: string, what: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new StrataError("ARGUMENT", `${factor}: ${what} must be an integer ≥ ${min}, got ${value}`, {
      hint: `pass a whole number of trading days ≥ ${min} (in the features stage params or the builder call)`,
    });
  }
}
