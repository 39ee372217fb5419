import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import {
  copyQueryToParquet,
  createDatabase,
  createTableFromColumns,
  f64Column,
  formatIsoDate,
  parquetRowCount,
  parseIsoDate,
  queryRows,
  readColumns,
  readParquetSql,
  SMALL_INPUT_ROWS,
  sqlIdent,
  sqlString,
  withThreadsForInput,
  writeColumnsToParquet,
} from "../../src/store/index.ts";
import { sha256File } from "../../src/core/hash.ts";
import { StrataError } from "../../src/core/errors.ts";

let db: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;

beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
  dir = mkdtempSync(join(tmpdir(), "strata-store-"));
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe("sqlString / sqlIdent", () => {
  it("sqlString doubles single quotes and round-trips through DuckDB", async () => {
    const tricky = 'it\'s a "test" -- ; drop';
    expect(sqlString("it's")).toBe("'it''s'");
    const rows = await queryRows<{ s: string }>(conn, `SELECT ${sqlString(tricky)} AS s`);
    expect(rows[0].s).toBe(tricky);
  });
  it("sqlIdent quotes identifiers, preserving case and embedded quotes", async () => {
    expect(sqlIdent('my "col"')).toBe('"my ""col"""');
    const rows = await queryRows(conn, `SELECT 1 AS ${sqlIdent('Adj "Close"')}`);
    expect(Object.keys(rows[0])).toEqual(['Adj "Close"']);
    expect(() => sqlIdent("")).toThrow(StrataError);
  });
});

