import { describe, expect, it } from "vitest";
import { businessDays, businessDaysBetween, isBusinessDay, isoToDays } from "../../src/data/calendar.ts";

describe("businessDays", () => {
  it("lists Monday–Friday between two dates inclusive", () => {
    // 2024-01-05 is a Friday, 2024-01-08 a Monday (any calendar).
    const b = businessDays("2024-01-05", "2024-01-09");
    expect(b.dates).toEqual(["2024-01-05", "2024-01-08", "2024-01-09"]);
    expect(Array.from(b.days)).toEqual([19727, 19730, 19731]); // DuckDB: date '2024-01-05' - date '1970-01-01' = 19727
  });
  it("counts 262 weekdays in 2024 and 3391 for 2012-01-03..2024-12-31", () => {
    // 2024: 52 full weeks + Mon 2024-01-01 and Tue 2024-12-31 → 262. The second figure was
    // counted independently with Python's datetime (weekday() < 5).
    expect(businessDays("2024-01-01", "2024-12-31").days.length).toBe(262);
    expect(businessDays("2012-01-03", "2024-12-31").days.length).toBe(3391);
  });
  it("rejects reversed ranges and bad dates with a clear message", () => {
    expect(() => businessDays("2024-02-01", "2024-01-01")).toThrow(/before start/);
    expect(() => businessDays("2024-02-30", "2024-03-01")).toThrow(/"2024-02-30"/);
  });
  it("businessDaysBetween agrees with counting the list", () => {
    const a = isoToDays("2023-03-01");
    for (const span of [0, 1, 2, 5, 6, 7, 13, 30, 400]) {
      const list = businessDays(
        "2023-03-02",
        new Date((a + Math.max(span, 1)) * 86_400_000).toISOString().slice(0, 10),
      );
      expect(businessDaysBetween(a, a + span)).toBe(span === 0 ? 0 : list.days.length);
    }
    expect(isBusinessDay(isoToDays("2024-01-06"))).toBe(false);
  });
});
