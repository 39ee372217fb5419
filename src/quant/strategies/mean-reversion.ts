/**
 * Bollinger-band mean reversion with an optional RSI filter (bands: Bollinger, "Bollinger on
 * Bollinger Bands", 2001; RSI: Wilder 1978, wilder.ts).
 *
 * Rule, at the close of bar t, with z[t] = (close[t] − SMA(window)[t]) / SD(window)[t]
 * (population SD; rolling-sums.ts) and, when rsi_low or rsi_high is given, RSI(rsi_window)[t]:
 *   1. exit: a long is closed once z[t] ≥ −z_exit — back inside the band |z| < z_exit, or through
 *      it to the other side in one bar; a short once z[t] ≤ z_exit;
 *   2. entry, when flat (also right after an exit): long when z[t] < −z_entry (and RSI[t] <
 *      rsi_low if given); else short (not when long_only) when z[t] > z_entry (and RSI[t] >
 *      rsi_high if given).
 * z_exit < z_entry, so an exit is never followed by a re-entry on the same side in one bar; z_exit
 * = 0 exits at the mean. Warm-up: flat, with the position forgotten, while a window read is not
 * full — rows t < window − 1 and, with the RSI, t < rsi_window — and as long after a missing bar.
 */
import { z } from "zod";
import type { FeatureSpec } from "./features.ts";
import { type DecideKernel, longOnlyParam, shortSides, slotOffsets, windowParam, type StrategyKind } from "./kind.ts";

const rsiLevel = z
  .number({ error: "must be a number" })
  .gt(0, "must be an RSI level in (0, 100)")
  .lt(100, "must be an RSI level in (0, 100)");

export const meanReversionParams = z
  .object({
    /** Bars in the band's mean and SD (≥ 2). */
    window: windowParam(2),
    /** |z| beyond which a position is entered (> 0, in SDs). */
    z_entry: z.number({ error: "must be a number" }).gt(0, "must be > 0 (in standard deviations)"),
    /** |z| within which a position is closed (0 ≤ z_exit < z_entry). */
    z_exit: z.number({ error: "must be a number" }).min(0, "must be ≥ 0 (in standard deviations)"),
    /** RSI bars (default 14, Wilder's), read only when rsi_low or rsi_high is given. */
    rsi_window: windowParam(1).optional(),
    /** Longs only when RSI < rsi_low. */
    rsi_low: rsiLevel.optional(),
    /** Shorts only when RSI > rsi_high. */
    rsi_high: rsiLevel.optional(),
    long_only: longOnlyParam,
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.z_exit >= p.z_entry)
      ctx.addIssue({ code: "custom", path: ["z_exit"], message: `must be below z_entry (${p.z_entry})` });
    if (p.rsi_low !== undefined && p.rsi_high !== undefined && p.rsi_low >= p.rsi_high)
      ctx.addIssue({ code: "custom", path: ["rsi_low"], message: `must be below rsi_high (${p.rsi_high})` });
  });

export type MeanReversionParams = z.output<typeof meanReversionParams>;
export type MeanReversionParamsInput = z.input<typeof meanReversionParams>;

const usesRsi = (p: MeanReversionParams) => p.rsi_low !== undefined || p.rsi_high !== undefined;

class MeanReversionKernel implements DecideKernel {
  /** Position per (symbol, set), symbol-major. */
  readonly state: Int8Array;
  constructor(
    N: number,
    readonly K: number,
    readonly zs: Int32Array,
    /** −1 for sets without an RSI filter. */
    readonly rsis: Int32Array,
    readonly entry: Float64Array,
    readonly exit: Float64Array,
    readonly low: Float64Array,
    readonly high: Float64Array,
    readonly below: Int8Array,
  ) {
    this.state = new Int8Array(N * K);
  }
  decide(i: number, k: number, _t0: number, n: number, feat: Float64Array, out: Int8Array, at: number): void {
    const a = this.zs[k],
      r = this.rsis[k],
      ze = this.entry[k],
      zx = this.exit[k],
      lo = this.low[k],
      hi = this.high[k],
      shorts = this.below[k] === -1,
      sk = i * this.K + k;
    let s = this.state[sk];
    for (let j = 0; j < n; j++) {
      const z = feat[a + j],
        rsi = r >= 0 ? feat[r + j] : 50;
      if (z !== z || rsi !== rsi) {
        s = 0; // a window not full: flat, position forgotten
      } else {
        if (s === 1 && z >= -zx) s = 0;
        else if (s === -1 && z <= zx) s = 0;
        if (s === 0) {
          if (z < -ze && rsi < lo) s = 1;
          else if (shorts && z > ze && rsi > hi) s = -1;
        }
      }
      out[at + j] = s;
    }
    this.state[sk] = s;
  }
}

export const meanReversion: StrategyKind<MeanReversionParams, MeanReversionParamsInput> = {
  name: "mean_reversion",
  schema: meanReversionParams,
  hint:
    "mean_reversion takes { window, z_entry, z_exit, rsi_window?, rsi_low?, rsi_high?, long_only? }: " +
    "window ≥ 2 bars, 0 ≤ z_exit < z_entry, RSI levels in (0, 100)",
  features(p) {
    const f: FeatureSpec[] = [{ type: "zscore", window: p.window }];
    if (usesRsi(p)) f.push({ type: "rsi", window: p.rsi_window ?? 14 });
    return f;
  },
  warmup: (p) => Math.max(p.window - 1, usesRsi(p) ? (p.rsi_window ?? 14) : 0),
  kernel: (sets, slots, L, cols) =>
    new MeanReversionKernel(
      cols.N,
      sets.length,
      slotOffsets(slots, 0, L),
      Int32Array.from(slots, (s) => (s.length > 1 ? s[1] * L : -1)),
      Float64Array.from(sets, (p) => p.z_entry),
      Float64Array.from(sets, (p) => p.z_exit),
      // Absent RSI bounds never bind: the RSI is in [0, 100].
      Float64Array.from(sets, (p) => p.rsi_low ?? Infinity),
      Float64Array.from(sets, (p) => p.rsi_high ?? -Infinity),
      shortSides(sets),
    ),
};
