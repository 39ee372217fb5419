/**
 * Exchange calendars: which days a market trades.
 *
 * "weekdays" trades Monday–Friday (the synthetic market). "nyse" is the New York Stock
 * Exchange's: weekdays without its full-day holidays, from the rules the exchange publishes
 * (NYSE Rule 7.2 and its holiday notices):
 *   New Year's Day (Jan 1; Sunday → Monday; Saturday → not observed), Martin Luther King Jr.
 *   Day (3rd Monday of January, from 1998), Washington's Birthday (3rd Monday of February),
 *   Good Friday, Memorial Day (last Monday of May), Juneteenth (Jun 19, from 2022), Independence
 *   Day (Jul 4), Labor Day (1st Monday of September), Thanksgiving (4th Thursday of November),
 *   Christmas (Dec 25); a holiday on Saturday is observed the Friday before, on Sunday the
 *   Monday after — except New Year's Day, whose Saturday is not moved into the old year.
 * plus the unscheduled closings listed in SPECIAL_CLOSINGS. Early closes (half days) are
 * trading days. Valid from 1998 on.
 */
import { dayOfWeek, formatIsoDate, parseIsoDate } from "../store/dates.ts";

export type ExchangeCalendar = "weekdays" | "nyse";

/** Unscheduled NYSE closings (date → reason), from the exchange's notices. */
const SPECIAL_CLOSINGS: Record<string, string> = {
  "2001-09-11": "September 11 attacks",
  "2001-09-12": "September 11 attacks",
  "2001-09-13": "September 11 attacks",
  "2001-09-14": "September 11 attacks",
  "2004-06-11": "National day of mourning (Ronald Reagan)",
  "2007-01-02": "National day of mourning (Gerald Ford)",
  "2012-10-29": "Hurricane Sandy",
  "2012-10-30": "Hurricane Sandy",
  "2018-12-05": "National day of mourning (George H. W. Bush)",
  "2025-01-09": "National day of mourning (Jimmy Carter)",
};

const utc = (y: number, m: number, d: number): number => Math.round(Date.UTC(y, m - 1, d) / 86_400_000);

/** The n-th (1-based) weekday `dow` (0 = Sunday) of a month; n = -1 for the last. */
function nthWeekday(y: number, m: number, dow: number, n: number): number {
  if (n > 0) {
    const first = utc(y, m, 1);
    return first + ((dow - dayOfWeek(first) + 7) % 7) + 7 * (n - 1);
  }
  const last = utc(y, m + 1, 1) - 1;
  return last - ((dayOfWeek(last) - dow + 7) % 7);
}

/** Easter Sunday (Gregorian), by the anonymous algorithm in Meeus, Astronomical Algorithms, ch. 8. */
function easter(y: number): number {
  const a = y % 19,
    b = Math.floor(y / 100),
    c = y % 100,
    d = Math.floor(b / 4),
    e = b % 4;
  const f = Math.floor((b + 8) / 25),
    g = Math.floor((b - f + 1) / 3),
    h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4),
    k = c % 4,
    l = (32 + 2 * e + 2 * i - h - k) % 7,
    m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31),
    day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(y, month, day);
}

/** Saturday → Friday before, Sunday → Monday after. */
function observed(days: number): number {
  const w = dayOfWeek(days);
  return w === 6 ? days - 1 : w === 0 ? days + 1 : days;
}

const yearCache = new Map<number, Map<number, string>>();

/** The NYSE full-day holidays of a year: day number → name. */
export function nyseHolidays(year: number): Map<number, string> {
  let h = yearCache.get(year);
  if (h) return h;
  h = new Map();
  const ny = utc(year, 1, 1);
  if (dayOfWeek(ny) !== 6) h.set(observed(ny), "New Year's Day");
  if (year >= 1998) h.set(nthWeekday(year, 1, 1, 3), "Martin Luther King Jr. Day");
  h.set(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  h.set(easter(year) - 2, "Good Friday");
  h.set(nthWeekday(year, 5, 1, -1), "Memorial Day");
  if (year >= 2022) h.set(observed(utc(year, 6, 19)), "Juneteenth");
  h.set(observed(utc(year, 7, 4)), "Independence Day");
  h.set(nthWeekday(year, 9, 1, 1), "Labor Day");
  h.set(nthWeekday(year, 11, 4, 4), "Thanksgiving Day");
  h.set(observed(utc(year, 12, 25)), "Christmas Day");
  for (const [date, why] of Object.entries(SPECIAL_CLOSINGS)) {
    if (date.startsWith(`${year}-`)) h.set(parseIsoDate(date)!, why);
  }
  yearCache.set(year, h);
  return h;
}

/** Why `days` is not a trading day on `calendar` ("Saturday", "Good Friday", …), or null if it is one. */
export function closedReason(days: number, calendar: ExchangeCalendar): string | null {
  const w = dayOfWeek(days);
  if (w === 6) return "Saturday";
  if (w === 0) return "Sunday";
  if (calendar === "weekdays") return null;
  const year = Number(formatIsoDate(days).slice(0, 4));
  const name = nyseHolidays(year).get(days);
  return name ? `NYSE holiday: ${name}` : null;
}

export function isTradingDay(days: number, calendar: ExchangeCalendar): boolean {
  return closedReason(days, calendar) === null;
}

/** The last trading day strictly before `days`. */
export function previousTradingDay(days: number, calendar: ExchangeCalendar): number {
  let d = days - 1;
  while (!isTradingDay(d, calendar)) d--;
  return d;
}

/** Every NYSE full-day holiday (weekdays only) from `start` to `end` inclusive, as ISO dates. */
export function nyseHolidayDates(start: string, end: string): string[] {
  const a = parseIsoDate(start),
    b = parseIsoDate(end);
  if (a === null || b === null) return [];
  const out: string[] = [];
  for (let y = Number(start.slice(0, 4)); y <= Number(end.slice(0, 4)); y++) {
    for (const d of [...nyseHolidays(y).keys()].sort((x, z) => x - z)) if (d >= a && d <= b) out.push(formatIsoDate(d));
  }
  return out;
}
