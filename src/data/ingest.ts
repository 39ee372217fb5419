/**
 * Load prices (CSV or Parquet) through DuckDB, validate them, and report every problem with the
 * file and the line it is on.
 *
 * Layouts: long (date, symbol, close[, open, high, low, volume, sector] — one row per symbol and
 * day) or wide (a date column and one column of closes per symbol, parsed by wide-prices.ts and
 * turned into long rows, close only). "auto" picks wide when the file has a date column and no
 * symbol column (see looksWide).
 *
 * Errors: unreadable file, no data rows, missing columns or values, unparsable dates or numbers,
 * NaN/Inf, non-positive prices (negative volume), prices above `maxPrice` (1e9 by default: a
 * corrupt cell such as 1e308 would otherwise overflow every variance downstream), volumes above
 * 1e15, high < low, repeated (symbol, date). Warnings: gaps, stale symbols, constant closes,
 * open/close outside [low, high], and one-bar moves |close/prev − 1| above `maxDailyMove`.
 *
 * Locations: for CSV, `line` is the physical line in the file with the header as line 1 (so
 * the first data row is line 2; quoted fields spanning lines shift later numbers). For
 * Parquet, `row` is the 1-based data row.
 */
import { extname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { createDatabase } from "../store/database.ts";
import { withSingleThread, withThreadsForInput } from "../store/database.ts";
import { queryRows } from "../store/read-columns.ts";
import { readParquetSql, sqlIdent, sqlString } from "../store/sql.ts";
import { copyQueryToParquet } from "../store/parquet.ts";
import { parseIsoDate } from "../store/dates.ts";
import { createTableFromColumns } from "../store/write-columns.ts";
import {
  NUMERIC_COLUMNS,
  PRICE_COLUMNS,
  resolveColumns,
  suggestHeader,
  type ColumnMapping,
  type PriceColumn,
} from "./price-columns.ts";
import {
  DEFAULT_MAX_DAILY_MOVE,
  DEFAULT_MAX_PRICE,
  MAX_VOLUME,
  formatLimit,
  type DataProblem,
  type ProblemKind,
} from "./problems.ts";
import { looksWide, parseWidePrices, readTextColumns, wideDateColumn, wideToLong } from "./wide-prices.ts";

export type { DataProblem, ProblemKind } from "./problems.ts";

export interface ValidateOptions {
  /** Canonical column → header in the file. Unmapped columns are matched by common names. */
  columns?: ColumnMapping;
  /** Default: from the extension (.parquet/.pq → parquet, anything else → csv). */
  format?: "csv" | "parquet";
  /** strptime format of the date column (e.g. "%d/%m/%Y"); default ISO "YYYY-MM-DD". */
  dateFormat?: string;
  /** Problems listed per category (errors, warnings); totals are always counted. Default 20. */
  maxProblems?: number;
  /** Warn when a symbol misses more than this many consecutive trading days of the file. Default 5. */
  gapDays?: number;
  /** Warn when a symbol's last date is more than this many trading days before the file's end. Default 20. */
  staleDays?: number;
  /** Warn when a symbol's close is unchanged for at least this many consecutive rows. Default 10. */
  constantDays?: number;
  /**
   * "auto" (default): wide when the file has a date column and no symbol column, else long;
   * "long" or "wide" to say which.
   */
  layout?: "auto" | "long" | "wide";
  /** Prices (open, high, low, close) above this are errors. Default 1e9 (DEFAULT_MAX_PRICE). */
  maxPrice?: number;
  /** Warn when a symbol's close moves by more than this fraction from one row to the next (1 = 100 %). Default 1. */
  maxDailyMove?: number;
  /** The file's name in messages and in the report (e.g. the project-relative path); default the path. */
  label?: string;
  /** Reuse a connection (otherwise a private in-memory DuckDB is opened and closed). */
  conn?: DuckDBConnection;
}

export interface ValidationReport {
  ok: boolean;
  file: string;
  format: "csv" | "parquet";
  /** Long (a symbol column) or wide (one column per symbol); null when the header could not be read. */
  layout: "long" | "wide" | null;
  rows: number;
  symbols: number;
  /** First and last valid dates, "YYYY-MM-DD" (null when none parsed). */
  start: string | null;
  end: string | null;
  /**
   * Canonical column → the file's header, as resolved. Wide tables: only the date column (the
   * closes are the symbols' columns).
   */
  columns: Partial<Record<PriceColumn, string>>;
  /** Wide tables: the symbols' columns, in file order. */
  assets?: string[];
  errors: DataProblem[];
  warnings: DataProblem[];
  /** Totals, possibly above the listed problems. */
  errorCount: number;
  warningCount: number;
}

let seq = 0;

function detectFormat(path: string, format?: "csv" | "parquet"): "csv" | "parquet" {
  if (format) return format;
  const ext = extname(path).toLowerCase();
  return ext === ".parquet" || ext === ".pq" ? "parquet" : "csv";
}

function readerSql(path: string, format: "csv" | "parquet"): string {
  return format === "parquet"
    ? readParquetSql(path, { fileRowNumber: true })
    : `read_csv(${sqlString(path)}, all_varchar = true, header = true)`;
}

interface Inspection {
  report: ValidationReport;
  /** Typed table (date DATE, symbol, open…volume DOUBLE, sector) when there were no errors. */
  typed?: string;
  cleanup(): Promise<void>;
}

/** One inspection's state, shared by the layout readers: the report they fill and the temp tables. */
interface Scratch {
  conn: DuckDBConnection;
  path: string;
  opts: ValidateOptions;
  report: ValidationReport;
  /** The inspection's sequence number, which names its temp tables. */
  id: number;
  raw: string;
  typed: string;
  cleanup(): Promise<void>;
  /** Record one error and stop: the inspection ends without a typed table. */
  fail(problem: DataProblem): Inspection;
}

const where = (file: string, format: "csv" | "parquet", loc: number): string =>
  `${file} ${format === "csv" ? "line" : "row"} ${loc}`;

function emptyReport(file: string, format: "csv" | "parquet"): ValidationReport {
  return {
    ok: false,
    file,
    format,
    layout: null,
    rows: 0,
    symbols: 0,
    start: null,
    end: null,
    columns: {},
    errors: [],
    warnings: [],
    errorCount: 0,
    warningCount: 0,
  };
}

/** A reader that stopped part-way through the file: most often a line with a different field count. */
function readFailure(file: string, cause: unknown): DataProblem {
  return {
    kind: "read",
    file,
    message: `${file}: ${(cause as Error).message.split("\n")[0]}`,
    hint: "check that every line has the same number of fields",
  };
}

async function inspect(conn: DuckDBConnection, path: string, opts: ValidateOptions): Promise<Inspection> {
  const format = detectFormat(path, opts.format);
  const file = opts.label ?? path;
  const report = emptyReport(file, format);
  const id = ++seq;
  const raw = sqlIdent(`__strata_raw_${id}`),
    typed = sqlIdent(`__strata_typed_${id}`);
  const cleanup = async (): Promise<void> => {
    await conn.run(`DROP TABLE IF EXISTS ${raw}; DROP TABLE IF EXISTS ${typed};`);
  };
  const fail = (problem: DataProblem): Inspection => {
    report.errors.push(problem);
    report.errorCount = report.errors.length;
    return { report, cleanup };
  };

  let headers: string[];
  try {
    const desc = await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${readerSql(path, format)}`);
    headers = desc.map((d) => d.column_name).filter((h) => h !== "file_row_number");
  } catch (cause) {
    const msg = (cause as Error).message.split("\n")[0];
    return fail({
      kind: "read",
      file,
      message: `${file}: cannot read as ${format.toUpperCase()}: ${msg}`,
      hint: "check the path and the format (CSV with a header line, or Parquet)",
    });
  }

  const scratch: Scratch = { conn, path, opts, report, id, raw, typed, cleanup, fail };
  const layout = opts.layout ?? "auto";
  if (layout === "wide" || (layout === "auto" && looksWide(headers, opts.columns))) {
    return inspectWide(scratch, headers, layout);
  }
  return inspectLong(scratch, headers);
}

/** A wide table: one parser (wide-prices.ts), then long rows, close only. */
async function inspectWide(s: Scratch, headers: string[], layout: "auto" | "wide"): Promise<Inspection> {
  const { conn, path, opts, report } = s;
  const { file, format } = report;
  report.layout = "wide";
  const extra = Object.keys(opts.columns ?? {}).filter((k) => k !== "date");
  if (extra.length) return s.fail(wideMappingProblem(file, layout, extra));
  const dateColumn = wideDateColumn(headers, opts.columns);
  if (dateColumn) report.columns = { date: dateColumn };
  let cols: Record<string, (string | null)[]>;
  try {
    cols = await readTextColumns(conn, path, format, { dateColumn, dateFormat: opts.dateFormat });
  } catch (cause) {
    return s.fail(readFailure(file, cause));
  }
  const parsed = parseWidePrices(file, cols, format, {
    dateColumn: opts.columns?.date,
    gaps: "allow",
    maxPrice: opts.maxPrice,
    maxProblems: opts.maxProblems ?? 20,
  });
  if (!parsed.prices) {
    report.errors = parsed.problems;
    report.errorCount = parsed.problemCount;
    return { report, cleanup: s.cleanup };
  }
  report.assets = parsed.prices.assets;
  const long = wideToLong(parsed.prices);
  await createTableFromColumns(
    conn,
    `__strata_raw_${s.id}`,
    {
      columns: { __loc: long.loc, date: long.date, symbol: long.symbol, close: long.close },
      types: { date: "DATE" },
    },
    { temp: true },
  );
  return withThreadsForInput(conn, long.close.length, async () => {
    await conn.run(`CREATE TEMP TABLE ${s.typed} AS SELECT ${wideTypedColumns().join(", ")} FROM ${s.raw}`);
    // The symbol is the file's column of each close.
    return checkTyped(
      conn,
      s.typed,
      report,
      opts,
      { present: new Set(["date", "symbol", "close"]), column: (_c, sym) => sym ?? "close" },
      s.cleanup,
    );
  });
}

/** A column mapping that names more than the date, for a file read as a wide table. */
function wideMappingProblem(file: string, layout: "auto" | "wide", extra: string[]): DataProblem {
  return {
    kind: "read",
    file,
    message:
      `${file}: read as a wide table ` +
      `(${layout === "wide" ? "format: wide" : "a date column and no symbol column"}), where only columns.date ` +
      `applies, but the mapping also names ${extra.map((k) => `columns.${k}`).join(", ")}`,
    hint:
      layout === "wide"
        ? "drop those entries, or set format: long if the file has a symbol column"
        : "map the symbol column too (columns.symbol) and set format: long, or drop those entries",
  };
}

/** The typed table's select list over the long rows of a wide table: close only, the rest NULL. */
function wideTypedColumns(): string[] {
  return [
    `__loc::BIGINT AS __loc`,
    `date::VARCHAR AS date_raw`,
    `date`,
    `symbol::VARCHAR AS symbol`,
    ...NUMERIC_COLUMNS.map((c) =>
      c === "close"
        ? `close::VARCHAR AS close_raw, close`
        : `NULL::VARCHAR AS ${sqlIdent(c + "_raw")}, NULL::DOUBLE AS ${sqlIdent(c)}`,
    ),
    `NULL::VARCHAR AS sector`,
  ];
}

/** A long table: resolve the columns, copy them as text with their locations, then type them. */
async function inspectLong(s: Scratch, headers: string[]): Promise<Inspection> {
  const { conn, path, opts, report, raw, typed } = s;
  const { file, format } = report;
  report.layout = "long";
  const resolved = resolveColumns(headers, opts.columns);
  report.columns = resolved.found;
  const colProblems = missingColumnProblems(file, headers, resolved);
  if (colProblems.length) {
    report.errors = colProblems;
    report.errorCount = colProblems.length;
    return { report, cleanup: s.cleanup };
  }
  const src = (c: PriceColumn): string | undefined => resolved.found[c];

  // Raw (all VARCHAR) with locations. CSV line numbers come from row order, so the scan runs
  // single-threaded (file order); Parquet carries its own row numbers.
  const select = PRICE_COLUMNS.filter((c) => src(c) !== undefined)
    .map((c) => `CAST(${sqlIdent(src(c)!)} AS VARCHAR) AS ${sqlIdent(c)}`)
    .join(", ");
  const loc = format === "csv" ? "(row_number() OVER () + 1)::BIGINT" : "(file_row_number + 1)::BIGINT";
  try {
    await withSingleThread(conn, () =>
      conn.run(`CREATE TEMP TABLE ${raw} AS SELECT ${loc} AS __loc, ${select} FROM ${readerSql(path, format)}`),
    );
  } catch (cause) {
    return s.fail(readFailure(file, cause));
  }

  // Small files are checked on one DuckDB thread (see SMALL_INPUT_ROWS: a DuckDB window bug).
  const rawRows = Number(
    (await queryRows<{ n: number | string }>(conn, `SELECT count(*) AS n FROM ${raw}`))[0]?.n ?? 0,
  );
  if (rawRows === 0) return s.fail(noRowsProblem(file, format));
  return withThreadsForInput(conn, rawRows, async () => {
    const typedCols = longTypedColumns(src, opts.dateFormat);
    await conn.run(`CREATE TEMP TABLE ${typed} AS SELECT ${typedCols.join(", ")} FROM ${raw}`);
    const present = new Set(PRICE_COLUMNS.filter((c) => src(c) !== undefined));
    return checkTyped(conn, typed, report, opts, { present, column: (c) => src(c) ?? c }, s.cleanup);
  });
}

/** Mapped headers the file lacks, then required columns nothing resolved to, each with a guess. */
function missingColumnProblems(
  file: string,
  headers: string[],
  resolved: ReturnType<typeof resolveColumns>,
): DataProblem[] {
  const used = new Set(Object.values(resolved.found));
  const colProblems: DataProblem[] = [];
  const foundList = headers.map((h) => JSON.stringify(h)).join(", ");
  for (const [col, header] of resolved.missingMapped) {
    const guess = suggestHeader(header, headers, used);
    colProblems.push({
      kind: "missing-column",
      file,
      column: header,
      message: `${file}: column "${header}" (mapped to ${col}) not found; the file has ${foundList}`,
      hint: guess
        ? `did you mean columns: { ${col}: ${JSON.stringify(guess)} }?`
        : `set columns.${col} to one of the file's columns`,
    });
  }
  // A header guessed for one required column is not offered again for the next.
  const suggested = new Set(used);
  for (const col of resolved.missingRequired) {
    const guess = suggestHeader(col, headers, suggested) ?? headers.find((h) => !suggested.has(h));
    if (guess) suggested.add(guess);
    colProblems.push({
      kind: "missing-column",
      file,
      column: col,
      message: `${file}: required column "${col}" not found; the file has ${foundList}`,
      hint: `map it: columns: { ${col}: ${JSON.stringify(guess ?? "…")} }`,
    });
  }
  return colProblems;
}

