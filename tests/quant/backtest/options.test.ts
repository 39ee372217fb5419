/**
 * `matrices: false` skips only the T × N outputs, `reuse` overwrites a previous result's buffers
 * with a fresh call's outputs, and the error precedence of contract violations (a bad return is
 * reported first, wherever it is) survives the main loop checking returns as it reads them.
 */
import { describe, expect, it } from "vitest";
import {
  backtest,
  type BacktestOptions,
  type BacktestResult,
  type TargetRow,
} from "../../../src/quant/backtest/index.ts";
import { createRng } from "../../../src/core/rng.ts";

function randomCase(seed: number, T: number, N: number) {
  const rng = createRng(seed);
  const returns = new Float64Array(T * N);
  for (let j = 0; j < returns.length; j++) returns[j] = rng.next() < 0.05 ? NaN : 0.02 * rng.normal();
  const targets: TargetRow[] = [];
  for (let t = 0; t < T; t++) {
    if (rng.next() < 0.3)
      targets.push({
        t,
        weights: Float64Array.from({ length: N }, () => (rng.next() < 0.1 ? NaN : 2 * rng.next() - 0.8)),
      });
  }
  const sigma = Float64Array.from({ length: N }, () => 0.01 + 0.02 * rng.next());
  const adv = Float64Array.from({ length: N }, () => 1e6 * (1 + rng.next()));
  return { returns, targets, sigma, adv };
}

