/**
 * Features benchmark: the features stage's work — its default factor set computed (all DuckDB
 * threads) into a temp table, written to Parquet sorted by (date, symbol), and the
 * null-share metrics — on 500 symbols × 20 years of synthetic prices (≈ 2.5 M rows).
 * Seconds are best of 3. Goal: features_s < 10.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateMarket } from "../src/data/synthetic.ts";
import { copyQueryToParquet, createDatabase, sqlString, writeColumnsToParquet } from "../src/store/index.ts";
import { featuresQuery, materializeFeatures, nullShareAfterWarmup } from "../src/data/factors/index.ts";
import stage from "../stages/features.ts";
import {
  averageTrueRange, donchianPosition, dollarVolume, garmanKlassVolatility, marketBeta, momentum, movingAverageGap,
  parkinsonVolatility, realizedVolatility, reversal, rsi, volumeZScore,
} from "../src/data/factors/index.ts";

const OPTS = { symbols: 500, start: "2005-01-03", end: "2024-12-31", seed: 1 };

/** The stage's default factor set (kept in step with stages/features.ts defaults). */
function defaultQuery(prices: string) {
  const p = stage.params.parse({}) as {
    momentum: Array<number | [number, number]>; reversal: number[]; volatility: number[]; rangeVolatility: number[];
    atr: number[]; rsi: number[]; maGap: number[]; donchian: number[]; volumeZ: number[]; dollarVolume: number[];
    beta: number[]; rank: string[]; zscore: string[];
  };
  const factors = [
    ...p.momentum.map((m) => (typeof m === "number" ? momentum(m) : momentum(m[0], { skip: m[1] }))),
    ...p.reversal.map(reversal), ...p.volatility.map(realizedVolatility),
    ...p.rangeVolatility.flatMap((n) => [parkinsonVolatility(n), garmanKlassVolatility(n)]),
    ...p.atr.map(averageTrueRange), ...p.rsi.map(rsi), ...p.maGap.map(movingAverageGap),
    ...p.donchian.map(donchianPosition), ...p.volumeZ.map(volumeZScore), ...p.dollarVolume.map(dollarVolume),
    ...p.beta.map(marketBeta),
  ];
  return featuresQuery(prices, factors, { rank: p.rank, zscore: p.zscore });
}

export async function benchFeatures(): Promise<Record<string, number>> {
  const m = generateMarket(OPTS);
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-features-"));
  const db = await createDatabase();
  const conn = await db.connect();
  try {
    const pricesPath = join(dir, "prices.parquet");
    await writeColumnsToParquet(conn, {
      columns: { date: m.date, symbol: m.symbol, open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume, sector: m.sector },
      types: { date: "DATE" },
    }, pricesPath, { orderBy: ["date", "symbol"] });
    const q = defaultQuery(`read_parquet(${sqlString(pricesPath)})`);
    const out = join(dir, "features.parquet");
    let best = Infinity, compute = Infinity, rows = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await materializeFeatures(conn, q, "__features");
      const t1 = performance.now();
      rows = (await copyQueryToParquet(conn, "SELECT * FROM __features", out)).rows;
      await nullShareAfterWarmup(conn, "__features", q.columns);
      await conn.run("DROP TABLE __features");
      best = Math.min(best, (performance.now() - t0) / 1000);
      compute = Math.min(compute, (t1 - t0) / 1000);
    }
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      features_rows: rows,
      features_columns: q.columns.length,
      features_s: r3(best),
      features_compute_s: r3(compute),
      features_rows_per_s: Math.round(rows / best),
      features_parquet_mb: r3(statSync(out).size / 1e6),
    };
  } finally {
    conn.closeSync();
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchFeatures());
}
