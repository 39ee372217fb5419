import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlIdent } from "../../store/sql.ts";
import type { FeaturesQuery } from "./query.ts";

/**
 * Compute the features into a temp table, sorted by (date, symbol), on all of DuckDB's threads.
 *
 * The result does not depend on the thread count: rolling frames are evaluated over a segment
 * tree laid out by row position within the symbol, every per-date float sum runs over a
 * symbol-ordered list, ranks are integers, and (date, symbol) is unique so the sort is a total
 * order (checked: identical bytes at 1 and 2 threads on 2.5 M rows). Writing the table then
 * needs no sort: a single-threaded scan returns it in insertion order.
 */
export async function materializeFeatures(conn: DuckDBConnection, q: FeaturesQuery, table: string): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} AS ${q.sql} ORDER BY date, symbol`);
}
