/**
 * Column descriptions in a Parquet file's key-value metadata (key `strata.columns`, a JSON object
 * in column order): written by copyQueryToParquet / writeColumnsToParquet, read back by DuckDB's
 * parquet_kv_metadata, and part of the deterministic bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import {
  COLUMN_DESCRIPTIONS_KEY,
  copyQueryToParquet,
  createDatabase,
  describeColumn,
  queryRows,
  readColumnDescriptions,
  writeColumnsToParquet,
} from "../../src/store/index.ts";
import { sha256File } from "../../src/core/hash.ts";

let db: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;

beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
  dir = mkdtempSync(join(tmpdir(), "strata-describe-"));
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe("describeColumn", () => {
  it("reads a map or a function, and treats blank text as no description", () => {
    expect(describeColumn({ n: "count" }, "n")).toBe("count");
    expect(describeColumn({ n: "count" }, "x")).toBeUndefined();
    expect(describeColumn({ n: "  " }, "n")).toBeUndefined();
    // Not an own key: a column named like an Object.prototype member has no description.
    expect(describeColumn({}, "constructor")).toBeUndefined();
    expect(describeColumn((c) => (c.startsWith("mom_") ? `momentum ${c.slice(4)}` : undefined), "mom_20")).toBe(
      "momentum 20",
    );
    expect(describeColumn(undefined, "n")).toBeUndefined();
  });
});

describe("copyQueryToParquet with describe", () => {
  const sql = "SELECT i::INTEGER AS n, i / 3 AS x, 'a' AS \"it's\" FROM range(5) t(i)";

  it("writes one strata.columns entry, a JSON object in column order, readable by parquet_kv_metadata", async () => {
    const path = join(dir, "described.parquet");
    const { rows } = await copyQueryToParquet(conn, sql, path, {
      describe: { n: 'Number of things, ≥ 0 — it\'s "quoted"', x: "n / 3", absent: "ignored: no such column" },
      describeDefault: (c) => `column ${c} (no description)`,
    });
    expect(rows).toBe(5);
    const kv = await queryRows<{ k: string; v: string }>(
      conn,
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${path}')`,
    );
    const want = { n: 'Number of things, ≥ 0 — it\'s "quoted"', x: "n / 3", "it's": "column it's (no description)" };
    expect(kv).toEqual([{ k: COLUMN_DESCRIPTIONS_KEY, v: JSON.stringify(want) }]);
    expect(Object.keys(JSON.parse(kv[0].v))).toEqual(["n", "x", "it's"]);
    expect(await readColumnDescriptions(conn, path)).toEqual(want);
    // DuckDB's JSON functions read one column's description in place.
    const one = await queryRows<{ d: string }>(
      conn,
      `SELECT decode(value)::JSON ->> 'x' AS d FROM parquet_kv_metadata('${path}') WHERE decode(key) = 'strata.columns'`,
    );
    expect(one).toEqual([{ d: "n / 3" }]);
    // The data are untouched.
    expect(await queryRows(conn, `SELECT sum(n)::INTEGER AS s FROM '${path}'`)).toEqual([{ s: 10 }]);
  });

  it("writes no key-value metadata without describe, and only the described columns without a default", async () => {
    const plain = join(dir, "plain.parquet");
    await copyQueryToParquet(conn, sql, plain);
    expect(await readColumnDescriptions(conn, plain)).toEqual({});
    const some = join(dir, "some.parquet");
    await copyQueryToParquet(conn, sql, some, { describe: (c) => (c === "x" ? "x only" : undefined) });
    expect(await readColumnDescriptions(conn, some)).toEqual({ x: "x only" });
  });

  it("is deterministic: the same data and descriptions give byte-identical files; other text, other bytes", async () => {
    const write = async (file: string, text: string) => {
      const path = join(dir, file);
      await copyQueryToParquet(conn, sql, path, { describe: { n: text }, orderBy: ["n"] });
      return sha256File(path);
    };
    const a = await write("a.parquet", "count");
    expect(await write("b.parquet", "count")).toBe(a);
    expect(await write("c.parquet", "a count")).not.toBe(a);
  });
});

describe("writeColumnsToParquet with describe", () => {
  it("describes typed columns (the staging row number is not a column of the file)", async () => {
    const path = join(dir, "typed.parquet");
    await writeColumnsToParquet(
      conn,
      { columns: { date: ["2024-01-02", "2024-01-03"], n: Int32Array.of(2, 1) }, types: { date: "DATE" } },
      path,
      { orderBy: ["n"], describe: { n: "a count" }, describeDefault: (c) => `default ${c}` },
    );
    expect(await readColumnDescriptions(conn, path)).toEqual({ date: "default date", n: "a count" });
    const types = await queryRows<{ column_name: string; column_type: string }>(
      conn,
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${path}')`,
    );
    expect(types).toEqual([
      { column_name: "date", column_type: "DATE" },
      { column_name: "n", column_type: "INTEGER" },
    ]);
  });
});
