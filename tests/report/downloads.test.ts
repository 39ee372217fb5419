/**
 * Table downloads: RFC 4180 CSV with numbers in full precision, and Parquet with integer counts,
 * dates and nulls typed — written either as one VALUES statement (small tables) or through staged
 * columns (large ones), the same values and types either way.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { tableColumns, tableCsv, tableValuesQuery } from "../../src/report/downloads.ts";
import { createDatabase } from "../../src/store/database.ts";
import { copyQueryToParquet } from "../../src/store/parquet.ts";
import { writeColumnsToParquet } from "../../src/store/write-columns.ts";

const rows = [
  { cell: "a,b", n: 3, sharpe: 0.1 + 0.2, date: new Date(Date.UTC(2020, 0, 2)), ok: true, note: 'say "hi"' },
  { cell: "c", n: -7, sharpe: -1.5e-12, date: null, ok: false, note: null },
  { cell: "d", n: 12, sharpe: Number.NaN, date: new Date(Date.UTC(2024, 1, 29)), ok: null, note: " padded " },
];
const table = { columns: ["cell", "n", "sharpe", "date", "ok", "note"], rows };

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

  it("CSV: quotes what needs quoting, numbers round-trip, dates as ISO days, null empty", () => {
    expect(tableCsv(table).split("\n")).toEqual([
      "cell,n,sharpe,date,ok,note",
      '"a,b",3,0.30000000000000004,2020-01-02,true,"say ""hi"""',
      "c,-7,-1.5e-12,,false,",
      'd,12,NaN,2024-02-29,," padded "',
      "",
    ]);
  });

  it("Parquet: the VALUES statement and the staged columns give the same types and values", async () => {
    const a = join(dir, "values.parquet");
    const b = join(dir, "staged.parquet");
    await copyQueryToParquet(conn, tableValuesQuery(table), a);
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
    expect(String(va.values)).toBe(String(vb.values));
    // Exact doubles through the SQL literals (0.1 + 0.2 is not 0.3).
    expect(va.values.map((r) => r.sharpe)).toEqual([0.30000000000000004, -1.5e-12, Number.NaN]);
    expect(va.values.map((r) => r.n)).toEqual([3n, -7n, 12n]);
    expect(va.values.map((r) => r.note)).toEqual(['say "hi"', null, " padded "]);
    expect(vb.values).toEqual(va.values);
  });

  it("a VALUES table's Parquet bytes do not depend on DuckDB's thread count", async () => {
    // 4,000 rows × 5 columns = 20,000 cells: the largest table written this way.
    const big = {
      columns: ["i", "x", "name", "day", "flag"],
      rows: Array.from({ length: 4000 }, (_v, i) => ({
        i,
        x: Math.sin(i) * 1e3,
        name: `s${i % 97}`,
        day: new Date(Date.UTC(2020, 0, 1 + (i % 900))),
        flag: i % 3 === 0,
      })),
    };
    const bytes: string[] = [];
    for (const threads of [1, 4, 2, 4]) {
      await conn.run(`SET threads = ${threads}`);
      const f = join(dir, `t${threads}-${bytes.length}.parquet`);
      await copyQueryToParquet(conn, tableValuesQuery(big), f, { deterministic: false });
      bytes.push(readFileSync(f).toString("base64"));
    }
    await conn.run("RESET threads");
    expect(new Set(bytes).size).toBe(1);
  });
});
