/**
 * dailyIcPairs must be dailyIc pair by pair, bit for bit: the report's feature IC uses it and
 * its figures were dailyIc's before.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { dailyIcPairs } from "../../../src/quant/stats/daily-ic-pairs.ts";
import { dailyIc } from "../../../src/quant/stats/information-coefficient.ts";

/** Columns with ties, NaN and ±∞ on some dates, fully finite on others; dates grouped ascending. */
function sample(seed: number, days: number, names: number, cols: number) {
  const rng = createRng(seed);
  const rnd = () => rng.next();
  const dates = new Int32Array(days * names);
  const columns = Array.from({ length: cols }, () => new Float64Array(days * names));
  for (let d = 0; d < days; d++)
    for (let s = 0; s < names; s++) {
      const r = d * names + s;
      dates[r] = 18000 + d * 7;
      columns.forEach((c, k) => {
        const u = rnd();
        // Ties from rounding; gaps on odd days for odd columns; a constant column on day 3.
        c[r] = k === 2 && d === 3 ? 1 : Math.round(u * 8) / 8 - 0.5;
        if (d % 2 === 1 && k % 2 === 1 && u < 0.15) c[r] = [Number.NaN, Number.POSITIVE_INFINITY][s % 2];
      });
    }
  return { dates, columns };
}

describe("dailyIcPairs: dailyIc of each pair, bit for bit", () => {
  it("equals dailyIc on rows with ties, gaps, a constant side and too few names", () => {
    const { dates, columns } = sample(7, 40, 12, 5);
    const pairs = [
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 1],
      [0, 0],
    ] as const;
    for (const minNames of [3, 11]) {
      const got = dailyIcPairs(columns, pairs, dates, { rank: true, minNames });
      pairs.forEach(([x, y], p) => {
        const want = dailyIc(columns[x], columns[y], dates, { rank: true, minNames });
        expect(Array.from(got[p].dates)).toEqual(Array.from(want.dates));
        expect(Buffer.from(got[p].ic.buffer)).toEqual(Buffer.from(want.ic.buffer));
      });
    }
    // The gaps matter: with minNames 11 some odd days drop out for the odd columns.
    expect(dailyIcPairs(columns, [[1, 3]], dates, { rank: true, minNames: 11 })[0].dates.length).toBeLessThan(40);
  });

  it("falls back to dailyIc for unsorted dates and for the Pearson IC", () => {
    const { dates, columns } = sample(11, 6, 8, 2);
    const shuffled = Int32Array.from(dates).reverse();
    expect(dailyIcPairs(columns, [[0, 1]], shuffled, { rank: true, minNames: 3 })).toEqual([
      dailyIc(columns[0], columns[1], shuffled, { rank: true, minNames: 3 }),
    ]);
    expect(dailyIcPairs(columns, [[0, 1]], dates, { minNames: 3 })).toEqual([
      dailyIc(columns[0], columns[1], dates, { minNames: 3 }),
    ]);
  });

  it("rejects a pair naming no column, and minNames as dailyIc does", () => {
    const { dates, columns } = sample(3, 2, 4, 2);
    expect(() => dailyIcPairs(columns, [[0, 2]], dates, { rank: true })).toThrow(/pair \[0, 2\]/);
    expect(() => dailyIcPairs(columns, [[0, 1]], dates, { rank: true, minNames: 1 })).toThrow(/minNames is 1/);
  });
});
