/**
 * What a strategy kind is: a params schema, the rolling features a parameter set reads, and a
 * decision kernel that turns those features into a position per symbol and bar. The five kinds
 * live one per file (ma-cross.ts, ts-momentum.ts, donchian.ts, mean-reversion.ts, trend-atr.ts);
 * STRATEGY_KINDS (kinds.ts) names them.
 *
 * Decisions are made at the close of bar t from data of bars ≤ t only, and are −1, 0 or +1
 * (0 or +1 with `long_only`). Every kind is flat while any window it reads is not full (its
 * warm-up, and after a missing bar), and a stateful kind forgets its position then.
 */
import { z } from "zod";
import { didYouMean } from "../../core/suggest.ts";
import { StrataError } from "../../core/errors.ts";
import type { EventKernel } from "./events.ts";
import type { FeatureSpec } from "./features.ts";
import type { SymbolColumns } from "./panel.ts";

/**
 * A kind's decisions for many parameter sets. `decide` writes set k's decisions for symbol i at
 * rows t0 … t0 + n − 1 into out[at … at + n − 1]; `feat` holds the features of symbol i for this
 * tile: feature slot s at [s·L, s·L + n). It is called for every (symbol, set) on consecutive
 * tiles from row 0, so a kernel may carry state between calls. (A class, not a closure: the hot
 * loop then sees one call target per kind and V8 inlines it.)
 */
export interface DecideKernel {
  decide(i: number, k: number, t0: number, n: number, feat: Float64Array, out: Int8Array, at: number): void;
}

export interface StrategyKind<P, I = P> {
  readonly name: string;
  /** Validates a parameter set and fills in defaults. */
  readonly schema: z.ZodType<P, I>;
  /** What the params are, for error messages. */
  readonly hint: string;
  /** The features a parameter set reads, in the order its kernel expects their slots. */
  features(p: P): FeatureSpec[];
  /** Warm-up: the first row at which the decision can be non-zero when every bar exists. */
  warmup(p: P): number;
  /**
   * The decision kernel for these sets. slots[k][f] is the feature slot of set k's f-th
   * feature; feature rows are L values long.
   */
  kernel(sets: P[], slots: Int32Array[], L: number, cols: SymbolColumns): DecideKernel;
  /**
   * Optionally, a kernel that finds every set's decision changes of a tile at once, cheaper than
   * `kernel` for these sets (null: use `kernel`). It must give exactly `kernel`'s decisions.
   */
  eventKernel?(
    sets: P[],
    slots: Int32Array[],
    L: number,
    cols: SymbolColumns,
    specs: FeatureSpec[],
  ): EventKernel | null;
}

/** A whole number of bars ≥ 1 (or ≥ min). */
export const windowParam = (min = 1) =>
  z
    .number({ error: "must be a number of bars" })
    .int("must be a whole number of bars")
    .min(min, `must be at least ${min} bar${min === 1 ? "" : "s"}`);

/** The `long_only` param every kind accepts: true (default) trades {0, +1}, false {−1, 0, +1}. */
export const longOnlyParam = z.boolean({ error: "must be true or false" }).default(true);

/** −1 for long-short sets, 0 for long-only: the decision where a long-short set would be short. */
export function shortSides(sets: { long_only: boolean }[]): Int8Array {
  return Int8Array.from(sets, (p) => (p.long_only ? 0 : -1));
}

/** Slot offsets (slot · L) of feature f of every set. */
export function slotOffsets(slots: Int32Array[], f: number, L: number): Int32Array {
  return Int32Array.from(slots, (s) => s[f] * L);
}

/**
 * Parses one parameter set, throwing a StrataError that names the kind, the set's index, the
 * param and what it must be.
 */
export function parseParams<P, I>(kind: StrategyKind<P, I>, raw: unknown, index?: number): P {
  const r = kind.schema.safeParse(raw);
  if (r.success) return r.data;
  const where = `${kind.name} params${index === undefined ? "" : `[${index}]`}`;
  // A misspelt key is reported first: it also explains the "missing" param it was meant to be.
  const issues = r.error.issues;
  const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
  if (issue.code === "unrecognized_keys") {
    const known = Object.keys((kind.schema as unknown as { shape?: Record<string, unknown> }).shape ?? {});
    const key = issue.keys[0];
    const suggestion = didYouMean(key, known);
    throw new StrataError("ARGUMENT", `${where}: unknown param '${key}'${suggestion ? `, ${suggestion}` : ""}`, {
      hint: kind.hint,
    });
  }
  const path = issue.path.join(".");
  let value: unknown = raw;
  for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
  const missing = path !== "" && value === undefined && issue.code === "invalid_type";
  const what = missing ? "is required" : issue.message;
  const got = path && value !== undefined ? ` (got ${JSON.stringify(value)})` : "";
  throw new StrataError("ARGUMENT", `${where}: ${path ? `${path} ` : ""}${what}${got}`, {
    hint: kind.hint,
    details: { issues: issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  });
}
