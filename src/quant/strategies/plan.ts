/**
 * The work of one evaluation, planned once: the distinct features of all parameter sets, a fill
 * for each, the kernels, and the tile length.
 *
 * Loop order (evaluate.ts, signals.ts): tiles of L rows, then symbols. For one tile and symbol
 * every distinct feature is computed once into a buffer of F × L values that every set then reads
 * from cache, and the sets' decision changes go to the book, which keeps the tile's per-set sums
 * (about 20 bytes × K × L) until every symbol has been booked. The tile length never changes a
 * value (fills, kernels and the book carry their state from tile to tile); it is chosen for the
 * cache: K·L ≈ 2¹⁵, so that the book's tile (≈ 640 KB, touched at random by every symbol's
 * changes) stays within a 1 MB L2 cache with room for the rest (on the benchmark grid of 1,000
 * sets, 2¹⁶ had 1.8× the L2 misses in a cache simulation).
 */
import { featureFill, featureTable, type FeatureSpec } from "./features.ts";
import { smaBankFill } from "./rolling-sums.ts";
import { DenseEvents, type EventKernel } from "./events.ts";
import type { DecideKernel, StrategyKind } from "./kind.ts";
import type { SymbolColumns } from "./panel.ts";

export interface Plan {
  /** Rows per tile. */
  L: number;
  specs: FeatureSpec[];
  /** Writes every feature f of symbol i at rows t0 … t0 + n − 1 into feat[f·L …]. */
  fill: (i: number, t0: number, n: number, feat: Float64Array) => void;
  kernel: DecideKernel;
  /** Every set's decision changes per (symbol, tile). */
  events: EventKernel;
}

/** Rows per tile for K parameter sets: a power of two with K·L ≈ 2¹⁵, within [32, 512]. */
export function tileRows(K: number): number {
  let L = 512;
  while (L > 32 && K * L > 32768) L >>= 1;
  return L;
}

export function plan<P>(kind: StrategyKind<P, unknown>, sets: P[], cols: SymbolColumns): Plan {
  const L = tileRows(sets.length);
  const { specs, slots } = featureTable(sets.map((p) => kind.features(p)));
  // The moving averages go together (smaBankFill: several windows side by side), the rest alone.
  const sma = specs.flatMap((f, k) => (f.type === "sma" ? [k] : []));
  const bank = smaBankFill(
    cols.close,
    cols.T,
    cols.N,
    sma.map((k) => specs[k].window),
    sma.map((k) => k * L),
    cols.closeGaps,
  );
  const others = specs.flatMap((f, k) => (f.type === "sma" ? [] : [{ at: k * L, fill: featureFill(f, cols, L) }]));
  const fill = (i: number, t0: number, n: number, feat: Float64Array) => {
    if (sma.length > 0) bank(i, t0, n, feat);
    for (const o of others) o.fill(i, t0, n, feat, o.at);
  };
  const kernel = kind.kernel(sets, slots, L, cols);
  const events = kind.eventKernel?.(sets, slots, L, cols, specs) ?? new DenseEvents(kernel, sets.length, cols.N, L);
  return { L, specs, fill, kernel, events };
}
