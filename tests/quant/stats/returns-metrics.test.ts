/**
 * Return and risk metrics against empyrical's published expectations on its literal series.
 * Sources: stefan-jansen/empyrical-reloaded `tests/test_stats.py` (fixtures in `tests/conftest.py`),
 * the maintained successor of quantopian/empyrical `empyrical/tests/test_stats.py`, which
 * publishes the same numbers where both have a case. Asserted to empyrical's DECIMAL_PLACES = 8
 * (toBeCloseTo(x, 8)) unless noted.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  annualVolatility,
  cagr,
  calmarRatio,
  cumulativeReturns,
  downsideRisk,
  omegaRatio,
  sharpeRatio,
  sortinoRatio,
  totalReturn,
} from "../../../src/quant/stats/index.ts";
import { readFixture } from "../../fixtures/stats/read-csv.ts";

const S9 = readFixture("empyrical_series9.csv").columns;
const mixed = S9.mixed_returns; // [NaN, 1, 10, −4, 2, 3, 2, 1, −10] %
const positive = S9.positive_returns;
const negative = S9.negative_returns;
const simpleBenchmark = S9.simple_benchmark;
const flatLine1 = S9.flat_line_1;
const OT = readFixture("empyrical_one_two.csv").columns;
// conftest.py: weekly_returns / monthly_returns are [0, 1, 10, −4, 2, 3, 2, 1, −10] % = mixed_returns_zero_first.
const weekly = S9.mixed_returns_zero_first;
const monthly = S9.mixed_returns_zero_first;
const oneReturn = [0.01];
const flat1000 = new Float64Array(1000).fill(0.01); // flat_line_1_tz

describe("cumulativeReturns / totalReturn", () => {
  it("cumulativeReturns(mixed_returns) matches test_cum_returns (4 decimals)", () => {
    const expected = [0.0, 0.01, 0.111, 0.066559, 0.08789, 0.12052, 0.14293, 0.15436, 0.03893];
    cumulativeReturns(mixed).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    const wealth = [100.0, 101.0, 111.1, 106.65599, 108.78912, 112.05279, 114.29384, 115.43678, 103.8931];
    cumulativeReturns(mixed, { startingValue: 100 }).forEach((v, i) => expect(v).toBeCloseTo(wealth[i], 4));
  });
  it("totalReturn matches test_cum_returns_final", () => {
    expect(totalReturn(mixed)).toBeCloseTo(0.03893, 4);
    expect(totalReturn(negative)).toBeCloseTo(-0.3659, 4);
    expect(totalReturn(oneReturn)).toBeCloseTo(0.01, 12);
    expect(totalReturn([])).toBeNaN();
  });
});

describe("cagr", () => {
  it("matches test_cagr / test_annual_ret (NaN period counted, empyrical's len(returns))", () => {
    expect(cagr(mixed)).toBeCloseTo(1.9135925373194231, 8);
    expect(cagr(oneReturn)).toBeCloseTo(11.274002099240244, 8);
    expect(cagr(flat1000)).toBeCloseTo(11.274002099240256, 8);
    expect(cagr([0.03, 0.03, 0.03], { periodsPerYear: 1 })).toBeCloseTo(0.03, 8); // flat_line_yearly
    expect(cagr(weekly, { periodsPerYear: 52 })).toBeCloseTo(0.24690830513998208, 8);
    expect(cagr(monthly, { periodsPerYear: 12 })).toBeCloseTo(0.052242061386048144, 8);
    expect(cagr([])).toBeNaN();
  });
  it('cagr(mixed, { nan: "skip" }) counts 8 periods: 1.0389311^(252/8) − 1 = 2.3302928 (numpy)', () => {
    const tr = totalReturn(mixed);
    expect(cagr(mixed, { nan: "skip" })).toBeCloseTo(Math.pow(1 + tr, 252 / 8) - 1, 12);
    expect(cagr(mixed, { nan: "skip" })).toBeCloseTo(2.3302928, 6);
  });
});

describe("annualVolatility", () => {
  it("matches test_annual_volatility (ddof 1)", () => {
    expect(annualVolatility(mixed)).toBeCloseTo(0.9136465399704637, 8);
    expect(annualVolatility(weekly, { periodsPerYear: 52 })).toBeCloseTo(0.38851569394870583, 8);
    expect(annualVolatility(monthly, { periodsPerYear: 12 })).toBeCloseTo(0.18663690238892558, 8);
    expect(annualVolatility(flat1000)).toBeCloseTo(0, 12);
    expect(annualVolatility(oneReturn)).toBeNaN();
  });
  it("ddof 0 rescales by √((n−1)/n): 0.91364654 · √(7/8) = 0.85463808 (numpy std(ddof=0)·√252)", () => {
    expect(annualVolatility(mixed, { ddof: 0 })).toBeCloseTo(0.9136465399704637 * Math.sqrt(7 / 8), 12);
    expect(annualVolatility(mixed, { ddof: 0 })).toBeCloseTo(0.8546380812952347, 10);
  });
});

describe("sharpeRatio", () => {
  it("matches test_sharpe_ratio", () => {
    expect(sharpeRatio(mixed)).toBeCloseTo(1.7238613961706866, 8);
    expect(sharpeRatio(mixed, { riskFree: simpleBenchmark })).toBeCloseTo(0.34111411441060574, 8);
    expect(sharpeRatio(positive)).toBeCloseTo(52.915026221291804, 8);
    expect(sharpeRatio(negative)).toBeCloseTo(-24.406808633910085, 8);
    expect(sharpeRatio(mixed, { riskFree: mixed })).toBeNaN();
    expect(sharpeRatio(flatLine1)).toBe(Infinity);
    expect(sharpeRatio([])).toBeNaN();
    expect(sharpeRatio(oneReturn)).toBeNaN();
  });
  it("an annual risk-free rate is converted geometrically per period (quantstats to_excess_returns)", () => {
    const rfAnnual = 0.05,
      rfDaily = Math.pow(1.05, 1 / 252) - 1;
    expect(sharpeRatio(mixed, { riskFree: rfAnnual, riskFreeBasis: "annual" })).toBeCloseTo(
      sharpeRatio(mixed, { riskFree: rfDaily }),
      12,
    );
  });
  const series = fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: 3, maxLength: 60 });
  it("scales with √periodsPerYear (property)", () => {
    fc.assert(
      fc.property(series, fc.integer({ min: 1, max: 400 }), (r, p) => {
        const s252 = sharpeRatio(r),
          sp = sharpeRatio(r, { periodsPerYear: p });
        if (!Number.isFinite(s252)) return true;
        return Math.abs(sp - s252 * Math.sqrt(p / 252)) <= 1e-9 * Math.max(1, Math.abs(s252));
      }),
    );
  });
  it("is unchanged when returns and risk-free move together (test_sharpe_translation_same, property)", () => {
    fc.assert(
      fc.property(series, fc.double({ min: -0.01, max: 0.01, noNaN: true }), (r, c) => {
        const base = sharpeRatio(r, { riskFree: 0.001 });
        if (!Number.isFinite(base) || Math.abs(base) > 1e6) return true;
        const moved = sharpeRatio(
          r.map((x) => x + c),
          { riskFree: 0.001 + c },
        );
        return Math.abs(moved - base) <= 1e-6 * Math.max(1, Math.abs(base));
      }),
    );
  });
});

describe("downsideRisk / sortinoRatio", () => {
  it("downsideRisk matches test_downside_risk", () => {
    expect(downsideRisk(mixed)).toBeCloseTo(0.60448325038829653, 8);
    expect(downsideRisk(mixed, { requiredReturn: 0.1 })).toBeCloseTo(1.7161730681956295, 8);
    expect(downsideRisk(weekly, { periodsPerYear: 52 })).toBeCloseTo(0.25888650451930134, 8);
    expect(downsideRisk(weekly, { periodsPerYear: 52, requiredReturn: 0.1 })).toBeCloseTo(0.7733045971672482, 8);
    expect(downsideRisk(monthly, { periodsPerYear: 12 })).toBeCloseTo(0.1243650540411842, 8);
    expect(downsideRisk(monthly, { periodsPerYear: 12, requiredReturn: 0.1 })).toBeCloseTo(0.37148351242013422, 8);
    expect(downsideRisk(OT.one)).toBeCloseTo(0.20671788246185202, 8);
    expect(downsideRisk(OT.two)).toBeCloseTo(0.083495680595704475, 8);
    expect(downsideRisk(oneReturn)).toBe(0);
    expect(downsideRisk(mixed, { requiredReturn: mixed })).toBe(0);
    expect(downsideRisk([])).toBeNaN();
  });
  it("sortinoRatio matches test_sortino", () => {
    expect(sortinoRatio(mixed)).toBeCloseTo(2.605531251673693, 8);
    expect(sortinoRatio(mixed, { requiredReturn: flatLine1 })).toBeCloseTo(-1.3934779588919977, 8);
    expect(sortinoRatio(positive)).toBe(Infinity);
    expect(sortinoRatio(negative)).toBeCloseTo(-13.532743075043401, 8);
    expect(sortinoRatio(simpleBenchmark)).toBe(Infinity);
    expect(sortinoRatio(weekly, { periodsPerYear: 52 })).toBeCloseTo(1.1158901056866439, 8);
    expect(sortinoRatio(monthly, { periodsPerYear: 12 })).toBeCloseTo(0.53605626741889756, 8);
    expect(sortinoRatio(OT.one)).toBeCloseTo(3.0639640966566306, 8);
    expect(sortinoRatio(OT.two)).toBeCloseTo(38.090963117002495, 8);
    expect(sortinoRatio(mixed, { requiredReturn: mixed })).toBeNaN();
    expect(sortinoRatio(oneReturn)).toBeNaN();
  });
});

describe("omegaRatio", () => {
  it("matches test_omega (required return annual, risk-free per period)", () => {
    expect(omegaRatio(mixed, { requiredReturn: 10 })).toBeCloseTo(0.83354263497557934, 8);
    expect(omegaRatio(mixed, { requiredReturn: -10 })).toBeNaN();
    expect(omegaRatio(mixed, { riskFree: flatLine1 })).toBeCloseTo(0.8125, 8);
    expect(omegaRatio(positive, { riskFree: 0.01 })).toBeNaN();
    expect(omegaRatio(positive, { riskFree: 0.011 })).toBeCloseTo(1.125, 8);
    expect(omegaRatio(positive, { riskFree: 0.02 })).toBe(0);
    expect(omegaRatio(negative, { riskFree: 0.01 })).toBe(0);
    expect(omegaRatio([])).toBeNaN();
    expect(omegaRatio(oneReturn)).toBeNaN();
  });
  it("at threshold 0 equals Bacon's gain–loss (Bernardo–Ledoit) ratio 1.78 on Bacon (2008)'s portfolio", () => {
    // PerformanceAnalytics vignette PA-Bacon.Rnw: BernardoLedoitRatio(portfolio_bacon[,1]) #expected 1.78.
    // By hand: Σ gains 0.493 / Σ losses 0.277 = 1.7798.
    const bacon = readFixture("bacon_2008_monthly_returns.csv").columns.portfolio;
    expect(omegaRatio(bacon, { periodsPerYear: 12 })).toBeCloseTo(1.78, 2);
    expect(omegaRatio(bacon, { periodsPerYear: 12 })).toBeCloseTo(0.493 / 0.277, 12);
  });
  it("decreases as the required return rises (test_omega_returns, property)", () => {
    const r = Array.from({ length: 200 }, (_, i) => Math.sin(i * 12.9898) * 0.01);
    expect(omegaRatio(r, { requiredReturn: 0 })).toBeGreaterThan(omegaRatio(r, { requiredReturn: 0.3 }));
  });
});

describe("calmarRatio", () => {
  it("matches test_calmar", () => {
    expect(calmarRatio(mixed)).toBeCloseTo(19.135925373194233, 8);
    expect(calmarRatio(weekly, { periodsPerYear: 52 })).toBeCloseTo(2.4690830513998208, 8);
    expect(calmarRatio(monthly, { periodsPerYear: 12 })).toBeCloseTo(0.52242061386048144, 8);
    expect(calmarRatio([])).toBeNaN();
    expect(calmarRatio(oneReturn)).toBeNaN();
  });
});
