/**
 * The tearsheet charts' numbers: thinning keeps the last point and every trough, the rolling
 * Sharpe ratio at the drawn points is rollingSharpe's, the monthly table compounds.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/rng.ts";
import { maxDrawdown, rollingSharpe } from "../../src/quant/stats/index.ts";
import { MAX_POINTS, thinned } from "../../src/report/tearsheet/series.ts";
import { rollingFigures } from "../../src/report/tearsheet/rolling.ts";
import { underwaterFigure } from "../../src/report/tearsheet/underwater.ts";
import { monthlyFigure } from "../../src/report/tearsheet/monthly.ts";

function series(n: number, seed = 3) {
  const rng = createRng(seed);
  const returns = Array.from({ length: n }, () => 0.0004 + 0.012 * rng.normal());
  const dates = Array.from({ length: n }, (_, i) =>
    new Date(Date.UTC(2010, 0, 4) + i * 86_400_000).toISOString().slice(0, 10),
  );
  return { label: "s", dates, returns, periodsPerYear: 252 };
}

/** The numbers of a figure's data table, column by column. */
function column(html: string, name: string): number[] {
  const table = html.slice(html.indexOf("<table>"));
  const head = [...table.slice(0, table.indexOf("</thead>")).matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);
  const at = head.indexOf(name);
  return [...table.matchAll(/<tr>(.*?)<\/tr>/g)]
    .slice(1)
    .map((r) => [...r[1].matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1])[at])
    .map((t) => Number(t.replace("−", "-").replace(/,/g, "")));
}

describe("tearsheet charts", () => {
  it("thinning keeps at most MAX_POINTS + 1 points, evenly spaced, and always the last", () => {
    for (const n of [1, 10, MAX_POINTS, MAX_POINTS + 1, 2822, 5000]) {
      const idx = thinned(n);
      expect(idx.length).toBeLessThanOrEqual(MAX_POINTS + 1);
      expect(idx[0]).toBe(0);
      expect(idx.at(-1)).toBe(n - 1);
    }
    expect(thinned(0)).toEqual([]);
  });

  it("the rolling Sharpe ratio drawn at each point is rollingSharpe's value there", () => {
    const s = series(2000);
    const html = String(rollingFigures(s, 126)[0]);
    const ref = rollingSharpe(s.returns, 126, { periodsPerYear: 252 });
    const drawn = thinned(2000).filter((i) => i >= 125);
    const got = column(html, "sharpe");
    expect(got).toHaveLength(Math.min(500, drawn.length)); // the data table shows up to 500 rows
    // The table prints 4 significant digits.
    got.forEach((v, j) => expect(v).toBeCloseTo(Number(ref[drawn[j]].toPrecision(4)), 10));
  });

  it("the underwater curve keeps every trough: its deepest drawn point is the maximum drawdown", () => {
    const s = series(3000, 9);
    const dd = column(String(underwaterFigure(s)), "drawdown");
    expect(Math.min(...dd)).toBeCloseTo(Number(maxDrawdown(s.returns).toPrecision(4)), 10);
  });

  it("monthly returns compound within each month (hand computation)", () => {
    // January 2021: +10 % then −10 % → 1.1 · 0.9 − 1 = −1 %; February: +5 % → 5 %; the year: 0.99 · 1.05 − 1.
    const s = {
      label: "m",
      dates: ["2021-01-04", "2021-01-05", "2021-02-01"],
      returns: [0.1, -0.1, 0.05],
      periodsPerYear: 252,
    };
    const html = String(monthlyFigure(s));
    const ret = column(html, "return");
    expect(ret).toEqual([-0.01, 0.05, Number((0.99 * 1.05 - 1).toPrecision(4))]);
  });
});
