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
import { sqlString } from "../store/sql.ts";
import type { ColumnData, ColumnTable } from "../store/types.ts";

export interface TableData {
  /** File name without extension, relative to the site folder ("data/backtest-3"). */
  name: string;
  columns: string[];
  rows: readonly Record<string, unknown>[];
}

/** A table whose CSV is written: what its Parquet file needs (the column types of `tableColumns`). */
export interface CsvTable {
  name: string;
  columns: string[];
  types: Record<string, string>;
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

/**
 * `collectDownloads` for a synchronous `draw` (a subpage's body): nothing else can run between
 * setting the sink and restoring it, so pages built meanwhile never share it.
 */
export function collectDownloadsSync<T>(sink: DownloadSink, draw: () => T): T {
  const outer = current;
  current = sink;
  try {
    return draw();
  } finally {
    current = outer;
  }
}

/** The sink of the page being built, if any. */
export function downloadSink(): DownloadSink | null {
  return current;
}

/** A value as CSV text: numbers in full precision (round-trip), dates as ISO, null empty (tableCsv quotes ""). */
function csvText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return isoOf(v);
  return typeof v === "string" ? v : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
}

/** ISO text of each instant met so far: a site's tables repeat the same few thousand dates (0.1 s of toISOString). */
const isoTexts = new Map<number, string>();

function isoOf(d: Date): string {
  const t = d.getTime();
  let text = isoTexts.get(t);
  if (text === undefined) {
    const iso = d.toISOString();
    text = d.getUTCHours() || d.getUTCMinutes() || d.getUTCSeconds() || d.getUTCMilliseconds() ? iso : iso.slice(0, 10);
    if (isoTexts.size >= 100_000) isoTexts.clear();
    isoTexts.set(t, text);
  }
  return text;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * RFC 4180 CSV of the table: a header row, then one line per row, "\n" line ends. Null is an
 * empty field, the empty string a quoted one (`""`), so the two stay apart.
 */
export function tableCsv(t: Pick<TableData, "columns" | "rows">): string {
  const lines = [t.columns.map(csvField).join(",")];
  for (const r of t.rows) lines.push(t.columns.map((c) => (r[c] === "" ? '""' : csvField(csvText(r[c])))).join(","));
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
  // Every column is typed here: the Parquet file reads its CSV back with these types.
  return { columns, types };
}

/** A table's download made ready ahead of writing (a subpage's, which the subpage cache keeps): its CSV text. */
export interface PreparedTable extends CsvTable {
  csv: string;
}

/** `csvTable` as one record. */
export function prepareTable(t: TableData): PreparedTable {
  const { csv, table } = csvTable(t);
  return { ...table, csv };
}

/** The table's CSV text and what its Parquet file needs, once the CSV is on disk. */
export function csvTable(t: TableData): { csv: string; table: CsvTable } {
  const types = (tableColumns(t).types ?? {}) as Record<string, string>;
  return { csv: tableCsv(t), table: { name: t.name, columns: t.columns, types } };
}

/**
 * A SELECT reading a table's CSV (as `tableCsv` wrote it, at `csvPath`) with the types
 * `tableColumns` gave: no type guessing, quoted empty strings kept apart from null (an empty
 * field). DuckDB parses each number back to the exact double (the CSV holds JavaScript's
 * round-trip text), "NaN" and "±Infinity" included.
 */
export function tableCsvSelect(t: Pick<CsvTable, "columns" | "types">, csvPath: string): string {
  const columns = t.columns.map((c) => `${sqlString(c)}: ${sqlString(t.types[c])}`).join(", ");
  return (
    `SELECT * FROM read_csv(${sqlString(csvPath)}, header = true, auto_detect = false, delim = ',', ` +
    `quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, columns = {${columns}})`
  );
}

/**
 * Several tables' `COPY (SELECT … read_csv(their CSV) …) TO path (FORMAT parquet, COMPRESSION
 * zstd)` as one batch: one call into DuckDB, which writes them in order on its own threads while
 * the pages go on rendering. Reading the CSV just written costs DuckDB ~1.7 ms a small table,
 * where parsing the same rows as a SELECT over VALUES took ~5.5 ms (and its SQL text ~0.8 ms of
 * JavaScript); the bytes do not depend on the thread count (tests/report/downloads.test.ts).
 */
export async function copyTablesToParquet(
  conn: DuckDBConnection,
  copies: ReadonlyArray<{ table: Pick<CsvTable, "columns" | "types">; csv: string; path: string }>,
): Promise<void> {
  if (!copies.length) return;
  for (const c of copies) mkdirSync(dirname(c.path), { recursive: true });
  const batch = copies.map(
    (c) => `COPY (${tableCsvSelect(c.table, c.csv)}) TO ${sqlString(c.path)} (FORMAT parquet, COMPRESSION zstd)`,
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
