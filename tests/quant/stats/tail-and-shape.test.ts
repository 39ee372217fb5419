/**
 * Quantiles, VaR/CVaR, tail ratio, skew, kurtosis, win rate, best/worst period. Sources:
 * empyrical-reloaded `tests/test_stats.py` (test_value_at_risk, test_conditional_value_at_risk,
 * test_tail_ratio); Bacon (2008) via R PerformanceAnalytics' vignette `PA-Bacon.Rnw`
 * ("#expected" values on portfolio_bacon); scipy.stats for the normal quantiles.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  bestPeriod,
  conditionalValueAtRisk,
  kurtosis,
  normalQuantile,
  quantile,
  skew,
  tailRatio,
  valueAtRisk,
  winRate,
  worstPeriod,
} from "../../../src/quant/stats/index.ts";
import { readFixture } from "../../fixtures/stats/read-csv.ts";

const S9 = readFixture("empyrical_series9.csv").columns;
const OT = readFixture("empyrical_one_two.csv").columns;
const bacon = readFixture("bacon_2008_monthly_returns.csv").columns.portfolio;

describe("quantile / valueAtRisk (historical)", () => {
  it("matches test_value_at_risk (numpy percentile, linear)", () => {
    expect(valueAtRisk([1, 2], { cutoff: 0 })).toBeCloseTo(1, 12);
    expect(valueAtRisk([1, 2], { cutoff: 0.3 })).toBeCloseTo(1.3, 12);
    expect(valueAtRisk([1, 2], { cutoff: 1 })).toBeCloseTo(2, 12);
    const r = [1, 81, 82, 83, 84, 85];
    expect(valueAtRisk(r, { cutoff: 0.1 })).toBeCloseTo(41, 12);
    expect(valueAtRisk(r, { cutoff: 0.2 })).toBeCloseTo(81, 12);
    expect(valueAtRisk(r, { cutoff: 0.3 })).toBeCloseTo(81.5, 12);
  });
  it(
    "valueAtRisk(one) at 5%: by hand h = 7·0.05 = 0.35 ⇒ −0.03357711 + 0.35·(−0.01422057 + 0.03357711) = " +
      "−0.026802321",
    () => {
      expect(valueAtRisk(OT.one)).toBeCloseTo(-0.026802321, 12);
      expect(quantile(OT.one, 0.05)).toBe(valueAtRisk(OT.one));
    },
  );
  it("rejects a cutoff outside [0, 1] naming it", () => {
    expect(() => valueAtRisk([1, 2], { cutoff: 5 })).toThrow(/cutoff must be a probability in \[0, 1\], got 5/);
  });
});

describe("conditionalValueAtRisk (historical)", () => {
  it("is the value itself for a single value (test_conditional_value_at_risk)", () => {
    expect(conditionalValueAtRisk([0.0123], { cutoff: 0 })).toBe(0.0123);
    expect(conditionalValueAtRisk([0.0123], { cutoff: 1 })).toBe(0.0123);
  });
  it("is the mean of the returns at or below the VaR (test_conditional_value_at_risk's definition), on `one`", () => {
    // By hand, sorted one: −0.03357711, −0.01422057, −0.00489779, −0.00171614, …
    // cutoff 0.05: ⌊7·0.05⌋ + 1 = 1 value  → −0.03357711
    // cutoff 0.20: ⌊7·0.20⌋ + 1 = 2 values → (−0.03357711 − 0.01422057)/2 = −0.02389884
    expect(conditionalValueAtRisk(OT.one)).toBeCloseTo(-0.03357711, 12);
    expect(conditionalValueAtRisk(OT.one, { cutoff: 0.2 })).toBeCloseTo(-0.02389884, 12);
    for (const c of [0, 0.0499, 0.05, 0.2, 0.5, 0.999, 1]) {
      const v = valueAtRisk(OT.two, { cutoff: c });
      const below = Array.from(OT.two).filter((x) => x <= v);
      expect(conditionalValueAtRisk(OT.two, { cutoff: c })).toBeCloseTo(
        below.reduce((a, b) => a + b, 0) / below.length,
        12,
      );
    }
  });
  it("CVaR ≤ VaR (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 80 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (r, c) => conditionalValueAtRisk(r, { cutoff: c }) <= valueAtRisk(r, { cutoff: c }) + 1e-12,
      ),
    );
  });
});

describe("parametric VaR / CVaR and normalQuantile", () => {
  it("normalQuantile matches scipy.stats.norm.ppf", () => {
    expect(normalQuantile(0.05)).toBeCloseTo(-1.6448536269514729, 14);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.3)).toBeCloseTo(-0.5244005127080409, 14);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 12);
    expect(normalQuantile(0.999999)).toBeCloseTo(4.753424308817087, 12);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(2)).toBeNaN();
  });
  it(
    "parametric VaR/CVaR on Bacon's returns: μ + σ·Φ⁻¹(0.05) and μ − σ·φ(z)/0.05 (σ ddof 1; scipy: −0.0560516, " +
      "−0.0725773)",
    () => {
      expect(valueAtRisk(bacon, { method: "parametric" })).toBeCloseTo(-0.05605155822002584, 12);
      expect(conditionalValueAtRisk(bacon, { method: "parametric" })).toBeCloseTo(-0.0725772784216993, 12);
    },
  );
});

describe("tailRatio", () => {
  it("matches test_tail_ratio (empyrical asserts 1 decimal)", () => {
    expect(tailRatio([])).toBeNaN();
    expect(tailRatio([0.01])).toBeCloseTo(1, 12);
    expect(tailRatio(S9.mixed_returns)).toBeCloseTo(0.9473684210526313, 1);
  });
  it("on the zero-filled mixed series equals the published 0.9473684210526313 exactly: by hand 7.2/7.6 = 18/19", () => {
    // sorted [−10, −4, 0, 1, 1, 2, 2, 3, 10] %: Q95 at h = 7.6 → 3 + 0.6·7 = 7.2; Q5 at h = 0.4 → −10 + 0.4·6 = −7.6.
    expect(tailRatio(S9.mixed_returns_zero_first)).toBeCloseTo(0.9473684210526313, 12);
    // The NaN-skipping series (8 values): 0.0755 / 0.079 (numpy).
    expect(tailRatio(S9.mixed_returns)).toBeCloseTo(0.0755 / 0.079, 12);
  });
});

describe("skew / kurtosis on Bacon (2008)", () => {
  // PA-Bacon.Rnw: skewness(method="sample") #expected -0.09; kurtosis(method="moment") #expected 2.43,
  // method="excess" #expected -0.57, method="sample_excess" #expected -0.41. Full digits from scipy.stats.
  it("skew: biased g1 by default (scipy, empyrical); bias:false is the sample G1 = −0.09", () => {
    expect(skew(bacon)).toBeCloseTo(-0.08256245520856835, 12);
    expect(skew(bacon, { bias: false })).toBeCloseTo(-0.09, 2);
    expect(skew(bacon, { bias: false })).toBeCloseTo(-0.08817174934967567, 12);
  });
  it("kurtosis: excess by default (scipy fisher=True) = −0.57; raw = 2.43; sample excess = −0.41", () => {
    expect(kurtosis(bacon)).toBeCloseTo(-0.57, 2);
    expect(kurtosis(bacon)).toBeCloseTo(-0.5675462058921252, 12);
    expect(kurtosis(bacon, { fisher: false })).toBeCloseTo(2.43, 2);
    expect(kurtosis(bacon, { bias: false })).toBeCloseTo(-0.41, 2);
    expect(kurtosis(bacon, { bias: false })).toBeCloseTo(-0.4076603211860861, 12);
  });
  it("is NaN for a constant sample (scipy) and symmetric data has skew 0", () => {
    expect(skew(S9.flat_line_1)).toBeNaN();
    expect(kurtosis(S9.flat_line_1)).toBeNaN();
    expect(skew([-2, -1, 0, 1, 2])).toBeCloseTo(0, 14);
    // by hand: [−2,−1,0,1,2]: m2 = 2, m4 = 34/5 ⇒ m4/m2² − 3 = 1.7 − 3 = −1.3
    expect(kurtosis([-2, -1, 0, 1, 2])).toBeCloseTo(-1.3, 14);
  });
});

describe("winRate / bestPeriod / worstPeriod", () => {
  it("winRate excludes flat periods by default (quantstats): simple_benchmark 4/4, mixed 6/8", () => {
    expect(winRate(S9.simple_benchmark)).toBe(1);
    expect(winRate(S9.simple_benchmark, { countZeros: true })).toBeCloseTo(4 / 9, 14);
    expect(winRate(S9.mixed_returns)).toBe(0.75);
    expect(winRate([0, 0])).toBeNaN();
  });
  it("best/worst period with its index", () => {
    expect(bestPeriod(S9.mixed_returns)).toEqual({ value: 0.1, index: 2 });
    expect(worstPeriod(S9.mixed_returns)).toEqual({ value: -0.1, index: 8 });
    expect(bestPeriod([NaN])).toEqual({ value: NaN, index: -1 });
  });
});
