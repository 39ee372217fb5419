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
 */
import { defineStage, z } from "../src/index.ts";
import {
  averageTrueRange, donchianPosition, dollarVolume, featuresQuery, garmanKlassVolatility, materializeFeatures, marketBeta, momentum,
  movingAverageGap, parkinsonVolatility, realizedVolatility, reversal, rsi, volumeZScore,
  type Factor,
} from "../src/data/factors/index.ts";

const day = z.number().int().positive();
const windows = (d: number[]) => z.array(day).default(d);
/** Column names, or "all" for every factor column. */
const columnList = (d: string[]) => z.union([z.literal("all"), z.array(z.string())]).default(d);

const params = z.object({
  /** k-day returns; [k, s] skips the last s days (e.g. [252, 21] → mom_252_21). */
  momentum: z.array(z.union([day, z.tuple([day, z.number().int().nonnegative()])])).default([5, 20, 60, 120, [252, 21]]),
  /** Short-term reversal −(k-day return). */
  reversal: windows([5]),
  /** Realized volatility of daily log returns (annualized). */
  volatility: windows([20, 60]),
  /** Parkinson and Garman–Klass OHLC volatility (annualized). */
  rangeVolatility: windows([20]),
  atr: windows([14]),
  rsi: windows([14]),
  maGap: windows([20, 50]),
  donchian: windows([20]),
  volumeZ: windows([20]),
  dollarVolume: windows([20]),
  beta: windows([60]),
  /** Columns that also get a cross-sectional rank per date (<c>_rank, 0 … 1). */
  rank: columnList(["mom_20", "mom_252_21", "rev_5", "vol_20", "rsi_14", "ma_gap_50"]),
  /** Columns that also get a cross-sectional z-score per date (<c>_z). */
  zscore: columnList(["mom_60", "vol_60", "dollar_vol_20", "beta_60"]),
}).strict().superRefine((p, ctx) => {
  try {
    plan(p);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
  }
});

type Params = z.output<typeof params>;

export function plan(p: Params) {
  const factors: Factor[] = [
    ...p.momentum.map((m) => (typeof m === "number" ? momentum(m) : momentum(m[0], { skip: m[1] }))),
    ...p.reversal.map(reversal),
    ...p.volatility.map(realizedVolatility),
    ...p.rangeVolatility.flatMap((n) => [parkinsonVolatility(n), garmanKlassVolatility(n)]),
    ...p.atr.map(averageTrueRange),
    ...p.rsi.map(rsi),
    ...p.maGap.map(movingAverageGap),
    ...p.donchian.map(donchianPosition),
    ...p.volumeZ.map(volumeZScore),
    ...p.dollarVolume.map(dollarVolume),
    ...p.beta.map(marketBeta),
  ];
  const all = factors.map((f) => f.name);
  return {
    factors,
    rank: p.rank === "all" ? all : p.rank,
    zscore: p.zscore === "all" ? all : p.zscore,
  };
}

export default defineStage({
  description: "Momentum, reversal, volatility, ATR, RSI, MA gap, Donchian, volume and beta factors, with cross-sectional ranks and z-scores",
  params,
  outputs: ["features"],
  async run(ctx) {
    const prices = ctx.input("data", "prices");
    const p = plan(ctx.params);
    const q = featuresQuery(prices, p.factors, { rank: p.rank, zscore: p.zscore });
    const features = await materializeFeatures(ctx.db, q, "__features");
    let rows: number, nulls: Record<string, number | null>;
    try {
      ctx.progress(0.6, "computed");
      // features.select is already in (date, symbol) order: the COPY needs no ORDER BY.
      ({ rows } = await ctx.writeTable("features", features.select));
      ctx.progress(0.9, "written");
      nulls = await features.nullShares();
    } finally {
      await features.drop();
    }
    ctx.metric("rows", rows);
    ctx.metric("columns", q.columns.length);
    for (const [name, share] of Object.entries(nulls)) ctx.metric(`null_after_warmup.${name}`, share === null ? null : Math.round(share * 1e6) / 1e6);
    ctx.log(`${q.columns.length} feature columns over ${rows} rows`);
  },
});
