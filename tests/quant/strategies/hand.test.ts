/**
 * evaluateStrategies on panels small enough to book by hand: every position, trade and return of
 * an MA crossover is worked out in the comments (conventions: src/quant/strategies/evaluate.ts).
 *
 * Symbol A closes 10, 11, 12, 11, 10, 9, 10, 12 with fast = 1 (the close), slow = 3:
 *   SMA3       t2: 11   t3: 34/3 = 11.33   t4: 11   t5: 10   t6: 29/3 = 9.67   t7: 31/3 = 10.33
 *   decision   t0, t1: 0 (warm-up, slow − 1 = 2 rows); t2: 12 > 11 → +1; t3: 11 ≤ 11.33 → −1;
 *              t4: 10 ≤ 11 → −1; t5: 9 ≤ 10 → −1; t6: 10 > 9.67 → +1; t7: 12 > 10.33 → +1
 *   returns    t1 1/10, t2 1/11, t3 −1/12, t4 −1/11, t5 −1/10, t6 1/9, t7 2/10
 */
import { describe, expect, it } from "vitest";
import { evaluateStrategies, maCrossSignals, STRATEGY_KINDS } from "../../../src/quant/strategies/index.ts";
import { panelOf } from "./helpers.ts";

const A = [10, 11, 12, 11, 10, 9, 10, 12];
const longShort = { fast: 1, slow: 3, long_only: false };
const r = { 1: 1 / 10, 2: 1 / 11, 3: -1 / 12, 4: -1 / 11, 5: -1 / 10, 6: 1 / 9, 7: 2 / 10 };
const product = (xs: ArrayLike<number>) => Array.from(xs).reduce((w, x) => w * (1 + x), 1) - 1;

describe("maCrossSignals", () => {
  it("decides at each close from the closes so far, flat in the warm-up (by hand above)", () => {
    expect(Array.from(maCrossSignals(panelOf(A), longShort))).toEqual([0, 0, 1, -1, -1, -1, 1, 1]);
    // long_only: flat instead of short.
    expect(Array.from(maCrossSignals(panelOf(A), { fast: 1, slow: 3 }))).toEqual([0, 0, 1, 0, 0, 0, 1, 1]);
  });

  it("warm-up: flat until the slow window is full, i.e. rows t < slow − 1", () => {
    const rising = Array.from({ length: 30 }, (_, t) => 100 + t);
    const d = maCrossSignals(panelOf(rising), { fast: 4, slow: 9, long_only: false });
    expect(STRATEGY_KINDS.ma_cross.warmup({ fast: 4, slow: 9, long_only: false })).toBe(8);
    expect(Array.from(d.subarray(0, 8))).toEqual(new Array(8).fill(0));
    // On a rising line the fast mean is above the slow one as soon as both exist.
    expect(Array.from(d.subarray(8))).toEqual(new Array(22).fill(1));
  });
});

