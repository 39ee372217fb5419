/**
 * Time-series momentum (Moskowitz, Ooi & Pedersen 2012, "Time Series Momentum", J. Financial
 * Economics 104(2): the sign of the asset's own past return over a lookback).
 *
 * Rule, at the close of bar t, with m = close[t] / close[t − lookback] − 1: long when
 * m > threshold, short (flat when long_only) when m < −threshold, flat in between. threshold is
 * a decimal return (0.02 = 2 %), default 0: the plain sign. Warm-up: flat for rows
 * t < lookback, and whenever close[t] or close[t − lookback] is missing.
 */
import { z } from "zod";
import { type DecideKernel, longOnlyParam, shortSides, slotOffsets, windowParam, type StrategyKind } from "./kind.ts";

export const tsMomentumParams = z
  .object({
    /** Bars between the two closes compared (≥ 1). */
    lookback: windowParam(1),
    /** Dead band around 0 for the lookback return, decimal (≥ 0, default 0). */
    threshold: z.number({ error: "must be a number" }).min(0, "must be ≥ 0 (a decimal return)").default(0),
    long_only: longOnlyParam,
  })
  .strict();

export type TsMomentumParams = z.output<typeof tsMomentumParams>;
export type TsMomentumParamsInput = z.input<typeof tsMomentumParams>;

class TsMomentumKernel implements DecideKernel {
  constructor(
    readonly roc: Int32Array,
    readonly band: Float64Array,
    readonly below: Int8Array,
  ) {}
  decide(_i: number, k: number, _t0: number, n: number, feat: Float64Array, out: Int8Array, at: number): void {
    const a = this.roc[k],
      h = this.band[k],
      lo = this.below[k];
    for (let j = 0; j < n; j++) {
      const m = feat[a + j];
      out[at + j] = m > h ? 1 : m < -h ? lo : 0; // NaN: flat
    }
  }
}

export const tsMomentum: StrategyKind<TsMomentumParams, TsMomentumParamsInput> = {
  name: "ts_momentum",
  schema: tsMomentumParams,
  hint:
    "ts_momentum takes { lookback, threshold?, long_only? }: lookback a whole number of bars ≥ 1, " +
    "threshold a decimal return ≥ 0",
  features: (p) => [{ type: "roc", window: p.lookback }],
  warmup: (p) => p.lookback,
  kernel: (sets, slots, L) =>
    new TsMomentumKernel(
      slotOffsets(slots, 0, L),
      Float64Array.from(sets, (p) => p.threshold),
      shortSides(sets),
    ),
};
