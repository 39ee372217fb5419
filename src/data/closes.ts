/**
 * Closing prices of a long prices file (date, symbol, close) over a date range, as the daily
 * monitoring report reads them (`pipeline paper run`: realized forward returns for the IC and
 * the quantile spread, the book's correlation), and the last date the file has a price for.
 * Rows with a non-positive or non-finite close are left out; sorted by date, then symbol.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  f64Column,
  formatIsoDate,
  i32Column,
  readColumns,
  readParquetSql,
  sqlString,
  stringColumn,
} from "../store/index.ts";

export interface CloseRow {
  /** YYYY-MM-DD. */
  date: string;
  symbol: string;
  close: number;
}

export interface ClosesInRange {
  rows: CloseRow[];
  /** The last date on or before `to` with any row in the file (the data's freshness), or null. */
  lastDate: string | null;
}

/** Closes of the Parquet file at `pricesPath` from `from` to `to` (YYYY-MM-DD, both included). */
export async function readCloses(
  conn: DuckDBConnection,
  pricesPath: string,
  range: { from: string; to: string },
): Promise<ClosesInRange> {
  const src = readParquetSql(pricesPath);
  const cols = await readColumns(
    conn,
    `SELECT date, symbol, CAST(close AS DOUBLE) AS close FROM ${src}
        WHERE date >= ${sqlString(range.from)}::DATE AND date <= ${sqlString(range.to)}::DATE AND close > 0 AND
        isfinite(close) ORDER BY date, symbol`,
  );
  const d = i32Column(cols, "date"),
    sy = stringColumn(cols, "symbol"),
    c = f64Column(cols, "close");
  const rows = Array.from(d, (x, k) => ({ date: formatIsoDate(x), symbol: sy[k]!, close: c[k] }));
  const last = await readColumns(conn, `SELECT max(date) AS d FROM ${src} WHERE date <= ${sqlString(range.to)}::DATE`);
  return { rows, lastDate: last.d instanceof Int32Array ? formatIsoDate(last.d[0]) : null };
}
