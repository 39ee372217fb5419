/**
 * Probability of backtest overfitting by CSCV (Bailey, Borwein, López de Prado & Zhu 2015):
 * a hand-computed small case, exchangeable noise (E[PBO] = ½), a dominant strategy (PBO = 0).
 */
import { describe, expect, it } from "vitest";
import { createRng, type Rng } from "../../../src/core/rng.ts";
import { probabilityOfBacktestOverfitting } from "../../../src/quant/stats/index.ts";

function noise(rng: Rng, T: number, means: number[]): Float64Array[] {
  return means.map((m) => Float64Array.from({ length: T }, () => m + 0.01 * rng.normal()));
}

describe("probabilityOfBacktestOverfitting", () => {
  it("matches a hand computation: S = 4 blocks, 4 strategies, metric mean", () => {
    // Block means (2 rows each, v + 1 and v − 1), strategies A B C D:
    //   g1:  2  0  4  3      g2:  0  6  4 −2      g3: −3  0 −1 −2      g4: −2  2 −1  2
    // Training blocks → in-sample sums (A B C D) → n* → test sums → rank of n* (1 = worst)
    // → λ = ln(ω/(1 − ω)), ω = rank/5
    //   {1,2}: 2 6 8 1  → C;  −5 2 −2 0  → C is 2nd → ln(2/3)
    //   {1,3}: −1 0 3 1 → C;  −2 8 3 0   → 3rd     → ln(3/2)
    //   {1,4}: 0 2 3 5  → D;  −3 6 3 −4  → 1st     → ln(1/4)
    //   {2,3}: −3 6 3 −4 → B; 0 2 3 5    → 2nd     → ln(2/3)
    //   {2,4}: −2 8 3 0 → B;  −1 0 3 1   → 2nd     → ln(2/3)
    //   {3,4}: −5 2 −2 0 → B; 2 6 8 1    → 3rd     → ln(3/2)
    // PBO = 4/6. n* means in / out of sample (sums / 2): x = 4 1.5 2.5 3 4 1, y = −1 1.5 −2 1 0 3;
    // least squares: Sxx = 47/6, Sxy = −89/12 ⇒ slope −89/94, intercept 2.5/6 + (89/94)(16/6);
    // losses (y < 0) in 2 of 6. A leading 9th row (T mod S = 1) is dropped.
    const blocks = [
      [2, 0, 4, 3],
      [0, 6, 4, -2],
      [-3, 0, -1, -2],
      [-2, 2, -1, 2],
    ];
    const cols = [0, 1, 2, 3].map((k) => Float64Array.from([100, ...blocks.flatMap((b) => [b[k] + 1, b[k] - 1])]));
    const r = probabilityOfBacktestOverfitting(cols, { splits: 4, metric: "mean" });
    const l23 = Math.log(2 / 3),
      l32 = Math.log(3 / 2),
      l14 = Math.log(1 / 4);
    expect(r.combinations).toBe(6);
    expect(r.rowsUsed).toBe(8);
    expect(Array.from(r.selected)).toEqual([2, 2, 3, 1, 1, 1]);
    [l23, l32, l14, l23, l23, l32].forEach((l, c) => expect(r.logits[c]).toBeCloseTo(l, 14));
    expect(r.pbo).toBeCloseTo(4 / 6, 15);
    expect(Array.from(r.inSample)).toEqual([4, 1.5, 2.5, 3, 4, 1]);
    expect(Array.from(r.outOfSample)).toEqual([-1, 1.5, -2, 1, 0, 3]);
    expect(r.degradation.slope).toBeCloseTo(-89 / 94, 12);
    expect(r.degradation.intercept).toBeCloseTo(2.5 / 6 + (89 / 94) * (16 / 6), 12);
    expect(r.probabilityOfLoss).toBeCloseTo(2 / 6, 15);
  });
  it("is about ½ on average for exchangeable noise strategies (20 data sets)", () => {
    const rng = createRng(31);
    let sum = 0;
    const all: number[] = [];
    for (let s = 0; s < 20; s++) {
      const r = probabilityOfBacktestOverfitting(noise(rng, 480, new Array(10).fill(0)), { splits: 8 });
      expect(r.combinations).toBe(70);
      all.push(r.pbo);
      sum += r.pbo;
    }
    // one PBO has sd ≈ 0.24 here (combinations share data); the mean of 20, ≈ 0.055
    expect(sum / 20).toBeGreaterThan(0.38);
    expect(sum / 20).toBeLessThan(0.62);
    expect(Math.min(...all)).toBeLessThan(0.5);
    expect(Math.max(...all)).toBeGreaterThan(0.5);
  });
  it(
    "shows the degradation of noise: " + "the in-sample winner's out-of-sample mean falls as its in-sample mean rises",
    () => {
      // With the mean metric, R(J̄) = 2·R(all) − R(J) for a given strategy: slope < 0.
      const r = probabilityOfBacktestOverfitting(noise(createRng(32), 600, new Array(12).fill(0)), {
        splits: 10,
        metric: "mean",
      });
      expect(r.combinations).toBe(252);
      expect(r.degradation.slope).toBeLessThan(0);
    },
  );
  it("is 0 when one strategy truly dominates (0.3% a day over 19 noise strategies)", () => {
    const cols = noise(createRng(33), 1000, [...new Array(19).fill(0), 0.003]);
    const r = probabilityOfBacktestOverfitting(cols); // S = 16: 12,870 combinations
    expect(r.combinations).toBe(12870);
    expect(r.pbo).toBe(0);
    expect(r.probabilityOfLoss).toBe(0);
    expect(r.selected.every((n) => n === 19)).toBe(true);
    expect(Math.min(...r.logits)).toBeCloseTo(Math.log(20 / 21 / (1 / 21)), 12); // always ranked first: ω = 20/21
  });
  it("computes the Sharpe metric from block moments exactly as on the concatenated rows", () => {
    const cols = noise(createRng(34), 203, [0.001, 0, -0.0005, 0.0002, 0.0004]);
    const direct = (x: Float64Array) => {
      const m = x.reduce((a, b) => a + b, 0) / x.length;
      return m / Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
    };
    const a = probabilityOfBacktestOverfitting(cols, { splits: 6 });
    const b = probabilityOfBacktestOverfitting(cols, { splits: 6, metric: direct });
    expect(a.rowsUsed).toBe(198);
    expect(Array.from(a.selected)).toEqual(Array.from(b.selected));
    for (let c = 0; c < a.combinations; c++) expect(a.inSample[c]).toBeCloseTo(b.inSample[c], 13);
    expect(a.pbo).toBe(b.pbo);
  });
  it("ranks a constant strategy (NaN Sharpe) last instead of failing", () => {
    const cols = [...noise(createRng(35), 64, [0.001, 0]), new Float64Array(64)];
    const r = probabilityOfBacktestOverfitting(cols, { splits: 4 });
    expect(r.selected.every((n) => n !== 2)).toBe(true);
    expect(Number.isFinite(r.pbo)).toBe(true);
  });
  it("rejects odd splits, too few rows or strategies, ragged columns and NaN", () => {
    const cols = noise(createRng(36), 40, [0, 0]);
    expect(() => probabilityOfBacktestOverfitting(cols, { splits: 5 })).toThrow(
      /splits must be an even integer ≥ 2, got 5/,
    );
    expect(() => probabilityOfBacktestOverfitting(cols, { splits: 32 })).toThrow(
      /40 rows cannot make 32 blocks of at least 2 rows/,
    );
    expect(() => probabilityOfBacktestOverfitting([cols[0]])).toThrow(/needs at least 2 strategies, got 1/);
    expect(() => probabilityOfBacktestOverfitting([cols[0], cols[1].subarray(1)], { splits: 4 })).toThrow(
      /column 1 has 39 rows, column 0 has 40/,
    );
    const bad = Float64Array.from(cols[1]);
    bad[7] = NaN;
    expect(() => probabilityOfBacktestOverfitting([cols[0], bad], { splits: 4 })).toThrow(/column 1, row 7 is NaN/);
  });
});
