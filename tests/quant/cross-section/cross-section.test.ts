/**
 * Per-group ranks and z-scores against hand computations and a naive reference.
 */
import { describe, expect, it } from "vitest";
import { groupRanks, groupStarts, groupZScores } from "../../../src/quant/cross-section/index.ts";

describe("groupStarts", () => {
  it("splits a sorted key column into runs", () => {
    expect([...groupStarts(Int32Array.from([3, 3, 5, 7, 7, 7]))]).toEqual([0, 2, 3, 6]);
    expect([...groupStarts(new Int32Array(0))]).toEqual([0]);
  });
});

describe("groupRanks", () => {
  it("averages ties, skips NaN, 0.5 for a single value", () => {
    // group 1: 0.1, 0.2, 0.1, NaN → sorted 0.1, 0.1, 0.2 at positions 1, 2, 3; the ties share 1.5
    // group 2: 7 alone → 0.5; group 3: NaN only
    const v = Float64Array.from([0.1, 0.2, 0.1, NaN, 7, NaN]);
    const r = groupRanks(v, Int32Array.from([0, 4, 5, 6]));
    expect([...r]).toEqual([0.25, 1, 0.25, NaN, 0.5, NaN]);
  });

  it("matches a naive average-rank reference on random groups with many ties", () => {
    let s = 7;
    const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const sizes = [1, 2, 3, 15, 16, 17, 40, 500, 501, 1000];
    const n = sizes.reduce((a, b) => a + b, 0);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rnd() < 0.1 ? NaN : Math.floor(rnd() * 30) / 7;
    const starts = new Int32Array(sizes.length + 1);
    sizes.forEach((k, g) => (starts[g + 1] = starts[g] + k));
    const got = groupRanks(v, starts);
    for (let g = 0; g < sizes.length; g++) {
      const vals = [...v.subarray(starts[g], starts[g + 1])].filter((x) => !Number.isNaN(x));
      const m = vals.length;
      for (let i = starts[g]; i < starts[g + 1]; i++) {
        if (Number.isNaN(v[i])) {
          expect(got[i]).toBeNaN();
          continue;
        }
        const below = vals.filter((x) => x < v[i]).length,
          equal = vals.filter((x) => x === v[i]).length;
        const want = m === 1 ? 0.5 : (below + (equal + 1) / 2 - 1) / (m - 1);
        expect(got[i]).toBe(want);
      }
    }
  });
});

describe("groupZScores", () => {
  it("uses the sample stdev; 0 when all equal; NaN when fewer than 2 values", () => {
    // 0.1, 0.2, 0.1: mean 0.13333, sd √((2·0.03333² + 0.06667²)/2) = 0.057735
    const v = Float64Array.from([0.1, 0.2, 0.1, NaN, 5, 5, 3, NaN]);
    const z = groupZScores(v, Int32Array.from([0, 4, 6, 8]));
    expect(z[0]).toBeCloseTo(-0.57735, 6);
    expect(z[1]).toBeCloseTo(1.154701, 6);
    expect(z[2]).toBeCloseTo(-0.57735, 6);
    expect(z[3]).toBeNaN();
    expect([z[4], z[5]]).toEqual([0, 0]);
    expect([z[6], z[7]]).toEqual([NaN, NaN]);
  });

  it("depends only on the values in row order (deterministic)", () => {
    const v = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i * 1.7) * 1e3 + i * 1e-9);
    const starts = Int32Array.from([0, 300, 1000]);
    expect([...groupZScores(v, starts)]).toEqual([...groupZScores(v.slice(), starts)]);
  });
});
