/**
 * The features stage on close-only prices (PyPortfolioOpt's 20 stocks, a wide table, loaded by
 * loadPrices) and on degenerate inputs, run against a minimal StageContext over a real DuckDB:
 * factors that need open/high/low/volume are left out with a warning naming them (or fail when
 * asked for), and no all-NULL or constant column is written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import stage, { plan } from "../../stages/features.ts";
import type { StageContext } from "../../src/pipeline/types.ts";
import { loadPrices } from "../../src/data/ingest.ts";
import { copyQueryToParquet, createDatabase, parquetRowCount, queryRows } from "../../src/store/index.ts";
import { createRng } from "../../src/core/rng.ts";

const WIDE = join(import.meta.dirname, "..", "fixtures", "portfolio", "stock_prices.csv");
const OHLCV = ["pk_20", "gk_20", "atr_14", "donch_20", "vlm_z_20", "dollar_vol_20", "dollar_vol_20_z"];

let db: DuckDBInstance, conn: DuckDBConnection, root: string;
beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
  root = mkdtempSync(join(tmpdir(), "strata-features-"));
  // 2012-01-03 .. 2018-04-11: 20 stocks (FB, GM, BABA listed on their own dates), close only
  await loadPrices(conn, WIDE, { table: "wide_prices", start: "2012-01-03" });
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
  rmSync(root, { recursive: true, force: true });
});

interface Run {
  out: string;
  metrics: Record<string, unknown>;
  logs: string[];
  warnings: string[];
  columns: string[];
}

async function run(rawParams: Record<string, unknown>, prices: string, name: string): Promise<Run> {
  const params = stage.params.parse(rawParams);
  const out = join(root, name);
  mkdirSync(out, { recursive: true });
  const metrics: Record<string, unknown> = {},
    logs: string[] = [],
    warnings: string[] = [];
  const unsupported = (): never => {
    throw new Error("not used by the features stage");
  };
  const ctx: StageContext<unknown> = {
    params,
    cell: {},
    cellId: "features",
    previous: null,
    map: unsupported,
    stage: "features",
    seed: 1,
    rng: createRng(1),
    root,
    db: conn,
    signal: new AbortController().signal,
    input: (s, o) => {
      expect([s, o]).toEqual(["data", "prices"]);
      return prices;
    },
    inputs: unsupported,
    upstream: unsupported,
    inputPath: unsupported,
    readJson: unsupported,
    trials: unsupported,
    file: unsupported,
    writeTable: async (n, source) => copyQueryToParquet(conn, source as string, join(out, `${n}.parquet`)),
    writeJson: unsupported,
    writeFile: unsupported,
    count: (n) => parquetRowCount(conn, join(out, `${n}.parquet`)),
    metric(n, v) {
      metrics[n] = v;
    },
    warn(m) {
      warnings.push(m);
    },
    log(m) {
      logs.push(m);
    },
    progress() {},
  };
  await stage.run(ctx as never);
  const desc = await queryRows<{ column_name: string }>(
    conn,
    `DESCRIBE SELECT * FROM '${join(out, "features.parquet")}'`,
  );
  return {
    out,
    metrics,
    logs,
    warnings,
    columns: desc.map((d) => d.column_name).filter((c) => c !== "date" && c !== "symbol"),
  };
}

/** Columns of a written features file that are all NULL or constant, checked in SQL here. */
async function degenerate(path: string, columns: string[]): Promise<string[]> {
  const parts = columns.map((c, i) => `count("${c}") AS n${i}, min("${c}") = max("${c}") AS k${i}`).join(", ");
  const [r] = await queryRows<Record<string, unknown>>(conn, `SELECT ${parts} FROM '${path}'`);
  return columns.filter((_, i) => Number(r[`n${i}`]) === 0 || r[`k${i}`] === true);
}

