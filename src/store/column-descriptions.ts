/**
 * Column descriptions carried inside a Parquet file, so any tool that opens an output can say
 * what each column means without this repository.
 *
 * Format: one entry of the file's key-value metadata (the Parquet footer's
 * `key_value_metadata`), key `strata.columns`, value a JSON object { column name → description }
 * in the table's column order (UTF-8). DuckDB reads it with `parquet_kv_metadata(file)` (and its
 * JSON functions), pyarrow with `pq.read_metadata(file).metadata[b"strata.columns"]` and
 * `json.loads` — the single-JSON-key convention of pandas (`pandas`) and Spark
 * (`org.apache.spark.sql.parquet.row.metadata`). One key rather than one per column: DuckDB
 * writes several KV_METADATA entries in an order of its own (not the order given), and one
 * entry keeps the column order and leaves the bytes nothing to depend on but the data and the
 * text. No timestamp or other run-dependent value is written.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { sqlString } from "./sql.ts";

/** Key of the column descriptions in a Parquet file's key-value metadata. */
export const COLUMN_DESCRIPTIONS_KEY = "strata.columns";

/**
 * What each column means: a map by column name, or a function for names that follow a pattern
 * (`mom_20`, `mc_loss_10`). A name without a description (undefined or blank) gets the
 * writer's default. Names of columns the table does not have are ignored: a table's columns
 * may depend on params (the features a study asks for, the loss levels of a Monte Carlo).
 */
export type ColumnDescriptions = Readonly<Record<string, string>> | ((column: string) => string | undefined);

/** The description of `column` from `describe`, or undefined when it gives none. */
export function describeColumn(describe: ColumnDescriptions | undefined, column: string): string | undefined {
  if (describe === undefined) return undefined;
  const text =
    typeof describe === "function" ? describe(column) : Object.hasOwn(describe, column) ? describe[column] : undefined;
  return text !== undefined && text.trim() !== "" ? text : undefined;
}

/**
 * The descriptions of `columns` (in their order): each column's own, else `fallback(column)`;
 * a column with neither is left out.
 */
export function columnDescriptionMap(
  columns: readonly string[],
  describe: ColumnDescriptions | undefined,
  fallback?: (column: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of columns) {
    const text = describeColumn(describe, c) ?? fallback?.(c);
    if (text !== undefined) out[c] = text;
  }
  return out;
}

/**
 * The `KV_METADATA {…}` option of DuckDB's `COPY … TO … (FORMAT parquet)` carrying the
 * descriptions, or "" when there are none.
 */
export function kvMetadataOption(descriptions: Readonly<Record<string, string>>): string {
  if (Object.keys(descriptions).length === 0) return "";
  return `KV_METADATA {${sqlString(COLUMN_DESCRIPTIONS_KEY)}: ${sqlString(JSON.stringify(descriptions))}}`;
}

/** Column names of a query, in order, from DuckDB's binder (the query is not executed). */
export async function queryColumnNames(conn: DuckDBConnection, sql: string): Promise<string[]> {
  const reader = await conn.runAndReadAll(`DESCRIBE ${sql}`);
  const k = reader.columnNames().indexOf("column_name");
  return reader.getRows().map((r) => String(r[k]));
}

/** The column descriptions stored in a Parquet file: column name → text, in column order ({} when none). */
export async function readColumnDescriptions(conn: DuckDBConnection, path: string): Promise<Record<string, string>> {
  let rows: unknown[][];
  try {
    const reader = await conn.runAndReadAll(
      `SELECT decode(value) FROM parquet_kv_metadata(${sqlString(path)}) ` +
        `WHERE decode(key) = ${sqlString(COLUMN_DESCRIPTIONS_KEY)}`,
    );
    rows = reader.getRows();
  } catch (cause) {
    throw new StrataError("DATA", `could not read the key-value metadata of ${path}: ${(cause as Error).message}`, {
      cause,
      hint: "check that the file exists and is a Parquet file",
    });
  }
  return rows.length ? (JSON.parse(String(rows[0][0])) as Record<string, string>) : {};
}
