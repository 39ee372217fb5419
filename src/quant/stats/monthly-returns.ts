import { StrataError } from "../../core/errors.ts";

export interface MonthlyReturnsRow {
  year: number;
  /** Compounded return of each calendar month, January first; NaN for a month without data. */
  months: Float64Array;
  /** Compounded return of the year's periods (empyrical `aggregate_returns(…, "yearly")`). */
  total: number;
}

const MS_PER_DAY = 86_400_000;

/**
 * Monthly returns table: the returns compounded within each calendar month, Π(1 + r) − 1
 * (empyrical `aggregate_returns(returns, "monthly")`, quantstats `monthly_returns`), one row per
 * year in ascending order. `dates` are days since 1970-01-01 (UTC calendar), row-aligned with
 * `returns`, in any order. NaN returns are flat periods (as empyrical's cum_returns).
 */
export function monthlyReturns(returns: ArrayLike<number>, dates: ArrayLike<number>): MonthlyReturnsRow[] {
  if (dates.length !== returns.length) {
    throw new StrataError(
      "ARGUMENT",
      `monthlyReturns: ${returns.length} returns but ${dates.length} dates; expected one date per return`,
      {
        hint: "pass the epoch-day dates row-aligned with the returns",
      },
    );
  }
  const byYear = new Map<number, { wealth: Float64Array; seen: Uint8Array; total: number }>();
  for (let i = 0; i < returns.length; i++) {
    const d = dates[i];
    if (!Number.isFinite(d)) {
      throw new StrataError("ARGUMENT", `monthlyReturns: date at index ${i} is ${d}; expected days since 1970-01-01`, {
        hint: "drop or fix rows without a date",
      });
    }
    const t = new Date(d * MS_PER_DAY);
    const y = t.getUTCFullYear(),
      m = t.getUTCMonth();
    let row = byYear.get(y);
    if (!row) byYear.set(y, (row = { wealth: new Float64Array(12).fill(1), seen: new Uint8Array(12), total: 1 }));
    row.seen[m] = 1;
    const r = returns[i];
    if (Number.isNaN(r)) continue;
    row.wealth[m] *= 1 + r;
    row.total *= 1 + r;
  }
  return [...byYear.keys()]
    .sort((a, b) => a - b)
    .map((year) => {
      const row = byYear.get(year)!;
      const months = new Float64Array(12);
      for (let m = 0; m < 12; m++) months[m] = row.seen[m] ? row.wealth[m] - 1 : NaN;
      return { year, months, total: row.total - 1 };
    });
}
