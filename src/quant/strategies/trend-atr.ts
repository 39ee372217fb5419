/**
 * Breakout entry with an ATR trailing stop (the "chandelier" exit: Le Beau & Lucas, "Technical
 * Traders Guide to Computer Analysis of the Futures Market", 1992; ATR: Wilder 1978, wilder.ts).
 *
 * Rule, at the close of bar t, with the `breakout`-bar channels of the bars before t
 * (channels.ts) and ATR(atr_window)[t]:
 *   1. stop: a long tracks e = the highest close since its entry bar (that close included, and
 *      close[t]); it is closed when close[t] < e − atr_mult·ATR[t]. A short tracks the lowest
 *      close and is closed when close[t] > e + atr_mult·ATR[t];
 *   2. entry, when flat (also right after a stop): long when close[t] > max(high of the previous
 *      `breakout` bars), e = close[t]; else short (not when long_only) when close[t] < min(low of
 *      the previous `breakout` bars), e = close[t].
 * Close-only panels use the closes as highs and lows, and |Δclose| as the true range. Warm-up:
 * flat, with the position forgotten, while a window read is not full — rows t < max(breakout,
 * atr_window) — and as long after a missing bar.
 */
import { z } from "zod";
import type { FeatureSpec } from "./features.ts";
import { type DecideKernel, longOnlyParam, slotOffsets, windowParam, type StrategyKind } from "./kind.ts";
import type { SymbolColumns } from "./panel.ts";

export const trendAtrParams = z
  .object({
    /** Bars in the breakout channel (≥ 1). */
    breakout: windowParam(1),
    /** Bars in Wilder's ATR (≥ 1). */
    atr_window: windowParam(1),
    /** Distance of the stop from the extreme close, in ATRs (> 0). */
    atr_mult: z.number({ error: "must be a number" }).gt(0, "must be > 0 (in ATRs)"),
    long_only: longOnlyParam,
  })
  .strict();

export type TrendAtrParams = z.output<typeof trendAtrParams>;
export type TrendAtrParamsInput = z.input<typeof trendAtrParams>;

class TrendAtrKernel implements DecideKernel {
  /** Position and extreme close since entry per (symbol, set), symbol-major. */
  readonly state: Int8Array;
  readonly extreme: Float64Array;
  constructor(
    readonly cols: SymbolColumns,
    readonly K: number,
    readonly ups: Int32Array,
    readonly atrs: Int32Array,
    /** −1 for long-only sets, which read no lower channel. */
    readonly downs: Int32Array,
    readonly mult: Float64Array,
  ) {
    this.state = new Int8Array(cols.N * K);
    this.extreme = new Float64Array(cols.N * K);
  }
  decide(i: number, k: number, t0: number, n: number, feat: Float64Array, out: Int8Array, at: number): void {
    const close = this.cols.close,
      b = i * this.cols.T + t0,
      sk = i * this.K + k;
    const u = this.ups[k],
      a = this.atrs[k],
      d = this.downs[k],
      m = this.mult[k],
      shorts = d >= 0;
    let s = this.state[sk],
      e = this.extreme[sk];
    for (let j = 0; j < n; j++) {
      const c = close[b + j],
        up = feat[u + j],
        atr = feat[a + j],
        dn = shorts ? feat[d + j] : 0;
      if (c !== c || up !== up || atr !== atr || dn !== dn) {
        s = 0; // a window not full: flat, position forgotten
      } else {
        if (s === 1) {
          if (c > e) e = c;
          if (c < e - m * atr) s = 0;
        } else if (s === -1) {
          if (c < e) e = c;
          if (c > e + m * atr) s = 0;
        }
        if (s === 0) {
          if (c > up) {
            s = 1;
            e = c;
          } else if (shorts && c < dn) {
            s = -1;
            e = c;
          }
        }
      }
      out[at + j] = s;
    }
    this.state[sk] = s;
    this.extreme[sk] = e;
  }
}

export const trendAtr: StrategyKind<TrendAtrParams, TrendAtrParamsInput> = {
  name: "trend_atr",
  schema: trendAtrParams,
  hint: "trend_atr takes { breakout, atr_window, atr_mult, long_only? }: whole numbers of bars ≥ 1, atr_mult > 0",
  features(p) {
    const f: FeatureSpec[] = [
      { type: "max_high", window: p.breakout },
      { type: "atr", window: p.atr_window },
    ];
    if (!p.long_only) f.push({ type: "min_low", window: p.breakout });
    return f;
  },
  warmup: (p) => Math.max(p.breakout, p.atr_window),
  kernel: (sets, slots, L, cols) =>
    new TrendAtrKernel(
      cols,
      sets.length,
      slotOffsets(slots, 0, L),
      slotOffsets(slots, 1, L),
      Int32Array.from(slots, (s) => (s.length > 2 ? s[2] * L : -1)),
      Float64Array.from(sets, (p) => p.atr_mult),
    ),
};
