/**
 * Table downloads: while a page of `pipeline report` is built, every data table hands its full
 * rows (no row cap) to the page's download sink and links to `data/<page>-<n>.csv` and
 * `.parquet`; the site writes those files beside the pages. Outside a build with a sink (the
 * report stage, whose outputs are declared up front; notebooks) tables render without links.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { sqlIdent, sqlString } from "../store/sql.ts";
import type { ColumnData, ColumnTable } from "../store/types.ts";

export interface TableData {
  /** File name without extension, relative to the site folder ("data/backtest-3"). */
  name: string;
  columns: string[];
  rows: readonly Record<string, unknown>[];
}

export class DownloadSink {
  readonly tables: TableData[] = [];
  constructor(private readonly stem: string) {}
  /** Register a table's full data; returns its file name without extension. */
  add(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
    const name = `data/${this.stem}-${this.tables.length + 1}`;
    this.tables.push({ name, columns: [...columns], rows });
    return name;
  }
}

let current: DownloadSink | null = null;

/** Run `build` with `sink` collecting the tables it renders (pages build one at a time). */
export async function collectDownloads<T>(sink: DownloadSink, build: () => Promise<T>): Promise<T> {
  const outer = current;
  current = sink;
  try {
    return await build();
  } finally {
    current = outer;
  }
}

/** The sink of the page being built, if any. */
export function downloadSink(): DownloadSink | null {
  return current;
}

/** A value as CSV text: numbers in full precision (round-trip), dates as ISO, null empty. */
function csvText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return isoOf(v);
  return typeof v === "string" ? v : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
}

function isoOf(d: Date): string {
  const iso = d.toISOString();
  return d.getUTCHours() || d.getUTCMinutes() || d.getUTCSeconds() || d.getUTCMilliseconds() ? iso : iso.slice(0, 10);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV of the table: a header row, then one line per row, "\n" line ends. */
export function tableCsv(t: Pick<TableData, "columns" | "rows">): string {
  const lines = [t.columns.map(csvField).join(",")];
  for (const r of t.rows) lines.push(t.columns.map((c) => csvField(csvText(r[c]))).join(","));
  return `${lines.join("\n")}\n`;
}

/**
 * The table as typed columns for Parquet: numbers → BIGINT when every value is an integer, else
 * DOUBLE; bigints → BIGINT; booleans → BOOLEAN; dates → DATE (TIMESTAMP with a time of day);
 * strings (and a column of nothing but nulls) → VARCHAR; a column mixing kinds → VARCHAR of the
 * CSV text.
 */
export function tableColumns(t: Pick<TableData, "columns" | "rows">): ColumnTable {
  const columns: Record<string, ColumnData> = {};
  const types: Record<string, string> = {};
  for (const c of t.columns) {
    const values = t.rows.map((r) => r[c] ?? null);
    const kinds = new Set(values.filter((v) => v !== null).map((v) => (v instanceof Date ? "date" : typeof v)));
    const kind = kinds.size === 1 ? [...kinds][0] : kinds.size === 0 ? "string" : "mixed";
    if (kind === "number") {
      columns[c] = values as (number | null)[];
      types[c] = values.every(
        (v) => v === null || (Number.isInteger(v) && Math.abs(v as number) <= Number.MAX_SAFE_INTEGER),
      )
        ? "BIGINT"
        : "DOUBLE";
    } else if (kind === "bigint") {
      columns[c] = values.map((v) => (v === null ? null : String(v)));
      types[c] = "BIGINT";
    } else if (kind === "boolean") {
      columns[c] = values as (boolean | null)[];
      types[c] = "BOOLEAN";
    } else if (kind === "date") {
      const texts = values.map((v) => (v === null ? null : isoOf(v as Date)));
      columns[c] = texts;
      types[c] = texts.some((x) => x !== null && x.length > 10) ? "TIMESTAMP" : "DATE";
    } else {
      columns[c] = values.map((v) => (v === null ? null : csvText(v)));
      types[c] = "VARCHAR";
    }
  }
  // Every column is typed here, so the VALUES query and the staged columns agree by construction.
  return { columns, types };
}

/** A value as a SQL literal; numbers in exponent form, which DuckDB reads as an exact DOUBLE. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return Number.isFinite(v) ? v.toExponential() : `'${v}'`;
  if (typeof v === "boolean") return v ? "true" : "false";
  return sqlString(String(v));
}

/**
 * The table as one SELECT over a VALUES list, typed as `tableColumns` types it: a small table
 * goes to Parquet in one statement (no staging table), the same values and types either way.
 */
export function tableValuesQuery(t: Pick<TableData, "columns" | "rows">): string {
  const { columns, types = {} } = tableColumns(t);
  const names = t.columns;
  const rows = t.rows.map(
    (_r, i) => `(${names.map((c) => literal((columns[c] as ArrayLike<unknown>)[i])).join(", ")})`,
  );
  const select = names.map((c, j) => `CAST(c${j} AS ${(types as Record<string, string>)[c]}) AS ${sqlIdent(c)}`);
  const aliases = names.map((_c, j) => `c${j}`).join(", ");
  return `SELECT ${select.join(", ")} FROM (VALUES ${rows.join(", ")}) AS v(${aliases})`;
}

/**
 * Several tables' `COPY (SELECT … VALUES …) TO path (FORMAT parquet, COMPRESSION zstd)` as one
 * batch: one call into DuckDB, which writes them in order on its own threads while the pages go
 * on rendering. A VALUES list is one chunk, written in row order whatever the thread count.
 */
export async function copyTablesToParquet(
  conn: DuckDBConnection,
  copies: ReadonlyArray<{ table: Pick<TableData, "columns" | "rows">; path: string }>,
): Promise<void> {
  if (!copies.length) return;
  for (const c of copies) mkdirSync(dirname(c.path), { recursive: true });
  const batch = copies.map(
    (c) => `COPY (${tableValuesQuery(c.table)}) TO ${sqlString(c.path)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  try {
    await conn.run(batch.join(";\n"));
  } catch (cause) {
    throw new StrataError(
      "OUTPUT",
      `could not write ${copies.length} Parquet files (${copies[0].path}, …): ${(cause as Error).message}`,
      { cause, hint: "check that the report folder is writable" },
    );
  }
}
