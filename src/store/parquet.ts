/**
 * Query → Parquet, deterministically. Same data and query ⇒ byte-identical file, which is what
 * `pipeline verify` relies on.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { withSingleThread } from "./database.ts";
import { orderByClause, sqlString } from "./sql.ts";
import {
  columnDescriptionMap,
  kvMetadataOption,
  queryColumnNames,
  type ColumnDescriptions,
} from "./column-descriptions.ts";

export interface CopyToParquetOptions {
  /** Sort rows by these columns (identifiers, quoted here) before writing. */
  orderBy?: string[];
  /**
   * Default true: execute the query and the write on a single DuckDB thread so the bytes do
   * not depend on scheduling (see `withSingleThread`). Pass false only for queries whose
   * result is order-independent and exact (no float aggregates, unique sort keys); the writer
   * itself then runs in parallel.
   */
  deterministic?: boolean;
  /** Rows per Parquet row group; default DuckDB's (122,880). */
  rowGroupSize?: number;
  /**
   * What each column means, stored in the file's key-value metadata under `strata.columns` (a
   * JSON object; see column-descriptions.ts). Default: none.
   */
  describe?: ColumnDescriptions;
  /**
   * The description of a column `describe` leaves out; with it, every column of the file has
   * one. Default: none (such a column gets no entry).
   */
  describeDefault?: (column: string) => string;
}

/**
 * `COPY (sql [ORDER BY …]) TO path (FORMAT parquet, COMPRESSION zstd[, KV_METADATA {…}])`.
 * Creates the parent folder. The file holds no timestamps; DuckDB records only its version in
 * `created_by`, and the column descriptions (when asked for) are the only key-value metadata.
 */
export async function copyQueryToParquet(
  conn: DuckDBConnection,
  sql: string,
  path: string,
  opts: CopyToParquetOptions = {},
): Promise<{ rows: number }> {
  mkdirSync(dirname(path), { recursive: true });
  const query = opts.orderBy?.length ? `SELECT * FROM (${sql}) AS q${orderByClause(opts.orderBy)}` : sql;
  const options = ["FORMAT parquet", "COMPRESSION zstd"];
  if (opts.rowGroupSize !== undefined) options.push(`ROW_GROUP_SIZE ${Math.floor(opts.rowGroupSize)}`);
  const described = opts.describe !== undefined || opts.describeDefault !== undefined;
  const exec = async (): Promise<{ rows: number }> => {
    try {
      // The descriptions need the query's column names: DESCRIBE binds the query, runs nothing.
      const kv = described
        ? kvMetadataOption(
            columnDescriptionMap(await queryColumnNames(conn, query), opts.describe, opts.describeDefault),
          )
        : "";
      const copy = `COPY (${query}) TO ${sqlString(path)} (${[...options, kv].filter(Boolean).join(", ")})`;
      const result = await conn.run(copy);
      return { rows: result.rowsChanged };
    } catch (cause) {
      throw new StrataError("OUTPUT", `could not write Parquet file ${path}: ${(cause as Error).message}`, {
        cause,
        hint: "check the query (run it alone in DuckDB) and that the folder is writable",
        details: { sql: query },
      });
    }
  };
  return opts.deterministic === false ? exec() : withSingleThread(conn, exec);
}

/** Row count of a Parquet file, from its footer (no data pages read). */
export async function parquetRowCount(conn: DuckDBConnection, path: string): Promise<number> {
  try {
    const reader = await conn.runAndReadAll(
      `SELECT sum(num_rows)::BIGINT FROM parquet_file_metadata(${sqlString(path)})`,
    );
    return Number(reader.getRows()[0]?.[0] ?? 0);
  } catch (cause) {
    throw new StrataError("DATA", `could not read Parquet metadata of ${path}: ${(cause as Error).message}`, {
      cause,
      hint: "check that the file exists and is a Parquet file",
    });
  }
}