function noRowsProblem(file: string, format: "csv" | "parquet"): DataProblem {
  return {
    kind: "empty",
    file,
    message: `${file}: no data rows (${format === "csv" ? "only a header line" : "the file has no rows"})`,
    hint: "the export or download probably failed or was filtered to nothing; check the source file",
  };
}

/**
 * The typed table's select list over the raw text of a long table: dates parsed with
 * `dateFormat` (ISO when absent), numbers TRY_CAST, and NULL for the columns the file lacks.
 */
function longTypedColumns(src: (c: PriceColumn) => string | undefined, dateFormat: string | undefined): string[] {
  const dateExpr = dateFormat
    ? `TRY_STRPTIME(trim(date), ${sqlString(dateFormat)})::DATE`
    : `TRY_CAST(trim(date) AS DATE)`;
  return [
    `__loc`,
    `date AS date_raw`,
    `${dateExpr} AS date`,
    `NULLIF(trim(symbol), '') AS symbol`,
    ...NUMERIC_COLUMNS.map((c) =>
      src(c)
        ? `${sqlIdent(c)} AS ${sqlIdent(c + "_raw")}, TRY_CAST(trim(${sqlIdent(c)}) AS DOUBLE) AS ${sqlIdent(c)}`
        : `NULL::VARCHAR AS ${sqlIdent(c + "_raw")}, NULL::DOUBLE AS ${sqlIdent(c)}`,
    ),
    src("sector") ? `NULLIF(trim(sector), '') AS sector` : `NULL::VARCHAR AS sector`,
  ];
}

