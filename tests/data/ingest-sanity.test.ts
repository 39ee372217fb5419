/**
 * validatePricesFile / loadPrices sanity checks: implausible prices and volumes, files with no
 * rows, one-bar moves beyond max_daily_move, and wide tables (a date column, one column of
 * closes per symbol), auto-detected or declared.
 *
 * The wide fixture is PyPortfolioOpt's stock_prices.csv (tests/fixtures/portfolio, see its
 * README); expected counts and prices are read straight from its text here, not via DuckDB.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { describeLayout, formatValidationReport, loadPrices, validatePricesFile } from "../../src/data/ingest.ts";
import { copyQueryToParquet, createDatabase, queryRows } from "../../src/store/index.ts";
import { StrataError } from "../../src/core/errors.ts";

const WIDE = join(import.meta.dirname, "..", "fixtures", "portfolio", "stock_prices.csv");

let db: DuckDBInstance, conn: DuckDBConnection, dir: string;
beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
  dir = mkdtempSync(join(tmpdir(), "strata-sanity-"));
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The wide fixture parsed by hand: header, then one { date, cells } per line. */
function wideFixture(): { assets: string[]; rows: { date: string; cells: string[] }[] } {
  const lines = readFileSync(WIDE, "utf8").trim().split("\n");
  const assets = lines[0].split(",").slice(1);
  return {
    assets,
    rows: lines.slice(1).map((l) => {
      const [date, ...cells] = l.split(",");
      return { date, cells };
    }),
  };
}

describe("implausible values", () => {
  it("close = 1e308, NaN, Infinity, ≤ 0 and volume 1e300 are errors naming line, column, symbol and date", async () => {
    const p = file(
      "absurd.csv",
      [
        "date,symbol,close,volume",
        "2024-01-02,AAA,10,100",
        "2024-01-03,AAA,1e308,100",
        "2024-01-04,AAA,NaN,100",
        "2024-01-05,AAA,Infinity,100",
        "2024-01-08,AAA,-1,100",
        "2024-01-09,AAA,10,1e300",
      ].join("\n") + "\n",
    );
    const r = await validatePricesFile(p);
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => [e.kind, e.line, e.column, e.symbol, e.date])).toEqual([
      ["out-of-range", 3, "close", "AAA", "2024-01-03"],
      ["bad-number", 4, "close", "AAA", "2024-01-04"],
      ["bad-number", 5, "close", "AAA", "2024-01-05"],
      ["non-positive", 6, "close", "AAA", "2024-01-08"],
      ["out-of-range", 7, "volume", "AAA", "2024-01-09"],
    ]);
    expect(r.errors[0].message).toBe(
      `${p} line 3: close 1e308 in column "close" (symbol AAA, date 2024-01-03) is above 1e9, not a plausible price`,
    );
    expect(r.errors[0].hint).toMatch(/max_price/);
    // the bad rows never feed the warnings (1e308 / 10 would be a +1e309 % move)
    expect(r.warnings.filter((w) => w.kind === "jump")).toEqual([]);
  });

  it("maxPrice moves the bound; loadPrices refuses the file with the row in the message", async () => {
    const p = file("big.csv", "date,symbol,close\n2024-01-02,BRK,2000000000\n2024-01-03,BRK,2000000001\n");
    expect((await validatePricesFile(p)).errors.map((e) => e.kind)).toEqual(["out-of-range", "out-of-range"]);
    expect((await validatePricesFile(p, { maxPrice: 1e10 })).ok).toBe(true);
    const err = await loadPrices(conn, p, { label: "data/raw/big.csv" }).catch((e) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect(err.message).toMatch(
      /invalid price data in data\/raw\/big\.csv\n[\s\S]*data\/raw\/big\.csv line 2: close 2000000000 in column "close" \(symbol BRK, date 2024-01-02\) is above 1e9/,
    );
  });
});

