/**
 * features — technical and cross-sectional factors from the data stage's prices: the factors in
 * DuckDB (window functions per symbol ordered by date), then the per-date ranks and z-scores in
 * JS over the (date, symbol)-sorted factor table (src/quant/cross-section).
 *
 * Output
 *   features(date DATE, symbol VARCHAR, <one DOUBLE column per factor>, <c>_rank…, <c>_z…),
 *     one row per prices row, ordered by (date, symbol). A value at date t uses prices up to
 *     the close of t only (`pipeline audit leakage features` proves it); warm-up rows are NULL.
 * Every definition, unit and warm-up is in docs/features.md.
 *
 * Missing inputs (close-only prices: a wide table, or a file without open/high/low/volume):
 * the factors that need an absent column (ATR, Parkinson/Garman–Klass, Donchian, volume
 * z-score, dollar volume) are left out with a warning naming them when their params were not
 * written in pipeline.yaml; when they were, the stage fails (at plan time when the data stage
 * declares `format: wide`, else when it runs). After computing, a column that is NULL on every
 * row or constant is dropped with a warning: nothing all-NULL or constant reaches a model.
 */
import { defineStage, z, type StageContext, type StageIssue } from "../src/index.ts";
import { StrataError } from "../src/core/errors.ts";
import { roundOrNull, SHARE_DECIMALS } from "../src/core/round.ts";
import { sqlIdent } from "../src/store/sql.ts";
import { appendedDates, type Extension } from "./lib/appended-dates.ts";
import {
  averageTrueRange,
  donchianPosition,
  dollarVolume,
  featuresQuery,
  garmanKlassVolatility,
  materializeFeatures,
  profileColumns,
  marketBeta,
  momentum,
  movingAverageGap,
  parkinsonVolatility,
  realizedVolatility,
  reversal,
  rsi,
  volumeZScore,
  type Factor,
  type PriceInput,
} from "../src/data/factors/index.ts";

/** A factor column's meaning by its name's pattern (docs/features.md); n, k: window in days. */
const FACTOR_COLUMNS: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [
    /^mom_(\d+)_(\d+)$/,
    (m) => `Momentum: return from ${m[1]} to ${m[2]} days ago, C[t−${m[2]}] / C[t−${m[1]}] − 1 (decimal).`,
  ],
  [/^mom_(\d+)$/, (m) => `Momentum: ${m[1]}-day return C[t] / C[t−${m[1]}] − 1 (decimal).`],
  [/^rev_(\d+)$/, (m) => `Reversal: minus the ${m[1]}-day return (decimal).`],
  [/^vol_(\d+)$/, (m) => `Realized volatility of the last ${m[1]} daily log returns, annualized (√252 · sd, ddof 1).`],
  [/^pk_(\d+)$/, (m) => `Parkinson high-low volatility over ${m[1]} days, annualized.`],
  [/^gk_(\d+)$/, (m) => `Garman–Klass OHLC volatility over ${m[1]} days, annualized.`],
  [/^atr_(\d+)$/, (m) => `Average true range over ${m[1]} days as a fraction of the close (daily).`],
  [/^rsi_(\d+)$/, (m) => `Relative strength index over ${m[1]} days, simple averages (0–100).`],
  [/^ma_gap_(\d+)$/, (m) => `Close over its ${m[1]}-day moving average, minus 1 (decimal).`],
  [/^donch_(\d+)$/, (m) => `Position of the close in its ${m[1]}-day Donchian channel (0 = bottom, 1 = top).`],
  [/^vlm_z_(\d+)$/, (m) => `Z-score of today's volume against the last ${m[1]} days' volumes.`],
  [/^dollar_vol_(\d+)$/, (m) => `Log of the mean daily dollar volume (close × volume) over ${m[1]} days.`],
  [/^beta_(\d+)$/, (m) => `Beta of the symbol's daily returns to the equal-weight market over ${m[1]} days.`],
];

