import type { DuckDBConnection } from "@duckdb/node-api";
import { stageColumns } from "../../store/encode-columns.ts";
import { sqlIdent } from "../../store/sql.ts";
import { crossSectionalColumns } from "./cross-section.ts";
import {
  nullShareAfterWarmup,
  nullShareOfArrays,
  profileArrays,
  profileColumns,
  type ColumnProfile,
} from "./metrics.ts";
import { ROW_NUMBER, type FeaturesQuery } from "./query.ts";

/** The features of a query, materialized: select them with `select`, then `drop()`. */
export interface MaterializedFeatures {
  /**
   * SELECT of the features table (date, symbol, then `q.columns`) in (date, symbol) order, by
   * position: write it with a single-threaded COPY (copyQueryToParquet), without ORDER BY.
   */
  select: string;
  rows: number;
  /** `null_after_warmup` share per column (see nullShareAfterWarmup). */
  nullShares(): Promise<Record<string, number | null>>;
  /** Null share, count, min and max per column (see profileColumns): finds all-NULL and constant columns. */
  profile(): Promise<Record<string, ColumnProfile>>;
  /** Most rows any symbol has. */
  maxSymbolRows(): Promise<number>;
  drop(): Promise<void>;
}

/**
 * Compute the features of `q` into temp tables on all of DuckDB's threads:
 *
 * 1. the per-symbol factors, sorted by (date, symbol), into `table` (with the symbol's row
 *    number `__n`); (date, symbol) is unique, so the sort is a total order;
 * 2. the cross-sectional ranks and z-scores, in JS from that table's columns (cross-section.ts),
 *    loaded back as a narrow staging table in the same row order;
 * 3. `select` glues the two with a POSITIONAL JOIN, so writing needs no join and no sort.
 *
 * The result depends neither on the thread count nor on where a symbol's history starts: each
 * rolling frame is aggregated on its own, in row order (DuckDB's `debug_window_mode =
 * 'SEPARATE'`, set here on the cell's private instance), the per-date market mean is an
 * ordered aggregate, and the per-date moments run in symbol order. DuckDB's default combines
 * frames from a segment tree laid out by row position within the partition, so a frame's last
 * bits depended on how many rows came before it (measured: 20–95 % of the values of
 * 20–252-row sums, averages and deviations differ between a full history and a truncated one);
 * with it, a features table updated by new dates (FeaturesQueryOptions.after) is the full
 * computation's bytes (tests/data/features-incremental.test.ts). Cost: ~1.3× the window pass.
 */
export async function materializeFeatures(
  conn: DuckDBConnection,
  q: FeaturesQuery,
  table: string,
): Promise<MaterializedFeatures> {
  const t = sqlIdent(table);
  await conn.run(`SET debug_window_mode = 'SEPARATE'`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${t} AS ${q.sqlWithRowNumber} ORDER BY date, symbol`);
  const xsNames = [...q.rank.map((c) => `${c}_rank`), ...q.zscore.map((c) => `${c}_z`)];
  const factorColumns = q.columns.slice(0, q.columns.length - xsNames.length);
  const base = `${t}.* EXCLUDE (${ROW_NUMBER})`;
  if (xsNames.length === 0) {
    const rows = await rowCount(conn, t);
    return {
      select: `SELECT ${base} FROM ${t}`,
      rows,
      nullShares: () => nullShareAfterWarmup(conn, t, factorColumns, ROW_NUMBER),
      profile: () => profileColumns(conn, t, factorColumns, ROW_NUMBER),
      maxSymbolRows: () => maxRowNumber(conn, t),
      drop: async () => {
        await conn.run(`DROP TABLE IF EXISTS ${t}`);
      },
    };
  }
  let xs, staged;
  try {
    xs = await crossSectionalColumns(conn, table, q.rank, q.zscore, ROW_NUMBER);
    staged = await stageColumns(conn, { columns: xs.columns });
  } catch (e) {
    await conn.run(`DROP TABLE IF EXISTS ${t}`);
    throw e;
  }
  const xsColumns = q.columns.slice(factorColumns.length);
  const xsShares = nullShareOfArrays(xs.columns, xs.rowNumber, xsColumns);
  const xsProfile = profileArrays(xs.columns, xs.rowNumber, xsColumns);
  // The staging table holds NaN for NULL (a Float64Array has no NULL): nullif turns it back.
  const xsSelect = xsNames.map((c) => `nullif(x.${sqlIdent(c)}, 'NaN'::DOUBLE) AS ${sqlIdent(c)}`);
  return {
    select: `SELECT ${base}, ${xsSelect.join(", ")} FROM ${t} POSITIONAL JOIN ${staged.table} AS x`,
    rows: staged.rows,
    nullShares: async () => ({ ...(await nullShareAfterWarmup(conn, t, factorColumns, ROW_NUMBER)), ...xsShares }),
    profile: async () => ({ ...(await profileColumns(conn, t, factorColumns, ROW_NUMBER)), ...xsProfile }),
    maxSymbolRows: () => maxRowNumber(conn, t),
    drop: async () => {
      await staged.drop();
      await conn.run(`DROP TABLE IF EXISTS ${t}`);
    },
  };
}

async function rowCount(conn: DuckDBConnection, table: string): Promise<number> {
  const r = await conn.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${table}`);
  return Number(r.getRows()[0]?.[0] ?? 0);
}

async function maxRowNumber(conn: DuckDBConnection, table: string): Promise<number> {
  const r = await conn.runAndReadAll(`SELECT coalesce(max(${sqlIdent(ROW_NUMBER)}), 0)::DOUBLE FROM ${table}`);
  return Number(r.getRows()[0]?.[0] ?? 0);
}