/**
 * One error as the checks' query returns it: where, what, in which column, the raw value, the
 * row's symbol and date text, and one more value the kind needs (the limit, the low, the first line).
 */
interface ErrorRow {
  __loc: number | string;
  kind: ProblemKind;
  col: PriceColumn;
  val: string | null;
  sym: string | null;
  dt: string | null;
  other: string | null;
}

/**
 * The checks every layout shares, over the typed table (__loc, date_raw, date, symbol,
 * <c>_raw and <c> for each numeric column, sector): errors listed in file order, the summary,
 * then the warnings over the rows that parsed.
 */
async function checkTyped(
  conn: DuckDBConnection,
  typed: string,
  report: ValidationReport,
  opts: ValidateOptions,
  cols: { present: ReadonlySet<PriceColumn>; column: (c: PriceColumn, symbol: string | null) => string },
  cleanup: () => Promise<void>,
): Promise<Inspection> {
  const { file, format } = report;
  const max = opts.maxProblems ?? 20,
    maxPrice = opts.maxPrice ?? DEFAULT_MAX_PRICE;
  // ---- errors: one UNION ALL of every check, listed in file order
  const checks: string[] = [
    `SELECT __loc, 'missing-value' AS kind, 'symbol' AS col, NULL AS val, NULL AS sym, date_raw AS dt, NULL AS other ` +
      `FROM ${typed} WHERE symbol IS NULL`,
    `SELECT __loc, 'missing-value', 'date', NULL, symbol, NULL, NULL FROM ${typed} WHERE date_raw IS NULL OR ` +
      `trim(date_raw) = ''`,
    `SELECT __loc, 'bad-date', 'date', date_raw, symbol, NULL, NULL FROM ${typed} WHERE trim(date_raw) <> '' AND ` +
      `date IS NULL`,
    `SELECT __loc, 'missing-value', 'close', NULL, symbol, date_raw, NULL FROM ${typed} WHERE close_raw IS NULL OR ` +
      `trim(close_raw) = ''`,
  ];
  for (const c of NUMERIC_COLUMNS) {
    if (!cols.present.has(c)) continue;
    const v = sqlIdent(c),
      r = sqlIdent(c + "_raw");
    checks.push(
      `SELECT __loc, 'bad-number', '${c}', ${r}, symbol, date_raw, NULL FROM ${typed} WHERE trim(${r}) <> '' AND ` +
        `(${v} IS NULL OR isnan(${v}) OR isinf(${v}))`,
    );
    const bad = c === "volume" ? `${v} < 0` : `${v} <= 0`;
    checks.push(`SELECT __loc, 'non-positive', '${c}', ${r}, symbol, date_raw, NULL FROM ${typed} WHERE ${bad}`);
    const limit = c === "volume" ? MAX_VOLUME : maxPrice;
    checks.push(
      `SELECT __loc, 'out-of-range', '${c}', ${r}, symbol, date_raw, ` +
        `'${formatLimit(limit)}' FROM ${typed} WHERE ${v} > ${limit} AND NOT isinf(${v}) AND NOT isnan(${v})`,
    );
  }
  if (cols.present.has("high") && cols.present.has("low")) {
    checks.push(`SELECT __loc, 'high-low', 'high', high_raw, symbol, date_raw, low_raw FROM ${typed} WHERE high < low`);
  }
  checks.push(`SELECT __loc, 'duplicate', 'date', date_raw, symbol, date_raw, first::VARCHAR FROM (
      SELECT __loc, date_raw, symbol, min(__loc) OVER (PARTITION BY symbol, date) AS first FROM ${typed}
      WHERE symbol IS NOT NULL AND date IS NOT NULL) WHERE __loc > first`);
  const errRows = await queryRows<ErrorRow & { n: number | string }>(
    conn,
    `SELECT count(*) OVER () AS n, * FROM (${checks.join(" UNION ALL ")}) ORDER BY __loc, kind LIMIT ${max}`,
  );
  report.errorCount = errRows.length ? Number(errRows[0].n) : 0;
  const expectDate = opts.dateFormat ? `a date in the format ${opts.dateFormat}` : `a date "YYYY-MM-DD"`;
  report.errors = errRows.map((e) => errorProblem(file, format, e, cols.column(e.col, e.sym), expectDate));

  // ---- summary
  const [sum] = await queryRows<{
    rows: string | number;
    symbols: string | number;
    start: string | null;
    end: string | null;
  }>(
    conn,
    `SELECT count(*) AS rows, count(DISTINCT symbol) AS symbols, min(date)::VARCHAR AS start, max(date)::VARCHAR AS ` +
      `"end" FROM ${typed}`,
  );
  report.rows = Number(sum.rows);
  report.symbols = Number(sum.symbols);
  report.start = sum.start;
  report.end = sum.end;

  // ---- warnings over the rows that parsed
  await collectWarnings(conn, typed, report, opts, max);
  report.ok = report.errorCount === 0;
  return { report, typed: report.ok ? typed : undefined, cleanup };
}

