/**
 * Table downloads: RFC 4180 CSV with numbers in full precision, and Parquet with integer counts,
 * dates and nulls typed — DuckDB's reading of that CSV with the types `tableColumns` gives: the
 * same types and values as the staged typed columns, the same bytes whatever the thread count.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { csvTable, tableColumns, tableCsv, tableCsvSelect, type TableData } from "../../src/report/downloads.ts";
import { createDatabase } from "../../src/store/database.ts";
import { copyQueryToParquet } from "../../src/store/parquet.ts";
import { writeColumnsToParquet } from "../../src/store/write-columns.ts";

const rows = [
  { cell: "a,b", n: 3, sharpe: 0.1 + 0.2, date: new Date(Date.UTC(2020, 0, 2)), ok: true, note: 'say "hi"' },
  { cell: "c", n: -7, sharpe: -1.5e-12, date: null, ok: false, note: null },
  { cell: "d", n: 12, sharpe: Number.NaN, date: new Date(Date.UTC(2024, 1, 29)), ok: null, note: " padded " },
  { cell: "", n: 0, sharpe: Number.POSITIVE_INFINITY, date: null, ok: true, note: "two\nlines" },
];
const table: TableData = { name: "data/t-1", columns: ["cell", "n", "sharpe", "date", "ok", "note"], rows };

describe("table downloads", () => {
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  let dir: string;
  beforeAll(async () => {
    db = await createDatabase();
    conn = await db.connect();
    dir = mkdtempSync(join(tmpdir(), "strata-downloads-"));
  });
  afterAll(() => {
    conn?.closeSync();
    db?.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  it("CSV: quotes what needs quoting, numbers round-trip, dates as ISO days, null empty, '' quoted", () => {
    expect(tableCsv(table).split("\n")).toEqual([
      "cell,n,sharpe,date,ok,note",
      '"a,b",3,0.30000000000000004,2020-01-02,true,"say ""hi"""',
      "c,-7,-1.5e-12,,false,",
      'd,12,NaN,2024-02-29,," padded "',
      '"",0,Infinity,,true,"two',
      'lines"',
      "",
    ]);
  });

  /** The table's CSV written into the temp folder, and the SELECT reading it back typed. */
  const fromCsv = (t: TableData, name: string): string => {
    const { csv, table: typed } = csvTable(t);
    const path = join(dir, `${name}.csv`);
    writeFileSync(path, csv);
    return tableCsvSelect(typed, path);
  };

  it("Parquet: the CSV read back with its types and the staged typed columns give the same types and values", async () => {
    const a = join(dir, "csv.parquet");
    const b = join(dir, "staged.parquet");
    await copyQueryToParquet(conn, fromCsv(table, "t"), a);
    await writeColumnsToParquet(conn, tableColumns(table), b);
    const read = async (f: string) => {
      const types = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM '${f}'`)).getRowObjectsJS();
      const values = (await conn.runAndReadAll(`SELECT * FROM '${f}'`)).getRowObjectsJS();
      return { types: types.map((t) => `${t.column_name}:${t.column_type}`), values };
    };
    const va = await read(a);
    const vb = await read(b);
    expect(va.types).toEqual(["cell:VARCHAR", "n:BIGINT", "sharpe:DOUBLE", "date:DATE", "ok:BOOLEAN", "note:VARCHAR"]);
    expect(vb.types).toEqual(va.types);
    // Exact doubles through the CSV's round-trip text (0.1 + 0.2 is not 0.3), NaN and ∞ included.
    expect(va.values.map((r) => r.sharpe)).toEqual([
      0.30000000000000004,
      -1.5e-12,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]);
    expect(va.values.map((r) => r.n)).toEqual([3n, -7n, 12n, 0n]);
    // The empty string stays one, apart from null; quoted spaces, quotes and line breaks stay.
    expect(va.values.map((r) => r.cell)).toEqual(["a,b", "c", "d", ""]);
    expect(va.values.map((r) => r.note)).toEqual(['say "hi"', null, " padded ", "two\nlines"]);
    expect(vb.values).toEqual(va.values);
  });

  it("a table's Parquet bytes do not depend on DuckDB's thread count", async () => {
    const big: TableData = {
      name: "data/big-1",
      columns: ["i", "x", "name", "day", "flag"],
      rows: Array.from({ length: 40_000 }, (_v, i) => ({
        i,
        x: Math.sin(i) * 1e3,
        name: `s${i % 97}`,
        day: new Date(Date.UTC(2020, 0, 1 + (i % 900))),
        flag: i % 3 === 0,
      })),
    };
    const select = fromCsv(big, "big");
    const bytes: string[] = [];
    for (const threads of [1, 4, 2, 4]) {
      await conn.run(`SET threads = ${threads}`);
      const f = join(dir, `t${threads}-${bytes.length}.parquet`);
      await copyQueryToParquet(conn, select, f, { deterministic: false });
      bytes.push(readFileSync(f).toString("base64"));
    }
    await conn.run("RESET threads");
    expect(new Set(bytes).size).toBe(1);
  });
});
