/**
 * Data-layer benchmark: synthetic generation (500 symbols × 20 years ≈ 2.5 M rows) and the
 * typed-column → Parquet write of the same table. Seconds are the median of 3 runs.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateMarket, type MarketData } from "../src/data/synthetic.ts";
import { createDatabase, readColumns, writeColumnsToParquet } from "../src/store/index.ts";

const OPTS = { symbols: 500, start: "2005-01-03", end: "2024-12-31", seed: 1 };

/** The median of `n` timed runs of `fn`, and the last run's value. */
async function timed<T>(n: number, fn: () => Promise<T> | T): Promise<{ secs: number; value: T }> {
  const runs: number[] = [];
  let value!: T;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    value = await fn();
    runs.push((performance.now() - t0) / 1000);
  }
  return { secs: runs.sort((a, b) => a - b)[Math.floor(n / 2)], value };
}

export async function benchData(): Promise<Record<string, number>> {
  const gen = await timed(3, () => generateMarket(OPTS));
  const m: MarketData = gen.value;
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-data-"));
  const db = await createDatabase();
  const conn = await db.connect();
  try {
    const path = join(dir, "prices.parquet");
    const table = {
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
    };
    const write = await timed(3, () => writeColumnsToParquet(conn, table, path, { orderBy: ["date", "symbol"] }));
    const read = await timed(3, () => readColumns(conn, `SELECT * FROM '${path}'`));
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      rows: m.rows,
      generate_s: r3(gen.secs),
      generate_rows_per_s: Math.round(m.rows / gen.secs),
      parquet_write_s: r3(write.secs),
      parquet_write_rows_per_s: Math.round(m.rows / write.secs),
      parquet_read_columns_s: r3(read.secs),
      parquet_mb: r3(statSync(path).size / 1e6),
    };
  } finally {
    conn.closeSync();
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchData());
}
