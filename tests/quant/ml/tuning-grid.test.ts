import { describe, expect, it } from "vitest";
import { StrataError } from "../../../src/core/errors.ts";
import {
  fromInternal,
  gridPoints,
  gridSearch,
  validateSpace,
  type ParamValues,
  type SearchSpace,
} from "../../../src/quant/ml/tuning/index.ts";
import { PLANTED, peak } from "./tuning-problems.ts";

describe("gridPoints", () => {
  it("lists a small constrained grid in canonical order", () => {
    // Names sorted: fast, kind, slow; fast varies slowest, slow fastest; kind in choices order.
    // fast ∈ {1,2,3}, kind ∈ {sma, ema}, slow ∈ {2,4,6} (step 2): 3·2·3 = 18 raw points.
    // fast < slow keeps, per kind: fast 1 → 2,4,6; fast 2 → 4,6; fast 3 → 4,6: 7, so 14 points.
    const space: SearchSpace = {
      slow: { type: "int", low: 2, high: 6, step: 2 },
      fast: { type: "int", low: 1, high: 3 },
      kind: { type: "categorical", choices: ["sma", "ema"] },
    };
    const pts = gridPoints(space, { constraint: (p) => (p.fast as number) < (p.slow as number) });
    const row = (p: ParamValues) => `${p.fast} ${p.kind} ${p.slow}`;
    expect(pts.map(row)).toEqual([
      "1 sma 2",
      "1 sma 4",
      "1 sma 6",
      "1 ema 2",
      "1 ema 4",
      "1 ema 6",
      "2 sma 4",
      "2 sma 6",
      "2 ema 4",
      "2 ema 6",
      "3 sma 4",
      "3 sma 6",
      "3 ema 4",
      "3 ema 6",
    ]);
    expect(Object.keys(pts[0])).toEqual(["fast", "kind", "slow"]);
    expect(gridPoints(space)).toHaveLength(18);
  });

  it("float axes: a step from low (noise rounded away), or evenly spaced points (geometric on log scale)", () => {
    // 0 + 3 × 0.1 = 0.30000000000000004 in binary; rounded to 12 significant digits it is 0.3.
    // 0.25 step on [0, 0.9]: ⌊0.9 / 0.25⌋ + 1 = 4 values, high itself is not on the lattice.
    // 3 log-spaced points on [1, 100]: 1, 10, 100. 5 linear points on [−1, 1]: step 0.5.
    const pts = (space: SearchSpace, points?: Record<string, number>) => gridPoints(space, { points }).map((p) => p.v);
    expect(pts({ v: { type: "float", low: 0, high: 0.3, step: 0.1 } })).toEqual([0, 0.1, 0.2, 0.3]);
    expect(pts({ v: { type: "float", low: 0, high: 0.9, step: 0.25 } })).toEqual([0, 0.25, 0.5, 0.75]);
    expect(pts({ v: { type: "float", low: 1, high: 100, log: true } }, { v: 3 })).toEqual([1, 10, 100]);
    expect(pts({ v: { type: "float", low: -1, high: 1, step: 0.3 } }, { v: 5 })).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(pts({ v: { type: "int", low: 3, high: 12, step: 4 } })).toEqual([3, 7, 11]);
    expect(pts({ v: { type: "float", low: 2, high: 2 } })).toEqual([2]);
  });

  it("a float without a step or a point count is an error naming it; so are bad point counts", () => {
    const space: SearchSpace = { lr: { type: "float", low: 0, high: 1 }, n: { type: "int", low: 1, high: 3 } };
    expect(() => gridPoints(space)).toThrow(StrataError);
    expect(() => gridPoints(space)).toThrow(/lr: a float param needs a step \(in the space\) or a point count/);
    expect(() => gridPoints(space, { points: { lr: 1 } })).toThrow(/points\.lr: 1, expected an integer ≥ 2/);
    expect(() => gridPoints(space, { points: { lr: 3, n: 2 } })).toThrow(/points\.n: only float params/);
    expect(() => gridPoints(space, { points: { rl: 3 } })).toThrow(/points\.rl: no such param; did you mean 'lr'\?/);
    expect(() => validateSpace({ n: { type: "int", low: 1, high: 3, step: 0.5 } })).toThrow(/n: step 0\.5/);
  });

  it("refuses a grid above maxPoints, before or after the constraint, with the count", () => {
    // 120 × 100 = 12,000 points; with a < b on a ∈ 0..119, b ∈ 0..99: Σ_{a=0}^{98} (99 − a) = 4,950 kept.
    const space: SearchSpace = { a: { type: "int", low: 0, high: 119 }, b: { type: "int", low: 0, high: 99 } };
    expect(() => gridPoints(space)).toThrow(
      "grid has 12,000 points, above maxPoints 10,000\n  → raise it or coarsen the steps",
    );
    const lt = (p: ParamValues) => (p.a as number) < (p.b as number);
    expect(gridPoints(space, { constraint: lt })).toHaveLength(4950);
    expect(() => gridPoints(space, { constraint: lt, maxPoints: 4000 })).toThrow(
      /grid has 4,950 points satisfying the constraint \(of 12,000\), above maxPoints 4,000/,
    );
    expect(() => gridPoints(space, { constraint: () => false })).toThrow(/rejects all 12,000 grid points/);
    const huge: SearchSpace = { a: { type: "int", low: 0, high: 9999 }, b: { type: "int", low: 0, high: 999 } };
    expect(() => gridPoints(huge, { constraint: lt })).toThrow(/10,000,000 points before the constraint/);
  });

  it("a step on a space changes nothing without one and snaps samples to the lattice with one", () => {
    expect(fromInternal({ type: "int", low: 0, high: 10 }, 3.4)).toBe(3);
    expect(fromInternal({ type: "int", low: 0, high: 10, step: 4 }, 5.9)).toBe(4); // lattice 0, 4, 8
    expect(fromInternal({ type: "int", low: 0, high: 10, step: 4 }, 10.4)).toBe(8);
    expect(fromInternal({ type: "float", low: 0, high: 1, step: 0.1 }, 0.349)).toBe(0.3);
    expect(fromInternal({ type: "float", low: 0, high: 1 }, 0.349)).toBe(0.349);
  });
});