describe("readParquetSql", () => {
  it("reads a cell's file without turning its folder name (model=ridge) into a column", async () => {
    const cellDir = join(dir, "model=ridge");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(cellDir, { recursive: true });
    const path = join(cellDir, "scores.parquet");
    await conn.run(`COPY (SELECT 1 AS score) TO ${sqlString(path)} (FORMAT parquet)`);
    const cols = async (src: string) =>
      (await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${src}`)).map((r) => r.column_name);
    // DuckDB's own default detects Hive partitions from the path: the column appears.
    expect(await cols(`read_parquet(${sqlString(path)})`)).toEqual(["score", "model"]);
    expect(await cols(readParquetSql(path))).toEqual(["score"]);
    expect(await cols(readParquetSql(path, { fileRowNumber: true }))).toEqual(["score", "file_row_number"]);
  });
});

describe("withThreadsForInput", () => {
  // DuckDB 1.5.5's parallel window operator fails now and then on inputs where a worker gets no
  // rows; small inputs must run on one thread, and the previous count must come back after.
  it("runs small inputs on one thread and large ones on all, then restores the setting", async () => {
    const threads = async () =>
      Number((await queryRows<{ t: number }>(conn, "SELECT current_setting('threads')::INTEGER AS t"))[0].t);
    expect(await threads()).toBe(2);
    expect(await withThreadsForInput(conn, 2, threads)).toBe(1);
    expect(await withThreadsForInput(conn, SMALL_INPUT_ROWS - 1, threads)).toBe(1);
    expect(await withThreadsForInput(conn, SMALL_INPUT_ROWS, threads)).toBe(2);
    await expect(withThreadsForInput(conn, 2, () => conn.run("SELECT no_such_column"))).rejects.toThrow(
      /no_such_column/,
    );
    expect(await threads()).toBe(2);
  });
});

describe("parseIsoDate / formatIsoDate", () => {
  it("maps ISO dates to days since 1970-01-01 and back", () => {
    expect(parseIsoDate("1970-01-01")).toBe(0);
    expect(parseIsoDate("2000-03-01")).toBe(11017); // DuckDB: SELECT date '2000-03-01' - date '1970-01-01'
    expect(parseIsoDate("1969-12-31")).toBe(-1);
    expect(formatIsoDate(11017)).toBe("2000-03-01");
  });
  it("rejects impossible dates and other formats", () => {
    for (const s of ["2023-02-29", "2023-13-01", "2023-1-01", "01/02/2023", "", "2023-02-30"])
      expect(parseIsoDate(s)).toBeNull();
    expect(parseIsoDate("2024-02-29")).not.toBeNull();
  });
});

describe("copyQueryToParquet", () => {
  it("writes the same query twice to byte-identical files (threads=2, float aggregates, ties)", async () => {
    await conn.run(
      `CREATE OR REPLACE TABLE t AS SELECT (i % 97)::INT AS g, (i % 5)::INT AS k, sin(i) * 1e6 AS x FROM ` +
        `range(400000) r(i)`,
    );
    // A parallel float sum combines partial states in scheduling order; ties in k are arbitrary
    // in a parallel sort. Both must still give identical bytes.
    const sql =
      `SELECT g, sum(x) AS s, avg(x) AS m, count(*) AS n FROM t GROUP BY g UNION ALL SELECT k, x, x, 1 ` +
      `FROM t WHERE g = 3`;
    const hashes = new Set<string>();
    for (let r = 0; r < 4; r++) {
      const path = join(dir, `copy-${r}.parquet`);
      const { rows } = await copyQueryToParquet(conn, sql, path, { orderBy: ["g"] });
      expect(rows).toBe(97 + Math.ceil((400000 - 3) / 97)); // 97 groups + the rows with g = 3
      hashes.add(await sha256File(path));
    }
    expect(hashes.size).toBe(1);
    // the thread count is restored afterwards
    const [{ t }] = await queryRows<{ t: number }>(conn, "SELECT current_setting('threads')::INT AS t");
    expect(t).toBe(2);
  });
  it("orders rows, counts them, and reports a bad query with the path", async () => {
    const path = join(dir, "ordered.parquet");
    const { rows } = await copyQueryToParquet(
      conn,
      "SELECT * FROM (VALUES (3, 'c'), (1, 'a'), (2, 'b')) v(n, s)",
      path,
      { orderBy: ["n"] },
    );
    expect(rows).toBe(3);
    expect(await parquetRowCount(conn, path)).toBe(3);
    const cols = await readColumns(conn, `SELECT * FROM '${path}'`);
    expect(Array.from(cols.n as Int32Array)).toEqual([1, 2, 3]);
    await expect(copyQueryToParquet(conn, "SELECT nope FROM t", join(dir, "bad.parquet"))).rejects.toThrow(
      /bad\.parquet/,
    );
  });
});

describe("writeColumnsToParquet", () => {
  it("round-trips every column kind, with DATE from strings and from Int32 days", async () => {
    const path = join(dir, "kinds.parquet");
    const table = {
      columns: {
        d1: ["2024-01-02", "2024-01-03", "2024-01-04"],
        d2: new Int32Array([19724, 19725, 19726]),
        sym: ["AAA", "B'B", "AAA"],
        f: new Float64Array([1.5, NaN, -2]),
        i: new Int32Array([1, -2, 3]),
        big: new BigInt64Array([1n, 2n, 9007199254740993n]),
        n: [1, null, 3],
        b: [true, false, null],
        s: ["x", null, "z"],
        vol: new Float64Array([100, 200, 300]),
      },
      types: { d1: "DATE", d2: "DATE", vol: "BIGINT" },
    };
    expect(await writeColumnsToParquet(conn, table, path)).toEqual({ rows: 3 });
    const desc = await queryRows<{ column_name: string; column_type: string }>(
      conn,
      `DESCRIBE SELECT * FROM '${path}'`,
    );
    expect(Object.fromEntries(desc.map((r) => [r.column_name, r.column_type]))).toEqual({
      d1: "DATE",
      d2: "DATE",
      sym: "VARCHAR",
      f: "DOUBLE",
      i: "INTEGER",
      big: "BIGINT",
      n: "DOUBLE",
      b: "BOOLEAN",
      s: "VARCHAR",
      vol: "BIGINT",
    });
    const iso = await readColumns(conn, `SELECT * FROM '${path}'`, { dates: "iso", bigint: "bigint" });
    expect(iso.d1).toEqual(["2024-01-02", "2024-01-03", "2024-01-04"]);
    expect(iso.d2).toEqual(iso.d1);
    expect(iso.sym).toEqual(["AAA", "B'B", "AAA"]);
    expect(Array.from(iso.f as Float64Array)).toEqual([1.5, NaN, -2]);
    expect(Array.from(iso.big as BigInt64Array)).toEqual([1n, 2n, 9007199254740993n]);
    expect(Array.from(iso.n as Float64Array)).toEqual([1, NaN, 3]);
    expect(iso.b).toEqual([true, false, null]);
    expect(iso.s).toEqual(["x", null, "z"]);
    const days = await readColumns(conn, `SELECT d1, i, vol FROM '${path}'`);
    expect(days.d1).toBeInstanceOf(Int32Array);
    expect(Array.from(days.d1 as Int32Array)).toEqual([19724, 19725, 19726]);
    expect(days.vol).toBeInstanceOf(Float64Array);
  });

  it("sorts by orderBy with stable ties, and writes identical bytes each time", async () => {
    const n = 300_000;
    const sym = Array.from({ length: n }, (_, i) => `S${(i * 7919) % 500}`);
    const day = Int32Array.from({ length: n }, (_, i) => 15000 + ((i * 31) % 600));
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const table = { columns: { date: day, symbol: sym, x }, types: { date: "DATE" } };
    const a = join(dir, "sorted-a.parquet"),
      b = join(dir, "sorted-b.parquet");
    await writeColumnsToParquet(conn, table, a, { orderBy: ["date", "symbol"] });
    await writeColumnsToParquet(conn, table, b, { orderBy: ["date", "symbol"] });
    expect(await sha256File(a)).toBe(await sha256File(b));
    const cols = await readColumns(conn, `SELECT * FROM '${a}'`);
    const d = cols.date as Int32Array,
      s = cols.symbol as string[],
      xs = f64Column(cols, "x");
    for (let i = 1; i < n; i++) {
      const cmp = d[i - 1] - d[i] || (s[i - 1] < s[i] ? -1 : s[i - 1] > s[i] ? 1 : 0);
      expect(cmp <= 0 && (cmp < 0 || xs[i - 1] < xs[i])).toBe(true); // ties keep input order
      if (!(cmp <= 0)) break;
    }
  });

  it("rejects columns of different lengths and bad dates, naming them", async () => {
    await expect(
      writeColumnsToParquet(conn, { columns: { a: new Float64Array(2), b: ["x"] } }, join(dir, "x.parquet")),
    ).rejects.toThrow(/a=2, b=1/);
    await expect(
      writeColumnsToParquet(
        conn,
        { columns: { d: ["2024-01-02", "2024-02-30"] }, types: { d: "DATE" } },
        join(dir, "y.parquet"),
      ),
    ).rejects.toThrow(/column "d" row 2.*2024-02-30/);
  });

  it("handles high-cardinality strings and empty tables", async () => {
    const n = 50_000;
    const ids = Array.from({ length: n }, (_, i) => `id-${i}-${"x".repeat(i % 20)}`);
    const path = join(dir, "ids.parquet");
    await writeColumnsToParquet(conn, { columns: { id: ids } }, path);
    const back = await readColumns(conn, `SELECT id FROM '${path}'`);
    expect(back.id).toEqual(ids);
    const empty = join(dir, "empty.parquet");
    expect(
      await writeColumnsToParquet(conn, { columns: { a: new Float64Array(0), s: [] as string[] } }, empty),
    ).toEqual({ rows: 0 });
    expect(await parquetRowCount(conn, empty)).toBe(0);
  });
});

describe("createTableFromColumns / readColumns", () => {
  it("materializes a table and reads integer columns with NULLs as Float64Array NaN", async () => {
    await createTableFromColumns(
      conn,
      "ct",
      { columns: { k: new Int32Array([1, 2, 3]), s: ["a", "b", "a"] } },
      { replace: true },
    );
    const cols = await readColumns(
      conn,
      "SELECT k, CASE WHEN k = 2 THEN NULL ELSE k END AS kn, s, count(*) OVER () AS n FROM ct ORDER BY k",
    );
    expect(cols.k).toBeInstanceOf(Int32Array);
    expect(Array.from(cols.kn as Float64Array)).toEqual([1, NaN, 3]);
    expect(cols.s).toEqual(["a", "b", "a"]);
    expect(Array.from(cols.n as Float64Array)).toEqual([3, 3, 3]);
  });
  it("reads DECIMAL, TIMESTAMP and LIST columns", async () => {
    const cols = await readColumns(
      conn,
      "SELECT 1.25::DECIMAL(6,2) AS d, TIMESTAMP '1970-01-02 00:00:01' AS ts, [1, 2] AS l",
    );
    expect(Array.from(cols.d as Float64Array)).toEqual([1.25]);
    expect(Array.from(cols.ts as Float64Array)).toEqual([86_401_000]);
    expect(cols.l).toEqual([[1, 2]]);
  });
});
