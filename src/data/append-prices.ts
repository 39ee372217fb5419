/**
 * A data drop appended to a long prices file (CSV or Parquet), as `pipeline data update --from`
 * does: the drop's rows dated after the file's last date are added; rows it has for recorded
 * days must be the recorded ones, else the drop is refused naming the first differing symbol,
 * date and column — unless `restate` (an explicit correction: the file's rows of those
 * (date, symbol) keys are replaced, and every stage reading them reruns in full, since an
 * incremental stage sees that the old days changed). Days missing between the file's last date
 * and the drop's (on the exchange calendar the file follows) are reported, not invented.
 *
 * CSV cells are kept as text: the file's own rows are written back unchanged, new rows as the
 * drop spells them, sorted by (date, symbol). The two must have the same columns. The result
 * replaces the file atomically (a temp sibling renamed over it).
 */
import { rename, rm } from "node:fs/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { createDatabase, queryRows, sqlIdent, sqlString } from "../store/index.ts";
import { formatIsoDate, parseIsoDate } from "../store/dates.ts";
import { nyseHolidayDates, type ExchangeCalendar } from "./exchange-calendar.ts";
import { isBusinessDay } from "./calendar.ts";

export interface AppendPricesOptions {
  /** The project's prices file (long layout), and the drop to append. */
  file: string;
  drop: string;
  /** Header of the date and symbol columns (the data stage's `columns` mapping; default date, symbol). */
  dateColumn?: string;
  symbolColumn?: string;
  /** strptime format of the date column when it is not ISO (the data stage's `dateFormat`). */
  dateFormat?: string;
  /** Replace recorded rows the drop differs on (default false: refuse). */
  restate?: boolean;
  /** Calendar for the missing-day report; default: "nyse" when the file skips NYSE holidays, else "weekdays". */
  calendar?: ExchangeCalendar;
}

export interface AppendPricesResult {
  /** Rows and distinct dates added after the file's last date. */
  addedRows: number;
  addedDates: number;
  /** The file's last date before, and the first and last added dates (null when none). */
  previousLast: string;
  firstAdded: string | null;
  lastAdded: string | null;
  /** Recorded rows replaced (restate) — 0 without restate. */
  restated: number;
  /** Trading days of `calendar` after the previous last date, up to the last added one, with no row. */
  missingDates: string[];
  calendar: ExchangeCalendar;
}

const isParquet = (path: string) => /\.parquet$/i.test(path);

