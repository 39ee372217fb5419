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

describe("backtest: target rule", () => {
  it("a rule returning the listed rows reproduces the listed targets bit for bit", () => {
    const { returns, targets, sigma, adv } = randomCase(11, 80, 7);
    const options = { commissionBps: 2, slippageBps: 1, impact: { sigma, adv, capital: 1e6 } };
    const byRow = new Map(targets.map((r) => [r.t, r.weights]));
    const listed = backtest(returns, targets, 7, options);
    const ruled = backtest(returns, (t) => byRow.get(t) ?? null, 7, options);
    for (const key of ["gross", "net", "equity", "turnover", "costs", "holdings", "contribution"] as const) {
      expect(Array.from(ruled[key]), key).toEqual(Array.from(listed[key]));
    }
  });

  it("sees the post-trade holdings of its own row and the equity", () => {
    // Two assets, +10 % and 0 % every row; the rule buys 50/50 at row 0 (traded at row 1).
    const returns = new Float64Array([0, 0, 0.1, 0, 0.1, 0, 0.1, 0]);
    const seen: number[][] = [];
    backtest(returns, (t, h, e) => { seen.push([t, h[0], h[1], e]); return t === 0 ? new Float64Array([0.5, 0.5]) : null; }, 2);
    expect(seen[0]).toEqual([0, 0, 0, 1]);
    expect(seen[1]).toEqual([1, 0.5, 0.5, 1]); // traded at the close of row 1
    // Row 2: asset 0 gains 10 %: h0 = 0.55 / 1.05, equity 1.05 (hand computation).
    expect(seen[2][1]).toBeCloseTo(0.55 / 1.05, 15);
    expect(seen[2][3]).toBeCloseTo(1.05, 15);
  });

  it("refuses lag 0 and a malformed decision", () => {
    const returns = new Float64Array(6);
    expect(() => backtest(returns, () => null, 2, { lag: 0 })).toThrow(/lag ≥ 1/);
    expect(() => backtest(returns, () => new Float64Array(3), 2)).toThrow(/3 weights at row 0/);
    expect(() => backtest(returns, () => new Float64Array([Infinity, 0]), 2)).toThrow(/asset 0 decided at row 0 is Infinity/);
  });
});
