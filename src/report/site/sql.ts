/** Small SQL helpers for page builders: file lists, fan-in unions, and plain rows. */
import type { DuckDBConnection } from "@duckdb/node-api";
import { queryRows, readParquetSql, sqlString } from "../../store/index.ts";
import type { CatalogCell } from "../catalog.ts";
import { pathOf } from "./cells.ts";

/** `read_parquet('<path>')` of a cell's table output. */
export function parquet(cell: CatalogCell, name: string): string {
  return readParquetSql(pathOf(cell, name));
}

/**
 * The rows of one table output over several cells, with a `cell` column holding each cell's
 * id (`union all by name`, so cells with extra columns still combine).
 */
export function fanIn(
  cells: readonly CatalogCell[],
  name: string,
  label: (c: CatalogCell) => string = (c) => c.id,
): string {
  if (!cells.length) throw new Error(`report: fanIn('${name}') over no cells`);
  return cells
    .map((c) => `select ${sqlString(label(c))} as cell, * from ${parquet(c, name)}`)
    .join(" union all by name ");
}

/** Column names and DuckDB types of a table output. */
export async function columnsOf(
  conn: DuckDBConnection,
  source: string,
): Promise<Array<{ name: string; type: string }>> {
  const r = await queryRows<{ column_name: string; column_type: string }>(conn, `describe select * from ${source}`);
  return r.map((x) => ({ name: x.column_name, type: x.column_type }));
}

/** A number from a JSON row value (DuckDB JSON gives BIGINT as a string, NULL as null). */
export function num(v: unknown): number {
  if (v === null || v === undefined) return NaN;
  return typeof v === "number" ? v : Number(v);
}
