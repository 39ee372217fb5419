/**
 * Feature ablation and permutation importance, the pure parts: which columns form a group,
 * a feature matrix without a group, a group's columns shuffled within each date, and a paired
 * block-bootstrap interval of the change of a per-date statistic. The stage that fits the
 * models and trades the books is stages/ablation.ts; definitions in docs/ablation.md.
 *
 * Why groups and not columns: a factor and its per-date rank and z-score are near-copies (the
 * rank is a monotone transform of it on each date), and `rev_k` is exactly −`mom_k`. Dropping
 * one of them leaves its twin in the model, which then reads the same information and shows
 * no loss. So a group always holds a column together with its `_rank` / `_z` variants, and the
 * default grouping is by factor family (every momentum window, reversal included, …).
 */
import { StrataError } from "../../core/errors.ts";
import type { Rng } from "../../core/rng.ts";
import { blockBootstrapIndices, type BlockBootstrapMethod } from "../stats/block-bootstrap.ts";
import { optimalBlockLength } from "../stats/optimal-block-length.ts";
import { quantileSorted } from "../stats/quantile.ts";
import type { FeatureMatrix } from "./types.ts";

/** A named set of feature columns dropped (or permuted) together. */
export interface FeatureGroup {
  name: string;
  /** Columns of the group, in the order they appear among the feature columns. */
  columns: string[];
}

/** Suffixes of the features stage's per-date transforms (`<c>_rank`, `<c>_z`). */
const CROSS_SECTION_SUFFIXES = ["_rank", "_z"] as const;

/**
 * The factor a column derives from: `mom_20_rank` → `mom_20`, `vol_60_z` → `vol_60`,
 * `mom_20` → `mom_20`. Only a suffix whose stem is itself among `columns` (when given) is
 * stripped, so a user column named `size_z` with no `size` column stays its own base.
 */
export function baseColumn(column: string, columns?: ReadonlySet<string>): string {
  for (const s of CROSS_SECTION_SUFFIXES) {
    if (column.endsWith(s) && column.length > s.length) {
      const stem = column.slice(0, -s.length);
      if (!columns || columns.has(stem)) return stem;
    }
  }
  return column;
}

/**
 * Factor families of the features stage's column names (src/data/factors/*.ts), first match
 * wins. Reversal sits with momentum: `rev_k` = −`mom_k` (docs/features.md), so neither family
 * could be dropped without the other.
 */
const FAMILIES: readonly [RegExp, string][] = [
  [/^mom_\d+(_\d+)?$/, "momentum"],
  [/^rev_\d+$/, "momentum"],
  [/^vol_\d+$/, "volatility"],
  [/^(pk|gk)_\d+$/, "range_volatility"],
  [/^atr_\d+$/, "atr"],
  [/^rsi_\d+$/, "rsi"],
  [/^ma_gap_\d+$/, "ma_gap"],
  [/^donch_\d+$/, "donchian"],
  [/^(vlm_z|dollar_vol)_\d+$/, "volume"],
  [/^beta_\d+$/, "beta"],
];

/**
 * The family of a column: the features stage's family of its base column (`mom_20_rank` →
 * "momentum"), or, for a column the stage does not write, its base column itself.
 */
export function featureFamily(column: string, columns?: ReadonlySet<string>): string {
  const base = baseColumn(column, columns);
  for (const [re, family] of FAMILIES) if (re.test(base)) return family;
  return base;
}

/**
 * The base column's group in "column" grouping: the base itself, except `rev_k`, which joins
 * `mom_k` when that column exists (they are exact negatives).
 */
function columnGroup(column: string, columns: ReadonlySet<string>): string {
  const base = baseColumn(column, columns);
  const twin = /^rev_(\d+)$/.exec(base);
  return twin && columns.has(`mom_${twin[1]}`) ? `mom_${twin[1]}` : base;
}