function errorProblem(
  file: string,
  format: "csv" | "parquet",
  e: ErrorRow,
  column: string,
  expectDate: string,
): DataProblem {
  const loc = Number(e.__loc);
  const at = where(file, format, loc);
  const ctx = [e.sym ? `symbol ${e.sym}` : "", e.dt && e.kind !== "duplicate" ? `date ${e.dt}` : ""]
    .filter(Boolean)
    .join(", ");
  const tail = ctx ? ` (${ctx})` : "";
  let message: string, hint: string | undefined;
  switch (e.kind) {
    case "missing-value":
      message = `${at}: empty value in required column "${column}"${tail}`;
      hint = "fill it in or drop the row";
      break;
    case "bad-date":
    case "bad-number":
      message =
        `${at}: ${e.kind === "bad-date" ? "unparsable date" : "unparsable number"} ${JSON.stringify(e.val)} ` +
        `in column "${column}"${tail}; expected ${e.kind === "bad-date" ? expectDate : "a finite decimal number"}`;
      hint =
        e.kind === "bad-date"
          ? 'write dates as "YYYY-MM-DD" or pass dateFormat (strptime, e.g. "%d/%m/%Y")'
          : "use a plain decimal number with a dot, no thousands separators";
      break;
    case "non-positive":
      message =
        `${at}: ${e.col === "volume" ? "negative" : "non-positive"} ${e.col} ${e.val} in column ` +
        `"${column}"${tail}`;
      hint = e.col === "volume" ? "volume must be ≥ 0" : "prices must be > 0; use adjusted prices, not returns";
      break;
    case "out-of-range":
      message =
        `${at}: ${e.col} ${e.val} in column "${column}"${tail} is above ${e.other}, not a ` +
        `plausible ${e.col === "volume" ? "volume" : "price"}`;
      hint =
        e.col === "volume"
          ? "a corrupt cell or the wrong units: fix or drop the row"
          : `a corrupt cell or the wrong units: fix or drop the row, or raise the data stage's max_price ` +
            `(now ${e.other}; --max-price for pipeline data validate) if prices really are this large`;
      break;
    case "high-low":
      message = `${at}: high ${e.val} is below low ${e.other}${tail}`;
      hint = "check the column mapping for high and low";
      break;
    case "duplicate":
      message =
        `${at}: duplicate (symbol, date) = (${e.sym}, ${e.dt}), first seen ` +
        `at ${format === "csv" ? "line" : "row"} ${e.other}`;
      hint = "keep one row per symbol and date";
      break;
    default:
      message = `${at}: ${e.kind}`;
  }
  return {
    kind: e.kind,
    message,
    file,
    ...(format === "csv" ? { line: loc } : { row: loc }),
    column,
    value: e.val ?? undefined,
    symbol: e.sym ?? undefined,
    date: e.dt ?? undefined,
    hint,
  };
}

