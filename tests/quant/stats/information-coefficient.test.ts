/**
 * crossSectionIc / dailyIc / icSummary: the one IC of the train stage, the monitor and the
 * report pages, against hand computations (cross-checked with scipy.stats.spearmanr 1.17).
 * dailyIc's own cases are in tests/quant/ml/metrics.test.ts.
 */
import { describe, expect, it } from "vitest";
import { crossSectionIc, dailyIc, icSummary } from "../../../src/quant/stats/information-coefficient.ts";
import { pearson } from "../../../src/quant/stats/pearson.ts";
import { spearman } from "../../../src/quant/stats/spearman.ts";

// Date 1: x 1..4 vs y ranks 1,2,4,3 → rho = 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/60 = 0.8.
// Date 2: x = 1,1,2,3 (a tie: ranks 1.5, 1.5, 3, 4) vs y 1..4 → Pearson of the ranks =
//   4.5 / √(4.5 · 5) = 0.9486832980505138 (scipy.stats.spearmanr([1,1,2,3],[1,2,3,4])).
//   A fifth pair with x NaN is left out. (Min-ranks, SQL's rank(), would give ranks 1,1,3,4
//   and ρ = 0.9467292624062575: not Spearman's ρ.)
const D1 = { x: [1, 2, 3, 4], y: [10, 20, 40, 30] };
const D2 = { x: [1, 1, 2, 3, NaN], y: [1, 2, 3, 4, -5] };

describe("crossSectionIc", () => {
  it("rank IC is Spearman's ρ with average ranks for ties; non-finite pairs left out", () => {
    expect(crossSectionIc(D1.x, D1.y, { rank: true })).toBeCloseTo(0.8, 14);
    expect(crossSectionIc(D2.x, D2.y, { rank: true })).toBeCloseTo(0.9486832980505138, 14);
    expect(crossSectionIc(D2.x, D2.y, { rank: true })).not.toBeCloseTo(0.9467292624062575, 6);
  });

  it("is bit-identical to spearman / pearson of the finite pairs (what the monitor used before)", () => {
    expect(crossSectionIc(D2.x, D2.y, { rank: true })).toBe(spearman(D2.x.slice(0, 4), D2.y.slice(0, 4)));
    expect(crossSectionIc(D2.x, D2.y)).toBe(pearson(D2.x.slice(0, 4), D2.y.slice(0, 4)));
  });

  it("NaN below minNames pairs or for a constant side", () => {
    expect(crossSectionIc(D2.x, D2.y, { rank: true, minNames: 5 })).toBeNaN();
    expect(crossSectionIc([1, 1, 1], [1, 2, 3], { rank: true })).toBeNaN();
    expect(crossSectionIc([1], [1])).toBeNaN();
    expect(() => crossSectionIc([1, 2], [1])).toThrow(/signal has 2 rows but returns has 1/);
    expect(() => crossSectionIc([1, 2], [1, 2], { minNames: 1 })).toThrow(/minNames is 1; expected an integer ≥ 2/);
  });
});

describe("dailyIc + icSummary over dates (the report's feature IC)", () => {
  const x = [...D1.x, ...D2.x],
    y = [...D1.y, ...D2.y];
  const dates = Int32Array.from([...D1.x.map(() => 1), ...D2.x.map(() => 2)]);

  it("per-date rank IC, then mean, sd and t = mean / (sd / √dates)", () => {
    const d = dailyIc(x, y, dates, { rank: true, minNames: 3 });
    expect(Array.from(d.dates)).toEqual([1, 2]);
    const s = icSummary(d.ic);
    const a = 0.8,
      b = 0.9486832980505138;
    const mean = (a + b) / 2,
      sd = Math.abs(a - b) / Math.SQRT2;
    expect(s.n).toBe(2);
    expect(s.mean).toBeCloseTo(mean, 14);
    expect(s.std).toBeCloseTo(sd, 14);
    expect(s.tStat).toBeCloseTo(mean / (sd / Math.SQRT2), 11);
  });

  it("drops dates with fewer than minNames pairs", () => {
    expect(dailyIc(x, y, dates, { rank: true, minNames: 5 }).ic.length).toBe(0);
    expect(icSummary([]).n).toBe(0);
  });
});