/** `*` matches any run of characters; everything else literally. */
function globRegExp(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`);
}

/**
 * The columns matched by `patterns` (exact names or `*` globs, e.g. "mom_*"), each with its
 * cross-sectional variants (`<c>_rank`, `<c>_z`) when present, in the order of `columns`.
 */
export function matchColumns(patterns: readonly string[], columns: readonly string[]): string[] {
  const all = new Set(columns);
  const res = patterns.map(globRegExp);
  const hit = new Set<string>();
  for (const c of columns) {
    if (!res.some((re) => re.test(c))) continue;
    hit.add(c);
    for (const s of CROSS_SECTION_SUFFIXES) if (all.has(c + s)) hit.add(c + s);
  }
  return columns.filter((c) => hit.has(c));
}

export interface FeatureGroupsOptions {
  /**
   * Automatic grouping: "family" (default) — one group per factor family (`featureFamily`);
   * "column" — one group per base column with its rank and z-score (`rev_k` with `mom_k`).
   */
  by?: "family" | "column";
  /**
   * Explicit groups instead, name → column patterns (`matchColumns`: names or `*` globs; a
   * matched column brings its `_rank` / `_z` variants). A pattern list matching no column
   * is an error.
   */
  groups?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The feature groups of `columns`, sorted by name; each group's columns in the order of
 * `columns`. Every column is in exactly one automatic group; explicit groups may overlap and
 * need not cover every column.
 *
 *   featureGroups(["mom_20", "mom_20_rank", "vol_20"])
 *   // [{ name: "momentum", columns: ["mom_20", "mom_20_rank"] }, { name: "volatility", columns: ["vol_20"] }]
 */
export function featureGroups(columns: readonly string[], opts: FeatureGroupsOptions = {}): FeatureGroup[] {
  if (opts.groups) {
    return Object.keys(opts.groups)
      .sort()
      .map((name) => {
        const cols = matchColumns(opts.groups![name], columns);
        if (cols.length === 0) {
          throw new StrataError(
            "PARAMS",
            `feature group '${name}' (${opts.groups![name].join(", ")}) matches no feature column`,
            { hint: `the feature columns are ${columns.join(", ")}; use their names or globs such as "mom_*"` },
          );
        }
        return { name, columns: cols };
      });
  }
  const by = opts.by ?? "family";
  const all = new Set(columns);
  const key = by === "column" ? (c: string) => columnGroup(c, all) : (c: string) => featureFamily(c, all);
  const groups = new Map<string, string[]>();
  for (const c of columns) {
    const k = key(c);
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  return [...groups.keys()].sort().map((name) => ({ name, columns: groups.get(name)! }));
}

/** X without the named columns (the rest keep their order; column arrays are shared, not copied). */
export function dropColumns(X: FeatureMatrix, drop: readonly string[]): FeatureMatrix {
  const gone = new Set(drop);
  const keep = X.names.map((_, j) => j).filter((j) => !gone.has(X.names[j]));
  return {
    nRows: X.nRows,
    nFeatures: keep.length,
    columns: keep.map((j) => X.columns[j]),
    names: keep.map((j) => X.names[j]),
  };
}

/**
 * X with the named columns permuted across the rows of each date, the same permutation for
 * every column of the set (the group's joint distribution within a row is kept; its link to
 * the row's other features and label is broken). Rows of different dates never exchange
 * values, so a permuted value is always one the model could have seen on that date. Rows may
 * come in any order; the other columns are shared, not copied. Fisher–Yates per date with
 * `rng.int`, dates in ascending order, rows of a date in input order — deterministic for a seed.
 */
export function permuteWithinDates(
  X: FeatureMatrix,
  columns: readonly string[],
  dates: Int32Array,
  opts: { rng: Rng },
): FeatureMatrix {
  if (dates.length !== X.nRows) {
    throw new StrataError(
      "ARGUMENT",
      `permuteWithinDates: ${dates.length} dates for ${X.nRows} rows; expected one date per row`,
      { hint: "pass the date column of the same rows as X" },
    );
  }
  const idx = columns.map((c) => {
    const j = X.names.indexOf(c);
    if (j < 0) {
      throw new StrataError("ARGUMENT", `permuteWithinDates: column '${c}' is not in X`, {
        hint: `X has ${X.names.join(", ")}`,
      });
    }
    return j;
  });
  const order = Int32Array.from({ length: X.nRows }, (_, i) => i).sort((a, b) => dates[a] - dates[b] || a - b);
  // perm[order[k]] = the row whose values row order[k] receives.
  const perm = new Int32Array(X.nRows);
  for (let lo = 0; lo < order.length; ) {
    let hi = lo;
    while (hi < order.length && dates[order[hi]] === dates[order[lo]]) hi++;
    const run = order.slice(lo, hi);
    for (let k = run.length - 1; k > 0; k--) {
      const m = opts.rng.int(k + 1);
      const t = run[k];
      run[k] = run[m];
      run[m] = t;
    }
    for (let k = lo; k < hi; k++) perm[order[k]] = run[k - lo];
    lo = hi;
  }
  const out = X.columns.slice();
  for (const j of idx) out[j] = Float32Array.from(perm, (r) => X.columns[j][r]);
  return { ...X, columns: out };
}

export interface PairedBootstrapOptions {
  /** The seeded random stream. Required. */
  rng: Rng;
  /** Resamples B (default 1000). */
  resamples?: number;
  /** Two-sided level (default 0.95). */
  level?: number;
  /** "stationary" (default) or "circular". */
  method?: BlockBootstrapMethod;
  /**
   * Mean (stationary) or fixed (circular) block length in periods. Default: Politis & White's
   * automatic length of the difference series b − a (`optimalBlockLength`), at least 1; 1 with
   * fewer than 9 periods.
   */
  blockLength?: number;
}

export interface PairedInterval {
  /** statistic(a, b) on the original series. */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  blockLength: number;
  resamples: number;
  /** Periods (pairs). */
  n: number;
}

/**
 * Percentile interval of statistic(a*, b*) where (a*, b*) is a block-bootstrap resample of the
 * PAIRS (a_t, b_t): both series are drawn on the same indices (blockBootstrapIndices), so what
 * they share on a date (the market, the cross-section's difficulty) cancels in the difference.
 * The interval is [Q((1 − level)/2), Q((1 + level)/2)] of the B resampled statistics (numpy's
 * linear quantile); resamples giving a non-finite statistic are left out. Deterministic given `rng`.
 *
 *   pairedBootstrapInterval(icFull, icDrop, (a, b) => mean(b) − mean(a), { rng })  // ΔIC
 */
export function pairedBootstrapInterval(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  statistic: (a: Float64Array, b: Float64Array) => number,
  opts: PairedBootstrapOptions,
): PairedInterval {
  const n = a.length;
  if (b.length !== n) {
    throw new StrataError("ARGUMENT", `pairedBootstrapInterval: a has ${n} values, b ${b.length}; expected pairs`, {
      hint: "align the two series on their dates first",
    });
  }
  if (n < 2) {
    throw new StrataError("ARGUMENT", `pairedBootstrapInterval: needs at least 2 pairs, got ${n}`, {
      hint: "evaluate over more dates",
    });
  }
  const x = Float64Array.from(a),
    y = Float64Array.from(b);
  const d = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    d[t] = y[t] - x[t];
    if (!Number.isFinite(d[t])) {
      throw new StrataError("ARGUMENT", `pairedBootstrapInterval: pair ${t} is (${x[t]}, ${y[t]}); expected finite`, {
        hint: "drop the dates either series lacks before pairing",
      });
    }
  }
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) {
    throw new StrataError("ARGUMENT", `pairedBootstrapInterval: level must be in (0, 1), got ${level}`, {
      hint: "e.g. 0.95 for a 95% interval",
    });
  }
  const B = opts.resamples ?? 1000;
  if (!Number.isInteger(B) || B < 1) {
    throw new StrataError("ARGUMENT", `pairedBootstrapInterval: resamples must be a positive integer, got ${B}`, {
      hint: "1000 or more for percentile intervals",
    });
  }
  const auto = n >= 9 ? optimalBlockLength(d).stationary : 1;
  const blockLength = Math.min(n, Math.max(1, opts.blockLength ?? auto));
  const method = opts.method ?? "stationary";
  const idx = new Int32Array(n),
    xs = new Float64Array(n),
    ys = new Float64Array(n);
  const stats: number[] = [];
  for (let r = 0; r < B; r++) {
    blockBootstrapIndices(method, n, blockLength, { rng: opts.rng, out: idx });
    for (let t = 0; t < n; t++) {
      xs[t] = x[idx[t]];
      ys[t] = y[idx[t]];
    }
    const s = statistic(xs, ys);
    if (Number.isFinite(s)) stats.push(s);
  }
  const sorted = Float64Array.from(stats).sort();
  return {
    estimate: statistic(x, y),
    lower: quantileSorted(sorted, (1 - level) / 2),
    upper: quantileSorted(sorted, (1 + level) / 2),
    level,
    blockLength,
    resamples: B,
    n,
  };
}

/** Mean of b − a over the pairs: the change of a per-date series' mean (a statistic for pairedBootstrapInterval). */
export function meanDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) s += b[t] - a[t];
  return s / a.length;
}

/**
 * Two per-date series paired on their common dates (both ascending): the dates and each
 * side's values there. Dates only one side has are left out.
 */
export function pairByDate(
  a: { dates: ArrayLike<number>; values: ArrayLike<number> },
  b: { dates: ArrayLike<number>; values: ArrayLike<number> },
): { dates: Int32Array; a: Float64Array; b: Float64Array } {
  const dates: number[] = [],
    xa: number[] = [],
    xb: number[] = [];
  for (let i = 0, j = 0; i < a.dates.length && j < b.dates.length; ) {
    if (a.dates[i] < b.dates[j]) i++;
    else if (a.dates[i] > b.dates[j]) j++;
    else {
      dates.push(a.dates[i]);
      xa.push(a.values[i++]);
      xb.push(b.values[j++]);
    }
  }
  return { dates: Int32Array.from(dates), a: Float64Array.from(xa), b: Float64Array.from(xb) };
}
