/**
 * SQL literal and identifier quoting for DuckDB. Every value spliced into SQL text goes
 * through one of these; nothing else in Strata builds SQL from raw strings.
 */
import { StrataError } from "../core/errors.ts";

/** A single-quoted SQL string literal: `it's` → `'it''s'`. */
export function sqlString(s: string): string {
  if (s.includes("\0")) {
    throw new StrataError(
      "ARGUMENT",
      `sqlString: value ${JSON.stringify(s)} contains a NUL character, which SQL text cannot carry`,
      {
        hint: "strip NUL characters before building the query",
      },
    );
  }
  return `'${s.replaceAll("'", "''")}'`;
}

/** A double-quoted SQL identifier: `my "col"` → `"my ""col"""`. Case is preserved. */
export function sqlIdent(s: string): string {
  if (s.length === 0) {
    throw new StrataError("ARGUMENT", "sqlIdent: an identifier cannot be empty", {
      hint: "give the column or table a name",
    });
  }
  if (s.includes("\0")) {
    throw new StrataError("ARGUMENT", `sqlIdent: identifier ${JSON.stringify(s)} contains a NUL character`);
  }
  return `"${s.replaceAll('"', '""')}"`;
}

/** `ORDER BY a, b` for identifiers, or "" for none. Each entry is an identifier, quoted here. */
export function orderByClause(columns: readonly string[] | undefined): string {
  if (!columns || columns.length === 0) return "";
  return ` ORDER BY ${columns.map(sqlIdent).join(", ")}`;
}

/**
 * `read_parquet('<path>')` of one artifact file, with Hive partition detection off: matrix
 * cells live in folders named like `model=ridge`, which DuckDB would otherwise read as an extra
 * `model` column of every file below. `fileRowNumber` adds the `file_row_number` column.
 */
export function readParquetSql(path: string, opts: { fileRowNumber?: boolean } = {}): string {
  return (
    `read_parquet(${sqlString(path)}, hive_partitioning = ` +
    `false${opts.fileRowNumber ? ", file_row_number = true" : ""})`
  );
}
