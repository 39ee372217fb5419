/**
 * Donchian channel breakout (Richard Donchian's N-day rule as the Turtle traders ran it: Faith,
 * "Way of the Turtle", 2007, ch. 5 — System 1 enters on a 20-day and exits on a 10-day breakout).
 *
 * Rule, at the close of bar t, with the channels of the bars before t (channels.ts):
 *   1. exit:  a long is closed when close[t] < min(low of the previous `exit` bars); a short when
 *      close[t] > max(high of the previous `exit` bars);
 *   2. entry, when flat (also right after an exit): long when close[t] > max(high of the previous
 *      `entry` bars); else short (not when long_only) when close[t] < min(low of the previous
 *      `entry` bars).
 * A long cannot exit and re-enter long on one bar: the exit level is ≤ low[t−1] ≤ high[t−1] ≤
 * the entry level. Close-only panels use the closes as highs and lows. Warm-up: flat, with the
 * position forgotten, while close[t] or any bar of either window is missing — for rows
 * t < max(entry, exit) and as long after a missing bar.
 */
import { z } from "zod";
import type { FeatureSpec } from "./features.ts";
import { type DecideKernel, longOnlyParam, slotOffsets, windowParam, type StrategyKind } from "./kind.ts";
import type { SymbolColumns } from "./panel.ts";

export const donchianParams = z
  .object({
    /** Bars in the entry channel (≥ 1). */
    entry: windowParam(1),
    /** Bars in the exit channel (≥ 1). */
    exit: windowParam(1),
    long_only: longOnlyParam,
  })
  .strict();

export type DonchianParams = z.output<typeof donchianParams>;
export type DonchianParamsInput = z.input<typeof donchianParams>;

class DonchianKernel implements DecideKernel {
  /** Position per (symbol, set), symbol-major. */
  readonly state: Int8Array;
  constructor(
    readonly cols: SymbolColumns,
    readonly K: number,
    readonly upEntry: Int32Array,
    readonly downExit: Int32Array,
    /** −1 for long-only sets, which read no short channels. */
    readonly downEntry: Int32Array,
    readonly upExit: Int32Array,
  ) {
    this.state = new Int8Array(cols.N * K);
  }
  decide(i: number, k: number, t0: number, n: number, feat: Float64Array, out: Int8Array, at: number): void {
    const close = this.cols.close,
      b = i * this.cols.T + t0,
      sk = i * this.K + k;
    const ue = this.upEntry[k],
      dx = this.downExit[k],
      de = this.downEntry[k],
      ux = this.upExit[k],
      shorts = de >= 0;
    let s = this.state[sk];
    for (let j = 0; j < n; j++) {
      const c = close[b + j],
        up = feat[ue + j],
        down = feat[dx + j];
      const dn = shorts ? feat[de + j] : 0,
        upx = shorts ? feat[ux + j] : 0;
      if (c !== c || up !== up || down !== down || dn !== dn || upx !== upx) {
        s = 0; // a window not full: flat, position forgotten
      } else {
        if (s === 1 && c < down) s = 0;
        else if (s === -1 && c > upx) s = 0;
        if (s === 0) {
          if (c > up) s = 1;
          else if (shorts && c < dn) s = -1;
        }
      }
      out[at + j] = s;
    }
    this.state[sk] = s;
  }
}

export const donchian: StrategyKind<DonchianParams, DonchianParamsInput> = {
  name: "donchian",
  schema: donchianParams,
  hint: "donchian takes { entry, exit, long_only? }: whole numbers of bars ≥ 1",
  features(p) {
    const f: FeatureSpec[] = [
      { type: "max_high", window: p.entry },
      { type: "min_low", window: p.exit },
    ];
    if (!p.long_only) f.push({ type: "min_low", window: p.entry }, { type: "max_high", window: p.exit });
    return f;
  },
  warmup: (p) => Math.max(p.entry, p.exit),
  kernel: (sets, slots, L, cols) =>
    new DonchianKernel(
      cols,
      sets.length,
      slotOffsets(slots, 0, L),
      slotOffsets(slots, 1, L),
      Int32Array.from(slots, (s) => (s.length > 2 ? s[2] * L : -1)),
      Int32Array.from(slots, (s) => (s.length > 3 ? s[3] * L : -1)),
    ),
};
