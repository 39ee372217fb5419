/**
 * The one cost model (src/quant/backtest/costs.ts), against hand computations. The backtest
 * engine, the backtest stage's trade table and paper trading all price trades with it.
 */
import { describe, expect, it } from "vitest";
import {
  impactCost,
  impactLaw,
  linearCostRate,
  orderCommission,
  slippedPrice,
  squareRootImpact,
  weightTradeCost,
} from "../../../src/quant/backtest/costs.ts";
import { backtest } from "../../../src/quant/backtest/backtest.ts";

describe("trade costs", () => {
  it("κ is commission plus slippage in bps per side", () => {
    expect(linearCostRate(1, 2)).toBeCloseTo(3e-4, 18);
    expect(weightTradeCost(0.5, linearCostRate(1, 2), null, 1, 0, 0)).toBeCloseTo(1.5e-4, 18);
    expect(weightTradeCost(0, 0.01, impactLaw({}), 1, 0.02, 1e6)).toBe(0);
  });

  it("square-root impact: |Δw|·k·σ·(Q/ADV)^exponent, Q = |Δw|·equity·capital", () => {
    // Q = 0.01 · 1 · 1e8 = 1e6 = ADV, so (Q/ADV)^½ = 1: cost = 0.01 · 1 · 0.02 = 2e-4.
    expect(impactCost(0.01, 1, 0.02, 1e6, 1, 0.5, 1e8)).toBeCloseTo(2e-4, 18);
    // Q/ADV = 4: √4 = 2 → 4e-4; with exponent 0.6, 4^0.6 = 2.29739670999407 → 4.59479342e-4.
    expect(impactCost(0.01, 1, 0.02, 1e6, 1, 0.5, 4e8)).toBeCloseTo(4e-4, 18);
    expect(impactCost(0.01, 1, 0.02, 1e6, 1, 0.6, 4e8)).toBeCloseTo(0.01 * 0.02 * 2.29739670999407, 15);
    // Equity 2 doubles Q; k scales linearly; the sign of the trade does not matter.
    expect(squareRootImpact(-0.01, 2, 0.02, 1e6, { k: 0.5, capital: 2e8 })).toBeCloseTo(0.5 * 0.01 * 0.02 * 2, 18);
    expect(weightTradeCost(0.01, 3e-4, impactLaw({ k: 1, exponent: 0.6, capital: 4e8 }), 1, 0.02, 1e6)).toBeCloseTo(
      3e-6 + 0.01 * 0.02 * 2.29739670999407,
      15,
    );
  });

  it("the engine charges exactly weightTradeCost, impact exponent included", () => {
    // Two assets, flat prices; trade to (0.3, 0.2) at row 1 (lag 1): costs = Σ weightTradeCost.
    const returns = new Float64Array([0, 0, 0, 0, 0, 0]);
    const sigma = new Float64Array([0.02, 0.03]),
      adv = new Float64Array([1e6, 5e5]);
    const impact = { k: 0.8, exponent: 0.6, capital: 1e7, sigma, adv };
    const r = backtest(returns, [{ t: 0, weights: new Float64Array([0.3, 0.2]) }], 2, {
      lag: 1,
      commissionBps: 1,
      slippageBps: 2,
      impact,
    });
    const law = impactLaw(impact);
    const want = weightTradeCost(0.3, 3e-4, law, 1, 0.02, 1e6) + weightTradeCost(0.2, 3e-4, law, 1, 0.03, 5e5);
    expect(r.costs[1]).toBe(want);
  });

  it("orders: commission in bps of notional plus a fee per share; slippage moves the fill against the trader", () => {
    expect(orderCommission(10_000, 100, { commissionBps: 1, commissionPerShare: 0.005 })).toBeCloseTo(1.5, 12);
    expect(slippedPrice(100, 1, 2)).toBeCloseTo(100.02, 12);
    expect(slippedPrice(100, -1, 2)).toBeCloseTo(99.98, 12);
  });
});
