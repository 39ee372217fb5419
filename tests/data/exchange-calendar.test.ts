import { describe, expect, it } from "vitest";
import { closedReason, isTradingDay, nyseHolidayDates, previousTradingDay } from "../../src/data/exchange-calendar.ts";
import { formatIsoDate, parseIsoDate } from "../../src/store/dates.ts";

const d = (s: string) => parseIsoDate(s)!;

describe("NYSE calendar", () => {
  // Expected lists: the holiday calendars published by the New York Stock Exchange for each year.
  const PUBLISHED: Record<number, string[]> = {
    2021: [
      "2021-01-01",
      "2021-01-18",
      "2021-02-15",
      "2021-04-02",
      "2021-05-31",
      "2021-07-05",
      "2021-09-06",
      "2021-11-25",
      "2021-12-24",
    ],
    // 2022: New Year's Day on a Saturday is not observed; Juneteenth's first year (Sunday → Monday).
    2022: [
      "2022-01-17",
      "2022-02-21",
      "2022-04-15",
      "2022-05-30",
      "2022-06-20",
      "2022-07-04",
      "2022-09-05",
      "2022-11-24",
      "2022-12-26",
    ],
    2023: [
      "2023-01-02",
      "2023-01-16",
      "2023-02-20",
      "2023-04-07",
      "2023-05-29",
      "2023-06-19",
      "2023-07-04",
      "2023-09-04",
      "2023-11-23",
      "2023-12-25",
    ],
    2024: [
      "2024-01-01",
      "2024-01-15",
      "2024-02-19",
      "2024-03-29",
      "2024-05-27",
      "2024-06-19",
      "2024-07-04",
      "2024-09-02",
      "2024-11-28",
      "2024-12-25",
    ],
    // 2025: the national day of mourning for President Carter (Jan 9) closed the exchange.
    2025: [
      "2025-01-01",
      "2025-01-09",
      "2025-01-20",
      "2025-02-17",
      "2025-04-18",
      "2025-05-26",
      "2025-06-19",
      "2025-07-04",
      "2025-09-01",
      "2025-11-27",
      "2025-12-25",
    ],
    // 2012: Hurricane Sandy closed the exchange on Oct 29–30.
    2012: [
      "2012-01-02",
      "2012-01-16",
      "2012-02-20",
      "2012-04-06",
      "2012-05-28",
      "2012-07-04",
      "2012-09-03",
      "2012-10-29",
      "2012-10-30",
      "2012-11-22",
      "2012-12-25",
    ],
  };
  for (const [year, dates] of Object.entries(PUBLISHED)) {
    it(`matches the published ${year} holidays`, () => {
      expect(nyseHolidayDates(`${year}-01-01`, `${year}-12-31`)).toEqual(dates);
    });
  }

  it("names why a day is closed, and weekdays-only trades every weekday", () => {
    expect(closedReason(d("2024-03-29"), "nyse")).toBe("NYSE holiday: Good Friday");
    expect(closedReason(d("2024-03-29"), "weekdays")).toBeNull();
    expect(closedReason(d("2024-03-30"), "weekdays")).toBe("Saturday");
    expect(closedReason(d("2024-03-31"), "nyse")).toBe("Sunday");
    // the day after Thanksgiving closes early, it is a trading day
    expect(isTradingDay(d("2024-11-29"), "nyse")).toBe(true);
  });

  it("the previous trading day skips weekends and holidays", () => {
    expect(formatIsoDate(previousTradingDay(d("2024-04-01"), "nyse"))).toBe("2024-03-28"); // Monday after Good Friday
    expect(formatIsoDate(previousTradingDay(d("2024-04-01"), "weekdays"))).toBe("2024-03-29");
    expect(formatIsoDate(previousTradingDay(d("2024-07-05"), "nyse"))).toBe("2024-07-03");
  });
});
