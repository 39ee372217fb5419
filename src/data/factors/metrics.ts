/** Quality figures of a computed features table, for stage metrics and the bench. */
import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlIdent } from "../../store/sql.ts";
import type { FeatureColumn } from "./types.ts";

/**
 * Share of NULLs in each column among the rows past that column's warm-up (the symbol's
 * `warmup`-th row onwards), in 0 … 1; null when no row is past the warm-up. A NULL there means
 * a degenerate input (a non-positive price, a flat market for beta, a single symbol for a
 * z-score), never a warm-up row.
 *
 * `rowNumber` names a column of `table` holding the symbol's row number (1 on its first row);
 * without it the row number is computed by a window over (symbol, date).
 */
export async function nullShareAfterWarmup(
  conn: DuckDBConnection,
  table: string,
  columns: readonly FeatureColumn[],
  rowNumber?: string,
): Promise<Record<string, number | null>> {
  if (columns.length === 0) return {};
  const n = rowNumber === undefined ? "n" : sqlIdent(rowNumber);
  const parts = columns.map((c, i) => {
    const past = `${n} >= ${c.warmup}`;
    return (
      `(count(*) FILTER (WHERE ${past} AND ${sqlIdent(c.name)} IS NULL))::DOUBLE / nullif(count(*) FILTER ` +
      `(WHERE ${past}), 0) AS c${i}`
    );
  });
  const from =
    rowNumber === undefined
      ? `(SELECT *, row_number() OVER (PARTITION BY symbol ORDER BY date) AS n FROM ${table})`
      : table;
  const reader = await conn.runAndReadAll(`SELECT ${parts.join(", ")} FROM ${from}`);
  const row = reader.getRows()[0] ?? [];
  const out: Record<string, number | null> = {};
  columns.forEach((c, i) => {
    const v = row[i];
    out[c.name] = v === null || v === undefined ? null : Number(v);
  });
  return out;
}

/** `nullShareAfterWarmup` over typed columns (NaN = NULL) and the rows' symbol row numbers. */
export function nullShareOfArrays(
  values: Record<string, Float64Array>,
  rowNumber: Float64Array,
  columns: readonly FeatureColumn[],
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const c of columns) {
    const v = values[c.name];
    let past = 0,
      nulls = 0;
    for (let i = 0; i < v.length; i++) {
      if (rowNumber[i] >= c.warmup) {
        past++;
        if (v[i] !== v[i]) nulls++;
      }
    }
    out[c.name] = past === 0 ? null : nulls / past;
  }
  return out;
}

/** What a feature column holds: enough to tell an all-NULL or constant column from a useful one. */
export interface ColumnProfile {
  /** As `nullShareAfterWarmup`. */
  nullAfterWarmup: number | null;
  /** Non-NULL values over all rows. */
  values: number;
  /** Smallest and largest non-NULL value (null when there is none). */
  min: number | null;
  max: number | null;
}

/** `nullShareAfterWarmup` plus count, min and max of each column, in one pass over `table`. */
export async function profileColumns(
  conn: DuckDBConnection,
  table: string,
  columns: readonly FeatureColumn[],
  rowNumber: string,
): Promise<Record<string, ColumnProfile>> {
  if (columns.length === 0) return {};
  const n = sqlIdent(rowNumber);
  const parts = columns.flatMap((c, i) => {
    const col = sqlIdent(c.name),
      past = `${n} >= ${c.warmup}`;
    return [
      `(count(*) FILTER (WHERE ${past} AND ${col} IS NULL))::DOUBLE / nullif(count(*) FILTER (WHERE ${past}), 0) AS ` +
        `s${i}`,
      `count(${col})::DOUBLE AS v${i}`,
      `min(${col})::DOUBLE AS lo${i}`,
      `max(${col})::DOUBLE AS hi${i}`,
    ];
  });
  const reader = await conn.runAndReadAll(`SELECT ${parts.join(", ")} FROM ${table}`);
  const row = reader.getRows()[0] ?? [];
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const out: Record<string, ColumnProfile> = {};
  columns.forEach((c, i) => {
    out[c.name] = {
      nullAfterWarmup: num(row[4 * i]),
      values: num(row[4 * i + 1]) ?? 0,
      min: num(row[4 * i + 2]),
      max: num(row[4 * i + 3]),
    };
  });
  return out;
}

/** `profileColumns` over typed columns (NaN = NULL) and the rows' symbol row numbers. */
export function profileArrays(
  values: Record<string, Float64Array>,
  rowNumber: Float64Array,
  columns: readonly FeatureColumn[],
): Record<string, ColumnProfile> {
  const shares = nullShareOfArrays(values, rowNumber, columns);
  const out: Record<string, ColumnProfile> = {};
  for (const c of columns) {
    const v = values[c.name];
    let count = 0,
      min = Infinity,
      max = -Infinity;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x !== x) continue;
      count++;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    out[c.name] = { nullAfterWarmup: shares[c.name], values: count, min: count ? min : null, max: count ? max : null };
  }
  return out;
}
