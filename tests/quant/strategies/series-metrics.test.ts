/**
 * The book's streamed metrics (series-metrics.ts) are the stats functions' numbers to the bit,
 * whatever the pieces the series arrives in: random series with NaN, ±Infinity, −0, a flat
 * stretch, and the short cases (empty, one value).
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { maxDrawdown } from "../../../src/quant/stats/max-drawdown.ts";
import { sharpeRatio } from "../../../src/quant/stats/sharpe-ratio.ts";
import { totalReturn } from "../../../src/quant/stats/total-return.ts";
import { SeriesMetrics } from "../../../src/quant/strategies/series-metrics.ts";

function series(seed: number, n: number): Float64Array {
  const rng = createRng(seed);
  const out = Float64Array.from({ length: n }, () => 0.02 * rng.normal());
  if (n > 40) {
    out[3] = NaN;
    out[7] = -0;
    out.fill(0, 10, 30);
    out[35] = 0.5;
  }
  return out;
}

describe("SeriesMetrics", () => {
  it("equals totalReturn, sharpeRatio and maxDrawdown exactly, fed in pieces of any length", () => {
    const cases = [
      series(1, 500),
      series(2, 97),
      series(3, 2),
      series(4, 1),
      new Float64Array(0),
      new Float64Array(50),
    ];
    const withInf = series(5, 60);
    withInf[20] = Infinity;
    cases.push(withInf);
    for (const piece of [1, 7, 32, 1000]) {
      const m = new SeriesMetrics(cases.length);
      cases.forEach((r, k) => {
        for (let t = 0; t < r.length; t += piece) m.add(k, r, t, Math.min(r.length, t + piece));
      });
      cases.forEach((r, k) => {
        expect(Object.is(m.totalReturn(k), totalReturn(r))).toBe(true);
        expect(Object.is(m.maxDrawdown(k), maxDrawdown(r))).toBe(true);
        for (const p of [252, 12]) expect(Object.is(m.sharpe(k, p), sharpeRatio(r, { periodsPerYear: p }))).toBe(true);
      });
    }
  });
});
