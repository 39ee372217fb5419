/**
 * The data stage run against a minimal StageContext built from the real store functions and
 * a real DuckDB (the engine's own context is tested with the engine).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import stage from "../../stages/data.ts";
import type { StageContext } from "../../src/pipeline/types.ts";
import {
  copyQueryToParquet,
  createDatabase,
  parquetRowCount,
  queryRows,
  readColumns,
  writeColumnsToParquet,
} from "../../src/store/index.ts";
import { createRng } from "../../src/core/rng.ts";
import { sha256File } from "../../src/core/hash.ts";
import { generateMarket } from "../../src/data/synthetic.ts";

let db: DuckDBInstance, conn: DuckDBConnection, root: string;
beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
  root = mkdtempSync(join(tmpdir(), "strata-stage-"));
  mkdirSync(join(root, "data", "raw"), { recursive: true });
  copyFileSync(
    join(import.meta.dirname, "..", "fixtures", "data", "pypfopt_long.csv"),
    join(root, "data", "raw", "prices.csv"),
  );
  // PyPortfolioOpt's 20 stocks as a wide table (date + one column per symbol), see tests/fixtures/portfolio/README.md
  copyFileSync(
    join(import.meta.dirname, "..", "fixtures", "portfolio", "stock_prices.csv"),
    join(root, "data", "raw", "wide.csv"),
  );
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
  rmSync(root, { recursive: true, force: true });
});

interface Harness {
  ctx: StageContext<unknown>;
  out: string;
  metrics: Record<string, unknown>;
  logs: string[];
  warnings: string[];
}

function harness(rawParams: Record<string, unknown>, opts: { seed?: number; files?: string[]; out: string }): Harness {
  const params = stage.params.parse(rawParams);
  const metrics: Record<string, unknown> = {},
    logs: string[] = [],
    warnings: string[] = [];
  const files = new Set(opts.files ?? []);
  mkdirSync(opts.out, { recursive: true });
  const seed = opts.seed ?? 42;
  const unsupported = (): never => {
    throw new Error("not used by the data stage");
  };
  const ctx: StageContext<unknown> = {
    params,
    cell: {},
    cellId: "data",
    previous: null,
    map: unsupported,
    stage: "data",
    seed,
    rng: createRng(seed),
    root,
    db: conn,
    signal: new AbortController().signal,
    input: unsupported,
    inputs: unsupported,
    upstream: unsupported,
    inputPath: unsupported,
    readJson: unsupported,
    trials: unsupported,
    file(rel) {
      if (!files.has(rel)) throw new Error(`${rel} is not declared under files:`);
      return join(root, rel);
    },
    async writeTable(name, source, options) {
      const path = join(opts.out, `${name}.parquet`);
      return typeof source === "string"
        ? copyQueryToParquet(conn, source, path, options)
        : writeColumnsToParquet(conn, source, path, options);
    },
    writeJson: unsupported,
    writeFile: unsupported,
    count: (name) => parquetRowCount(conn, join(opts.out, `${name}.parquet`)),
    metric(name, value) {
      metrics[name] = value;
    },
    log(m) {
      logs.push(m);
    },
    warn(m) {
      warnings.push(m);
    },
    progress() {},
  };
  return { ctx, out: opts.out, metrics, logs, warnings };
}

describe("stages/data", () => {
  it("synthetic: writes prices and symbols with the documented schema, sorted, and reproducible", async () => {
    const p = { source: "synthetic", symbols: 25, start: "2020-01-01", end: "2021-12-31" };
    const a = harness(p, { out: join(root, "out-a") });
    await stage.run(a.ctx as never);
    const prices = join(a.out, "prices.parquet");
    const desc = await queryRows<{ column_name: string; column_type: string }>(
      conn,
      `DESCRIBE SELECT * FROM '${prices}'`,
    );
    expect(desc.map((d) => `${d.column_name}:${d.column_type}`)).toEqual([
      "date:DATE",
      "symbol:VARCHAR",
      "open:DOUBLE",
      "high:DOUBLE",
      "low:DOUBLE",
      "close:DOUBLE",
      "volume:DOUBLE",
      "sector:VARCHAR",
    ]);
    const [chk] = await queryRows<{ n: number; bad: number }>(
      conn,
      `
      SELECT count(*)::INT AS n,
             count(*) FILTER (WHERE NOT (low <= least(open, close) AND high >= greatest(open, close)))::INT AS bad
      FROM '${prices}'`,
    );
    expect(chk.bad).toBe(0);
    const cols = await readColumns(conn, `SELECT date, symbol FROM '${prices}'`);
    const d = cols.date as Int32Array,
      s = cols.symbol as string[];
    let unsorted = 0;
    for (let i = 1; i < d.length; i++) if (d[i - 1] > d[i] || (d[i - 1] === d[i] && s[i - 1] >= s[i])) unsorted++;
    expect(unsorted).toBe(0);
    expect(a.metrics).toMatchObject({ rows: chk.n, symbols: 25, start: "2020-01-01", end: "2021-12-31" });
    const sym = await queryRows<{ symbol: string; rows: number }>(
      conn,
      `SELECT symbol, rows::INT AS rows FROM '${join(a.out, "symbols.parquet")}'`,
    );
    expect(sym).toHaveLength(25);
    const counted = await queryRows<{ symbol: string; rows: number }>(
      conn,
      `SELECT symbol, count(*)::INT AS rows FROM '${prices}' GROUP BY symbol ORDER BY symbol`,
    );
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
      {
        source: "csv",
        path: "data/raw/prices.csv",
        columns: { date: "Date", symbol: "Ticker", close: "Adj Close" },
        start: "2015-01-01",
      },
      { out: join(root, "out-csv"), files: ["data/raw/prices.csv"] },
    );
    await stage.run(h.ctx as never);
    const cols = await readColumns(conn, `SELECT * FROM '${join(h.out, "prices.parquet")}'`, { dates: "iso" });
    expect(cols.date[0]).toBe("2015-01-02");
    expect(h.metrics).toMatchObject({ symbols: 5, start: "2015-01-02", end: "2015-06-30", warnings: 0 });
    const syms = await queryRows<{ symbol: string; first_date: string }>(
      conn,
      `SELECT symbol, first_date::VARCHAR AS first_date FROM '${join(h.out, "symbols.parquet")}'`,
    );
    expect(syms.map((s) => s.symbol)).toEqual(["AAPL", "AMZN", "BABA", "GE", "JPM"]);
  });

  it(
    "csv: a shuffled file comes out in (date, symbol) order, " + "filtered, with symbols and metrics that match it",
    async () => {
      // 100 symbols × 8 years ≈ 200k rows in, more than one DuckDB row group, written in a
      // scrambled order; expected values come from the generator's own arrays, not from DuckDB.
      const m = generateMarket({ symbols: 100, start: "2012-01-02", end: "2019-12-31", seed: 3 });
      const order = Array.from({ length: m.rows }, (_, r) => r);
      const rng = createRng(1);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      const isoOf = new Map(Array.from(m.days, (d, k) => [d, m.dates[k]]));
      const lines = [
        "date,symbol,close,sector",
        ...order.map((r) => `${isoOf.get(m.date[r])},${m.symbol[r]},${m.close[r]},${m.sector[r]}`),
      ];
      writeFileSync(join(root, "data", "raw", "shuffled.csv"), lines.join("\n") + "\n");
      const start = "2013-03-01",
        end = "2018-10-31";
      const h = harness(
        { source: "csv", path: "data/raw/shuffled.csv", start, end },
        { out: join(root, "out-shuffled"), files: ["data/raw/shuffled.csv"] },
      );
      await stage.run(h.ctx as never);

      const want = Array.from({ length: m.rows }, (_, r) => r).filter(
        (r) => isoOf.get(m.date[r])! >= start && isoOf.get(m.date[r])! <= end,
      );
      const got = await readColumns(
        conn,
        `SELECT date, symbol, close FROM read_parquet('${join(h.out, "prices.parquet")}', file_row_number = true) ` +
          `ORDER BY file_row_number`,
        { dates: "iso" },
      );
      expect(got.date.length).toBe(want.length);
      const wrong: string[] = [];
      want.forEach((r, k) => {
        if (
          got.date[k] !== isoOf.get(m.date[r]) ||
          got.symbol[k] !== m.symbol[r] ||
          (got.close as Float64Array)[k] !== m.close[r]
        ) {
          if (wrong.length < 3)
            wrong.push(
              `row ${k}: ${got.date[k]} ${got.symbol[k]} ${got.close[k]}, ` +
                `expected ${isoOf.get(m.date[r])} ${m.symbol[r]} ${m.close[r]}`,
            );
        }
      });
      expect(wrong).toEqual([]);

      // symbols: per symbol first/last date, row count and sector, from the generator's rows in range
      const per = new Map<string, { first: string; last: string; rows: number; sector: string }>();
      for (const r of want) {
        const d = isoOf.get(m.date[r])!,
          e = per.get(m.symbol[r]);
        if (!e) per.set(m.symbol[r], { first: d, last: d, rows: 1, sector: m.sector[r] });
        else {
          e.last = d;
          e.rows++;
        }
      }
      const syms = await queryRows<{ symbol: string; sector: string; first: string; last: string; rows: number }>(
        conn,
        `SELECT symbol, sector, first_date::VARCHAR AS first, last_date::VARCHAR AS last, rows::INTEGER AS rows FROM ` +
          `read_parquet('${join(h.out, "symbols.parquet")}', file_row_number = true) ORDER BY file_row_number`,
      );
      const expected = [...per].sort(([a], [b]) => (a < b ? -1 : 1)).map(([symbol, e]) => ({ symbol, ...e }));
      expect(syms).toEqual(expected);
      const days = [...new Set(want.map((r) => m.date[r]))].sort((a, b) => a - b);
      expect(h.metrics).toMatchObject({
        rows: want.length,
        symbols: per.size,
        start: isoOf.get(days[0]),
        end: isoOf.get(days[days.length - 1]),
      });
    },
  );

  it("params: start and end must be real calendar dates, reported at the param", () => {
    for (const [key, bad] of [
      ["start", "2023-02-30"],
      ["end", "2023-13-01"],
      ["start", "2021-04-31"],
      ["end", "2023-2-3"],
    ] as const) {
      const r = stage.params.safeParse({ source: "synthetic", [key]: bad });
      expect(r.success, `${key}: ${bad}`).toBe(false);
      expect(r.error!.issues.map((i) => [i.path, i.message])).toEqual([
        [[key], expect.stringContaining(`"${bad}" is not a calendar date`)],
      ]);
    }
    // real dates pass, including 29 February of a leap year and a YAML date object
    expect(stage.params.parse({ start: "2024-02-29", end: "2024-12-31" })).toMatchObject({
      start: "2024-02-29",
      end: "2024-12-31",
    });
    expect(stage.params.parse({ start: new Date("2012-01-03T00:00:00Z") })).toMatchObject({ start: "2012-01-03" });
    expect(stage.params.safeParse({ start: "2023-02-29" }).success).toBe(false);
  });

  it("params: start after end is reported at the date that was written", () => {
    const issues = (raw: Record<string, unknown>) => {
      const r = stage.params.safeParse(raw);
      return r.success ? [] : r.error.issues.map((i) => [i.path.join("."), i.message]);
    };
    expect(issues({ start: "2020-06-01", end: "2020-05-31" })).toEqual([
      ["end", "end 2020-05-31 is before start 2020-06-01; expected start ≤ end"],
    ]);
    expect(issues({ source: "csv", path: "p.csv", start: "2020-06-01", end: "2020-05-31" })).toEqual([
      ["end", expect.stringContaining("before start 2020-06-01")],
    ]);
    // synthetic defaults: 2012-01-03 .. 2024-12-31
    expect(issues({ end: "2011-12-30" })).toEqual([
      ["end", "end 2011-12-30 is before start 2012-01-03 (the default); expected start ≤ end"],
    ]);
    expect(issues({ start: "2025-01-02" })).toEqual([
      ["start", "start 2025-01-02 is after end 2024-12-31 (the default); expected start ≤ end"],
    ]);
    // files have no default bounds; equal dates are a one-day range
    expect(issues({ source: "csv", path: "p.csv", end: "1990-01-01" })).toEqual([]);
    expect(issues({ start: "2020-06-01", end: "2020-06-01" })).toEqual([]);
  });

  it("csv: refuses an undeclared file and a missing path", async () => {
    const h = harness({ source: "csv", path: "data/raw/prices.csv" }, { out: join(root, "out-x") });
    await expect(stage.run(h.ctx as never)).rejects.toThrow(/not declared under files/);
    const r = stage.params.safeParse({ source: "csv" });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/needs a path/);
  });

  it("csv: a wide table is auto-detected, said so, and loaded close only; format: wide declares it", async () => {
    const h = harness(
      { source: "csv", path: "data/raw/wide.csv", start: "2018-01-02" },
      { out: join(root, "out-wide"), files: ["data/raw/wide.csv"] },
    );
    await stage.run(h.ctx as never);
    expect(h.logs).toContain(
      'data/raw/wide.csv: wide table: 20 symbols (one column each, dates in "date"), close only — inferred from the ' +
        "header (set format: long or wide to override)",
    );
    // 2018-01-02 .. 2018-04-11 is 69 rows of the file (grep -c ^2018), every one of the 20 stocks listed by then
    const [c] = await queryRows<{ n: number; days: number; syms: number; open: number; first: string }>(
      conn,
      `
      SELECT count(*)::INT AS n, count(DISTINCT date)::INT AS days, count(DISTINCT symbol)::INT AS syms,
      count(open)::INT AS open,
             (SELECT symbol || ' ' || close FROM '${join(h.out, "prices.parquet")}' ORDER BY date, symbol LIMIT 1) AS
             first
      FROM '${join(h.out, "prices.parquet")}'`,
    );
    // line 7059 of the file, column AAPL
    expect(c).toEqual({ n: 69 * 20, days: 69, syms: 20, open: 0, first: "AAPL 171.560516" });
    expect(h.metrics).toMatchObject({ symbols: 20, start: "2018-01-02", end: "2018-04-11", warnings: 0 });
    expect(h.warnings).toEqual([]);
    const declared = harness(
      { source: "csv", path: "data/raw/wide.csv", format: "wide", start: "2018-04-01" },
      { out: join(root, "out-wide2"), files: ["data/raw/wide.csv"] },
    );
    await stage.run(declared.ctx as never);
    expect(declared.logs[0]).toBe(
      'data/raw/wide.csv: wide table: 20 symbols (one column each, dates in "date"), close only',
    );
  });

  it("csv: one-bar moves beyond max_daily_move are ctx.warn warnings naming symbol and date", async () => {
    const h = harness(
      { source: "csv", path: "data/raw/wide.csv", max_daily_move: 0.5, start: "2016-01-01" },
      { out: join(root, "out-jump"), files: ["data/raw/wide.csv"] },
    );
    await stage.run(h.ctx as never);
    // moves are checked over the whole file (the report describes the file): the three days beyond ±50 %
    expect(
      h.warnings.map((w) =>
        w
          .match(/: (\w+) moved .*? on (\S+)/)!
          .slice(1)
          .join(" "),
      ),
    ).toEqual(["AAPL 2000-09-29", "AMD 2016-04-22", "RRC 1998-10-19"]);
    expect(h.warnings[1]).toMatch(
      /^data\/raw\/wide\.csv line 6632: AMD moved \+52\.3 % in one bar on 2016-04-22 \(close 2\.62 on 2016-04-21 → 3\.99\), beyond max_daily_move 0\.5 \(50 %\) — a split/,
    );
    expect(h.metrics.warnings).toBe(3);
  });

  it("csv: an absurd close or a header-only file fails the stage naming file, line, symbol and date", async () => {
    writeFileSync(
      join(root, "data", "raw", "absurd.csv"),
      "date,symbol,close\n2024-01-02,AAA,10\n2024-01-03,AAA,1e308\n",
    );
    writeFileSync(join(root, "data", "raw", "empty.csv"), "date,symbol,close\n");
    const a = harness(
      { source: "csv", path: "data/raw/absurd.csv" },
      { out: join(root, "out-absurd"), files: ["data/raw/absurd.csv"] },
    );
    await expect(stage.run(a.ctx as never)).rejects.toThrow(
      /data\/raw\/absurd\.csv line 3: close 1e308 in column "close" \(symbol AAA, date 2024-01-03\) is above 1e9/,
    );
    const e = harness(
      { source: "csv", path: "data/raw/empty.csv" },
      { out: join(root, "out-empty"), files: ["data/raw/empty.csv"] },
    );
    await expect(stage.run(e.ctx as never)).rejects.toThrow(
      /data\/raw\/empty\.csv: no data rows \(only a header line\)/,
    );
  });

  it("params: file-only settings are refused with source synthetic", () => {
    const r = stage.params.safeParse({ source: "synthetic", format: "wide", max_daily_move: 0.5 });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["format", "format is only used with source csv or parquet"],
      ["max_daily_move", "max_daily_move is only used with source csv or parquet"],
    ]);
    expect(stage.params.safeParse({ source: "csv", path: "p.csv", max_daily_move: 0 }).success).toBe(false);
  });
});