export async function appendPrices(opts: AppendPricesOptions): Promise<AppendPricesResult> {
  const db = await createDatabase({ threads: 1 });
  const conn = await db.connect();
  try {
    const cols = await loadBoth(conn, opts);
    const symbol = opts.symbolColumn ?? "symbol";
    const previousLast = await lastDate(conn, opts.file);
    const conflicts = await conflictCount(conn, cols, { date: opts.dateColumn ?? "date", symbol }, previousLast);
    if (conflicts.count > 0 && !opts.restate) throw conflictError(opts, conflicts.first!, conflicts.count);
    const added = await addedRange(conn, previousLast);
    if (added.rows === 0 && conflicts.count === 0) {
      throw new StrataError("DATA", `${opts.drop}: no row dated after ${previousLast}, the last date of ${opts.file}`, {
        hint: "a drop adds days after the recorded ones; to correct recorded days, pass --restate",
      });
    }
    const calendar = opts.calendar ?? (await inferCalendar(conn));
    const missingDates = added.last ? await missingDays(conn, previousLast, added.last, calendar) : [];
    await writeMerged(conn, opts.file, cols, symbol, conflicts.count > 0);
    return {
      addedRows: added.rows,
      addedDates: added.dates,
      previousLast,
      firstAdded: added.first,
      lastAdded: added.last,
      restated: conflicts.count,
      missingDates,
      calendar,
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Both files as tables `f` (the file) and `d` (the drop) with a parsed `__day` DATE; returns the shared columns. */
async function loadBoth(conn: DuckDBConnection, opts: AppendPricesOptions): Promise<string[]> {
  const date = opts.dateColumn ?? "date",
    symbol = opts.symbolColumn ?? "symbol";
  const read = (p: string) =>
    isParquet(p) ? `read_parquet(${sqlString(p)})` : `read_csv(${sqlString(p)}, header = true, all_varchar = true)`;
  const day = opts.dateFormat
    ? `strptime(CAST(${sqlIdent(date)} AS VARCHAR), ${sqlString(opts.dateFormat)})::DATE`
    : `TRY_CAST(${sqlIdent(date)} AS DATE)`;
  const columns: Record<string, string[]> = {};
  for (const [t, p] of [
    ["f", opts.file],
    ["d", opts.drop],
  ] as const) {
    await conn.run(`CREATE TEMP TABLE ${t} AS SELECT *, ${day} AS __day FROM ${read(p)}`);
    columns[t] = (await queryRows<{ name: string }>(conn, `SELECT column_name AS name FROM (DESCRIBE ${t})`))
      .map((r) => r.name)
      .filter((c) => c !== "__day");
    for (const need of [date, symbol]) {
      if (!columns[t].includes(need)) {
        throw new StrataError("DATA", `${p}: no column '${need}' (columns: ${columns[t].join(", ")})`, {
          hint:
            "data update reads long files (a date and a symbol column); map other headers with the data stage's " +
            "columns param",
        });
      }
    }
    const [bad] = await queryRows<{ n: number; v: string | null }>(
      conn,
      `SELECT count(*)::INTEGER AS n, min(${sqlIdent(date)})::VARCHAR AS v FROM ${t} WHERE __day IS NULL`,
    );
    if (bad.n > 0) {
      throw new StrataError(
        "DATA",
        `${p}: ${bad.n} row(s) with a date that does not parse, e.g. ${JSON.stringify(bad.v)}`,
        {
          hint: opts.dateFormat
            ? `the date format is ${opts.dateFormat}`
            : "dates must be YYYY-MM-DD, or set the data stage's dateFormat",
        },
      );
    }
  }
  const missing = columns.f.filter((c) => !columns.d.includes(c)),
    extra = columns.d.filter((c) => !columns.f.includes(c));
  if (missing.length || extra.length) {
    throw new StrataError(
      "DATA",
      `${opts.drop}: its columns differ from ${opts.file}'s` +
        `${missing.length ? ` (missing ${missing.join(", ")})` : ""}${extra.length ? ` (extra ${extra.join(", ")})` : ""}`,
      { hint: `give the drop the same header as the prices file: ${columns.f.join(", ")}` },
    );
  }
  return columns.f;
}

async function lastDate(conn: DuckDBConnection, file: string): Promise<string> {
  const [r] = await queryRows<{ last: string | null }>(conn, `SELECT max(__day)::VARCHAR AS last FROM f`);
  if (!r.last)
    throw new StrataError("DATA", `${file} has no rows to append to`, {
      hint: "run the data stage on a file with prices first",
    });
  return r.last;
}

/** Drop rows on recorded days that are not the file's row (a different value, or a key the file lacks). */
async function conflictCount(
  conn: DuckDBConnection,
  cols: string[],
  { date, symbol }: { date: string; symbol: string },
  last: string,
): Promise<{ count: number; first: { date: string; symbol: string; column: string | null } | null }> {
  const s = sqlIdent(symbol);
  const differs = cols.filter((c) => c !== symbol && c !== date).map((c) => differsSql(c));
  await conn.run(
    `CREATE TEMP TABLE conflicts AS
     SELECT d.__day, d.${s} AS sym, CASE WHEN f.__day IS NULL THEN NULL ELSE coalesce(${differs.join(", ")}) END AS col,
            f.__day IS NULL AS new_key
       FROM d LEFT JOIN f ON f.__day = d.__day AND f.${s} = d.${s}
      WHERE d.__day <= DATE '${last}' AND (f.__day IS NULL OR coalesce(${differs.join(", ")}) IS NOT NULL)`,
  );
  const [r] = await queryRows<{ n: number }>(conn, `SELECT count(*)::INTEGER AS n FROM conflicts`);
  if (r.n === 0) return { count: 0, first: null };
  const [first] = await queryRows<{ date: string; symbol: string; column: string | null }>(
    conn,
    `SELECT __day::VARCHAR AS date, CAST(sym AS VARCHAR) AS symbol, col AS column FROM conflicts ORDER BY __day, sym ` +
      `LIMIT 1`,
  );
  return { count: r.n, first };
}

/**
 * The column's name when the file's and the drop's cells differ: numerically when both read as
 * numbers (a CSV's "100.50" is the file's "100.5"), else as text; NULL when they agree.
 */
function differsSql(column: string): string {
  const f = `f.${sqlIdent(column)}`,
    d = `d.${sqlIdent(column)}`;
  const nf = `TRY_CAST(${f} AS DOUBLE)`,
    nd = `TRY_CAST(${d} AS DOUBLE)`;
  return `CASE WHEN (CASE WHEN ${nf} IS NOT NULL AND ${nd} IS NOT NULL THEN ${nf} <> ${nd}
                          ELSE ${f}::VARCHAR IS DISTINCT FROM ${d}::VARCHAR END) THEN ${sqlString(column)} END`;
}

function conflictError(
  opts: AppendPricesOptions,
  first: { date: string; symbol: string; column: string | null },
  count: number,
): StrataError {
  const what = first.column ? `a different ${first.column}` : "a row the file does not have";
  return new StrataError(
    "DATA",
    `${opts.drop}: ${count} row(s) on recorded days differ from ${opts.file}; the first: ${first.symbol} ` +
      `on ${first.date} (${what})`,
    {
      hint:
        "drop those rows from the drop, or pass --restate to correct the recorded days (every stage reading them " +
        "reruns in full)",
    },
  );
}

async function addedRange(
  conn: DuckDBConnection,
  last: string,
): Promise<{ rows: number; dates: number; first: string | null; last: string | null }> {
  const [r] = await queryRows<{ rows: number; dates: number; first: string | null; last: string | null }>(
    conn,
    `SELECT count(*)::INTEGER AS rows, count(DISTINCT __day)::INTEGER AS dates,
            min(__day)::VARCHAR AS first, max(__day)::VARCHAR AS last FROM d WHERE __day > DATE '${last}'`,
  );
  return r;
}

/** "nyse" when the file has no row on an NYSE holiday its range covers, else "weekdays". */
async function inferCalendar(conn: DuckDBConnection): Promise<ExchangeCalendar> {
  const [r] = await queryRows<{ a: string; b: string }>(
    conn,
    `SELECT min(__day)::VARCHAR AS a, max(__day)::VARCHAR AS b FROM f`,
  );
  const holidays = nyseHolidayDates(r.a, r.b).filter((d) => isBusinessDay(parseIsoDate(d)!));
  if (holidays.length === 0) return "weekdays";
  const [h] = await queryRows<{ n: number }>(
    conn,
    `SELECT count(*)::INTEGER AS n FROM f WHERE __day IN (${holidays.map((d) => `DATE '${d}'`).join(", ")})`,
  );
  return h.n === 0 ? "nyse" : "weekdays";
}

/** Trading days after `from` up to `to` with no row in the drop. */
async function missingDays(conn: DuckDBConnection, from: string, to: string, cal: ExchangeCalendar): Promise<string[]> {
  const have = new Set(
    (
      await queryRows<{ d: string }>(conn, `SELECT DISTINCT __day::VARCHAR AS d FROM d WHERE __day > DATE '${from}'`)
    ).map((r) => r.d),
  );
  const closed = new Set(cal === "nyse" ? nyseHolidayDates(from, to) : []);
  const out: string[] = [];
  for (let day = parseIsoDate(from)! + 1; day <= parseIsoDate(to)!; day++) {
    const iso = formatIsoDate(day);
    if (isBusinessDay(day) && !closed.has(iso) && !have.has(iso)) out.push(iso);
  }
  return out;
}

/** The file's rows (less the restated keys), then the drop's new and restated rows, sorted; atomically in place. */
async function writeMerged(
  conn: DuckDBConnection,
  file: string,
  cols: string[],
  symbol: string,
  restate: boolean,
): Promise<void> {
  const s = sqlIdent(symbol);
  const list = cols.map(sqlIdent).join(", ");
  // The drop's cells take the file's column types (a CSV drop into a Parquet file stays typed).
  const types = new Map(
    (
      await queryRows<{ name: string; type: string }>(
        conn,
        "SELECT column_name AS name, column_type AS type FROM (DESCRIBE f)",
      )
    ).map((r) => [r.name, r.type]),
  );
  const typed = cols.map((c) => `CAST(${sqlIdent(c)} AS ${types.get(c)}) AS ${sqlIdent(c)}`).join(", ");
  const keep = restate ? `WHERE NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.__day = f.__day AND c.sym = f.${s})` : "";
  const fromDrop = restate
    ? `SELECT ${typed}, __day FROM d WHERE __day > (SELECT max(__day) FROM f)
         OR EXISTS (SELECT 1 FROM conflicts c WHERE c.__day = d.__day AND c.sym = d.${s})`
    : `SELECT ${typed}, __day FROM d WHERE __day > (SELECT max(__day) FROM f)`;
  const tmp = `${file}.tmp-${process.pid}`;
  const format = isParquet(file) ? "FORMAT parquet" : "HEADER, DELIMITER ','";
  try {
    await conn.run(
      `COPY (SELECT ${list} FROM (SELECT ${list}, __day FROM f ${keep} UNION ALL ${fromDrop}) ORDER BY __day, ${s})
       TO ${sqlString(tmp)} (${format})`,
    );
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    const msg = (e as Error).message.split("\n")[0];
    throw new StrataError("DATA", `${file}: the drop's rows could not be written into it (${msg})`, {
      cause: e,
      hint: "check that the drop's cells convert to the prices file's column types (numbers where it has numbers)",
    });
  }
}
