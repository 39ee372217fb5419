/**
 * Wide price tables: a date column and one column of prices per asset (the layout of most
 * public data sets, e.g. PyPortfolioOpt's stock_prices.csv). The one parser of that layout,
 * used by `pipeline optimize` and by the data stage / `pipeline data validate` (which turn the
 * table into long rows, close only).
 *
 * Every cell is read as text through DuckDB and checked here, and every problem is collected
 * with its place (CSV line with the header as line 1, or 1-based Parquet row), the date and
 * the asset's column: an unparsable or repeated date, a non-numeric / NaN / infinite,
 * non-positive or implausibly large price (above `maxPrice`), an asset column with no price,
 * too few rows, and — unless `gaps: "allow"` — an empty cell after an asset's first price.
 * Leading empty cells are always allowed (an asset not yet listed).
 */
import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { createDatabase, withSingleThread } from "../store/database.ts";
import { queryRows, readColumns } from "../store/read-columns.ts";
import { parseIsoDate } from "../store/dates.ts";
import { readParquetSql, sqlIdent, sqlString } from "../store/sql.ts";
import { resolveColumns, type ColumnMapping } from "./price-columns.ts";
import { DEFAULT_MAX_PRICE, formatLimit, type DataProblem } from "./problems.ts";

export interface WidePrices {
  file: string;
  format: "csv" | "parquet";
  /** The file's date column. */
  dateColumn: string;
  /** "YYYY-MM-DD", strictly ascending (rows are sorted by date whatever the file's order). */
  dates: string[];
  /** The asset columns, in file order. */
  assets: string[];
  /** One column per asset aligned with `dates`; NaN where the asset has no price. */
  prices: Float64Array[];
  /** Where each date row is in the file: CSV line (header = 1) or Parquet row (1-based). */
  locations: Int32Array;
}

export interface ParseWideOptions {
  /** The date column's header; default the column a long file's date would map to ("date", "Date", "day", …). */
  dateColumn?: string;
  /** "error" (default): an empty cell after an asset's first price is an error; "allow": that day has no price. */
  gaps?: "error" | "allow";
  /** Prices above this are errors (corrupt cells, wrong units). Default DEFAULT_MAX_PRICE (1e9). */
  maxPrice?: number;
  /** Fewest date rows accepted (≥ 1). Default 1. */
  minRows?: number;
  /** Problems listed; all are counted. Default 20. */
  maxProblems?: number;
}

export interface WideParse {
  /** The table when there were no problems. */
  prices: WidePrices | null;
  problems: DataProblem[];
  problemCount: number;
}

/** The date column of a wide table: the mapped header, or the header a long file's date would match. */
export function wideDateColumn(headers: readonly string[], mapping: ColumnMapping = {}): string | undefined {
  const r = resolveColumns(headers, mapping.date === undefined ? {} : { date: mapping.date });
  return r.found.date;
}

/**
 * True when `headers` look like a wide table: a date column, no symbol column (by name or in
 * the mapping), no mapped close, and at least one other column.
 */