/** The thresholds of the warnings, defaults filled in. */
interface WarningLimits {
  gapDays: number;
  staleDays: number;
  constantDays: number;
  maxMove: number;
  maxPrice: number;
}

function warningLimits(opts: ValidateOptions): WarningLimits {
  const gapDays = opts.gapDays ?? 5,
    staleDays = opts.staleDays ?? 20,
    constantDays = opts.constantDays ?? 10;
  const maxMove = opts.maxDailyMove ?? DEFAULT_MAX_DAILY_MOVE;
  if (!(maxMove > 0) || !Number.isFinite(maxMove)) {
    throw new StrataError("ARGUMENT", `maxDailyMove ${maxMove} is not a positive number`, {
      hint: "pass a decimal fraction, e.g. 1 for 100 %",
    });
  }
  return { gapDays, staleDays, constantDays, maxMove, maxPrice: opts.maxPrice ?? DEFAULT_MAX_PRICE };
}

/** One warning as the query returns it; d1, d2, k, val and prev mean what its kind makes them. */
interface WarningRow {
  n: number | string;
  kind: ProblemKind;
  symbol: string;
  d1: string;
  d2: string | null;
  k: number | string | null;
  val: number | null;
  prev: number | null;
  loc: number | string | null;
}

/** Every warning in one query, ordered by kind, symbol and date, the first `max` of them with the total. */
function warningsSql(typed: string, lim: WarningLimits, max: number): string {
  // The trading calendar is the set of dates present in the file (holidays included for free);
  // di is a date's index in it. A move is measured between a symbol's consecutive rows.
  return `
    WITH v AS (
      SELECT DISTINCT ON (symbol, date) symbol, date, close, open, high, low, __loc FROM ${typed}
      WHERE symbol IS NOT NULL AND date IS NOT NULL AND close > 0 AND close <= ${lim.maxPrice} ORDER BY symbol, date,
      __loc),
    cal AS (SELECT date, dense_rank() OVER (ORDER BY date) AS di FROM (SELECT DISTINCT date FROM v)),
    x AS (
      SELECT v.*, cal.di, lag(v.date) OVER w AS prev_date, lag(cal.di) OVER w AS prev_di, lag(close) OVER w AS
      prev_close,
             CASE WHEN close = lag(close) OVER w THEN 0 ELSE 1 END AS brk
      FROM v JOIN cal USING (date) WINDOW w AS (PARTITION BY symbol ORDER BY v.date)),
    runs AS (SELECT *, sum(brk) OVER (PARTITION BY symbol ORDER BY date ROWS UNBOUNDED PRECEDING) AS run FROM x),
    w AS (
      SELECT 'gap' AS kind, symbol, prev_date::VARCHAR AS d1, date::VARCHAR AS d2, (di - prev_di - 1)::BIGINT AS k,
      NULL::DOUBLE AS val, NULL::DOUBLE AS prev, NULL::BIGINT AS loc
        FROM x WHERE di - prev_di - 1 > ${lim.gapDays}
      UNION ALL
      SELECT 'stale', symbol, max(date)::VARCHAR, (SELECT max(date) FROM cal)::VARCHAR, ((SELECT max(di) FROM cal) -
      max(di))::BIGINT, NULL, NULL, NULL
        FROM x GROUP BY symbol HAVING (SELECT max(di) FROM cal) - max(di) > ${lim.staleDays}
      UNION ALL
      SELECT 'constant', symbol, min(date)::VARCHAR, max(date)::VARCHAR, count(*)::BIGINT, any_value(close), NULL, NULL
        FROM runs GROUP BY symbol, run HAVING count(*) >= ${lim.constantDays}
      UNION ALL
      SELECT 'ohlc-range', symbol, date::VARCHAR, NULL, NULL, close, NULL, __loc FROM x
        WHERE (high IS NOT NULL AND (close > high * (1 + 1e-9) OR open > high * (1 + 1e-9)))
           OR (low IS NOT NULL AND (close < low * (1 - 1e-9) OR open < low * (1 - 1e-9)))
      UNION ALL
      SELECT 'jump', symbol, date::VARCHAR, prev_date::VARCHAR, NULL, close, prev_close, __loc FROM x
        WHERE abs(close / prev_close - 1) > ${lim.maxMove})
    SELECT count(*) OVER () AS n, * FROM w ORDER BY kind, symbol, d1 LIMIT ${max}`;
}

