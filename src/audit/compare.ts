/**
 * Compare two versions of a table on the rows dated on or before a cutoff: same rows in the
 * same order, same values bit for bit (NULL equals NULL; −0 differs from +0; NaN equals NaN).
 * Rows are matched by their position among the rows ≤ cutoff in file order, so no key is
 * assumed: a stage writing sorted output compares row by row, and a changed key (a row gained,
 * lost or moved) shows as a difference in the key columns.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { queryRows, sqlIdent, readParquetSql, sqlString, withThreadsForInput } from "../store/index.ts";

export interface TableDifference {
  /** Column that differs first (in table order); "(schema)" when the columns differ. */
  column: string;
  date: string | null;
  symbol: string | null;
  /** 1-based position among the rows dated ≤ cutoff. */
  row: number;
  original: string | null;
  perturbed: string | null;
}

export interface TableComparison {
  /** Rows dated ≤ cutoff in the original table. */
  rows: number;
  difference?: TableDifference;
}

const FLOAT = /^(DOUBLE|FLOAT|REAL)$/;

export async function describeTable(
  conn: DuckDBConnection,
  path: string,
): Promise<Array<{ name: string; type: string }>> {
  const d = await queryRows<{ column_name: string; column_type: string }>(
    conn,
    `DESCRIBE SELECT * FROM ${readParquetSql(path)}`,
  );
  return d.map((c) => ({ name: c.column_name, type: c.column_type }));
}

export async function compareBeforeCutoff(
  conn: DuckDBConnection,
  original: string,
  perturbed: string,
  cutoff: string,
): Promise<TableComparison> {
  const [ca, cb] = [await describeTable(conn, original), await describeTable(conn, perturbed)];
  const cut = `${sqlString(cutoff)}::DATE`;
  const side = (
    path: string,
  ) => `(SELECT * EXCLUDE (file_row_number), row_number() OVER (ORDER BY file_row_number) AS __pos
      FROM ${readParquetSql(path, { fileRowNumber: true })} WHERE date <= ${cut})`;
  const [{ n }] = await queryRows<{ n: number }>(
    conn,
    `SELECT count(*)::INTEGER AS n FROM ${readParquetSql(original)} WHERE date <= ${cut}`,
  );
  const sa = ca.map((c) => `${c.name}:${c.type}`).join(", "),
    sb = cb.map((c) => `${c.name}:${c.type}`).join(", ");
  if (sa !== sb) {
    return {
      rows: n,
      difference: { column: "(schema)", date: null, symbol: null, row: 0, original: sa, perturbed: sb },
    };
  }
  const flags = ca.map((c, i) => {
    const a = `a.${sqlIdent(c.name)}`,
      b = `b.${sqlIdent(c.name)}`;
    const sign = FLOAT.test(c.type) ? ` OR signbit(${a}) IS DISTINCT FROM signbit(${b})` : "";
    return `(a.__pos IS NULL OR b.__pos IS NULL OR ${a} IS DISTINCT FROM ${b}${sign}) AS d${i}`;
  });
  const hasSymbol = ca.some((c) => c.name === "symbol");
  // Small tables on one thread: a DuckDB window bug (see SMALL_INPUT_ROWS).
  const rows = await withThreadsForInput(conn, n, () =>
    queryRows<Record<string, unknown>>(
      conn,
      `
    SELECT * FROM (
      SELECT coalesce(a.__pos, b.__pos)::BIGINT AS pos, coalesce(a.date, b.date)::VARCHAR AS date,
        ${hasSymbol ? "coalesce(a.symbol, b.symbol)::VARCHAR" : "NULL::VARCHAR"} AS symbol, ${flags.join(", ")}
      FROM ${side(original)} a FULL OUTER JOIN ${side(perturbed)} b ON a.__pos = b.__pos)
    WHERE ${ca.map((_, i) => `d${i}`).join(" OR ")}
    ORDER BY date, pos LIMIT 1`,
    ),
  );
  if (rows.length === 0) return { rows: n };
  const r = rows[0];
  const i = ca.findIndex((_, k) => r[`d${k}`] === true);
  const col = ca[i].name,
    pos = Number(r.pos);
  const value = async (path: string) => {
    const v = await queryRows<{ v: string | null }>(
      conn,
      `SELECT ${sqlIdent(col)}::VARCHAR AS v FROM ${side(path)} WHERE __pos = ${pos}`,
    );
    return v.length ? v[0].v : "(no row)";
  };
  return {
    rows: n,
    difference: {
      column: col,
      date: r.date as string | null,
      symbol: r.symbol as string | null,
      row: pos,
      original: await value(original),
      perturbed: await value(perturbed),
    },
  };
}