describe("evaluateStrategies, MA crossover by hand", () => {
  it("lag 1, no costs: pos[t] = d[t − 1]; R[t] = pos[t − 1]·r[t]", () => {
    // pos = 0, 0, 0, +1, −1, −1, −1, +1 → R: t4 +1·r4, t5 −1·r5, t6 −1·r6, t7 −1·r7.
    const [e] = evaluateStrategies("ma_cross", panelOf(A), [longShort], { keepReturns: true, keepPositions: true });
    expect(Array.from(e.positions!)).toEqual([0, 0, 0, 1, -1, -1, -1, 1]);
    const R = [0, 0, 0, 0, r[4], -r[5], -r[6], -r[7]];
    e.returns!.forEach((x, t) => expect(x).toBeCloseTo(R[t], 15));
    expect(e.metrics.totalReturn).toBeCloseTo(product(R), 14);
    // Trades: t3 0 → +1, t4 +1 → −1, t7 −1 → +1: 3 changes, Σ|Δpos| = 1 + 2 + 2 = 5 over N·T = 8.
    expect(e.metrics.trades).toBe(3);
    expect(e.metrics.meanTurnover).toBe(5 / 8);
    // Held over t4 … t7 (4 of 8 bars); won only at t5 (short while it fell 10 %).
    expect(e.metrics.meanExposure).toBe(4 / 8);
    expect(e.metrics.winRate).toBe(1 / 4);
  });

  it("lag 2: pos[t] = d[t − 2]", () => {
    // pos = 0, 0, 0, 0, +1, −1, −1, −1 → R: t5 +1·r5, t6 −1·r6, t7 −1·r7; trades t4 (1), t5 (2).
    const [e] = evaluateStrategies("ma_cross", panelOf(A), [longShort], {
      lag: 2,
      keepReturns: true,
      keepPositions: true,
    });
    expect(Array.from(e.positions!)).toEqual([0, 0, 0, 0, 1, -1, -1, -1]);
    const R = [0, 0, 0, 0, 0, r[5], -r[6], -r[7]];
    e.returns!.forEach((x, t) => expect(x).toBeCloseTo(R[t], 15));
    expect(e.metrics.trades).toBe(2);
    expect(e.metrics.meanTurnover).toBe(3 / 8);
  });

  it("costs: κ = (6 + 4) bps = 0.001 per unit of |Δpos| on the bar of the trade", () => {
    // Lag 1: U = 1 at t3, 2 at t4, 2 at t7.
    const [e] = evaluateStrategies("ma_cross", panelOf(A), [longShort], {
      commissionBps: 6,
      slippageBps: 4,
      keepReturns: true,
    });
    const R = [0, 0, 0, -0.001, r[4] - 0.002, -r[5], -r[6], -r[7] - 0.002];
    e.returns!.forEach((x, t) => expect(x).toBeCloseTo(R[t], 15));
    expect(e.metrics.totalReturn).toBeCloseTo(product(R), 14);
  });

  it("long_only: flat where long-short would be short", () => {
    // d = 0, 0, 1, 0, 0, 0, 1, 1 → pos = 0, 0, 0, 1, 0, 0, 0, 1: R only at t4 = r4; 3 trades of 1.
    const [e] = evaluateStrategies("ma_cross", panelOf(A), [{ fast: 1, slow: 3 }], { keepReturns: true });
    const R = [0, 0, 0, 0, r[4], 0, 0, 0];
    e.returns!.forEach((x, t) => expect(x).toBeCloseTo(R[t], 15));
    expect(e.metrics.trades).toBe(3);
    expect(e.metrics.meanTurnover).toBe(3 / 8);
    expect(e.params.long_only).toBe(true); // the default
  });

  it("1/N sleeves and a missing close: the symbol is flat from it until it has a close again", () => {
    // B: 20, 21, 22, 23, NaN, 24, 25, 26. SMA3: t2 21, t3 22 → d = +1, +1; t4 … t6 have a missing
    // close in the window → 0; t7: 26 > 25 → +1. Lag 1: pos_B[3] = d[2] = +1; at t4 B has no close:
    // forced flat, paying κ·1; r_B[4] and r_B[5] are NaN (no P&L: the position is closed at its last
    // close, 23); pos_B = 0, 0, 0, 1, 0, 0, 0, 0 (t7's decision would trade at t8).
    const B = [20, 21, 22, 23, NaN, 24, 25, 26];
    const [e] = evaluateStrategies("ma_cross", panelOf(A, B), [longShort], {
      commissionBps: 10,
      keepReturns: true,
      keepPositions: true,
    });
    expect(Array.from(e.positions!)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, -1, 0, -1, 0, -1, 0, 1, 0]);
    // R = ½ (A's term + B's term), κ = 0.001: t3 both buy 1; t4 A reverses (2), B is closed (1).
    const k = 0.001;
    const R = [0, 0, 0, (-k - k) / 2, (r[4] - 2 * k - k) / 2, -r[5] / 2, -r[6] / 2, (-r[7] - 2 * k) / 2];
    e.returns!.forEach((x, t) => expect(x).toBeCloseTo(R[t], 15));
    // Trades: A 3 (Σ 5), B 2 (Σ 2) → 7 / 16. Held: A t4 … t7, B t4 (its return missing) → 5 / 16;
    // bars held with a return: A's 4, of which 1 won.
    expect(e.metrics.trades).toBe(5);
    expect(e.metrics.meanTurnover).toBe(7 / 16);
    expect(e.metrics.meanExposure).toBe(5 / 16);
    expect(e.metrics.winRate).toBe(1 / 4);
  });

  it("a symbol that is never listed only dilutes the book (1/N)", () => {
    const never = new Array(A.length).fill(NaN);
    const [one] = evaluateStrategies("ma_cross", panelOf(A), [longShort], { keepReturns: true });
    const [two] = evaluateStrategies("ma_cross", panelOf(A, never), [longShort], { keepReturns: true });
    two.returns!.forEach((x, t) => expect(x).toBeCloseTo(one.returns![t] / 2, 16));
    expect(two.metrics.trades).toBe(one.metrics.trades);
  });

  it("metrics: Sharpe and drawdown are src/quant/stats' on R (252 periods, ddof 1)", () => {
    // R = 0, 0, 0, 0, −1/11, 1/10, −1/9, −2/10 (lag 1, no costs). Mean = −0.30202/8, by hand:
    const R = [0, 0, 0, 0, -1 / 11, 1 / 10, -1 / 9, -2 / 10];
    const mean = R.reduce((a, b) => a + b) / 8;
    const sd = Math.sqrt(R.reduce((a, x) => a + (x - mean) ** 2, 0) / 7);
    const [e] = evaluateStrategies("ma_cross", panelOf(A), [longShort]);
    expect(e.metrics.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 12);
    // Wealth 1, 1, 1, 1, 0.90909, 1.0, 0.88889, 0.71111: peak 1 → max drawdown 0.71111 − 1.
    expect(e.metrics.maxDrawdown).toBeCloseTo((10 / 11) * 1.1 * (8 / 9) * 0.8 - 1, 14);
    // periodsPerYear is honoured (52: weekly bars).
    const [w] = evaluateStrategies("ma_cross", panelOf(A), [longShort], { periodsPerYear: 52 });
    expect(w.metrics.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(52), 12);
  });

  it("a flat book has Sharpe NaN (0/0), drawdown 0, win rate NaN", () => {
    const [e] = evaluateStrategies("ma_cross", panelOf([10, 10, 10, 10]), [{ fast: 1, slow: 3 }]);
    expect(e.metrics.sharpe).toBeNaN();
    expect(e.metrics.maxDrawdown).toBe(0);
    expect(e.metrics.winRate).toBeNaN();
    expect(e.metrics.totalReturn).toBe(0);
  });
});