async function collectWarnings(
  conn: DuckDBConnection,
  typed: string,
  report: ValidationReport,
  opts: ValidateOptions,
  max: number,
): Promise<void> {
  const lim = warningLimits(opts);
  const rows = await queryRows<WarningRow>(conn, warningsSql(typed, lim, max));
  report.warningCount = rows.length ? Number(rows[0].n) : 0;
  report.warnings = rows.map((w) => warningProblem(w, report.file, report.format, lim));
}

function warningProblem(w: WarningRow, f: string, format: "csv" | "parquet", lim: WarningLimits): DataProblem {
  const at = (loc: number | string | null) => (loc === null ? f : where(f, format, Number(loc)));
  const place = (loc: number | string | null) =>
    loc === null ? {} : format === "csv" ? { line: Number(loc) } : { row: Number(loc) };
  const k = Number(w.k);
  const maxMove = lim.maxMove;
  switch (w.kind) {
    case "gap":
      return {
        kind: "gap",
        file: f,
        symbol: w.symbol,
        date: w.d2 ?? undefined,
        message: `${f}: ${w.symbol} has no rows for ${k} trading days between ${w.d1} and ${w.d2}`,
        hint: `raise gapDays above ${lim.gapDays} if this is expected`,
      };
    case "stale":
      return {
        kind: "stale",
        file: f,
        symbol: w.symbol,
        date: w.d1,
        message:
          `${f}: ${w.symbol} stops at ${w.d1}, ${k} trading days before the data's end ${w.d2} (delisted or ` +
          `stale feed?)`,
      };
    case "constant":
      return {
        kind: "constant",
        file: f,
        symbol: w.symbol,
        date: w.d1,
        message: `${f}: ${w.symbol} close is constant at ${w.val} for ${k} rows, ${w.d1} to ${w.d2}`,
        hint: "a stale or forward-filled feed; check the source",
      };
    case "jump": {
      const r = w.val! / w.prev! - 1;
      return {
        kind: "jump",
        file: f,
        ...place(w.loc),
        symbol: w.symbol,
        date: w.d1,
        value: String(w.val),
        message:
          `${at(w.loc)}: ${w.symbol} moved ${r > 0 ? "+" : ""}${(r * 100).toFixed(1)} % in one bar ` +
          `on ${w.d1} (close ${w.prev} on ${w.d2} → ${w.val}), beyond ` +
          `max_daily_move ${maxMove} (${(maxMove * 100).toFixed(0)} %)`,
        hint:
          "a split, a bad tick or a change of units? use split-adjusted prices or fix the row; raise the data " +
          "stage's max_daily_move (--max-daily-move for pipeline data validate) if the move is real",
      };
    }
    default:
      return {
        kind: w.kind,
        file: f,
        ...place(w.loc),
        symbol: w.symbol,
        date: w.d1,
        message: `${at(w.loc)}: ${w.symbol} on ${w.d1}: open or close lies outside [low, high]`,
      };
  }
}

