import { describe, expect, it } from "vitest";
import { alignByDate } from "../../../src/quant/stats/align-by-date.ts";

describe("alignByDate", () => {
  it("joins on the date and fills the dates the series lacks with the caller's fill", () => {
    const dates = Int32Array.from([1, 2, 3, 5]);
    const nan = alignByDate([2, 3, 4], [0.1, -0.2, 0.3], dates, NaN);
    expect(Array.from(nan.values)).toEqual([NaN, 0.1, -0.2, NaN]);
    expect(nan.found).toBe(2);
    expect(nan.missing).toBe(2);
    const zero = alignByDate([2, 3, 4], [0.1, -0.2, 0.3], dates, 0);
    expect(Array.from(zero.values)).toEqual([0, 0.1, -0.2, 0]);
  });
});
