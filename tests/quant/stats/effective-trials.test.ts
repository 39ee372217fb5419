/**
 * Effective number of trials: correlation clusters (clusterTrials) and the trial count with
 * its Sharpe variance (countTrials). Expected values are hand computations on small series.
 */
import { describe, expect, it } from "vitest";
import { clusterTrials } from "../../../src/quant/stats/effective-trials.ts";
import { countTrials } from "../../../src/quant/stats/trial-count.ts";
import { createRng } from "../../../src/core/rng.ts";

const noise = (seed: number, n: number) => {
  const r = createRng(seed);
  return Float64Array.from({ length: n }, () => r.next() - 0.5);
};
const mix = (a: Float64Array, b: Float64Array, w: number) => Float64Array.from(a, (v, i) => w * v + (1 - w) * b[i]);

describe("clusterTrials", () => {
  it("counts near-duplicates once and independent series separately", () => {
    const a = noise(1, 2000),
      b = noise(2, 2000),
      c = noise(3, 2000);
    // a, a + a little noise, a scaled (ρ = 1): one cluster; b and c on their own.
    const series = [a, mix(a, noise(4, 2000), 0.95), Float64Array.from(a, (v) => 2 * v), b, c];
    const r = clusterTrials(series);
    expect(r.count).toBe(3);
    expect([...r.labels]).toEqual([0, 0, 0, 1, 2]);
  });

  it("complete linkage: a chain a–b–c with ρ(a,c) below the bound is not one cluster", () => {
    // b = (a + c)/√2-ish: ρ(a,b) ≈ ρ(b,c) ≈ 0.707, ρ(a,c) ≈ 0. At minCorrelation 0.7, single
    // linkage would chain all three; complete linkage keeps a and c apart.
    const a = noise(5, 4000),
      c = noise(6, 4000);
    const b = mix(a, c, 0.5);
    const r = clusterTrials([a, b, c], { minCorrelation: 0.7 });
    expect(r.count).toBe(2);
    expect(r.labels[0]).not.toBe(r.labels[2]);
  });

  it("the bound is inclusive and 1 merges only perfectly correlated series", () => {
    const a = noise(7, 500);
    expect(clusterTrials([a, Float64Array.from(a, (v) => 3 * v + 1)], { minCorrelation: 1 }).count).toBe(1);
    expect(clusterTrials([a, mix(a, noise(8, 500), 0.99)], { minCorrelation: 1 }).count).toBe(2);
  });

  it("constant series: equal ones share a cluster, others stand alone; mean correlation by hand", () => {
    const z = new Float64Array(10),
      one = new Float64Array(10).fill(0.01);
    const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const y = Float64Array.from([2, 4, 6, 8, 10, 12, 14, 16, 18, 21]);
    const r = clusterTrials([z, z, one, x, y]);
    expect([...r.labels]).toEqual([0, 0, 1, 2, 2]);
    // Only the pair (x, y) has a defined correlation: Σdxdy / √(Σdx²Σdy²) with x̄ = 5.5, ȳ = 11.1
    // Σdx² = 82.5, Σdxdy = 169.5, Σdy² = 348.9  ⇒ ρ = 169.5 / √(82.5·348.9) = 0.99879…
    // (a constant series never enters the mean, even 0.01 repeated, whose mean is inexact).
    expect(r.meanCorrelation).toBeCloseTo(169.5 / Math.sqrt(82.5 * 348.9), 12);
  });

  it("rejects series of different lengths and a bound outside (−1, 1]", () => {
    expect(() => clusterTrials([new Float64Array(3), new Float64Array(4)])).toThrow(
      /series 1 has 4 values, series 0 has 3/,
    );
    expect(() => clusterTrials([], { minCorrelation: 1.5 })).toThrow(/minCorrelation/);
  });
});

describe("countTrials", () => {
  it("raw N counts configurations; effective N counts clusters; V is over cluster means", () => {
    const c = countTrials(
      [
        { key: "a", sharpe: 1.0, cluster: 0 },
        { key: "b", sharpe: 1.2, cluster: 0 },
        { key: "c", sharpe: 0.4, cluster: 1 },
        { key: "d", sharpe: 0.7 }, // recorded by another run, returns not at hand
        { key: "a", sharpe: 1.0 }, // the registry's record of a series also in the matrix
      ],
      5,
    );
    expect(c).toMatchObject({ returnSeries: 4, other: 5, raw: 9, units: 3, effective: 8 });
    // Units: d = 0.7, cluster 0 = 1.1, cluster 1 = 0.4 → mean 0.7333…, variance
    // ((0.7−0.7333)² + (1.1−0.7333)² + (0.4−0.7333)²)/2 = (0.001111 + 0.134444 + 0.111111)/2 = 0.1233333…
    expect(c.sharpeMean).toBeCloseTo(2.2 / 3, 12);
    expect(c.sharpeVariance).toBeCloseTo(0.37 / 3, 12);
  });

  it("one unit: variance 0; no series: NaN mean; a non-finite Sharpe is skipped", () => {
    expect(countTrials([{ key: "a", sharpe: 1 }], 0)).toMatchObject({ units: 1, effective: 1, sharpeVariance: 0 });
    expect(countTrials([], 3)).toMatchObject({ raw: 3, effective: 3, sharpeVariance: 0 });
    expect(Number.isNaN(countTrials([], 0).sharpeMean)).toBe(true);
    expect(
      countTrials([
        { key: "a", sharpe: NaN },
        { key: "b", sharpe: 2 },
      ]).returnSeries,
    ).toBe(1);
  });

  it("the same input in any order gives the same numbers (sorted by key)", () => {
    const xs = [
      { key: "q", sharpe: 0.31, cluster: 2 },
      { key: "b", sharpe: 1.7 },
      { key: "k", sharpe: -0.2, cluster: 2 },
      { key: "z", sharpe: 0.9 },
    ];
    const a = countTrials(xs, 1),
      b = countTrials([...xs].reverse(), 1);
    expect(b).toEqual(a);
  });
});