/** Validate a price file (long or wide). Never throws for data problems: they are in the report. */
export async function validatePricesFile(path: string, opts: ValidateOptions = {}): Promise<ValidationReport> {
  const own = opts.conn ? undefined : await createDatabase();
  const conn = opts.conn ?? (await own!.connect());
  try {
    const insp = await inspect(conn, path, opts);
    await insp.cleanup();
    return insp.report;
  } finally {
    if (own) {
      conn.closeSync();
      own.closeSync();
    }
  }
}

/**
 * What was inferred about the file's layout, one line: "wide table: 20 symbols (one column
 * each, dates in "date"), close only" or "long table: 5 symbols, columns date=Date,
 * symbol=Ticker, close=Adj Close; no open, high, low, volume (close only)".
 */
export function describeLayout(r: ValidationReport): string {
  if (r.layout === "wide") {
    return (
      `wide table: ${r.assets?.length ?? r.symbols} symbols (one column each, dates in ` +
      `"${r.columns.date ?? "date"}"), close only`
    );
  }
  const named = PRICE_COLUMNS.filter((c) => r.columns[c] !== undefined).map((c) =>
    r.columns[c] === c ? c : `${c}=${r.columns[c]}`,
  );
  const lacks = NUMERIC_COLUMNS.filter((c) => r.columns[c] === undefined);
  const closeOnly = lacks.length === NUMERIC_COLUMNS.length - 1;
  return (
    `long table: ${r.symbols} symbols, ` +
    `columns ${named.join(", ")}${lacks.length ? `; no ${lacks.join(", ")}${closeOnly ? " (close only)" : ""}` : ""}`
  );
}