describe("backtest: matrices option", () => {
  it("matrices: false gives empty T × N outputs and bit-identical everything else", () => {
    for (const exponent of [0.5, 0.6]) {
      const { returns, targets, sigma, adv } = randomCase(7, 60, 9);
      const options = {
        commissionBps: 3,
        slippageBps: 2,
        cashRate: 1e-4,
        impact: { sigma, adv, exponent, capital: 1e6 },
      };
      const full = backtest(returns, targets, 9, options);
      const lean = backtest(returns, targets, 9, { ...options, matrices: false });
      expect(full.holdings.length).toBe(60 * 9);
      expect(lean.holdings.length).toBe(0);
      expect(lean.contribution.length).toBe(0);
      for (const key of [
        "gross",
        "net",
        "equity",
        "turnover",
        "costs",
        "grossExposure",
        "netExposure",
        "cash",
        "nNames",
        "traded",
        "contributionTotal",
        "costTotal",
      ] as const) {
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
    const noAdv = new Float64Array(adv);
    noAdv.fill(0);
    expect(() => backtest(returns, targets, 4, { impact: { sigma, adv: noAdv } })).toThrow(bad);
    const ruin = new Float64Array(returns);
    ruin.fill(-0.9, 4, 8);
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
    backtest(
      returns,
      (t, h, e) => {
        seen.push([t, h[0], h[1], e]);
        return t === 0 ? new Float64Array([0.5, 0.5]) : null;
      },
      2,
    );
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
    expect(() => backtest(returns, () => new Float64Array([Infinity, 0]), 2)).toThrow(
      /asset 0 decided at row 0 is Infinity/,
    );
  });
});

describe("backtest: reuse option", () => {
  const KEYS = [
    "gross",
    "net",
    "equity",
    "turnover",
    "costs",
    "grossExposure",
    "netExposure",
    "cash",
    "nNames",
    "traded",
    "holdings",
    "contribution",
    "contributionTotal",
    "costTotal",
  ] as const;
  /** Every output byte for byte (NaN payloads and signed zeros included), and the counters. */
  const expectSame = (a: BacktestResult, b: BacktestResult) => {
    for (const key of KEYS) {
      expect(a[key].length, key).toBe(b[key].length);
      expect(
        Buffer.from(a[key].buffer, a[key].byteOffset, a[key].byteLength).equals(
          Buffer.from(b[key].buffer, b[key].byteOffset, b[key].byteLength),
        ),
        key,
      ).toBe(true);
    }
    expect([a.nRows, a.nAssets, a.skippedTrades, a.ruinedAt]).toEqual([
      b.nRows,
      b.nAssets,
      b.skippedTrades,
      b.ruinedAt,
    ]);
  };

  it("overwrites a previous result's buffers and gives a fresh call's outputs bit for bit", () => {
    const T = 50,
      N = 6;
    // A run whose buffers hold other values everywhere (other returns, targets, costs, a cash rate).
    const other = randomCase(3, T, N);
    for (let seed = 1; seed <= 20; seed++) {
      const { returns, targets, sigma, adv } = randomCase(100 + seed, T, N);
      if (seed % 4 === 0) returns.fill(-0.95, 20 * N, 21 * N); // a ruin (the book is levered)
      const options: BacktestOptions = {
        commissionBps: seed % 3,
        slippageBps: 2,
        lag: seed % 2,
        impact: seed % 2 ? { sigma, adv, capital: 1e6, exponent: seed % 4 === 1 ? 0.6 : 0.5 } : undefined,
        cashRate: seed % 5 === 0 ? 2e-4 : 0,
        matrices: seed % 7 !== 0,
      };
      const fresh = backtest(returns, targets, N, options);
      const prev = backtest(other.returns, other.targets, N, {
        commissionBps: 30,
        cashRate: 1e-3,
        initialWeights: new Float64Array(N).fill(0.1),
      });
      const reused = backtest(returns, targets, N, { ...options, reuse: prev });
      expectSame(reused, fresh);
      if (options.matrices !== false) {
        expect(reused.holdings).toBe(prev.holdings);
        expect(reused.contribution).toBe(prev.contribution);
      }
      expect(reused.gross).toBe(prev.gross);
      expect(reused.nNames).toBe(prev.nNames);
      // Reusing a result of this very call again, and a rule deciding the same rows.
      expectSame(backtest(returns, targets, N, { ...options, reuse: reused }), fresh);
      if (options.lag === 1) {
        const byRow = new Map(targets.map((r) => [r.t, r.weights]));
        const rule = backtest(returns, (t) => byRow.get(t) ?? null, N, {
          ...options,
          reuse: backtest(other.returns, other.targets, N),
        });
        expectSame(rule, fresh);
      }
    }
  });

  it("a ruin clears the rows the loop no longer writes", () => {
    const T = 12,
      N = 3;
    const { returns, targets } = randomCase(5, T, N);
    const prev = backtest(returns, targets, N);
    const crash = returns.slice();
    crash.fill(-0.99, 4 * N, 5 * N);
    const lev = [{ t: 0, weights: Float64Array.from([2, 2, 2]) }];
    const fresh = backtest(crash, lev, N, { lag: 0 });
    expect(fresh.ruinedAt).toBe(4);
    expectSame(backtest(crash, lev, N, { lag: 0, reuse: prev }), fresh);
  });

  it("takes the T × N matrices only when this call fills them", () => {
    const { returns, targets } = randomCase(9, 30, 4);
    const lean = backtest(returns, targets, 4, { matrices: false });
    const full = backtest(returns, targets, 4);
    const fromLean = backtest(returns, targets, 4, { reuse: lean });
    expectSame(fromLean, full);
    expect(fromLean.holdings.length).toBe(120);
    const fromFull = backtest(returns, targets, 4, { matrices: false, reuse: fromLean });
    expectSame(fromFull, lean);
  });

  it("refuses a result of another shape and inputs stored in its buffers", () => {
    const { returns, targets } = randomCase(2, 20, 4);
    const prev = backtest(returns, targets, 4);
    expect(() => backtest(returns.subarray(0, 40), [], 4, { reuse: prev })).toThrow(
      /reuse is a result of 20 × 4, expected T × N = 10 × 4/,
    );
    expect(() => backtest(prev.contribution, targets, 4, { reuse: prev })).toThrow(
      /returns is stored in a buffer of reuse/,
    );
    expect(() => backtest(returns, [{ t: 3, weights: prev.holdings.subarray(0, 4) }], 4, { reuse: prev })).toThrow(
      /target weights of row 3 is stored in a buffer of reuse/,
    );
    expect(() => backtest(returns, targets, 4, { cashRate: prev.net, reuse: prev })).toThrow(
      /cashRate is stored in a buffer of reuse/,
    );
    // Initial weights are copied before anything is written: continuing from the last row is fine.
    const last = prev.holdings.slice(19 * 4);
    const next = backtest(returns, targets, 4, { initialWeights: last });
    expectSame(backtest(returns, targets, 4, { initialWeights: prev.holdings.subarray(19 * 4), reuse: prev }), next);
  });
});

describe("backtest: returns checked as read", () => {
  it("+∞, −∞ and < −1 are reported at their asset and row, the first of the row first", () => {
    const T = 6,
      N = 3;
    const book = [{ t: 0, weights: Float64Array.from([0.5, 0, 0.5]) }];
    for (const [asset, value] of [
      [0, Infinity],
      [1, Infinity],
      [2, -Infinity],
      [1, -1.01],
    ] as const) {
      const returns = new Float64Array(T * N);
      returns[3 * N + asset] = value;
      // Asset 1 is not held: 0·∞ is NaN, still reported.
      expect(() => backtest(returns, book, N, { lag: 0 })).toThrow(`return of asset ${asset} at row 3 is ${value}`);
      expect(() => backtest(returns, book, N, { lag: 0, matrices: false })).toThrow(
        `return of asset ${asset} at row 3 is ${value}`,
      );
    }
    const both = new Float64Array(T * N);
    both[2 * N + 0] = Infinity;
    both[2 * N + 2] = -3;
    expect(() => backtest(both, book, N, { lag: 0 })).toThrow("return of asset 0 at row 2 is Infinity");
  });
});
