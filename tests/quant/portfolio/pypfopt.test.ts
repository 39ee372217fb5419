/**
 * PyPortfolioOpt's own published expectations on its test prices (tests/resources/stock_prices.csv,
 * copied to tests/fixtures/portfolio). Its `setup_efficient_frontier` uses
 * `mean_historical_return(df)` (geometric) and `sample_cov(df)`; `portfolio_performance` used
 * risk_free_rate = 0.02 in those versions, so we pass 0.02. np.testing.assert_allclose's
 * default is rtol 1e-7; we check 1e-9 relative.
 * Sources (github.com/robertmartin8/PyPortfolioOpt):
 *  - tests/test_efficient_frontier.py: test_min_volatility, test_min_volatility_short,
 *    test_max_sharpe_long_only, test_max_sharpe_short
 *  - tests/test_hrp.py: test_hrp_portfolio (tests/resources/weights_hrp.csv),
 *    test_portfolio_performance, test_pass_cov_matrix, test_cluster_var, test_quasi_dag
 *  - tests/test_risk_models.py: test_sample_cov_dummy
 */
import { describe, expect, it } from "vitest";
import {
  clusterVariance,
  hrpWeights,
  ledoitWolf,
  meanHistoricalReturn,
  optimizePortfolio,
  portfolioPerformance,
  sampleCorrelation,
  sampleCovariance,
  simpleReturns,
} from "../../../src/quant/portfolio/index.ts";
import { readWide } from "./helpers.ts";

const { assets, prices } = readWide("stock_prices.csv");
const returns = simpleReturns(prices);
const mu = meanHistoricalReturn(returns);
const S = sampleCovariance(returns);

function close(actual: number, expected: number, rtol = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rtol * Math.abs(expected));
}
function perf(method: "min_variance" | "max_sharpe", longOnly: boolean) {
  const res = optimizePortfolio(method, S, { expectedReturns: mu, riskFreeRate: 0.02, constraints: { longOnly } });
  expect(res.method).toBe(method);
  expect(res.fallback).toBeNull();
  const sum = res.weights.reduce((a, b) => a + b, 0);
  expect(sum).toBeCloseTo(1, 12);
  if (longOnly) expect(Math.min(...res.weights)).toBeGreaterThanOrEqual(-1e-12);
  return portfolioPerformance(res.weights, mu, S, { riskFreeRate: 0.02 });
}

describe("PyPortfolioOpt published values on stock_prices.csv", () => {
  it("min_variance long-only matches test_min_volatility", () => {
    const p = perf("min_variance", true);
    close(p.expectedReturn, 0.15056821399482578);
    close(p.volatility, 0.15915084514118694);
    close(p.sharpe, 0.8204054077060996);
  });
  it("min_variance long-short matches test_min_volatility_short", () => {
    const p = perf("min_variance", false);
    close(p.expectedReturn, 0.1516319319875544);
    close(p.volatility, 0.1555915367269669);
    close(p.sharpe, 0.8460095886741129);
  });
  it("max_sharpe long-only matches test_max_sharpe_long_only", () => {
    const p = perf("max_sharpe", true);
    close(p.expectedReturn, 0.3047768672819914);
    close(p.volatility, 0.22165566922402932);
    close(p.sharpe, 1.2847714127003216);
  });
  it("max_sharpe long-short matches test_max_sharpe_short", () => {
    const p = perf("max_sharpe", false);
    close(p.expectedReturn, 0.4937195216716211);
    close(p.volatility, 0.29516576454651955);
    close(p.sharpe, 1.6049270564945908);
  });

  it("hrp (single linkage, pairwise correlation) matches weights_hrp.csv and test_portfolio_performance", () => {
    const expected: Record<string, number> = {
      AAPL: 0.022258941278778387,
      AMD: 0.022294021796692116,
      AMZN: 0.016086842079874982,
      BABA: 0.07963382071794088,
      BAC: 0.014409222455552267,
      BBY: 0.03406419438245041,
      FB: 0.06272994714663536,
      GE: 0.05519063444162851,
      GM: 0.055576660241857236,
      GOOG: 0.04956008428992926,
      JPM: 0.017675709092515715,
      MA: 0.038127373497320226,
      PFE: 0.07786528342813452,
      RRC: 0.03161528695094598,
      SBUX: 0.039844436656239136,
      SHLD: 0.027113184241298872,
      T: 0.11138956508836473,
      UAA: 0.027115909570750083,
      WMT: 0.10569551148587902,
      XOM: 0.11175337115721229,
    };
    const res = optimizePortfolio("hrp", S, { correlation: sampleCorrelation(returns), linkage: "single" });
    expect(res.method).toBe("hrp");
    assets.forEach((a, i) => close(res.weights[i], expected[a], 1e-9));
    // HRPOpt.portfolio_performance uses the arithmetic mean × 252 and rf 0.02.
    const p = portfolioPerformance(res.weights, meanHistoricalReturn(returns, { compounding: false }), S, {
      riskFreeRate: 0.02,
    });
    close(p.expectedReturn, 0.21353402380950973);
    close(p.volatility, 0.17844159743748936);
    close(p.sharpe, 1.084579081272277);
  });

  it("hrp quasi-diagonal order starts [12, 6, 15, 14, 2] (test_quasi_dag)", () => {
    const h = hrpWeights(S, assets.length, { correlation: sampleCorrelation(returns) });
    if (typeof h === "string") throw new Error(h);
    expect(h.order.slice(0, 5)).toEqual([12, 6, 15, 14, 2]);
  });

  it("clusterVariance matches test_cluster_var", () => {
    const daily = sampleCovariance(returns, { periodsPerYear: 1 });
    const idx = ["SHLD", "AMD", "BBY", "RRC", "FB", "WMT", "T", "BABA", "PFE", "UAA"].map((t) => assets.indexOf(t));
    close(clusterVariance(daily, assets.length, idx), 0.00012842967106653283, 1e-9);
  });

  it("ledoitWolf (scaled identity, NaN → 0) then HRP gives test_pass_cov_matrix's volatility", () => {
    const lw = ledoitWolf(returns);
    expect(lw.shrinkage).toBeGreaterThan(0);
    expect(lw.shrinkage).toBeLessThan(1);
    const res = optimizePortfolio("hrp", lw.covariance);
    close(portfolioPerformance(res.weights, null, lw.covariance).volatility, 0.10002783894982334, 1e-9);
  });

  it("sampleCovariance matches test_sample_cov_dummy", () => {
    const dummy = readWide("dummy_prices.csv").prices.slice(0, 3);
    const s = sampleCovariance(simpleReturns(dummy), { periodsPerYear: 1 });
    const expected = [
      [0.006661687937656102, 0.00264970955585574, 0.0020849735375206195],
      [0.00264970955585574, 0.0023450491307634215, 0.00096770864287974],
      [0.0020849735375206195, 0.00096770864287974, 0.0016396416271856837],
    ];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(s[i * 3 + j], expected[i][j], 1e-12);
  });
});