describe("files with no rows", () => {
  it("a header-only CSV is an error, not an empty ok", async () => {
    const r = await validatePricesFile(file("empty.csv", "date,symbol,close\n"));
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.kind)).toEqual(["empty"]);
    expect(r.errors[0].message).toMatch(/empty\.csv: no data rows \(only a header line\)/);
    expect(formatValidationReport(r)).toMatch(/^invalid: /m);
    await expect(loadPrices(conn, join(dir, "empty.csv"))).rejects.toThrow(/no data rows/);
  });

  it("a Parquet file with no rows and a header-only wide CSV too", async () => {
    const pq = join(dir, "empty.parquet");
    await copyQueryToParquet(conn, `SELECT DATE '2024-01-02' AS date, 'A' AS symbol, 1.0 AS close WHERE false`, pq);
    const a = await validatePricesFile(pq, { conn });
    expect(a.errors.map((e) => [e.kind, e.message])).toEqual([["empty", `${pq}: no data rows (the file has no rows)`]]);
    const b = await validatePricesFile(file("wide-empty.csv", "date,AAPL,MSFT\n"));
    expect(b.errors.map((e) => e.kind)).toEqual(["empty"]);
  });
});

describe("one-bar moves", () => {
  // AAA: 10 → 10.5 → 25 → 12.5: moves +5 %, +138.095 % (25 / 10.5 − 1), −50 %.
  const text =
    "date,symbol,close\n2024-01-02,AAA,10\n2024-01-03,AAA,10.5\n2024-01-04,AAA,25\n2024-01-05,AAA,12.5\n2024-01-02,BBB,5\n2024-01-03,BBB,5.1\n2024-01-04,BBB,5.2\n2024-01-05,BBB,5.3\n";

  it("beyond max_daily_move (default 100 %) is a warning with symbol, date, line and both closes", async () => {
    const r = await validatePricesFile(file("jump.csv", text));
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => [w.kind, w.symbol, w.date, w.line])).toEqual([["jump", "AAA", "2024-01-04", 4]]);
    expect(r.warnings[0].message).toBe(
      `${join(dir, "jump.csv")} line 4: AAA moved +138.1 % in one bar on 2024-01-04 (close 10.5 on 2024-01-03 → 25), ` +
        `beyond max_daily_move 1 (100 %)`,
    );
  });

  it("a tighter bound flags the −50 % day too; a looser one flags nothing", async () => {
    const p = join(dir, "jump.csv");
    expect(
      (await validatePricesFile(p, { maxDailyMove: 0.4 })).warnings.map((w) => [
        w.date,
        w.message.match(/moved (\S+ %)/)![1],
      ]),
    ).toEqual([
      ["2024-01-04", "+138.1 %"],
      ["2024-01-05", "-50.0 %"],
    ]);
    expect((await validatePricesFile(p, { maxDailyMove: 1.5 })).warningCount).toBe(0);
  });

  it("on the real 20 stocks, moves beyond 50 % are the three famous days", async () => {
    // Independent count from the text: consecutive prices of each column, |p_t / p_{t−1} − 1| > 0.5.
    const { assets, rows } = wideFixture();
    const want: string[] = [];
    assets.forEach((a, j) => {
      let prev = NaN;
      for (const { date, cells } of rows) {
        if (cells[j] === "" || cells[j] === undefined) continue;
        const v = Number(cells[j]);
        if (Math.abs(v / prev - 1) > 0.5) want.push(`${a} ${date}`);
        prev = v;
      }
    });
    expect(want.sort()).toEqual(["AAPL 2000-09-29", "AMD 2016-04-22", "RRC 1998-10-19"]);
    const r = await validatePricesFile(WIDE, { maxDailyMove: 0.5 });
    expect(r.warnings.filter((w) => w.kind === "jump").map((w) => `${w.symbol} ${w.date}`)).toEqual(want);
    // AMD closed 2.62 on 2016-04-21 and 3.99 on 2016-04-22: +52.3 %
    expect(r.warnings.find((w) => w.symbol === "AMD")!.message).toMatch(
      /AMD moved \+52\.3 % in one bar on 2016-04-22 \(close 2\.62 on 2016-04-21 → 3\.99\)/,
    );
  });
});

