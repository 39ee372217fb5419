/** The features page's rank correlation, checked by hand. */
import { describe, expect, it } from "vitest";
import { pooledCorrelation, scaledRanks } from "../../src/report/site/features-page.ts";

describe("feature rank correlation", () => {
  it("ranks within each date among finite values, ties sharing the lowest rank, scaled by the count", () => {
    // Date 1: values 3, 1, 3, NaN → ranks 2, 1, 2 (tie), of 3 finite; date 2: 5, 4 → 2, 1 of 2.
    const [r] = scaledRanks(Int32Array.from([1, 1, 1, 1, 2, 2]), [Float64Array.from([3, 1, 3, Number.NaN, 5, 4])]);
    expect(Array.from(r)).toEqual([2 / 3, 1 / 3, 2 / 3, Number.NaN, 1, 0.5]);
  });

  it("pools Pearson's r over the rows where both are finite", () => {
    expect(pooledCorrelation(Float64Array.from([1, 2, 3, 9]), Float64Array.from([2, 4, 6, Number.NaN]))).toBe(1);
    expect(pooledCorrelation(Float64Array.from([1, 2, 3]), Float64Array.from([3, 2, 1]))).toBe(-1);
    // x = 1, 2, 3, 4 and y = 1, 3, 2, 4: cov = 4, var = 5 each → r = 0.8.
    expect(pooledCorrelation(Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 3, 2, 4]))).toBe(0.8);
    expect(pooledCorrelation(Float64Array.from([1, 1]), Float64Array.from([1, 2]))).toBeNaN();
  });
});
