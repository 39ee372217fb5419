/** Formatting that keeps a number's meaning: bootstrap p-values, identifier integers, the nines axis. */
import { describe, expect, it } from "vitest";
import { formatPValue } from "../../src/report/format.ts";
import { dataTable, keyValueTable } from "../../src/report/table.ts";
import { nines } from "../../src/report/site/statistics-page.ts";

describe("report formatting", () => {
  it("a bootstrap p-value of 0 reads < 1/B (the smallest positive value B resamples can give)", () => {
    expect(formatPValue(0, 2000)).toBe("< 1/2000 (0.0005)");
    expect(formatPValue(0, 500)).toBe("< 1/500 (0.002)");
    expect(formatPValue(0.0125, 2000)).toBe("0.0125");
    expect(formatPValue(0, undefined)).toBe("0"); // B unknown: say what was recorded
    expect(formatPValue(undefined, 2000)).toBe("—");
  });

  it("seeds, years and ids print as digits; quantities keep their separators", () => {
    const t = String(dataTable([{ seed: 2686098800, year: 2024, rows: 648839 }]));
    expect(t).toContain(">2686098800<");
    expect(t).toContain(">2024<");
    expect(t).toContain(">648,839<");
    expect(String(keyValueTable([["backtest.seed", 2045795918]]))).toContain(">2045795918<");
  });

  it("the nines axis puts 0.9, 0.99, 0.999 one unit apart and caps at six nines", () => {
    // −log10(1 − p): 0.9 → 1, 0.99 → 2, 0.999 → 3 (to rounding), 0.5 → log10 2.
    expect(nines(0.9)).toBeCloseTo(1, 12);
    expect(nines(0.99)).toBeCloseTo(2, 12);
    expect(nines(0.999)).toBeCloseTo(3, 12);
    expect(nines(0.5)).toBeCloseTo(Math.log10(2), 12);
    expect(nines(0)).toBe(0);
    expect(nines(1)).toBe(6);
    expect(nines(0.9999999)).toBe(6);
    expect(nines(Number.NaN)).toBeNaN();
  });
});
