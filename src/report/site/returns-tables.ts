/**
 * Every readable `returns` table of the study as return series — one per cell, or one per
 * `strategy` when the table holds several (the baselines) — read in two queries: the files'
 * schemas (`parquet_schema`), then one ordered `union all` of the usable ones, as columns. The
 * default study's 31 tables took ~0.27 s as a DESCRIBE and a row query each (most of it
 * DuckDB's cost per query), 0.05–0.09 s so.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { isoDays } from "./dates.ts";
import { readColumns, sqlIdent, sqlString } from "../../store/index.ts";
import type { CatalogCell } from "../catalog.ts";
import { pathOf } from "./cells.ts";
import { parquet } from "./sql.ts";

/** Columns a series may carry beside `date` and `net`, and the series field each fills. */
const OPTIONAL = { turnover: "turnover", gross_exposure: "grossExposure", net_exposure: "netExposure" } as const;

export interface TableSeries {
  /** The cell's id, or the strategy's name in a table of several. */
  label: string;
  /** The cell holding the table. */
  cell: CatalogCell;
  /** Whether the table holds several strategies. */
  strategies: boolean;
  dates: string[];
  returns: number[];
  turnover?: number[];
  grossExposure?: number[];
  netExposure?: number[];
}

interface SchemaRow {
  file_name: string;
  name: string;
  num_children: number | null;
}

/**
 * Each file's top-level column names. `parquet_schema` lists a file's schema tree depth first
 * (the root, then each column followed by its nested fields), so a field inside a struct named
 * like a column is not taken for one.
 */
function topLevel(rows: readonly SchemaRow[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  let i = 0;
  const skip = (): void => {
    const n = rows[i++].num_children ?? 0;
    for (let k = 0; k < n; k++) skip();
  };
  while (i < rows.length) {
    const file = rows[i].file_name;
    const names = new Set<string>();
    const n = rows[i++].num_children ?? 0;
    for (let k = 0; k < n; k++) {
      names.add(rows[i].name);
      skip();
    }
    out.set(file, names);
  }
  return out;
}

/** The return series of `cells`' `returns` tables with a `date` and a `net` column, in the cells' order. */
export async function returnsTables(conn: DuckDBConnection, cells: readonly CatalogCell[]): Promise<TableSeries[]> {
  if (!cells.length) return [];
  const paths = cells.map((c) => pathOf(c, "returns"));
  const schema = await conn.runAndReadAll(
    `select file_name, name, num_children from parquet_schema([${paths.map(sqlString).join(", ")}])`,
  );
  const columns = topLevel(schema.getRowObjectsJS() as unknown as SchemaRow[]);
  const usable = cells
    .map((cell, i) => ({ cell, cols: columns.get(paths[i]) ?? new Set<string>() }))
    .filter((u) => u.cols.has("date") && u.cols.has("net"));
  if (!usable.length) return [];
  const selects = usable.map(({ cell, cols }, i) => {
    const optional = Object.keys(OPTIONAL).map(
      (c) => `${cols.has(c) ? `${sqlIdent(c)}::DOUBLE` : "NULL::DOUBLE"} as ${c}`,
    );
    const strategy = cols.has("strategy") ? "strategy::VARCHAR" : "NULL::VARCHAR";
    return `select ${i} as t, ${strategy} as strategy, date::DATE as date, net::DOUBLE as net, ${optional.join(", ")} from ${parquet(cell, "returns")}`;
  });
  const c = await readColumns(conn, `select * from (${selects.join(" union all ")}) order by t, strategy, date`);
  const t = c.t as Int32Array;
  const strategy = c.strategy as (string | null)[];
  const date = isoDays(c.date as Int32Array | Float64Array);
  const out: TableSeries[] = [];
  for (let a = 0; a < t.length; ) {
    let b = a + 1;
    while (b < t.length && t[b] === t[a] && strategy[b] === strategy[a]) b++;
    const { cell, cols } = usable[t[a]];
    const slice = (name: string) => Array.from((c[name] as Float64Array).subarray(a, b));
    const s: TableSeries = {
      label: cols.has("strategy") ? String(strategy[a]) : cell.id,
      cell,
      strategies: cols.has("strategy"),
      dates: date.slice(a, b).map(String),
      returns: slice("net"),
    };
    for (const [col, field] of Object.entries(OPTIONAL)) if (cols.has(col)) s[field] = slice(col);
    out.push(s);
    a = b;
  }
  return out;
}
