import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { loadPrices, loadPricesToParquet, validatePricesFile, formatValidationReport } from "../../src/data/ingest.ts";
import { copyQueryToParquet, createDatabase, queryRows, readColumns } from "../../src/store/index.ts";
import { StrataError } from "../../src/core/errors.ts";

const FIX = join(import.meta.dirname, "..", "fixtures", "data");
const fx = (name: string) => join(FIX, name);
const PYPFOPT = { date: "Date", symbol: "Ticker", close: "Adj Close" };

let db: DuckDBInstance, conn: DuckDBConnection, dir: string;
beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
  dir = mkdtempSync(join(tmpdir(), "strata-ingest-"));
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe("validatePricesFile", () => {
  it("accepts the real PyPortfolioOpt slice with a column mapping", async () => {
    const r = await validatePricesFile(fx("pypfopt_long.csv"), { columns: PYPFOPT });
    expect(r.ok).toBe(true);
    expect(r).toMatchObject({ rows: 1288, symbols: 5, start: "2014-06-02", end: "2015-06-30", errorCount: 0 });
    expect(r.columns).toEqual({ date: "Date", symbol: "Ticker", close: "Adj Close" });
  });

  it("missing columns: lists the file's columns and suggests a mapping", async () => {
    const r = await validatePricesFile(fx("bad-missing-column.csv"));
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.kind)).toEqual(["missing-column", "missing-column", "missing-column"]);
    expect(r.errors[0].message).toMatch(/required column "date" not found; the file has "Datum", "Sym", "Closing"/);
    expect(r.errors[0].hint).toBe('map it: columns: { date: "Datum" }');
    expect(r.errors[1].hint).toBe('map it: columns: { symbol: "Sym" }');
    expect(r.errors[2].hint).toBe('map it: columns: { close: "Closing" }');
    const mistyped = await validatePricesFile(fx("pypfopt_long.csv"), { columns: { ...PYPFOPT, close: "AdjClose" } });
    expect(mistyped.errors[0].message).toMatch(/column "AdjClose" \(mapped to close\) not found/);
    expect(mistyped.errors[0].hint).toMatch(/did you mean columns: \{ close: "Adj Close" \}/);
  });

  it("unparsable dates name the file, the line (header = line 1) and the value", async () => {
    const r = await validatePricesFile(fx("bad-date.csv"));
    expect(r.errors.map((e) => [e.kind, e.line, e.value])).toEqual([
      ["bad-date", 4, "2024-13-04"],
      ["bad-date", 6, "not a date"],
    ]);
    expect(r.errors[0].message).toContain('bad-date.csv line 4: unparsable date "2024-13-04" in column "date"');
  });

  it("unparsable numbers in any numeric column", async () => {
    const r = await validatePricesFile(fx("bad-number.csv"));
    expect(r.errors.map((e) => [e.kind, e.line, e.column, e.value])).toEqual([
      ["bad-number", 3, "close", "1O.5"],
      ["bad-number", 5, "volume", "lots"],
    ]);
  });

  it("duplicate (symbol, date) points at both lines", async () => {
    const r = await validatePricesFile(fx("bad-duplicate.csv"));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ kind: "duplicate", line: 5, symbol: "AAA" });
    expect(r.errors[0].message).toMatch(/\(AAA, 2024-01-03\), first seen at line 3/);
  });

  it("non-positive prices and negative volume", async () => {
    const r = await validatePricesFile(fx("bad-non-positive.csv"));
    expect(r.errors.map((e) => [e.kind, e.line, e.column])).toEqual([
      ["non-positive", 3, "close"],
      ["non-positive", 4, "close"],
      ["non-positive", 5, "volume"],
    ]);
  });

  it("high below low", async () => {
    const r = await validatePricesFile(fx("bad-high-low.csv"));
    expect(r.errors.map((e) => [e.kind, e.line])).toEqual([["high-low", 3]]);
    expect(r.errors[0].message).toMatch(/high 9\.9 is below low 10\.4/);
  });

  it("empty required values", async () => {
    const r = await validatePricesFile(fx("bad-missing-value.csv"));
    expect(r.errors.map((e) => [e.kind, e.line, e.column])).toEqual([
      ["missing-value", 3, "symbol"],
      ["missing-value", 4, "close"],
    ]);
  });

  it("lists at most maxProblems problems and counts them all", async () => {
    const r = await validatePricesFile(fx("bad-many.csv"));
    expect(r.errors).toHaveLength(20);
    expect(r.errorCount).toBe(25);
    expect(formatValidationReport(r)).toMatch(/errors \(25, first 20 shown\)/);
    const few = await validatePricesFile(fx("bad-many.csv"), { maxProblems: 3 });
    expect(few.errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });

  it("warns (without failing) about gaps, stale symbols and constant prices", async () => {
    const r = await validatePricesFile(fx("warn-gap-stale-constant.csv"));
    expect(r.ok).toBe(true);
    const byKind = Object.fromEntries(r.warnings.map((w) => [w.kind, w]));
    expect(byKind.gap).toMatchObject({ symbol: "BBB" });
    expect(byKind.gap.message).toMatch(/no rows for 8 trading days between 2024-02-09 and 2024-02-22/);
    expect(byKind.stale).toMatchObject({ symbol: "CCC", date: "2024-01-26" });
    expect(byKind.constant.message).toMatch(/DDD close is constant at 7\.5 for 12 rows/);
    const lenient = await validatePricesFile(fx("warn-gap-stale-constant.csv"), {
      gapDays: 10,
      staleDays: 50,
      constantDays: 20,
    });
    expect(lenient.warningCount).toBe(0);
  });

  it("reports a missing file as a read error", async () => {
    const r = await validatePricesFile(fx("does-not-exist.csv"));
    expect(r.ok).toBe(false);
    expect(r.errors[0].kind).toBe("read");
    expect(r.errors[0].message).toContain("does-not-exist.csv");
  });

  it("validates Parquet, locating problems by 1-based data row", async () => {
    const path = join(dir, "bad.parquet");
    await copyQueryToParquet(conn, `SELECT * FROM read_csv('${fx("bad-number.csv")}', all_varchar = true)`, path);
    const r = await validatePricesFile(path, { conn });
    expect(r.format).toBe("parquet");
    expect(r.errors.map((e) => [e.row, e.value])).toEqual([
      [2, "1O.5"],
      [4, "lots"],
    ]);
    expect(r.errors[0].message).toContain("bad.parquet row 2:");
  });
});