export function looksWide(headers: readonly string[], mapping: ColumnMapping = {}): boolean {
  if (mapping.symbol !== undefined || mapping.close !== undefined) return false;
  const r = resolveColumns(headers, mapping.date === undefined ? {} : { date: mapping.date });
  return r.found.date !== undefined && r.found.symbol === undefined && headers.length >= 2;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Problems as they are found: every one counted, the first `max` kept. */
interface ProblemLog {
  list: DataProblem[];
  count: number;
  add(p: DataProblem): void;
}

function problemLog(max: number): ProblemLog {
  const log: ProblemLog = {
    list: [],
    count: 0,
    add(p) {
      log.count++;
      if (log.list.length < max) log.list.push(p);
    },
  };
  return log;
}

/** Row `i` (0-based among the data rows) as a problem's place: CSV line (header = 1) or Parquet row. */
const rowPlace = (format: "csv" | "parquet", i: number) => (format === "csv" ? { line: i + 2 } : { row: i + 1 });
/** Row `i` as messages name it. */
const rowName = (format: "csv" | "parquet", i: number) => (format === "csv" ? `line ${i + 2}` : `row ${i + 1}`);

/** Validate a wide table read as text (header → cells, in file order). Pure; `file` is for messages. */
export function parseWidePrices(
  file: string,
  columns: Record<string, readonly (string | null)[]>,
  format: "csv" | "parquet",
  opts: ParseWideOptions = {},
): WideParse {
  const log = problemLog(opts.maxProblems ?? 20);
  const failed = (): WideParse => ({ prices: null, problems: log.list, problemCount: log.count });
  const names = Object.keys(columns);
  const dateCol =
    opts.dateColumn !== undefined
      ? (names.find((c) => c === opts.dateColumn) ??
        names.find((c) => c.toLowerCase() === opts.dateColumn!.toLowerCase()))
      : wideDateColumn(names);
  const shape = tableShapeProblem(file, format, columns, dateCol, opts);
  if (shape !== undefined) {
    log.add(shape);
    return failed();
  }
  const assets = names.filter((c) => c !== dateCol);
  const raw = columns[dateCol!];
  const rows = sortedDateRows(file, format, dateCol!, raw, log);
  if (log.count > 0) return failed();
  const cell = { file, format, rows, raw, gapsAllowed: opts.gaps === "allow" };
  const maxPrice = opts.maxPrice ?? DEFAULT_MAX_PRICE;
  const prices = assets.map((a) => assetPrices(a, columns[a], cell, maxPrice, log));
  if (log.count > 0) return failed();
  return {
    prices: {
      file,
      format,
      dateColumn: dateCol!,
      assets,
      prices,
      dates: rows.map((r) => raw[r.i]!.trim()),
      locations: Int32Array.from(rows, (r) => (format === "csv" ? r.i + 2 : r.i + 1)),
    },
    problems: log.list,
    problemCount: 0,
  };
}

/** What makes the table unreadable as a whole: no date column, no asset column, too few rows. */
function tableShapeProblem(
  file: string,
  format: "csv" | "parquet",
  columns: Record<string, readonly (string | null)[]>,
  dateCol: string | undefined,
  opts: ParseWideOptions,
): DataProblem | undefined {
  const names = Object.keys(columns);
  if (!dateCol) {
    return {
      kind: "missing-column",
      file,
      column: opts.dateColumn ?? "date",
      message:
        `${file}: no date column${opts.dateColumn ? ` "${opts.dateColumn}"` : ""} ` +
        `(columns: ${names.join(", ") || "none"})`,
      hint: "name the first column 'date' (YYYY-MM-DD), one further column per asset with its prices",
    };
  }
  if (names.filter((c) => c !== dateCol).length === 0) {
    return {
      kind: "missing-column",
      file,
      message: `${file}: only a date column, no asset columns`,
      hint: "add one column of prices per asset",
    };
  }
  const rowCount = columns[dateCol].length;
  const minRows = Math.max(1, opts.minRows ?? 1);
  if (rowCount === 0) {
    return {
      kind: "empty",
      file,
      message: `${file}: no data rows (${format === "csv" ? "only a header line" : "the file has no rows"})`,
      hint: "the export or download probably failed; check the source file",
    };
  }
  if (rowCount < minRows) {
    return {
      kind: "too-few-rows",
      file,
      message:
        `${file}: ${rowCount} row(s) of prices; at least ${minRows} are ` +
        `needed${minRows === 2 ? " for one return" : ""}`,
      hint: "pass a longer price history",
    };
  }
  return undefined;
}

/**
 * The rows whose date parses, sorted by date (file order among equal dates); logs every
 * unparsable or empty date, then every date that repeats an earlier one.
 */
function sortedDateRows(
  file: string,
  format: "csv" | "parquet",
  dateCol: string,
  raw: readonly (string | null)[],
  log: ProblemLog,
): { i: number; days: number }[] {
  const rows: { i: number; days: number }[] = [];
  raw.forEach((d, i) => {
    const text = d?.trim() ?? "";
    const days = text === "" ? null : parseIsoDate(text);
    if (days === null) {
      log.add({
        kind: text === "" ? "missing-value" : "bad-date",
        file,
        ...rowPlace(format, i),
        column: dateCol,
        value: text,
        message: `${file} ${rowName(format, i)}, column ${dateCol}: '${text}' is not a YYYY-MM-DD date`,
        hint: 'write dates as ISO YYYY-MM-DD, or pass dateFormat (strptime, e.g. "%d/%m/%Y")',
      });
    } else {
      rows.push({ i, days });
    }
  });
  rows.sort((a, b) => a.days - b.days || a.i - b.i);
  for (let k = 1; k < rows.length; k++) {
    if (rows[k].days === rows[k - 1].days) {
      const d = raw[rows[k].i]!.trim();
      log.add({
        kind: "duplicate",
        file,
        ...rowPlace(format, rows[k].i),
        column: dateCol,
        date: d,
        value: d,
        message:
          `${file} ${rowName(format, rows[k].i)}, column ${dateCol}: date ${d} ` +
          `repeats ${rowName(format, rows[k - 1].i)}`,
        hint: "keep one row per date",
      });
    }
  }
  return rows;
}

/** What every asset column is read against: the date rows in date order and the gap rule. */
interface CellContext {
  file: string;
  format: "csv" | "parquet";
  rows: readonly { i: number }[];
  /** The date column's cells, in file order. */
  raw: readonly (string | null)[];
  gapsAllowed: boolean;
}

/** One asset's prices in date order, NaN where it has none; logs every rejected cell. */
function assetPrices(
  a: string,
  cells: readonly (string | null)[],
  ctx: CellContext,
  maxPrice: number,
  log: ProblemLog,
): Float64Array {
  const { file, format } = ctx;
  const out = new Float64Array(ctx.rows.length);
  let listed = false;
  ctx.rows.forEach(({ i }, k) => {
    const text = cells[i]?.trim() ?? "";
    const date = ctx.raw[i]!.trim();
    const where = { file, ...rowPlace(format, i), column: a, symbol: a, date };
    const message = (says: string) => `${file} ${rowName(format, i)} (${date}), column ${a}: ${says}`;
    out[k] = NaN;
    if (text === "") {
      if (listed && !ctx.gapsAllowed) {
        log.add({
          kind: "missing-value",
          ...where,
          message: message("empty cell after the asset's first price"),
          hint:
            "fill the gap (e.g. carry the last price forward) or drop the row; only leading gaps (not yet " +
            "listed) are allowed",
        });
      }
      return;
    }
    const v = Number(text);
    const fault = priceFault(text, v, maxPrice);
    if (fault) {
      log.add({ kind: fault.kind, ...where, value: text, message: message(fault.says), hint: fault.hint });
      return;
    }
    listed = true;
    out[k] = v;
  });
  if (!listed && !cells.some((c) => (c?.trim() ?? "") !== "")) {
    log.add({
      kind: "missing-value",
      file,
      column: a,
      symbol: a,
      message: `${file}, column ${a}: no prices at all`,
      hint: "drop the empty column",
    });
  }
  return out;
}

/** Why a non-empty cell (`text`, read as `v`) is not a price, or undefined when it is one. */
function priceFault(
  text: string,
  v: number,
  maxPrice: number,
): { kind: "bad-number" | "non-positive" | "out-of-range"; says: string; hint: string } | undefined {
  if (!Number.isFinite(v) || !NUMBER_RE.test(text)) {
    return {
      kind: "bad-number",
      says: `'${text}' is not a number`,
      hint:
        "prices must be plain decimal numbers; remove NaN/text cells or leave a not-yet-listed asset's leading " +
        "cells empty",
    };
  }
  if (!(v > 0)) {
    return { kind: "non-positive", says: `price ${text} is not positive`, hint: "pass prices (> 0), not returns" };
  }
  if (v > maxPrice) {
    return {
      kind: "out-of-range",
      says: `price ${text} is above ${formatLimit(maxPrice)}, not a plausible price`,
      hint:
        `a corrupt cell or the wrong units: fix the cell, or raise the data stage's max_price ` +
        `(now ${formatLimit(maxPrice)}; --max-price for pipeline data validate) if prices really are this large`,
    };
  }
  return undefined;
}

/** The table of a clean parse, or a DATA error quoting the first problem (and how many more). */
export function widePricesOrThrow(parse: WideParse): WidePrices {
  if (parse.prices) return parse.prices;
  const first = parse.problems[0];
  const more = parse.problemCount - 1;
  throw new StrataError(
    "DATA",
    `${first.message}${more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : ""}`,
    {
      hint: first.hint,
      details: { problemCount: parse.problemCount, problems: parse.problems },
    },
  );
}

export function fileFormat(path: string): "csv" | "parquet" {
  const ext = extname(path).toLowerCase();
  return ext === ".parquet" || ext === ".pq" ? "parquet" : "csv";
}

/**
 * Every column of a CSV or Parquet file as text, in file order (one DuckDB thread). With
 * `dateFormat` (strptime), `dateColumn`'s cells that parse are rewritten as YYYY-MM-DD; the
 * others are left as they are, for the parser to report.
 */
export async function readTextColumns(
  conn: DuckDBConnection,
  path: string,
  format: "csv" | "parquet",
  opts: { dateColumn?: string; dateFormat?: string } = {},
): Promise<Record<string, (string | null)[]>> {
  const source =
    format === "csv" ? `read_csv(${sqlString(path)}, all_varchar = true, header = true)` : readParquetSql(path);
  const desc = await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${source}`);
  const select = desc
    .map((d) => {
      const c = sqlIdent(d.column_name);
      if (opts.dateFormat && d.column_name === opts.dateColumn) {
        return (
          `coalesce(strftime(TRY_STRPTIME(trim(CAST(${c} AS VARCHAR)), ${sqlString(opts.dateFormat)}), ` +
          `'%Y-%m-%d'), CAST(${c} AS VARCHAR)) AS ${c}`
        );
      }
      return `CAST(${c} AS VARCHAR) AS ${c}`;
    })
    .join(", ");
  const cols = await withSingleThread(conn, () => readColumns(conn, `SELECT ${select} FROM ${source}`));
  return cols as Record<string, (string | null)[]>;
}

/** Read and validate a wide table (CSV or Parquet by extension); throws a DATA error on any problem. */
export async function readWidePrices(file: string, opts: ParseWideOptions = {}): Promise<WidePrices> {
  const path = resolve(file);
  if (!existsSync(path))
    throw new StrataError("ARGUMENT", `no such file: ${file}`, {
      hint: "pass a wide price table: a date column and one column per asset",
    });
  const format = fileFormat(path);
  const db = await createDatabase({ threads: 1 });
  const conn = await db.connect();
  try {
    const cols = await readTextColumns(conn, path, format);
    return widePricesOrThrow(parseWidePrices(file, cols, format, opts));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/**
 * Long rows (date, symbol, close) of a wide table, date-major, assets in file order; cells without a price are skipped.
 */
export function wideToLong(w: WidePrices): { loc: Int32Array; date: string[]; symbol: string[]; close: Float64Array } {
  let n = 0;
  for (const col of w.prices) for (let k = 0; k < col.length; k++) if (col[k] === col[k]) n++;
  const loc = new Int32Array(n),
    close = new Float64Array(n);
  const date: string[] = new Array(n),
    symbol: string[] = new Array(n);
  let r = 0;
  for (let k = 0; k < w.dates.length; k++) {
    for (let a = 0; a < w.assets.length; a++) {
      const v = w.prices[a][k];
      if (v !== v) continue;
      loc[r] = w.locations[k];
      date[r] = w.dates[k];
      symbol[r] = w.assets[a];
      close[r] = v;
      r++;
    }
  }
  return { loc, date, symbol, close };
}
