/**
 * Moving-average crossover (the dual moving-average rule; Brock, Lakonishok & LeBaron 1992,
 * "Simple Technical Trading Rules and the Stochastic Properties of Stock Returns", J. Finance
 * 47(5), §II.A "variable-length moving average").
 *
 * Rule, at the close of bar t: long while SMA(fast)[t] > SMA(slow)[t]; otherwise (≤) short, or
 * flat when long_only. SMA(w)[t] is the mean of the closes of bars t − w + 1 … t (rolling-sums.ts).
 * Warm-up: flat until both windows are full, i.e. for rows t < slow − 1, and for slow − 1 rows
 * after a missing close.
 */
import { z } from "zod";
import { PairOrderEvents } from "./pair-order.ts";
import { type DecideKernel, longOnlyParam, shortSides, slotOffsets, windowParam, type StrategyKind } from "./kind.ts";

export const maCrossParams = z
  .object({
    /** Bars in the fast moving average (≥ 1; 1 is the close itself). */
    fast: windowParam(1),
    /** Bars in the slow moving average (> fast). */
    slow: windowParam(2),
    long_only: longOnlyParam,
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.fast >= p.slow) ctx.addIssue({ code: "custom", path: ["fast"], message: `must be below slow (${p.slow})` });
  });

export type MaCrossParams = z.output<typeof maCrossParams>;
export type MaCrossParamsInput = z.input<typeof maCrossParams>;

class MaCrossKernel implements DecideKernel {
  constructor(
    readonly fast: Int32Array,
    readonly slow: Int32Array,
    readonly below: Int8Array,
  ) {}
  decide(_i: number, k: number, _t0: number, n: number, feat: Float64Array, out: Int8Array, at: number): void {
    const a = this.fast[k],
      b = this.slow[k],
      lo = this.below[k];
    for (let j = 0; j < n; j++) {
      const f = feat[a + j],
        s = feat[b + j];
      out[at + j] = f > s ? 1 : f <= s ? lo : 0; // NaN (a window not full) compares false both ways
    }
  }
}

export const maCross: StrategyKind<MaCrossParams, MaCrossParamsInput> = {
  name: "ma_cross",
  schema: maCrossParams,
  hint: "ma_cross takes { fast, slow, long_only? }: whole numbers of bars with 1 ≤ fast < slow",
  features: (p) => [
    { type: "sma", window: p.fast },
    { type: "sma", window: p.slow },
  ],
  warmup: (p) => p.slow - 1,
  kernel: (sets, slots, L) => new MaCrossKernel(slotOffsets(slots, 0, L), slotOffsets(slots, 1, L), shortSides(sets)),
  // Many pairs over few windows: follow the order of the averages instead (pair-order.ts). About
  // W comparisons per bar instead of K, so worth it from K ≈ 2·W pairs.
  eventKernel(sets, slots, L, cols, specs) {
    const W = specs.length;
    if (sets.length < 2 * W) return null;
    const fast = Int32Array.from(slots, (s) => s[0]),
      slow = Int32Array.from(slots, (s) => s[1]);
    const lengths = Int32Array.from(specs, (f) => f.window);
    return new PairOrderEvents(sets.length, cols.N, W, L, lengths, fast, slow, shortSides(sets));
  },
};
