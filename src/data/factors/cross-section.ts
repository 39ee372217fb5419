/**
 * Cross-sectional transforms per date, over the symbols with a non-NULL value that date.
 *
 *   <c>_rank = (average rank of c among the date's m values − 1) / (m − 1), in 0 … 1
 *              (ties share their average rank; 0.5 when m = 1)
 *   <c>_z    = (c − mean) / stdev   (sample stdev, ddof 1; 0 when every value is equal;
 *              NULL when m < 2)
 * NULL where c is NULL. A date's transform uses only that date's values: no look-ahead, and a
 * symbol listing later changes only the dates it trades on.
 *
 * Computed in JS (src/quant/cross-section) from the factor table sorted by (date, symbol): each
 * date is a contiguous run of rows in symbol order, so the moments are summed in one canonical
 * order (the same to the bit whatever the thread count) and ranks are exact. Measured on 2.5 M
 * rows: 6 ranks + 4 z-scores ≈ 1 s in JS, against ≈ 6 s as DuckDB window sorts + joins.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../../core/errors.ts";
import { groupRanks, groupStarts, groupZScores } from "../../quant/cross-section/index.ts";
import { f64Column, i32Column, readColumns } from "../../store/index.ts";
import { sqlIdent } from "../../store/sql.ts";

export interface CrossSectionalColumns {
  /** `<c>_rank` then `<c>_z` columns, row-aligned with the table; NaN where NULL. */
  columns: Record<string, Float64Array>;
  /** Each row's `rowNumber` column (the symbol's row number), for warm-up metrics. */
  rowNumber: Float64Array;
}

/**
 * Ranks and z-scores of the columns of `table`, which must be sorted by (date, symbol) and
 * have a row-number column `rowNumber`. Reads only date, the row number and the transformed
 * columns, in table order.
 */
export async function crossSectionalColumns(
  conn: DuckDBConnection,
  table: string,
  rank: readonly string[],
  zscore: readonly string[],
  rowNumber: string,
): Promise<CrossSectionalColumns> {
  const needed = [...new Set([...rank, ...zscore])];
  // NaN would be read as NULL (readColumns maps NULL to NaN). Validated prices (> 0, finite)
  // never give one — the factors turn degenerate inputs into NULL — but say so if they do.
  const nan = await conn.runAndReadAll(
    `SELECT ${needed.map((c) => `count(*) FILTER (WHERE isnan(${sqlIdent(c)}))::DOUBLE`).join(", ")} ` +
      `FROM ${sqlIdent(table)}`,
  );
  const nanCounts = (nan.getRows()[0] ?? []).map(Number);
  const bad = needed.filter((_, i) => nanCounts[i] > 0);
  if (bad.length > 0) {
    throw new StrataError(
      "DATA",
      `features: factor column(s) ${bad.join(", ")} hold NaN, which ranks and z-scores cannot order`,
      {
        hint: "check the prices for non-finite or non-positive values (the data stage's validation rejects them)",
      },
    );
  }
  const cols = await readColumns(
    conn,
    `SELECT date, ${sqlIdent(rowNumber)}::DOUBLE AS __n, ${needed.map(sqlIdent).join(", ")} FROM ${sqlIdent(table)}`,
  );
  const starts = groupStarts(i32Column(cols, "date"));
  const columns: Record<string, Float64Array> = {};
  for (const c of rank) columns[`${c}_rank`] = groupRanks(f64Column(cols, c), starts);
  for (const c of zscore) columns[`${c}_z`] = groupZScores(f64Column(cols, c), starts);
  return { columns, rowNumber: f64Column(cols, "__n") };
}