describe("features on close-only prices", () => {
  it(
    "leaves out the OHLCV factors with one warning naming each, " + "and writes no all-NULL or constant column",
    async () => {
      const r = await run({}, "wide_prices", "close-only");
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toBe(
        `left out ${OHLCV.join(", ")}: data/prices has no open, high, low, volume (close-only prices); to say so in ` +
          `pipeline.yaml and silence this, ` +
          "set rangeVolatility: [], atr: [], donchian: [], volumeZ: [], dollarVolume: [], zscore: [mom_60, vol_60, " +
          "beta_60] in the features params",
      );
      for (const c of OHLCV) expect(r.columns).not.toContain(c);
      expect(r.columns).toEqual([
        "mom_5",
        "mom_20",
        "mom_60",
        "mom_120",
        "mom_252_21",
        "rev_5",
        "vol_20",
        "vol_60",
        "rsi_14",
        "ma_gap_20",
        "ma_gap_50",
        "beta_60",
        "mom_20_rank",
        "mom_252_21_rank",
        "rev_5_rank",
        "vol_20_rank",
        "rsi_14_rank",
        "ma_gap_50_rank",
        "mom_60_z",
        "vol_60_z",
        "beta_60_z",
      ]);
      expect(await degenerate(join(r.out, "features.parquet"), r.columns)).toEqual([]);
      expect(r.metrics).toMatchObject({ columns: 21, left_out: OHLCV.join(",") });
    },
  );

  it("the silencing params from the warning give the same columns and no warning", async () => {
    const r = await run(
      {
        rangeVolatility: [],
        atr: [],
        donchian: [],
        volumeZ: [],
        dollarVolume: [],
        zscore: ["mom_60", "vol_60", "beta_60"],
      },
      "wide_prices",
      "silenced",
    );
    expect(r.warnings).toEqual([]);
    expect(r.columns).toHaveLength(21);
  });

  it("fails, naming them, when OHLCV factors are asked for by name", async () => {
    await expect(run({ atr: [14], volumeZ: [20] }, "wide_prices", "asked")).rejects.toThrow(
      /features: the prices have no open, high, low, volume \(close-only data\), but params ask for atr_14 \(atr; needs high, low\), vlm_z_20 \(volumeZ; needs volume\)/,
    );
    await expect(run({ zscore: ["dollar_vol_20"] }, "wide_prices", "asked-z")).rejects.toThrow(
      /dollar_vol_20_z \(zscore; dollar_vol_20 is left out\)/,
    );
  });

  it("at plan time when the data stage declares format: wide", () => {
    const checks = stage.checks!;
    const wide = { data: { source: "csv", format: "wide", path: "p.csv" } };
    expect(checks(stage.params.parse({}), { stage: "features", needs: wide, cells: [{}] })).toEqual([]);
    const issues = checks(stage.params.parse({ donchian: [20] }), { stage: "features", needs: wide, cells: [{}] });
    expect(issues).toEqual([
      expect.objectContaining({
        level: "error",
        message: expect.stringMatching(
          /ask for donch_20 \(donchian; needs high, low\) \(the data stage reads a wide table: close only\)/,
        ),
      }),
    ]);
    expect(
      checks(stage.params.parse({ donchian: [20] }), {
        stage: "features",
        needs: { data: { source: "csv" } },
        cells: [{}],
      }),
    ).toEqual([]);
  });

  it("plan() with every column available computes the OHLCV families by default", () => {
    const p = plan(stage.params.parse({}));
    expect(p.leftOut).toEqual([]);
    expect(p.factors.map((f) => f.name)).toEqual(
      expect.arrayContaining(["atr_14", "pk_20", "gk_20", "donch_20", "vlm_z_20", "dollar_vol_20"]),
    );
    expect(p.zscore).toEqual(["mom_60", "vol_60", "dollar_vol_20", "beta_60"]);
  });
});

describe("degenerate columns are dropped, each named", () => {
  it("history shorter than a warm-up: the column is NULL everywhere and dropped with the reason", async () => {
    // ~150 rows per symbol (2017-09-01 .. 2018-04-11): mom_120 needs 121, mom_252_21 needs 253 (and its rank with it)
    await conn.run(`CREATE OR REPLACE VIEW short_prices AS
      SELECT * FROM wide_prices WHERE date >= DATE '2017-09-01' AND symbol IN ('AAPL', 'AMD', 'BAC', 'GE', 'JPM')`);
    const [{ n }] = await queryRows<{ n: number }>(
      conn,
      `SELECT max(c)::INT AS n FROM (SELECT count(*) AS c FROM short_prices GROUP BY symbol)`,
    );
    const r = await run(
      { rangeVolatility: [], atr: [], donchian: [], volumeZ: [], dollarVolume: [], zscore: [] },
      "short_prices",
      "short",
    );
    expect(r.warnings).toEqual([
      `dropped feature mom_252_21: NULL on every row — its warm-up of 253 rows is longer than any symbol's history ` +
        `(at most ${n} rows)`,
      `dropped feature mom_252_21_rank: NULL on every row — its warm-up of 253 rows is longer than any symbol's ` +
        `history (at most ${n} rows)`,
    ]);
    expect(r.columns).not.toContain("mom_252_21");
    expect(r.metrics.dropped).toBe("mom_252_21,mom_252_21_rank");
    expect(await degenerate(join(r.out, "features.parquet"), r.columns)).toEqual([]);
  });

  it("a constant volume makes vlm_z constant (0): dropped with its value", async () => {
    await conn.run(`CREATE OR REPLACE VIEW flat_volume AS
      SELECT date, symbol, close AS open, close * 1.01 AS high, close * 0.99 AS low, close, 1000.0 AS volume, sector
      FROM wide_prices WHERE date >= DATE '2017-01-01' AND symbol IN ('AAPL', 'AMD', 'BAC', 'GE', 'JPM')`);
    const r = await run(
      { momentum: [5], reversal: [], volatility: [20], rsi: [], maGap: [], beta: [], rank: [], zscore: [] },
      "flat_volume",
      "flat",
    );
    expect(r.warnings).toContain(
      "dropped feature vlm_z_20: constant (0) on every row with a value — it cannot inform a model",
    );
    expect(r.columns).not.toContain("vlm_z_20");
    expect(await degenerate(join(r.out, "features.parquet"), r.columns)).toEqual([]);
  });
});