/** What a column of table `features` means; every value at t uses prices up to the close of t. */
function describeFeatureColumn(column: string): string | undefined {
  if (column === "date") return "Trading day; each value uses prices up to this day's close only.";
  if (column === "symbol") return "Asset identifier.";
  const derived = /^(.+)_(rank|z)$/.exec(column);
  const base = (name: string) => {
    for (const [re, text] of FACTOR_COLUMNS) {
      const m = re.exec(name);
      if (m) return text(m);
    }
    return undefined;
  };
  if (derived && base(derived[1])) {
    const of = `${derived[1]} (${base(derived[1])!.replace(/\.$/, "")})`;
    return derived[2] === "rank"
      ? `Cross-sectional rank of ${of} on the date, scaled to 0–1.`
      : `Cross-sectional z-score of ${of} on the date.`;
  }
  const text = base(column);
  return text && `${text} NULL during the symbol's warm-up.`;
}

const day = z.number().int().positive();
const windows = (d: number[]) => z.array(day).default(d);
/** Column names, or "all" for every factor column. */
const columnList = z.union([z.literal("all"), z.array(z.string())]);

/**
 * Defaults of the families that need open, high, low or volume. Their params have no zod
 * default so the stage can tell "not written" (left out, with a warning, when the data lacks
 * the column) from "asked for" (an error then).
 */
export const OHLCV_DEFAULTS = {
  rangeVolatility: [20],
  atr: [14],
  donchian: [20],
  volumeZ: [20],
  dollarVolume: [20],
} as const;
export const DEFAULT_RANK = ["mom_20", "mom_252_21", "rev_5", "vol_20", "rsi_14", "ma_gap_50"];
export const DEFAULT_ZSCORE = ["mom_60", "vol_60", "dollar_vol_20", "beta_60"];
const ALL_INPUTS: ReadonlySet<PriceInput> = new Set(["open", "high", "low", "close", "volume"]);

const params = z
  .object({
    /** k-day returns; [k, s] skips the last s days (e.g. [252, 21] → mom_252_21). */
    momentum: z
      .array(z.union([day, z.tuple([day, z.number().int().nonnegative()])]))
      .default([5, 20, 60, 120, [252, 21]]),
    /** Short-term reversal −(k-day return). */
    reversal: windows([5]),
    /** Realized volatility of daily log returns (annualized). */
    volatility: windows([20, 60]),
    /** Parkinson and Garman–Klass OHLC volatility (annualized); default [20] when the data has high/low (and open). */
    rangeVolatility: z.array(day).optional(),
    /** Average true range; default [14] when the data has high and low. */
    atr: z.array(day).optional(),
    rsi: windows([14]),
    maGap: windows([20, 50]),
    /** Donchian channel position; default [20] when the data has high and low. */
    donchian: z.array(day).optional(),
    /** Volume z-score; default [20] when the data has volume. */
    volumeZ: z.array(day).optional(),
    /** Log dollar volume; default [20] when the data has volume. */
    dollarVolume: z.array(day).optional(),
    beta: windows([60]),
    /** Columns that also get a cross-sectional rank per date (<c>_rank, 0 … 1). Default DEFAULT_RANK. */
    rank: columnList.optional(),
    /** Columns that also get a cross-sectional z-score per date (<c>_z). Default DEFAULT_ZSCORE (less any left out). */
    zscore: columnList.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    try {
      plan(p);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
    }
  });

type Params = z.output<typeof params>;

export interface FeaturePlan {
  factors: Factor[];
  rank: string[];
  zscore: string[];
  /** Columns not computed because the data lacks an input, with the inputs missing. */
  leftOut: Array<{ name: string; missing: PriceInput[] }>;
}

const OHLCV_PARAM: Record<string, keyof typeof OHLCV_DEFAULTS> = {
  pk: "rangeVolatility",
  gk: "rangeVolatility",
  atr: "atr",
  donch: "donchian",
  vlm: "volumeZ",
  dollar: "dollarVolume",
};

/**
 * The factors and cross-sectional columns to compute, given the price columns the data has
 * (default: all). Factors needing an absent column are left out when their family was not
 * written in params, and are an error (PARAMS, naming them and the missing columns) when it was.
 */