describe("loadPrices", () => {
  it("loads the validated table ordered by (date, symbol) with canonical columns", async () => {
    const { table, report } = await loadPrices(conn, fx("pypfopt_long.csv"), { columns: PYPFOPT });
    expect(report.ok).toBe(true);
    const desc = await queryRows<{ column_name: string; column_type: string }>(conn, `DESCRIBE ${table}`);
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
    const cols = await readColumns(conn, `SELECT date, symbol, close FROM ${table}`, { dates: "iso" });
    expect(cols.date[0]).toBe("2014-06-02");
    expect(cols.symbol.slice(0, 4)).toEqual(["AAPL", "AMZN", "GE", "JPM"]); // BABA not yet listed
    // first AAPL close, straight from the source file
    expect((cols.close as Float64Array)[0]).toBe(83.88562);
  });

  it(
    "loadPrices(…, { start, end }) keeps that inclusive range, " + "sorted, and still validates the whole file",
    async () => {
      const { table, report } = await loadPrices(conn, fx("pypfopt_long.csv"), {
        columns: PYPFOPT,
        start: "2015-01-02",
        end: "2015-01-05",
        table: "ranged",
      });
      expect(report).toMatchObject({ rows: 1288, start: "2014-06-02", end: "2015-06-30" });
      // the fixture's rows for 2015-01-02 and 2015-01-05 (a Friday and a Monday), 5 symbols each
      const rows = await queryRows<{ d: string; s: string }>(
        conn,
        `SELECT date::VARCHAR AS d, symbol AS s FROM ${table}`,
      );
      const syms = ["AAPL", "AMZN", "BABA", "GE", "JPM"];
      expect(rows).toEqual([
        ...syms.map((s) => ({ d: "2015-01-02", s })),
        ...syms.map((s) => ({ d: "2015-01-05", s })),
      ]);
      const err = await loadPrices(conn, fx("pypfopt_long.csv"), { columns: PYPFOPT, start: "2015-02-30" }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(StrataError);
      expect(err.message).toMatch(/start "2015-02-30" is not a calendar date/);
    },
  );

  it("throws a DATA StrataError listing the problems", async () => {
    const err = await loadPrices(conn, fx("bad-duplicate.csv")).catch((e) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect(err.code).toBe("DATA");
    expect(err.message).toMatch(/bad-duplicate\.csv line 5: duplicate/);
  });

  it("loadPricesToParquet writes the same bytes twice", async () => {
    const a = join(dir, "a.parquet"),
      b = join(dir, "b.parquet");
    const ra = await loadPricesToParquet(conn, fx("pypfopt_long.csv"), a, { columns: PYPFOPT });
    await loadPricesToParquet(conn, fx("pypfopt_long.csv"), b, { columns: PYPFOPT });
    expect(ra.rows).toBe(1288);
    const { sha256File } = await import("../../src/core/hash.ts");
    expect(await sha256File(a)).toBe(await sha256File(b));
  });
});
