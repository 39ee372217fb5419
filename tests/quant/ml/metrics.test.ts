/**
 * dailyIc, icSummary, hitRate, mse against values computed by hand (cross-checked with
 * scipy.stats.pearsonr / spearmanr 1.17) and invariants.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { hitRate, mse } from "../../../src/quant/ml/metrics.ts";
import { dailyIc, icSummary } from "../../../src/quant/stats/information-coefficient.ts";

// Four days (epoch days 100..103), rows deliberately out of date order.
//  100: pred [1,2,2,3,4], y [2,1,3,3,5]      → Pearson 5.4/√(5.2·8.8), Spearman 29/38 (by hand)
//  101: pred [1..5] vs y [5..1] + a NaN row   → −1 both ways (5 valid names)
//  102: only 4 names                          → skipped (minNames 5)
//  103: constant pred                         → skipped (correlation undefined)
const rows: Array<[number, number, number]> = [
  [101, 1, 5],
  [100, 1, 2],
  [102, 1, 1],
  [100, 2, 1],
  [101, 2, 4],
  [103, 7, 1],
  [100, 2, 3],
  [101, NaN, 0],
  [103, 7, 2],
  [101, 3, 3],
  [100, 3, 3],
  [102, 2, 2],
  [101, 4, 2],
  [103, 7, 3],
  [100, 4, 5],
  [101, 5, 1],
  [102, 3, 4],
  [103, 7, 4],
  [102, 4, 3],
  [103, 7, 5],
];
const dates = Int32Array.from(rows, (r) => r[0]);
const pred = Float64Array.from(rows, (r) => r[1]);
const y = Float64Array.from(rows, (r) => r[2]);

describe("dailyIc", () => {
  it("dailyIc(pred, y, dates) is the per-day Pearson r, days with too few names or constant pred skipped", () => {
    // Day 100 by hand: x̄ = 2.4, ȳ = 2.8; Σdxdy = 5.4, Σdx² = 5.2, Σdy² = 8.8 ⇒ r = 0.7982717345852616
    const r = dailyIc(pred, y, dates);
    expect(Array.from(r.dates)).toEqual([100, 101]);
    expect(r.ic[0]).toBeCloseTo(5.4 / Math.sqrt(5.2 * 8.8), 14);
    expect(r.ic[1]).toBeCloseTo(-1, 14);
  });

  it("dailyIc(…, { rank: true }) is Spearman with average ranks for ties", () => {
    const r = dailyIc(pred, y, dates, { rank: true });
    expect(Array.from(r.dates)).toEqual([100, 101]);
    expect(r.ic[0]).toBeCloseTo(29 / 38, 14);
    expect(r.ic[1]).toBeCloseTo(-1, 14);
  });

  it("dailyIc with minNames 4 keeps day 102 (4 names, y ranks 1,2,4,3 vs 1..4 ⇒ ρ = 0.8)", () => {
    // Σd² = 0 + 0 + 1 + 1 = 2 ⇒ ρ = 1 − 6·2/(4·15) = 0.8 (no ties, so the shortcut formula holds)
    const r = dailyIc(pred, y, dates, { rank: true, minNames: 4 });
    expect(Array.from(r.dates)).toEqual([100, 101, 102]);
    expect(r.ic[2]).toBeCloseTo(0.8, 14);
  });

  it("dailyIc does not depend on row order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: rows.length, maxLength: rows.length }),
        (keys) => {
          const perm = rows.map((_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
          const r = dailyIc(
            perm.map((i) => pred[i]),
            perm.map((i) => y[i]),
            Int32Array.from(perm, (i) => dates[i]),
            { rank: true },
          );
          expect(Array.from(r.dates)).toEqual([100, 101]);
          expect(r.ic[0]).toBeCloseTo(29 / 38, 14);
        },
      ),
    );
  });

  it("dailyIc rejects misaligned inputs and minNames < 2, naming the values", () => {
    expect(() => dailyIc([1, 2], [1], Int32Array.of(1, 1))).toThrow(/pred has 2 rows but y has 1/);
    expect(() => dailyIc([1, 2], [1, 2], Int32Array.of(1))).toThrow(/dates has 1 rows but pred has 2/);
    expect(() => dailyIc([1, 2], [1, 2], Int32Array.of(1, 1), { minNames: 1 })).toThrow(
      /minNames is 1; expected an integer ≥ 2/,
    );
  });
});

describe("icSummary", () => {
  it("icSummary([0.1, 0.2, 0, 0.3, −0.1]) by hand: std √0.025, icir 0.632456, tStat √2", () => {
    // mean 0.1; deviations 0, .1, −.1, .2, −.2 ⇒ Σ = 0.1, var = 0.1/4 = 0.025;
    // icir = 0.1/√0.025 = 0.6324555; tStat = 0.1/(√0.025/√5) = √2
    const s = icSummary([0.1, 0.2, 0, 0.3, -0.1]);
    expect(s.n).toBe(5);
    expect(s.mean).toBeCloseTo(0.1, 14);
    expect(s.std).toBeCloseTo(Math.sqrt(0.025), 14);
    expect(s.icir).toBeCloseTo(0.1 / Math.sqrt(0.025), 12);
    expect(s.tStat).toBeCloseTo(Math.SQRT2, 12);
  });

  it("icSummary skips NaN and is NaN-valued below two days", () => {
    expect(icSummary([0.1, NaN, 0.2, 0, 0.3, -0.1]).tStat).toBeCloseTo(Math.SQRT2, 12);
    const one = icSummary([0.2]);
    expect(one.n).toBe(1);
    expect(one.std).toBeNaN();
    expect(one.tStat).toBeNaN();
  });

  it("tStat = icir · √n", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 2, maxLength: 80 }), (ic) => {
        const s = icSummary(ic);
        fc.pre(s.std > 1e-9);
        expect(s.tStat).toBeCloseTo(s.icir * Math.sqrt(s.n), 8);
      }),
    );
  });
});

describe("hitRate and mse", () => {
  it("hitRate counts sign agreement, skipping NaN and zero (no direction): 2 of 4", () => {
    // rows: hit, miss, miss, pred 0 (skip), NaN (skip), hit
    expect(hitRate([1, -1, 2, 0, NaN, -3], [0.5, 0.2, -1, 1, 1, -2])).toBe(0.5);
    expect(hitRate([0, NaN], [1, 1])).toBeNaN();
  });

  it("mse([1,2,3,NaN], [1,4,0,5]) = (0 + 4 + 9)/3", () => {
    expect(mse([1, 2, 3, NaN], [1, 4, 0, 5])).toBeCloseTo(13 / 3, 14);
    expect(() => mse([1], [1, 2])).toThrow(/pred has 1 rows but y has 2/);
  });
});
