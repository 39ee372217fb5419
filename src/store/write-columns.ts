/**
 * Typed columns → Parquet or a DuckDB table, without building row objects.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { copyQueryToParquet, type CopyToParquetOptions } from "./parquet.ts";
import { stageColumns } from "./encode-columns.ts";
import { sqlIdent } from "./sql.ts";
import type { ColumnTable } from "./types.ts";
import type { ColumnDescriptions } from "./column-descriptions.ts";

export interface WriteColumnsOptions {
  /** Sort rows by these columns before writing; ties keep their input order. */
  orderBy?: string[];
  /** See `CopyToParquetOptions.rowGroupSize`. */
  rowGroupSize?: number;
  /** See `CopyToParquetOptions.describe`: what each column means, kept in the file's metadata. */
  describe?: ColumnDescriptions;
  /** See `CopyToParquetOptions.describeDefault`. */
  describeDefault?: (column: string) => string;
}

/**
 * Write typed columns to a Parquet file (zstd). Column types: Float64Array → DOUBLE,
 * Float32Array → FLOAT, Int32Array → INTEGER (or DATE when `types` says so: days since
 * 1970-01-01), BigInt64Array → BIGINT, Uint8/16/32 and Int8/16 → the matching integer type,
 * string[] → VARCHAR (or DATE from "YYYY-MM-DD"), number[] → DOUBLE, boolean[] → BOOLEAN;
 * `null` in a plain array → NULL; NaN stays NaN. Any other `types` entry is a CAST.
 * Byte-identical output for identical input.
 */
export async function writeColumnsToParquet(
  conn: DuckDBConnection,
  table: ColumnTable,
  path: string,
  opts: WriteColumnsOptions = {},
): Promise<{ rows: number }> {
  const staged = await stageColumns(conn, table);
  try {
    const copyOpts: CopyToParquetOptions = {
      rowGroupSize: opts.rowGroupSize,
      describe: opts.describe,
      describeDefault: opts.describeDefault,
    };
    return await copyQueryToParquet(conn, orderedSelect(staged.table, staged.selectList, opts.orderBy), path, copyOpts);
  } finally {
    await staged.drop();
  }
}

export interface CreateTableOptions {
  /** Create a TEMP table (private to the connection); default false. */
  temp?: boolean;
  /** Replace an existing table of that name; default false. */
  replace?: boolean;
  orderBy?: string[];
}

/** Materialize typed columns as a DuckDB table `name` (same type mapping as `writeColumnsToParquet`). */
export async function createTableFromColumns(
  conn: DuckDBConnection,
  name: string,
  table: ColumnTable,
  opts: CreateTableOptions = {},
): Promise<{ rows: number }> {
  const staged = await stageColumns(conn, table);
  try {
    const create = `CREATE ${opts.replace ? "OR REPLACE " : ""}${opts.temp ? "TEMP " : ""}TABLE ${sqlIdent(name)} AS `;
    await conn.run(create + orderedSelect(staged.table, staged.selectList, opts.orderBy));
    return { rows: staged.rows };
  } finally {
    await staged.drop();
  }
}

// The staging table's rowid is the input position: sorting by it last makes ties stable, and
// without orderBy it pins the input order whatever the thread count.
function orderedSelect(table: string, selectList: string, orderBy: string[] | undefined): string {
  const keys = [...(orderBy ?? []).map(sqlIdent), "__strata_row"].join(", ");
  return (
    `SELECT * EXCLUDE (__strata_row) FROM (SELECT ${selectList}, rowid AS __strata_row FROM ${table}) ORDER ` +
    `BY ${keys}`
  );
}
