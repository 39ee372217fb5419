/**
 * Cross-sectional rank and z-score per date, and the warm-up rule (NULL before a column's
 * warm-up, a value after it, counted per symbol — late listings included) on a synthetic market.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { copyQueryToParquet, createDatabase, createTableFromColumns, queryRows } from "../../../src/store/index.ts";
import { generateMarket } from "../../../src/data/synthetic.ts";
import {
  averageTrueRange,
  donchianPosition,
  dollarVolume,
  featuresQuery,
  garmanKlassVolatility,
  marketBeta,
  materializeFeatures,
  momentum,
  movingAverageGap,
  parkinsonVolatility,
  realizedVolatility,
  reversal,
  rsi,
  volumeZScore,
} from "../../../src/data/factors/index.ts";

let db: DuckDBInstance, conn: DuckDBConnection;
beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
});

describe("cross-sectional transforms", () => {
  it("rank averages ties and skips NULLs; z uses the sample stdev of the date's values", async () => {
    // Day 2 one-day returns: A 0.1, B 0.2, C 0.1, D lists on day 2 (NULL).
    await conn.run(`CREATE OR REPLACE TABLE xs AS SELECT * FROM (VALUES
      ('2024-01-01'::DATE, 'A', 10.0), ('2024-01-01'::DATE, 'B', 10.0), ('2024-01-01'::DATE, 'C', 20.0),
      ('2024-01-02'::DATE, 'A', 11.0), ('2024-01-02'::DATE, 'B', 12.0), ('2024-01-02'::DATE, 'C', 22.0),
      ('2024-01-02'::DATE, 'D', 5.0)
    ) t(date, symbol, close)`);
    await conn.run(`CREATE OR REPLACE VIEW xsp AS SELECT date, symbol, close::DOUBLE AS open, close::DOUBLE AS high,
      close::DOUBLE AS low, close::DOUBLE AS close, 1.0::DOUBLE AS volume FROM xs`);
    const q = featuresQuery("xsp", [momentum(1)], { rank: ["mom_1"], zscore: ["mom_1"] });
    expect(q.columns.map((c) => c.name)).toEqual(["mom_1", "mom_1_rank", "mom_1_z"]);
    const f = await materializeFeatures(conn, q, "xsf");
    const all = await queryRows<Record<string, unknown>>(conn, f.select);
    expect(all.map((x) => Object.keys(x))).toEqual(all.map(() => ["date", "symbol", "mom_1", "mom_1_rank", "mom_1_z"]));
    expect(all.map((x) => `${x.date} ${x.symbol}`)).toEqual([
      "2024-01-01 A",
      "2024-01-01 B",
      "2024-01-01 C",
      "2024-01-02 A",
      "2024-01-02 B",
      "2024-01-02 C",
      "2024-01-02 D",
    ]);
    const r = await queryRows<{ symbol: string; rank: number | null; z: number | null }>(
      conn,
      `SELECT symbol, mom_1_rank AS rank, mom_1_z AS z FROM (${f.select}) WHERE date = '2024-01-02' ORDER BY symbol`,
    );
    // Sorted 0.1 (A), 0.1 (C), 0.2 (B): positions 1, 2, 3; A and C share 1.5 → (1.5 − 1)/(3 − 1)
    expect(r.map((x) => x.rank)).toEqual([0.25, 1, 0.25, null]);
    // mean 0.13333, sample sd √((2·0.03333² + 0.06667²)/2) = 0.057735 → −0.57735, 1.15470
    expect(r[0].z).toBeCloseTo(-0.57735, 5);
    expect(r[1].z).toBeCloseTo(1.154701, 5);
    expect(r[2].z).toBeCloseTo(-0.57735, 5);
    expect(r[3].z).toBeNull();
    // Day 1: every mom_1 is NULL (warm-up) → rank and z NULL too
    const d1 = await queryRows<{ n: number }>(
      conn,
      `SELECT count(*)::INT AS n FROM (${f.select}) WHERE date = '2024-01-01' AND (mom_1_rank IS NOT NULL OR mom_1_z ` +
        `IS NOT NULL)`,
    );
    expect(d1[0].n).toBe(0);
    // Metrics: past the warm-up (row 2) D's day-2 row is NULL (D's row 1); A, B, C are set.
    expect(await f.nullShares()).toEqual({ mom_1: 0, mom_1_rank: 0, mom_1_z: 0 });
    await f.drop();
  });

  it("rejects unknown or repeated columns with a suggestion", () => {
    expect(() => featuresQuery("p", [momentum(20)], { rank: ["mom_2O"] })).toThrow(
      /rank column 'mom_2O' is not a computed factor[\s\S]*did you mean 'mom_20'/,
    );
    expect(() => featuresQuery("p", [momentum(20), momentum(20)])).toThrow(/'mom_20' is requested twice/);
  });
});

describe("warm-up", () => {
  it("every column is NULL before its warm-up and set after it, per symbol, late listings included", async () => {
    const m = generateMarket({ symbols: 30, start: "2021-01-04", end: "2022-06-30", seed: 3 });
    const late = m.universe.filter((s) => s.firstIndex > 0).length;
    expect(late).toBeGreaterThan(0); // the check below covers late listings
    await createTableFromColumns(
      conn,
      "wp",
      {
        columns: {
          date: m.date,
          symbol: m.symbol,
          open: m.open,
          high: m.high,
          low: m.low,
          close: m.close,
          volume: m.volume,
        },
        types: { date: "DATE" },
      },
      { replace: true },
    );
    const factors = [
      momentum(20),
      momentum(252, { skip: 21 }),
      reversal(5),
      realizedVolatility(20),
      parkinsonVolatility(20),
      garmanKlassVolatility(20),
      averageTrueRange(14),
      rsi(14),
      movingAverageGap(50),
      donchianPosition(20),
      volumeZScore(20),
      dollarVolume(20),
      marketBeta(60),
    ];
    const q = featuresQuery("wp", factors, { rank: ["mom_20", "vol_20"], zscore: ["beta_60"] });
    const f = await materializeFeatures(conn, q, "wpf");
    const checks = q.columns.map(
      (c) => `count(*) FILTER (WHERE (n < ${c.warmup}) <> ("${c.name}" IS NULL))::INT AS "${c.name}"`,
    );
    const [bad] = await queryRows<Record<string, number>>(
      conn,
      `SELECT ${checks.join(", ")}
      FROM (SELECT *, row_number() OVER (PARTITION BY symbol ORDER BY date) AS n FROM (${f.select}))`,
    );
    expect(bad).toEqual(Object.fromEntries(q.columns.map((c) => [c.name, 0])));
    expect(Object.values(await f.nullShares())).toEqual(q.columns.map(() => 0));
    await f.drop();
    expect(q.columns.find((c) => c.name === "mom_252_21")!.warmup).toBe(253);
  });
});

describe("determinism", () => {
  it(
    "the features file is byte-identical at 1 and 2 DuckDB threads and across runs, " + "rows shuffled or not",
    async () => {
      const m = generateMarket({ symbols: 60, start: "2020-01-02", end: "2021-12-31", seed: 11 });
      await createTableFromColumns(
        conn,
        "dp",
        {
          columns: {
            date: m.date,
            symbol: m.symbol,
            open: m.open,
            high: m.high,
            low: m.low,
            close: m.close,
            volume: m.volume,
          },
          types: { date: "DATE" },
        },
        { replace: true },
      );
      // the same prices in another row order
      await conn.run("CREATE OR REPLACE TABLE dps AS SELECT * FROM dp ORDER BY hash(symbol, date)");
      const factors = [
        momentum(20),
        momentum(60),
        reversal(5),
        realizedVolatility(20),
        rsi(14),
        dollarVolume(20),
        marketBeta(60),
      ];
      const opts = {
        rank: ["mom_20", "rev_5", "vol_20", "rsi_14"],
        zscore: ["mom_60", "vol_20", "dollar_vol_20", "beta_60"],
      };
      const dir = mkdtempSync(join(tmpdir(), "strata-features-det-"));
      try {
        const hashes: string[] = [];
        for (const [threads, prices] of [
          [2, "dp"],
          [1, "dp"],
          [2, "dps"],
          [1, "dps"],
          [2, "dp"],
        ] as const) {
          await conn.run(`SET threads = ${threads}`);
          const f = await materializeFeatures(conn, featuresQuery(prices, factors, opts), "detf");
          const path = join(dir, `f${hashes.length}.parquet`);
          await copyQueryToParquet(conn, f.select, path);
          await f.drop();
          hashes.push(createHash("sha256").update(readFileSync(path)).digest("hex"));
        }
        expect(new Set(hashes).size).toBe(1);
      } finally {
        await conn.run("SET threads = 2");
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("NaN factor values", () => {
  it("are refused with the column named (a NULL is fine)", async () => {
    // close 0 then 0: mom_1 = 0/0 − 1 = NaN in DuckDB (prices that skipped validation)
    await conn.run(`CREATE OR REPLACE VIEW nanp AS SELECT * FROM (VALUES
      ('2024-01-01'::DATE, 'A', 0.0::DOUBLE), ('2024-01-02'::DATE, 'A', 0.0::DOUBLE),
      ('2024-01-01'::DATE, 'B', 1.0::DOUBLE), ('2024-01-02'::DATE, 'B', 2.0::DOUBLE)
    ) t(date, symbol, close)`);
    await conn.run(
      `CREATE OR REPLACE VIEW nanq AS SELECT date, symbol, close AS open, close AS high, close AS low, close, ` +
        `1.0::DOUBLE AS volume FROM nanp`,
    );
    await expect(
      materializeFeatures(conn, featuresQuery("nanq", [momentum(1)], { rank: ["mom_1"] }), "nanf"),
    ).rejects.toThrow(/mom_1 hold NaN/);
  });
});
