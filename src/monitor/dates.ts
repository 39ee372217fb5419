/**
 * Date helpers of the monitor: validated ISO dates and the Mon–Fri trading-day count used by
 * the freshness check (the same calendar as src/data/calendar.ts: no exchange holidays).
 */
import { StrataError } from "../core/errors.ts";
import { dayOfWeek, parseIsoDate } from "../store/dates.ts";

/** Days since 1970-01-01 of an ISO date, or a StrataError naming the field. */
export function isoDay(text: string, what: string): number {
  const d = typeof text === "string" ? parseIsoDate(text) : null;
  if (d === null) {
    throw new StrataError("ARGUMENT", `${what} ${JSON.stringify(text)} is not a calendar date "YYYY-MM-DD"`, {
      hint: 'write dates as ISO strings, e.g. "2024-06-28"',
    });
  }
  return d;
}

/**
 * Mon–Fri days d with from < d ≤ to (0 when to ≤ from). Friday → Monday is 1; Friday →
 * Tuesday is 2. Counted in whole weeks plus a remainder, so long gaps cost nothing.
 */
export function tradingDaysBetween(from: string, to: string): number {
  const a = isoDay(from, "from"),
    b = isoDay(to, "to");
  if (b <= a) return 0;
  const span = b - a;
  let n = Math.floor(span / 7) * 5;
  for (let d = a + Math.floor(span / 7) * 7 + 1; d <= b; d++) {
    const w = dayOfWeek(d);
    if (w !== 0 && w !== 6) n++;
  }
  return n;
}
