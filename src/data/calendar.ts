/**
 * Business-day calendar: Monday–Friday, no exchange holidays (the synthetic market trades
 * every weekday; real data brings its own dates).
 */
import { StrataError } from "../core/errors.ts";
import { dayOfWeek, formatIsoDate, parseIsoDate } from "../store/dates.ts";

export interface BusinessDays {
  /** "YYYY-MM-DD", ascending. */
  dates: string[];
  /** The same dates as days since 1970-01-01 (DuckDB DATE values). */
  days: Int32Array;
}

/** Parse an ISO date or throw a StrataError naming the parameter. */
export function isoToDays(text: string, what = "date"): number {
  const d = parseIsoDate(text);
  if (d === null) {
    throw new StrataError("ARGUMENT", `${what} ${JSON.stringify(text)} is not a calendar date "YYYY-MM-DD"`, {
      hint: 'write dates as ISO strings, e.g. "2012-01-03"',
    });
  }
  return d;
}

/** True for Monday–Friday. */
export function isBusinessDay(days: number): boolean {
  const w = dayOfWeek(days);
  return w !== 0 && w !== 6;
}

/** Every Monday–Friday from `start` to `end`, both inclusive. */
export function businessDays(start: string, end: string): BusinessDays {
  const a = isoToDays(start, "start"),
    b = isoToDays(end, "end");
  if (b < a) {
    throw new StrataError("ARGUMENT", `end ${end} is before start ${start}`, { hint: "swap the two dates" });
  }
  const out = new Int32Array(b - a + 1);
  let n = 0;
  for (let d = a; d <= b; d++) if (isBusinessDay(d)) out[n++] = d;
  const days = out.slice(0, n);
  return { days, dates: Array.from(days, formatIsoDate) };
}

/** Number of business days strictly after `fromDays` up to and including `toDays` (0 if to ≤ from). */
export function businessDaysBetween(fromDays: number, toDays: number): number {
  if (toDays <= fromDays) return 0;
  // Whole weeks contribute 5 each; walk the remainder.
  const span = toDays - fromDays;
  let n = Math.floor(span / 7) * 5;
  for (let d = fromDays + Math.floor(span / 7) * 7 + 1; d <= toDays; d++) if (isBusinessDay(d)) n++;
  return n;
}
