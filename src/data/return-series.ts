/**
 * A return series read from a file (CSV or Parquet with a date column and a returns column) and
 * validated row by row, then put in decimal units: what `pipeline tearsheet` reads for the
 * strategy and the benchmark. Errors name the file, the line (CSV) or row (Parquet), the column
 * and the value, and say how to fix it.
 *
 * Every cell is read as text through DuckDB and checked here (dates YYYY-MM-DD with an optional
 * time, returns finite decimal numbers, no NaN, no missing value, one row per date); rows come
 * back sorted by date. Units: src/data/return-units.ts.
 */
import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import { StrataError } from "../core/errors.ts";
import { createDatabase, formatIsoDate, parseIsoDate, readColumns, readParquetSql, sqlString } from "../store/index.ts";
import { checkReturnUnits } from "./return-units.ts";

export interface ReturnSeries {
  file: string;
  column: string;
  /** Days since 1970-01-01, strictly increasing. */
  dates: Int32Array;
  returns: Float64Array;
}

const DATE_RE = /^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/** Where data row k (1-based) is, for messages: CSV line k + 1 (after the header) or Parquet row k. */
interface RowNamer {
  rowWord: "row" | "line";
  number(k: number): number;
  at(k: number): string;
}

function rowNamer(file: string, parquet: boolean): RowNamer {
  const rowWord = parquet ? "row" : "line";
  const number = (k: number) => (parquet ? k : k + 1);
  return { rowWord, number, at: (k: number) => `${file} ${rowWord} ${number(k)}` };
}

/** Read and validate a date + returns file (all cells read as text, then checked here). */
export async function readReturnSeries(file: string, column?: string): Promise<ReturnSeries> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new StrataError("ARGUMENT", `no such file: ${file}`, {
      hint: "pass a CSV or Parquet file with a date column and a returns column",
    });
  }
  const parquet = [".parquet", ".pq"].includes(extname(path).toLowerCase());
  const cols = await readTextCells(file, path, parquet);
  const { dateCol, col } = pickColumns(file, Object.keys(cols), column);
  const rawDates = cols[dateCol] as (string | null)[];
  const rawValues = cols[col] as (string | null)[];
  const n = rawDates.length;
  if (n < 2) {
    throw new StrataError("DATA", `${file}: ${n} data row${n === 1 ? "" : "s"}; a tearsheet needs at least 2 returns`, {
      hint: "pass a longer return series",
    });
  }
  const rows = rowNamer(file, parquet);
  const { days, values } = parseRows(rawDates, rawValues, { dateCol, col }, rows);
  const order = dateOrder(days, dateCol, rows);
  return {
    file,
    column: col,
    dates: Int32Array.from(order, (i) => days[i]),
    returns: Float64Array.from(order, (i) => values[i]),
  };
}