/** Human-readable report: errors, then warnings, each with its hint, then totals. */
export function formatValidationReport(r: ValidationReport): string {
  const lines: string[] = [];
  const list = (title: string, items: DataProblem[], total: number): void => {
    if (!total) return;
    lines.push(`${title} (${total}${total > items.length ? `, first ${items.length} shown` : ""}):`);
    for (const p of items) lines.push(`  ${p.message}${p.hint ? `\n    → ${p.hint}` : ""}`);
  };
  list("errors", r.errors, r.errorCount);
  list("warnings", r.warnings, r.warningCount);
  if (r.ok) lines.push(describeLayout(r));
  lines.push(
    `${r.ok ? "ok" : "invalid"}: ${r.file}: ${r.rows} rows, ${r.symbols} symbols, ${r.start ?? "?"} .. ${r.end ?? "?"}`,
  );
  return lines.join("\n");
}

export interface LoadPricesOptions extends Omit<ValidateOptions, "conn"> {
  /** Table to create (TEMP, replaced if present). Default "prices". */
  table?: string;
  /**
   * Keep only rows dated on or after this day, "YYYY-MM-DD". Validation still covers the
   * whole file (the report describes the file, not the kept range). Default: no bound.
   */
  start?: string;
  /** Keep only rows dated on or before this day, "YYYY-MM-DD", inclusive. Default: no bound. */
  end?: string;
}

/**
 * Validate `path` and load it into a TEMP table `prices(date DATE, symbol VARCHAR, open, high,
 * low, close, volume DOUBLE, sector VARCHAR)` ordered by (date, symbol); optional columns the
 * file lacks are NULL. Throws StrataError("DATA") listing the problems if validation fails.
 *
 * The rows are sorted once, here. (date, symbol) is unique after validation, and DuckDB scans
 * a table in insertion order (`preserve_insertion_order`, on by default), so `SELECT * FROM
 * table` returns them in (date, symbol) order: writers need not sort again. Filter with
 * `start`/`end` here rather than in the reader: a filtered scan would keep the order but hand
 * the Parquet writer partial chunks, which moves row-group boundaries (same rows, other bytes).
 */
export async function loadPrices(
  conn: DuckDBConnection,
  path: string,
  opts: LoadPricesOptions = {},
): Promise<{ table: string; report: ValidationReport }> {
  const insp = await inspect(conn, path, { ...opts, conn });
  try {
    if (!insp.typed) {
      const name = opts.label ?? path;
      throw new StrataError("DATA", `invalid price data in ${name}\n${formatValidationReport(insp.report)}`, {
        hint: `fix the rows named above; \`pipeline data validate ${name}\` lists every problem`,
        details: { errorCount: insp.report.errorCount, errors: insp.report.errors },
      });
    }
    const table = sqlIdent(opts.table ?? "prices");
    const bounds = [
      opts.start !== undefined ? `date >= ${dateLiteral(opts.start, "start")}` : "",
      opts.end !== undefined ? `date <= ${dateLiteral(opts.end, "end")}` : "",
    ].filter(Boolean);
    const where = bounds.length ? ` WHERE ${bounds.join(" AND ")}` : "";
    await conn.run(
      `CREATE OR REPLACE TEMP ` +
        `TABLE ${table} AS SELECT ${PRICE_COLUMNS.map(sqlIdent).join(", ")} FROM ${insp.typed}${where} ORDER BY ` +
        `date, symbol`,
    );
    return { table, report: insp.report };
  } finally {
    await insp.cleanup();
  }
}

function dateLiteral(text: string, what: "start" | "end"): string {
  if (parseIsoDate(text) === null) {
    throw new StrataError(
      "ARGUMENT",
      `loadPrices: ${what} ${JSON.stringify(text)} is not a calendar date "YYYY-MM-DD"`,
      {
        hint: 'write dates as ISO strings, e.g. "2012-01-03"',
      },
    );
  }
  return `DATE ${sqlString(text)}`;
}

/** `loadPrices` then write the table to Parquet (zstd, ordered by date, symbol). */
export async function loadPricesToParquet(
  conn: DuckDBConnection,
  path: string,
  out: string,
  opts: LoadPricesOptions = {},
): Promise<{ rows: number; report: ValidationReport }> {
  const { table, report } = await loadPrices(conn, path, opts);
  // No ORDER BY: the table is already sorted and a scan returns insertion order (see loadPrices).
  const { rows } = await copyQueryToParquet(conn, `SELECT * FROM ${table}`, out);
  return { rows, report };
}
