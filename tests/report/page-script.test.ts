/**
 * The page script: the committed bundle is what src/report/client builds to, it stays within the
 * issue's budget (< 150 kB gzip for all of the site's script), it asks the network for nothing,
 * and its pure parts compute what is checked here by hand.
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { pathVertices } from "../../src/report/client/chart.ts";
import { bundlePageScript } from "../../src/report/client/bundle.ts";
import { apply, bandAt, formatNumber, invert, linearTicks, timeTicks } from "../../src/report/client/scales.ts";
import { searchEntries } from "../../src/report/client/search.ts";
import { numericValue } from "../../src/report/client/tables.ts";
import { PAGE_SCRIPT } from "../../src/report/page-script.generated.ts";

describe("page script", () => {
  it("the committed bundle is up to date (else: npm run build:page-script)", () => {
    expect(PAGE_SCRIPT === bundlePageScript(), "run `npm run build:page-script` and commit the result").toBe(true);
  });

  it("is small and self-contained: < 150 kB gzip, no network call, no eval", () => {
    expect(gzipSync(PAGE_SCRIPT).length).toBeLessThan(150_000);
    expect(PAGE_SCRIPT).not.toMatch(/\bfetch\(|XMLHttpRequest|WebSocket|\beval\(|new Function|import\(/);
    expect(PAGE_SCRIPT).not.toMatch(/<\/script/i);
  });

  it("inverts Plot's scales: linear, log, utc and band (hand-computed)", () => {
    // Linear: domain [0, 10] on pixels [290, 20] (y grows upward): 5 sits at 155.
    const lin = { type: "linear", domain: [0, 10], range: [290, 20] };
    expect(apply(lin, 5)).toBe(155);
    expect(invert(lin, 155)).toBe(5);
    // Log10: domain [1, 100] on [0, 200]: 10 is halfway (log10 10 = 1 of 2).
    const log = { type: "log", domain: [1, 100], range: [0, 200] };
    expect(apply(log, 10)).toBeCloseTo(100, 12);
    expect(invert(log, 100)).toBeCloseTo(10, 12);
    // UTC: 2020-01-01 → 56, 2020-01-05 → 740; 2020-01-03 is the midpoint, 398.
    const utc = { type: "utc", domain: ["2020-01-01T00:00:00.000Z", "2020-01-05T00:00:00.000Z"], range: [56, 740] };
    expect(invert(utc, 398)).toBe(Date.UTC(2020, 0, 3));
    // Band (Plot's descriptor of a 3-band bar chart: bars at x = 79, 299, 519, width 198).
    const band = {
      type: "band",
      domain: ["a", "b", "c"],
      range: [56, 740],
      step: 220,
      bandwidth: 198,
      align: 0.5,
      paddingInner: 0.1,
    };
    expect([79 + 99, 299 + 99, 519 + 99].map((x) => bandAt(band, x))).toEqual(["a", "b", "c"]);
    // Point (Plot's descriptor of dots at y = 65, 155, 245 on [20, 290], padding 0.5).
    const point = { type: "point", domain: ["a", "b", "c"], range: [20, 290], step: 90, bandwidth: 0, align: 0.5 };
    expect([65, 155, 245, 100].map((y) => bandAt(point, y))).toEqual(["a", "b", "c", "a"]);
  });

  it("reads path vertices as Plot writes them (M, L, H, V, C)", () => {
    expect(pathVertices("M56,290L57.5,288.25H60V10C1,2,3,4,5,6Z")).toEqual([
      [56, 290],
      [57.5, 288.25],
      [60, 288.25],
      [60, 10],
      [5, 6],
    ]);
  });

  it("ticks: nice linear steps and calendar boundaries", () => {
    // (0.87 − 0.13) / 6 = 0.123 → a step of 1 × 10⁻¹; (7 − (−3)) / 5 = 2 → a step of 2.
    expect(linearTicks(0.13, 0.87, 6)).toEqual([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    expect(linearTicks(-3, 7, 5)).toEqual([-2, 0, 2, 4, 6]);
    const years = timeTicks(Date.UTC(2014, 5, 1), Date.UTC(2024, 0, 1), 7).map((t) => t.label);
    expect(years).toEqual(["2016", "2018", "2020", "2022", "2024"]);
    const months = timeTicks(Date.UTC(2020, 0, 15), Date.UTC(2020, 6, 1), 7).map((t) => t.label);
    expect(months).toEqual(["2020-02", "2020-03", "2020-04", "2020-05", "2020-06", "2020-07"]);
    expect(formatNumber(-0.000123456)).toBe("\u22120.0001235");
    expect(formatNumber(1234567)).toBe("1,235,000");
  });

  it("sorts table text as numbers: separators, minus signs, percents, p-value floors", () => {
    expect(numericValue("1,234.5")).toBe(1234.5);
    expect(numericValue("\u22120.12")).toBe(-0.12);
    expect(numericValue("12.5%")).toBe(0.125);
    expect(numericValue("< 1/2000 (0.0005)")).toBe(0.00025);
    expect(numericValue("∞")).toBe(Number.POSITIVE_INFINITY);
    expect(numericValue("ridge")).toBeNull();
  });

  it("search keeps entries containing every word", () => {
    const entries = [
      { href: "backtest.html#equity", text: "Equity curves", page: "Backtests" },
      { href: "backtest.html#drawdown", text: "Drawdown", page: "Backtests" },
      { href: "statistics.html", text: "Statistics", page: "Statistics" },
    ];
    expect(searchEntries(entries, "draw back").map((e) => e.href)).toEqual(["backtest.html#drawdown"]);
    expect(searchEntries(entries, "")).toEqual([]);
  });
});