/** Every column of the file as text, on a private single-threaded DuckDB. */
async function readTextCells(file: string, path: string, parquet: boolean): Promise<Record<string, unknown>> {
  const sql = parquet
    ? `SELECT COLUMNS(*)::VARCHAR FROM ${readParquetSql(path)}`
    : `SELECT * FROM read_csv(${sqlString(path)}, all_varchar = true, header = true)`;
  const db = await createDatabase({ threads: 1 });
  const conn = await db.connect();
  try {
    return await readColumns(conn, sql);
  } catch (cause) {
    throw new StrataError(
      "DATA",
      `${file}: cannot read as ${parquet ? "Parquet" : "CSV"}: ${(cause as Error).message.split("\n")[0]}`,
      {
        cause,
        hint: "check the path and the format (CSV with a header line, or Parquet)",
      },
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The date column (named "date", any case) and the returns column: `column`, or the only other one. */
function pickColumns(file: string, names: string[], column: string | undefined): { dateCol: string; col: string } {
  const dateCol = names.find((n) => n.toLowerCase() === "date");
  if (!dateCol) {
    throw new StrataError("DATA", `${file}: no date column among [${names.join(", ")}]`, {
      hint: 'name the date column "date" (values YYYY-MM-DD)',
    });
  }
  const others = names.filter((n) => n !== dateCol);
  if (column === undefined) {
    if (others.length !== 1) {
      throw new StrataError(
        "ARGUMENT",
        `${file}: ${others.length === 0 ? "no returns column" : `${others.length} candidate returns columns [${others.join(", ")}]`}`,
        {
          hint:
            others.length === 0
              ? "add a column of per-period simple returns (decimal)"
              : `choose one with --column, e.g. --column ${others[0]}`,
        },
      );
    }
    return { dateCol, col: others[0] };
  }
  if (!others.includes(column)) {
    throw new StrataError("ARGUMENT", `${file}: no column "${column}" among [${others.join(", ")}]`, {
      hint: `column names are case-sensitive; pick one of ${others.join(", ")}`,
    });
  }
  return { dateCol, col: column };
}

/** Each row's day and return, in file order; throws at the first row whose date or return is unusable. */
function parseRows(
  rawDates: readonly (string | null)[],
  rawValues: readonly (string | null)[],
  names: { dateCol: string; col: string },
  rows: RowNamer,
): { days: Int32Array; values: Float64Array } {
  const { dateCol, col } = names;
  const n = rawDates.length;
  const days = new Int32Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = rawDates[i]?.trim() ?? "";
    const m = DATE_RE.exec(d);
    const day = m ? parseIsoDate(m[1]) : null;
    if (day === null) {
      throw new StrataError("DATA", `${rows.at(i + 1)}, column "${dateCol}": "${d}" is not a date`, {
        hint: "write dates as YYYY-MM-DD (a real calendar date)",
      });
    }
    days[i] = day;
    const v = rawValues[i]?.trim() ?? "";
    const x = v === "" ? NaN : Number(v);
    if (v === "" || /^[+-]?(nan|inf(inity)?)$/i.test(v)) {
      throw new StrataError(
        "DATA",
        `${rows.at(i + 1)}, column "${col}": ${v === "" ? "missing value" : `"${v}"`} (NaN/missing returns are not ` +
          `allowed)`,
        {
          hint: "fill the gap (0 for a flat period) or drop the row",
        },
      );
    }
    if (!Number.isFinite(x)) {
      throw new StrataError("DATA", `${rows.at(i + 1)}, column "${col}": "${v}" is not a number`, {
        hint: "returns must be decimal numbers (0.01 = 1%), without % signs or thousands separators",
      });
    }
    values[i] = x;
  }
  return { days, values };
}

/** Row indices sorted by day; throws on the first date that repeats. */
function dateOrder(days: Int32Array, dateCol: string, rows: RowNamer): number[] {
  const n = days.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => days[a] - days[b]);
  for (let k = 1; k < n; k++) {
    if (days[order[k]] === days[order[k - 1]]) {
      throw new StrataError(
        "DATA",
        `${rows.at(order[k] + 1)}, column "${dateCol}": duplicate date ${formatIsoDate(days[order[k]])} (also ` +
          `at ${rows.rowWord} ${rows.number(order[k - 1] + 1)})`,
        {
          hint: "keep one return per date",
        },
      );
    }
  }
  return order;
}

/**
 * The series in decimal units: divided by 100 with `percent`; refused (DATA error) when it
 * still looks percent-valued, naming the file, the column and the figures.
 */
export function inDecimalUnits(
  series: ReturnSeries,
  opts: { percent?: boolean; periodsPerYear?: number } = {},
): ReturnSeries {
  const returns = opts.percent ? series.returns.map((r) => r / 100) : series.returns;
  const check = checkReturnUnits(returns, opts.periodsPerYear ?? 252);
  if (check.percent) {
    const what = `${series.file}, column "${series.column}"`;
    throw new StrataError(
      "DATA",
      opts.percent
        ? `${what}: even divided by 100 (--percent) these are not plausible simple returns: ${check.reasons.join("; ")}`
        : `${what}: the returns look like percentages (1.5 meaning 1.5 %), not decimals: ${check.reasons.join("; ")}`,
      {
        hint: opts.percent
          ? "check the column (--column) and the units of the file"
          : "pass --percent to read them as percentages (divided by 100), or write decimal returns (0.015 = 1.5 %)",
        details: { medianAbs: check.medianAbs, min: check.min, bound: check.bound },
      },
    );
  }
  return opts.percent ? { ...series, returns } : series;
}
