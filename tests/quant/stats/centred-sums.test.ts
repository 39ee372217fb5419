import { describe, expect, it } from "vitest";
import { centredSums, leastSquaresLine } from "../../../src/quant/stats/centred-sums.ts";

describe("centredSums / leastSquaresLine", () => {
  it("match a hand computation", () => {
    // x = 1, 2, 3; y = 2, 4, 7: x̄ = 2, ȳ = 13/3, Σ(x − x̄)² = 2, Σ(x − x̄)(y − ȳ) = 7/3 + 8/3 = 5,
    // Σ(y − ȳ)² = 49/9 + 1/9 + 64/9 = 114/9; slope = 5/2, intercept = 13/3 − 5 = −2/3.
    const s = centredSums([1, 2, 3], [2, 4, 7]);
    expect(s.meanX).toBe(2);
    expect(s.meanY).toBeCloseTo(13 / 3, 15);
    expect(s.sxx).toBe(2);
    expect(s.sxy).toBeCloseTo(5, 14);
    expect(s.syy).toBeCloseTo(114 / 9, 14);
    const line = leastSquaresLine([1, 2, 3], [2, 4, 7]);
    expect(line.slope).toBeCloseTo(2.5, 14);
    expect(line.intercept).toBeCloseTo(-2 / 3, 14);
  });

  it("is two-pass: a large common offset does not cancel the spread", () => {
    // One-pass Σx² − n·x̄² at offset 1e9 loses the spread of 1 to rounding; two-pass keeps it.
    const s = centredSums([1e9 + 1, 1e9 + 2, 1e9 + 3], [1, 2, 3]);
    expect(s.sxx).toBe(2);
    expect(leastSquaresLine([1e9 + 1, 1e9 + 2, 1e9 + 3], [1, 2, 3]).slope).toBe(1);
  });

  it("a constant x has no slope", () => {
    expect(leastSquaresLine([4, 4, 4], [1, 2, 3]).slope).toBeNaN();
  });
});