describe("wide tables", () => {
  it("are recognized by their header and loaded as long rows, close only", async () => {
    const { assets, rows } = wideFixture();
    const cells = rows.reduce((n, r) => n + r.cells.filter((c) => c !== "").length, 0);
    const r = await validatePricesFile(WIDE);
    expect(r).toMatchObject({
      ok: true,
      layout: "wide",
      rows: cells,
      symbols: 20,
      start: "1989-12-29",
      end: "2018-04-11",
      errorCount: 0,
    });
    expect(r.assets).toEqual(assets);
    expect(describeLayout(r)).toBe('wide table: 20 symbols (one column each, dates in "date"), close only');
    expect(formatValidationReport(r)).toContain("wide table: 20 symbols");

    const { table } = await loadPrices(conn, WIDE, { table: "wide_prices" });
    const [s] = await queryRows<{ n: number; open: number; vol: number; goog: string }>(
      conn,
      `SELECT count(*)::INT AS n, count(open)::INT AS open, count(volume)::INT AS vol, min(date) FILTER (WHERE ` +
        `symbol = 'GOOG')::VARCHAR AS goog FROM ${table}`,
    );
    expect(s).toEqual({ n: cells, open: 0, vol: 0, goog: "2004-08-19" });
    const k = rows.findIndex((x) => x.date === "2016-04-22");
    const [amd] = await queryRows<{ close: number }>(
      conn,
      `SELECT close FROM ${table} WHERE symbol = 'AMD' AND date = DATE '2016-04-22'`,
    );
    expect(amd.close).toBe(Number(rows[k].cells[assets.indexOf("AMD")]));
    expect(amd.close).toBe(3.99);
  });

  it("a long file is still long; layout: long on a wide file gives the column errors", async () => {
    const long = await validatePricesFile(join(import.meta.dirname, "..", "fixtures", "data", "pypfopt_long.csv"));
    expect(long.layout).toBe("long");
    const forced = await validatePricesFile(WIDE, { layout: "long" });
    expect(forced.errors.map((e) => e.kind)).toEqual(["missing-column", "missing-column"]);
  });

  it("interior empty cells are days without a row; problems name line, date and the symbol's column", async () => {
    const ok = await validatePricesFile(
      file("w-gap.csv", "date,A,B\n2024-01-02,10,20\n2024-01-03,,21\n2024-01-04,11,22\n"),
    );
    expect(ok).toMatchObject({ ok: true, rows: 5, symbols: 2 });
    const bad = await validatePricesFile(
      file("w-bad.csv", "date,A,B\n2024-01-02,10,20\n2024-01-03,1e308,x\n2024-01-03,11,22\n"),
    );
    expect(bad.errors.map((e) => [e.kind, e.line])).toEqual([["duplicate", 4]]);
    const bad2 = await validatePricesFile(
      file("w-bad2.csv", "date,A,B\n2024-01-02,10,20\n2024-01-03,1e308,x\n2024-01-04,0,22\n"),
    );
    expect(bad2.errors.map((e) => [e.kind, e.line, e.symbol, e.date])).toEqual([
      ["out-of-range", 3, "A", "2024-01-03"],
      ["non-positive", 4, "A", "2024-01-04"],
      ["bad-number", 3, "B", "2024-01-03"],
    ]);
    expect(bad2.errors[0].message).toBe(
      `${join(dir, "w-bad2.csv")} line 3 (2024-01-03), column A: price 1e308 is above 1e9, not a plausible price`,
    );
  });

  it("refuse a mapping of other columns (they would be silently ignored)", async () => {
    const r = await validatePricesFile(WIDE, { layout: "wide", columns: { date: "date", volume: "Vol" } });
    expect(r.errors.map((e) => e.message)).toEqual([
      `${WIDE}: read as a wide table (format: wide), where only columns.date applies, but the mapping also names ` +
        `columns.volume`,
    ]);
  });

  it("honour a date mapping and a dateFormat", async () => {
    const p = file("w-fmt.csv", "Day,A\n02/01/2024,10\n03/01/2024,11\n");
    const r = await validatePricesFile(p, { layout: "wide", columns: { date: "Day" }, dateFormat: "%d/%m/%Y" });
    expect(r).toMatchObject({ ok: true, start: "2024-01-02", end: "2024-01-03", columns: { date: "Day" } });
  });
});
