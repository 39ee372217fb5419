/** DuckDB + Parquet storage: connections, SQL quoting, typed columns in and out. */
export * from "./types.ts";
export {
  SMALL_INPUT_ROWS,
  createDatabase,
  withSingleThread,
  withThreadsForInput,
  type CreateDatabaseOptions,
} from "./database.ts";
export { sqlString, sqlIdent, orderByClause, readParquetSql } from "./sql.ts";
export { copyQueryToParquet, parquetRowCount, type CopyToParquetOptions } from "./parquet.ts";
export {
  COLUMN_DESCRIPTIONS_KEY,
  readColumnDescriptions,
  describeColumn,
  type ColumnDescriptions,
} from "./column-descriptions.ts";
export {
  writeColumnsToParquet,
  createTableFromColumns,
  type WriteColumnsOptions,
  type CreateTableOptions,
} from "./write-columns.ts";
export { columnTableLength } from "./encode-columns.ts";
export {
  readColumns,
  queryRows,
  f64Column,
  i32Column,
  stringColumn,
  type ReadColumn,
  type ReadColumns,
  type ReadColumnsOptions,
} from "./read-columns.ts";
export { parseIsoDate, formatIsoDate, dayOfWeek } from "./dates.ts";
