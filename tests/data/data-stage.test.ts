/**
 * The data stage run against a minimal StageContext built from the real store functions and
 * a real DuckDB (the engine's own context is tested with the engine).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, copyFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import stage from "../../stages/data.ts";
import type { StageContext } from "../../src/pipeline/types.ts";
import {
  copyQueryToParquet, createDatabase, parquetRowCount, queryRows, readColumns, writeColumnsToParquet,
} from "../../src/store/index.ts";
import { createRng } from "../../src/core/rng.ts";
import { sha256File } from "../../src/core/hash.ts";

let db: DuckDBInstance, conn: DuckDBConnection, root: string;
beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
  root = mkdtempSync(join(tmpdir(), "strata-stage-"));
  mkdirSync(join(root, "data", "raw"), { recursive: true });
  copyFileSync(join(import.meta.dirname, "..", "fixtures", "data", "pypfopt_long.csv"), join(root, "data", "raw", "prices.csv"));
});
afterAll(() => { conn.closeSync(); db.closeSync(); rmSync(root, { recursive: true, force: true }); });

interface Harness { ctx: StageContext<unknown>; out: string; metrics: Record<string, unknown>; logs: string[] }

function harness(rawParams: Record<string, unknown>, opts: { seed?: number; files?: string[]; out: string }): Harness {
  const params = stage.params.parse(rawParams);
  const metrics: Record<string, unknown> = {}, logs: string[] = [];
  const files = new Set(opts.files ?? []);
  mkdirSync(opts.out, { recursive: true });
  const seed = opts.seed ?? 42;
  const unsupported = (): never => { throw new Error("not used by the data stage"); };
  const ctx: StageContext<unknown> = {
    params, cell: {}, cellId: "data", stage: "data", seed, rng: createRng(seed), root, db: conn,
    signal: new AbortController().signal,
    input: unsupported, inputs: unsupported, inputPath: unsupported, readJson: unsupported,
    file(rel) {
      if (!files.has(rel)) throw new Error(`${rel} is not declared under files:`);
      return join(root, rel);
    },
    async writeTable(name, source, options) {
      const path = join(opts.out, `${name}.parquet`);
      return typeof source === "string" ? copyQueryToParquet(conn, source, path, options) : writeColumnsToParquet(conn, source, path, options);
    },
    writeJson: unsupported, writeFile: unsupported,
    count: (name) => parquetRowCount(conn, join(opts.out, `${name}.parquet`)),
    metric(name, value) { metrics[name] = value; },
    log(m) { logs.push(m); },
    progress() {},
  };
  return { ctx, out: opts.out, metrics, logs };
}

describe("stages/data", () => {
  it("synthetic: writes prices and symbols with the documented schema, sorted, and reproducible", async () => {
    const p = { source: "synthetic", symbols: 25, start: "2020-01-01", end: "2021-12-31" };
    const a = harness(p, { out: join(root, "out-a") });
    await stage.run(a.ctx as never);
    const prices = join(a.out, "prices.parquet");
    const desc = await queryRows<{ column_name: string; column_type: string }>(conn, `DESCRIBE SELECT * FROM '${prices}'`);
    expect(desc.map((d) => `${d.column_name}:${d.column_type}`)).toEqual([
      "date:DATE", "symbol:VARCHAR", "open:DOUBLE", "high:DOUBLE", "low:DOUBLE", "close:DOUBLE", "volume:DOUBLE", "sector:VARCHAR",
    ]);
    const [chk] = await queryRows<{ n: number; bad: number }>(conn, `
      SELECT count(*)::INT AS n,
             count(*) FILTER (WHERE NOT (low <= least(open, close) AND high >= greatest(open, close)))::INT AS bad
      FROM '${prices}'`);
    expect(chk.bad).toBe(0);
    const cols = await readColumns(conn, `SELECT date, symbol FROM '${prices}'`);
    const d = cols.date as Int32Array, s = cols.symbol as string[];
    let unsorted = 0;
    for (let i = 1; i < d.length; i++) if (d[i - 1] > d[i] || (d[i - 1] === d[i] && s[i - 1] >= s[i])) unsorted++;
    expect(unsorted).toBe(0);
    expect(a.metrics).toMatchObject({ rows: chk.n, symbols: 25, start: "2020-01-01", end: "2021-12-31" });
    const sym = await queryRows<{ symbol: string; rows: number }>(conn, `SELECT symbol, rows::INT AS rows FROM '${join(a.out, "symbols.parquet")}'`);
    expect(sym).toHaveLength(25);
    const counted = await queryRows<{ symbol: string; rows: number }>(conn, `SELECT symbol, count(*)::INT AS rows FROM '${prices}' GROUP BY symbol ORDER BY symbol`);
    expect(sym).toEqual(counted);
    // same seed ⇒ same bytes; another seed ⇒ other prices
    const b = harness(p, { out: join(root, "out-b") });
    await stage.run(b.ctx as never);
    expect(await sha256File(join(b.out, "prices.parquet"))).toBe(await sha256File(prices));
    const c = harness(p, { out: join(root, "out-c"), seed: 43 });
    await stage.run(c.ctx as never);
    expect(await sha256File(join(c.out, "prices.parquet"))).not.toBe(await sha256File(prices));
  });

  it("csv: loads a declared file through the column mapping, filtered by start/end", async () => {
    const h = harness(
      { source: "csv", path: "data/raw/prices.csv", columns: { date: "Date", symbol: "Ticker", close: "Adj Close" }, start: "2015-01-01" },
      { out: join(root, "out-csv"), files: ["data/raw/prices.csv"] },
    );
    await stage.run(h.ctx as never);
    const cols = await readColumns(conn, `SELECT * FROM '${join(h.out, "prices.parquet")}'`, { dates: "iso" });
    expect(cols.date[0]).toBe("2015-01-02");
    expect(h.metrics).toMatchObject({ symbols: 5, start: "2015-01-02", end: "2015-06-30", warnings: 0 });
    const syms = await queryRows<{ symbol: string; first_date: string }>(conn, `SELECT symbol, first_date::VARCHAR AS first_date FROM '${join(h.out, "symbols.parquet")}'`);
    expect(syms.map((s) => s.symbol)).toEqual(["AAPL", "AMZN", "BABA", "GE", "JPM"]);
  });

  it("csv: refuses an undeclared file and a missing path", async () => {
    const h = harness({ source: "csv", path: "data/raw/prices.csv" }, { out: join(root, "out-x") });
    await expect(stage.run(h.ctx as never)).rejects.toThrow(/not declared under files/);
    const r = stage.params.safeParse({ source: "csv" });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/needs a path/);
  });
});