describe("gridSearch", () => {
  it("finds the planted optimum (13, 47) among 5,000 points, in batches of batchSize", async () => {
    // f = 1 / (1 + ((x − 13)/4)² + ((y − 47)/8)²) is 1 at (13, 47) and < 1 everywhere else.
    const sizes: number[] = [];
    const r = await gridSearch(
      PLANTED,
      (batch) => {
        sizes.push(batch.length);
        return batch.map((p) => [peak(p)]);
      },
      { batchSize: 512 },
    );
    // ⌈5000 / 512⌉ = 10 calls, the last with 5000 − 9 · 512 = 392.
    expect(sizes).toEqual([512, 512, 512, 512, 512, 512, 512, 512, 512, 392]);
    expect(r.evaluations).toHaveLength(5000);
    expect(r.best.params).toEqual({ x: 13, y: 47 });
    expect(r.best.objectives).toEqual([1]);
    expect(r.best.index).toBe(13 * 100 + 47); // x slowest, y fastest
    expect(r.front).toEqual([r.best]);
    expect(r.nObjectives).toBe(1);
  });

  it("ties go to the first point in grid order; NaN ranks last", async () => {
    const space: SearchSpace = { a: { type: "int", low: 0, high: 3 } };
    const r = await gridSearch(space, (b) => b.map((p) => [p.a === 0 ? NaN : p.a === 3 ? 1 : 2]));
    expect(r.best.params).toEqual({ a: 1 });
    expect(r.front.map((e) => e.index)).toEqual([1, 2]);
  });

  it("two objectives: the front of maximize (x, −x²) is x ≥ 0, and equal weights pick x = 2", async () => {
    // x ∈ −5 … 5. For x < 0, −x has a larger first objective and the same second: dominated.
    // Front x = 0 … 5 (grid indices 5 … 10). Normalized over the front: x / 5 and (25 − x²) / 25;
    // with weights (1, 1) the scores are 1, 1.16, 1.24, 1.24, 1.16, 1: x = 2 and x = 3 tie, the
    // first in grid order (x = 2) wins. Weights (1, 0) pick x = 5, (0, 1) pick x = 0.
    const space: SearchSpace = { x: { type: "int", low: -5, high: 5 } };
    const obj = (b: ParamValues[]) => b.map((p) => [p.x as number, -((p.x as number) ** 2)]);
    const r = await gridSearch(space, obj);
    expect(r.front.map((e) => e.params.x)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.best.params.x).toBe(2);
    expect((await gridSearch(space, obj, { weights: [1, 0] })).best.params.x).toBe(5);
    expect((await gridSearch(space, obj, { weights: [0, 1] })).best.params.x).toBe(0);
    await expect(gridSearch(space, obj, { weights: [1] })).rejects.toThrow(/weights \[1\], expected 2 finite/);
  });

  it("rejects a malformed objective answer and a bad batchSize", async () => {
    const space: SearchSpace = { a: { type: "int", low: 0, high: 3 } };
    await expect(gridSearch(space, (b) => b.slice(1).map(() => [1]))).rejects.toThrow(
      /the objective returned 3 results for a batch of 4/,
    );
    await expect(gridSearch(space, (b) => b.map((_, i) => (i === 2 ? [1, 2] : [1])))).rejects.toThrow(
      /\[1,2\] for set 2 of the batch, expected an array of 1 number/,
    );
    await expect(gridSearch(space, (b) => b.map(() => [1]), { batchSize: 0 })).rejects.toThrow(/batchSize is 0/);
  });
});