export function plan(p: Params, available: ReadonlySet<PriceInput> = ALL_INPUTS): FeaturePlan {
  const written = (k: keyof typeof OHLCV_DEFAULTS) => p[k] !== undefined;
  const w = (k: keyof typeof OHLCV_DEFAULTS): readonly number[] => p[k] ?? OHLCV_DEFAULTS[k];
  const candidates: Factor[] = [
    ...p.momentum.map((m) => (typeof m === "number" ? momentum(m) : momentum(m[0], { skip: m[1] }))),
    ...p.reversal.map(reversal),
    ...p.volatility.map(realizedVolatility),
    ...w("rangeVolatility").flatMap((n) => [parkinsonVolatility(n), garmanKlassVolatility(n)]),
    ...w("atr").map(averageTrueRange),
    ...p.rsi.map(rsi),
    ...p.maGap.map(movingAverageGap),
    ...w("donchian").map(donchianPosition),
    ...w("volumeZ").map(volumeZScore),
    ...w("dollarVolume").map(dollarVolume),
    ...p.beta.map(marketBeta),
  ];
  const factors: Factor[] = [],
    leftOut: FeaturePlan["leftOut"] = [],
    asked: string[] = [];
  for (const f of candidates) {
    const missing = (f.prices ?? ["close"]).filter((c) => !available.has(c));
    if (missing.length === 0) {
      factors.push(f);
      continue;
    }
    const param = OHLCV_PARAM[f.name.split("_")[0]];
    if (param !== undefined && !written(param)) leftOut.push({ name: f.name, missing });
    else asked.push(`${f.name} (${param ?? "params"}; needs ${missing.join(", ")})`);
  }
  const gone = new Set(leftOut.map((l) => l.name));
  const xs = (list: Params["rank"], dflt: string[], suffix: string, key: string): string[] => {
    if (list === "all") return factors.map((f) => f.name);
    if (list === undefined) {
      for (const c of dflt)
        if (gone.has(c)) leftOut.push({ name: `${c}${suffix}`, missing: leftOut.find((l) => l.name === c)!.missing });
      return dflt.filter((c) => !gone.has(c));
    }
    for (const c of list) if (gone.has(c)) asked.push(`${c}${suffix} (${key}; ${c} is left out)`);
    return list;
  };
  const rank = xs(p.rank, DEFAULT_RANK, "_rank", "rank");
  const zscore = xs(p.zscore, DEFAULT_ZSCORE, "_z", "zscore");
  if (asked.length) {
    const lacks = ["open", "high", "low", "volume"].filter((c) => !available.has(c as PriceInput));
    throw new StrataError(
      "PARAMS",
      `features: the prices have no ${lacks.join(", ")} (close-only data), but params ask for ${asked.join(", ")}`,
      {
        hint:
          "remove those entries from the features params (or set the family to []), or give the data stage a " +
          "file with those columns",
      },
    );
  }
  return { factors, rank, zscore, leftOut };
}

/**
 * Plan-time check: a data stage declaring `format: wide` has close only, so families asked for
 * by name that need open/high/low/volume are an error before anything runs.
 */
function planChecks(p: Params, needs: Record<string, unknown>): StageIssue[] {
  const data = needs.data as { source?: string; format?: string } | undefined;
  if (!data || data.source === "synthetic" || data.format !== "wide") return [];
  try {
    plan(p, new Set(["close"]));
    return [];
  } catch (e) {
    const err = e as StrataError;
    return [
      {
        level: "error",
        message: `${err.message.split("\n")[0]} (the data stage reads a wide table: close only)`,
        hint: err.hint,
      },
    ];
  }
}

