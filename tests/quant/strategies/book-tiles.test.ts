/**
 * The book on a large grid (book.ts): over 512 sets, so the tiles are at their shortest (32 rows,
 * plan.ts) and the tile's sums row-major over many sets; K not a multiple of 4 (the open
 * difference runs are found four sets at a time); windows that are both fast and slow; a panel
 * with a late listing, scattered missing closes and a stretch of constant prices (equal moving
 * averages: ties). Every sampled set must get exactly (Object.is) its numbers alone, and the
 * book's definition bar by bar.
 */
import { describe, expect, it } from "vitest";
import { evaluateStrategies, strategySignals, type StrategyPanel } from "../../../src/quant/strategies/index.ts";
import { tileRows } from "../../../src/quant/strategies/plan.ts";
import { randomPanel, referenceBook } from "./helpers.ts";

const METRICS = ["totalReturn", "sharpe", "maxDrawdown", "trades", "meanTurnover", "winRate", "meanExposure"] as const;

/** fast 1 … 30 × slow 4, 7, …, 100 (fast < slow), long-only on every third. */
function grid(): Array<{ fast: number; slow: number; long_only: boolean }> {
  const out: Array<{ fast: number; slow: number; long_only: boolean }> = [];
  for (let slow = 4; slow <= 100; slow += 3)
    for (let fast = 1; fast <= 30; fast++) if (fast < slow) out.push({ fast, slow, long_only: out.length % 3 === 0 });
  return out;
}

/** A random panel with symbol 0 listed late and symbol 3 quoted flat over rows 150 … 219. */
function panel(): StrategyPanel {
  const p = randomPanel(77, 400, 5, { highLow: false });
  const close = p.close.slice();
  const N = p.nAssets;
  for (let t = 0; t < 60; t++) close[t * N] = NaN;
  for (let t = 150; t < 220; t++) close[t * N + 3] = close[149 * N + 3];
  return { ...p, close };
}

describe("the book on a large grid", () => {
  const sets = grid();
  const prices = panel();

  it("is the grid asked for: short tiles, K not a multiple of 4", () => {
    expect(sets.length).toBeGreaterThan(512);
    expect(sets.length % 4).not.toBe(0);
    expect(tileRows(sets.length)).toBe(32);
  });

  it("every sampled set gets exactly its numbers alone, and the book's definition (lag 1 and 2)", () => {
    for (const lag of [1, 2]) {
      const options = { lag, commissionBps: 2, slippageBps: 1, keepReturns: true, keepPositions: true };
      const all = evaluateStrategies("ma_cross", prices, sets, options);
      let mismatches = 0;
      for (let k = 0; k < sets.length; k += 7) {
        const [alone] = evaluateStrategies("ma_cross", prices, [sets[k]], options);
        for (const m of METRICS) if (!Object.is(alone.metrics[m], all[k].metrics[m])) mismatches++;
        alone.returns!.forEach((x, t) => {
          if (!Object.is(x, all[k].returns![t])) mismatches++;
        });
        if (k % 49 === 0) {
          const ref = referenceBook(prices, strategySignals("ma_cross", prices, sets[k]), lag, 3e-4);
          expect(Array.from(all[k].positions!)).toEqual(Array.from(ref.positions));
          all[k].returns!.forEach((x, t) => expect(Math.abs(x - ref.R[t])).toBeLessThan(1e-15));
          expect(all[k].metrics.trades).toBe(ref.trades);
        }
      }
      expect(mismatches).toBe(0);
    }
  });
});
