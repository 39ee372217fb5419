/**
 * Features benchmark: the features stage's work — its default factor set computed (all DuckDB
 * threads) into temp tables, written to Parquet in (date, symbol) order on one thread, and the
 * null-share metrics — on 500 symbols × 20 years of synthetic prices (≈ 2.5 M rows).
 * Seconds are the median of 3 runs (each run's total and compute part). Goal: features_s < 10.
 *
 * Determinism check: the sha256 of the Parquet file must be the same on every run and again
 * with DuckDB limited to 1 thread (one extra, untimed run); otherwise the bench throws.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { generateMarket } from "../src/data/synthetic.ts";
import { copyQueryToParquet, createDatabase, sqlString, writeColumnsToParquet } from "../src/store/index.ts";
import { featuresQuery, materializeFeatures, type FeaturesQuery } from "../src/data/factors/index.ts";
import stage, { plan } from "../stages/features.ts";

const OPTS = { symbols: 500, start: "2005-01-03", end: "2024-12-31", seed: 1 };

/** The stage's default factor set and rank / z-score lists. */
function defaultQuery(prices: string): FeaturesQuery {
  const p = plan(stage.params.parse({}) as Parameters<typeof plan>[0]);
  return featuresQuery(prices, p.factors, { rank: p.rank, zscore: p.zscore });
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** One stage run: compute, write, metrics. Returns seconds (total, compute) and the rows. */
async function runOnce(conn: DuckDBConnection, q: FeaturesQuery, out: string) {
  const t0 = performance.now();
  const f = await materializeFeatures(conn, q, "__features");
  const t1 = performance.now();
  const { rows } = await copyQueryToParquet(conn, f.select, out);
  await f.nullShares();
  await f.drop();
  const t2 = performance.now();
  return { total: (t2 - t0) / 1000, compute: (t1 - t0) / 1000, rows };
}

export async function benchFeatures(): Promise<Record<string, number | string>> {
  const m = generateMarket(OPTS);
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-features-"));
  const db = await createDatabase();
  const conn = await db.connect();
  try {
    const pricesPath = join(dir, "prices.parquet");
    await writeColumnsToParquet(
      conn,
      {
        columns: {
          date: m.date,
          symbol: m.symbol,
          open: m.open,
          high: m.high,
          low: m.low,
          close: m.close,
          volume: m.volume,
          sector: m.sector,
        },
        types: { date: "DATE" },
      },
      pricesPath,
      { orderBy: ["date", "symbol"] },
    );
    const q = defaultQuery(`read_parquet(${sqlString(pricesPath)})`);
    const out = join(dir, "features.parquet");
    const totals: number[] = [],
      computes: number[] = [];
    let rows = 0;
    const hashes = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = await runOnce(conn, q, out);
      totals.push(r.total);
      computes.push(r.compute);
      rows = r.rows;
      hashes.add(sha256(out));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const total = median(totals),
      compute = median(computes);
    const bytes = statSync(out).size;
    await conn.run("SET threads = 1");
    try {
      await runOnce(conn, q, out);
    } finally {
      await conn.run("RESET threads");
    }
    hashes.add(sha256(out));
    if (hashes.size !== 1) {
      throw new Error(
        `features.parquet is not deterministic: ${hashes.size} different sha256 over 3 runs at the default threads ` +
          `and 1 run at 1 thread`,
      );
    }
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      features_rows: rows,
      features_columns: q.columns.length,
      features_s: r3(total),
      features_runs_s: totals.map(r3).join(" "),
      features_compute_s: r3(compute),
      features_rows_per_s: Math.round(rows / total),
      features_parquet_mb: r3(bytes / 1e6),
      features_sha256: [...hashes][0].slice(0, 16),
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