/** "left out atr_14, …: data/prices has no high, low, … — to silence this, set atr: [], …". */
export function leftOutWarning(p: FeaturePlan, lacks: readonly string[]): string {
  const names = p.leftOut.map((l) => l.name);
  const settings = [...new Set(names.map((n) => OHLCV_PARAM[n.split("_")[0]]))].map((k) => `${k}: []`);
  if (names.some((n) => n.endsWith("_rank"))) settings.push(`rank: [${p.rank.join(", ")}]`);
  if (names.some((n) => n.endsWith("_z"))) settings.push(`zscore: [${p.zscore.join(", ")}]`);
  return (
    `left out ${names.join(", ")}: data/prices has no ${lacks.join(", ")} (close-only prices); to say so in ` +
    `pipeline.yaml and silence this, set ${settings.join(", ")} in the features params`
  );
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)} %`;

type Query = ReturnType<typeof featuresQuery>;
type Features = Awaited<ReturnType<typeof materializeFeatures>>;

export default defineStage({
  description:
    "Momentum, reversal, volatility, ATR, RSI, MA gap, Donchian, volume and beta factors, with cross-sectional ranks " +
    "and z-scores",
  params,
  checks: (p, ctx) => planChecks(p, ctx.needs),
  outputs: ["features"],
  incremental: { by: "date" },
  async run(ctx) {
    const prices = ctx.input("data", "prices");
    const { available, absent } = await priceInputs(ctx, prices);
    const p = plan(ctx.params, available);
    if (p.leftOut.length) ctx.warn(leftOutWarning(p, absent));
    const ext = await appendedDates(ctx, "data", "prices");
    const done = (ext.kind === "append" && (await appendFeatures(ctx, p, prices, ext))) || null;
    if (!done && ext.kind === "full" && ctx.previous) ctx.log(`in full: ${ext.reason}`);
    const { q, rows, nulls, dropped } = done ?? (await computeFeatures(ctx, p, prices));
    const kept = q.columns.length - dropped.length;
    ctx.metric("rows", rows);
    ctx.metric("columns", kept);
    if (p.leftOut.length) ctx.metric("left_out", p.leftOut.map((l) => l.name).join(","));
    if (dropped.length) ctx.metric("dropped", dropped.join(","));
    for (const [name, share] of Object.entries(nulls))
      ctx.metric(`null_after_warmup.${name}`, roundOrNull(share, SHARE_DECIMALS));
    ctx.log(
      `${kept} feature columns over ${rows} ` +
        `rows${p.leftOut.length + dropped.length ? ` (${p.leftOut.length} left out, ${dropped.length} dropped)` : ""}`,
    );
  },
});

interface Computed {
  q: Query;
  rows: number;
  /** null_after_warmup per kept column. */
  nulls: Record<string, number | null>;
  dropped: string[];
}

/** Every row from the prices: the factors, their cross-sectional columns, the degenerate ones dropped. */
async function computeFeatures(ctx: StageContext<Params>, p: FeaturePlan, prices: string): Promise<Computed> {
  const q = featuresQuery(prices, p.factors, { rank: p.rank, zscore: p.zscore });
  const features = await materializeFeatures(ctx.db, q, "__features");
  try {
    ctx.progress(0.5, "computed");
    // Nothing all-NULL or constant reaches a model: such columns are dropped, each named.
    const profile = await features.profile();
    const dropped = await degenerateColumns(ctx, q, features, profile);
    // features.select is already in (date, symbol) order: the COPY needs no ORDER BY (a
    // projection keeps the order).
    const select = dropped.length
      ? `SELECT * EXCLUDE (${dropped.map(sqlIdent).join(", ")}) FROM (${features.select})`
      : features.select;
    const { rows } = await ctx.writeTable("features", select, { describe: describeFeatureColumn });
    ctx.progress(0.9, "written");
    const nulls = Object.fromEntries(
      q.columns.filter((c) => !dropped.includes(c.name)).map((c) => [c.name, profile[c.name].nullAfterWarmup]),
    );
    return { q, rows, nulls, dropped };
  } finally {
    await features.drop();
  }
}

/**
 * The previous features plus the rows of the new dates (incremental: by date). The new rows are
 * computed from each symbol's last `q.lookback` bars before them (every value is the full
 * computation's: see FeaturesQueryOptions.after); the metrics are over the whole table, as a
 * full run's. Null (run in full, reason logged) when the previous table's columns are not
 * exactly this plan's: it dropped a degenerate column, or was written by other params.
 */
async function appendFeatures(
  ctx: StageContext<Params>,
  p: FeaturePlan,
  prices: string,
  ext: Extract<Extension, { kind: "append" }>,
): Promise<Computed | null> {
  const q = featuresQuery(prices, p.factors, { rank: p.rank, zscore: p.zscore, after: ext.last });
  const previous = ctx.previous!.output("features");
  const want = ["date", "symbol", ...q.columns.map((c) => c.name)];
  const have = (await ctx.db.runAndReadAll(`SELECT * FROM ${previous} LIMIT 0`)).columnNames();
  if (have.join("\u0000") !== want.join("\u0000")) {
    ctx.log("in full: the previous features do not have every column of this plan (a degenerate one was dropped)");
    return null;
  }
  ctx.log(`appending ${ext.dates} date(s) ${ext.first} … to the features up to ${ext.last}`);
  const fresh = await materializeFeatures(ctx.db, q, "__features");
  try {
    ctx.progress(0.5, "computed");
    await ctx.db.run(
      `CREATE TEMP TABLE __all AS SELECT *, row_number() OVER (PARTITION BY symbol ORDER BY date) AS __n
       FROM (SELECT * FROM ${previous} UNION ALL ${fresh.select})`,
    );
    // Rows only add: a column with values, not constant, before stays so (nothing to drop).
    const profile = await profileColumns(ctx.db, "__all", q.columns, "__n");
    const { rows } = await ctx.writeTable("features", "SELECT * EXCLUDE (__n) FROM __all", {
      orderBy: ["date", "symbol"],
      describe: describeFeatureColumn,
    });
    ctx.progress(0.9, "written");
    const nulls = Object.fromEntries(q.columns.map((c) => [c.name, profile[c.name].nullAfterWarmup]));
    return { q, rows, nulls, dropped: [] };
  } finally {
    await fresh.drop();
    await ctx.db.run("DROP TABLE IF EXISTS __all");
  }
}

/**
 * Which price columns the data has: a column with no value at all is absent (a wide table or a
 * close-only file); one with some values is used, with a warning for the rest.
 */
async function priceInputs(
  ctx: StageContext<Params>,
  prices: string,
): Promise<{ available: Set<PriceInput>; absent: PriceInput[] }> {
  const [cov] = (
    await ctx.db.runAndReadAll(
      `SELECT count(*)::DOUBLE, count(open)::DOUBLE, count(high)::DOUBLE, count(low)::DOUBLE, count(close)::DOUBLE, ` +
        `count(volume)::DOUBLE FROM ${prices}`,
    )
  )
    .getRows()
    .map((r) => r.map(Number));
  const [total, ...counts] = cov;
  const inputs: PriceInput[] = ["open", "high", "low", "close", "volume"];
  const available = new Set(inputs.filter((_, i) => counts[i] > 0));
  inputs.forEach((c, i) => {
    if (counts[i] > 0 && counts[i] < total) {
      ctx.warn(
        `data/prices has ${c} on ${pct(counts[i] / total)} of its rows (${counts[i]} of ${total}): the features that ` +
          `use it are NULL on the others`,
      );
    }
  });
  return { available, absent: inputs.filter((c) => !available.has(c)) };
}

/**
 * The computed columns that are NULL on every row or constant, each with a warning saying why;
 * all of them is an error.
 */
async function degenerateColumns(
  ctx: StageContext<Params>,
  q: Query,
  features: Features,
  profile: Awaited<ReturnType<Features["profile"]>>,
): Promise<string[]> {
  const dropped: string[] = [];
  let longest: number | undefined;
  for (const c of q.columns) {
    const pr = profile[c.name];
    if (pr.values === 0) {
      longest ??= await features.maxSymbolRows();
      const why =
        c.warmup > longest
          ? `its warm-up of ${c.warmup} rows is longer than any symbol's history (at most ${longest} rows)`
          : c.family === "zscore" || c.family === "rank"
            ? "the cross-section has too few symbols with a value on each date"
            : "its inputs are degenerate (non-positive prices, a flat market)";
      ctx.warn(`dropped feature ${c.name}: NULL on every row — ${why}`);
      dropped.push(c.name);
    } else if (pr.min === pr.max) {
      ctx.warn(`dropped feature ${c.name}: constant (${pr.min}) on every row with a value — it cannot inform a model`);
      dropped.push(c.name);
    }
  }
  if (dropped.length === q.columns.length) {
    throw new StrataError("DATA", `features: every feature column is NULL or constant (${dropped.join(", ")})`, {
      hint: "check the data stage's prices (enough history for the windows, more than one symbol, varying closes)",
    });
  }
  return dropped;
}
