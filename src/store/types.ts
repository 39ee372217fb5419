/** The typed-array columns (numbers and BIGINT), written without a per-value conversion. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array;

/** Typed columns accepted by Parquet writers: name → values. All columns have the same length. */
export type ColumnData =
  | NumericArray
  | string[]
  | number[]
  | boolean[]
  | (string | null)[]
  | (number | null)[]
  | (boolean | null)[];

export interface ColumnTable {
  columns: Record<string, ColumnData>;
  /** Optional DuckDB types per column, e.g. { date: "DATE" } (strings "YYYY-MM-DD" → DATE). */
  types?: Record<string, string>;
}
