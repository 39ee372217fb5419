/**
 * `matrices: false` skips only the T × N outputs, and the error precedence of contract
 * violations (a bad return is reported first, wherever it is) survives the main loop checking
 * returns as it reads them.
 */
import { describe, expect, it } from "vitest";
import { backtest, type TargetRow } from "../../../src/quant/backtest/index.ts";
import { createRng } from "../../../src/core/rng.ts";

function randomCase(seed: number, T: number, N: number) {
  const rng = createRng(seed);
  const returns = new Float64Array(T * N);
  for (let j = 0; j < returns.length; j++) returns[j] = rng.next() < 0.05 ? NaN : 0.02 * rng.normal();
  const targets: TargetRow[] = [];
  for (let t = 0; t < T; t++) {
    if (rng.next() < 0.3) targets.push({ t, weights: Float64Array.from({ length: N }, () => (rng.next() < 0.1 ? NaN : 2 * rng.next() - 0.8)) });
  }
  const sigma = Float64Array.from({ length: N }, () => 0.01 + 0.02 * rng.next());
  const adv = Float64Array.from({ length: N }, () => 1e6 * (1 + rng.next()));
  return { returns, targets, sigma, adv };
}

describe("backtest: matrices option", () => {
  it("matrices: false gives empty T × N outputs and bit-identical everything else", () => {
    for (const exponent of [0.5, 0.6]) {
      const { returns, targets, sigma, adv } = randomCase(7, 60, 9);
      const options = { commissionBps: 3, slippageBps: 2, cashRate: 1e-4, impact: { sigma, adv, exponent, capital: 1e6 } };
      const full = backtest(returns, targets, 9, options);
      const lean = backtest(returns, targets, 9, { ...options, matrices: false });
      expect(full.holdings.length).toBe(60 * 9);
      expect(lean.holdings.length).toBe(0);
      expect(lean.contribution.length).toBe(0);
      for (const key of ["gross", "net", "equity", "turnover", "costs", "grossExposure", "netExposure", "cash", "nNames", "traded", "contributionTotal", "costTotal"] as const) {
        expect(Array.from(lean[key]), key).toEqual(Array.from(full[key]));
      }
      expect(lean.skippedTrades).toBe(full.skippedTrades);
    }
  });
});

describe("backtest: error precedence", () => {
  it("a bad return late in the data is reported before a bad target, a missing ADV or after a ruin", () => {
    const { returns, targets, sigma, adv } = randomCase(11, 40, 4);
    returns[39 * 4 + 2] = -1.5;
    const bad = /return of asset 2 at row 39 is -1.5/;
    expect(() => backtest(returns, [{ t: 0, weights: Float64Array.from([Infinity, 0, 0, 0]) }], 4)).toThrow(bad);
    const noAdv = new Float64Array(adv); noAdv.fill(0);
    expect(() => backtest(returns, targets, 4, { impact: { sigma, adv: noAdv } })).toThrow(bad);
    const ruin = new Float64Array(returns); ruin.fill(-0.9, 4, 8);
    expect(() => backtest(ruin, [{ t: 0, weights: Float64Array.from([2, 2, 2, 2]) }], 4, { lag: 0 })).toThrow(bad);
  });
});
