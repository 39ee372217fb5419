/**
 * `tearsheet FILE`: performance metrics of one return series (CSV or Parquet with a date column
 * and a returns column), optionally against a benchmark. Metrics and conventions: docs/metrics.md.
 *
 * Returns are simple and decimal (0.015 = 1.5 %). A series that looks percent-valued (a return
 * below −1, or an implausibly large typical move: src/data/return-units.ts) is refused, since
 * compounding 1.5 as +150 % gives figures like a CAGR of 6e42 %; `--percent` reads the file(s)
 * as percentages and divides by 100.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { createDatabase, formatIsoDate, parseIsoDate, readColumns, readParquetSql, sqlString } from "../../store/index.ts";
import { maxDrawdownPeriod, tearsheet, type Tearsheet } from "../../quant/stats/index.ts";
import { checkReturnUnits } from "../../data/return-units.ts";
import { printJson } from "../output.ts";

export interface TearsheetFlags {
  /** Returns column; default: the only column besides the date. */
  column?: string;
  /** Benchmark as FILE[:COLUMN]; adds alpha and beta on the dates both series have. */
  benchmark?: string;
  /** Periods per year; default 252 (daily). */
  periodsPerYear?: number;
  /** ANNUAL risk-free rate, decimal (0.02 = 2%/yr), converted per period as (1 + rf)^(1/P) − 1; default 0. */
  riskFree?: number;
  /** The files hold percentages (1.5 = 1.5 %): divide by 100. Default: decimals, and percent-looking values are refused. */
  percent?: boolean;
  json?: boolean;
  /** Also write a minimal static HTML table to this path. */
  html?: string;
}

export interface ReturnSeries {
  file: string;
  column: string;
  /** Days since 1970-01-01, strictly increasing. */
  dates: Int32Array;
  returns: Float64Array;
}

const DATE_RE = /^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/** Read and validate a date + returns file (all cells read as text, then checked here). */
export async function readReturnSeries(file: string, column?: string): Promise<ReturnSeries> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new StrataError("ARGUMENT", `no such file: ${file}`, { hint: "pass a CSV or Parquet file with a date column and a returns column" });
  }
  const parquet = [".parquet", ".pq"].includes(extname(path).toLowerCase());
  const rowWord = parquet ? "row" : "line";
  // CSV data row k (1-based) is on line k + 1, after the header; Parquet rows are numbered from 1.
  const at = (k: number) => `${file} ${rowWord} ${parquet ? k : k + 1}`;
  const sql = parquet
    ? `SELECT COLUMNS(*)::VARCHAR FROM ${readParquetSql(path)}`
    : `SELECT * FROM read_csv(${sqlString(path)}, all_varchar = true, header = true)`;
  const db = await createDatabase({ threads: 1 });
  const conn = await db.connect();
  let cols: Record<string, unknown>;
  try {
    cols = await readColumns(conn, sql);
  } catch (cause) {
    throw new StrataError("DATA", `${file}: cannot read as ${parquet ? "Parquet" : "CSV"}: ${(cause as Error).message.split("\n")[0]}`, {
      cause, hint: "check the path and the format (CSV with a header line, or Parquet)",
    });
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  const names = Object.keys(cols);
  const dateCol = names.find((n) => n.toLowerCase() === "date");
  if (!dateCol) {
    throw new StrataError("DATA", `${file}: no date column among [${names.join(", ")}]`, {
      hint: 'name the date column "date" (values YYYY-MM-DD)',
    });
  }
  const others = names.filter((n) => n !== dateCol);
  let col = column;
  if (col === undefined) {
    if (others.length !== 1) {
      throw new StrataError("ARGUMENT", `${file}: ${others.length === 0 ? "no returns column" : `${others.length} candidate returns columns [${others.join(", ")}]`}`, {
        hint: others.length === 0 ? "add a column of per-period simple returns (decimal)" : `choose one with --column, e.g. --column ${others[0]}`,
      });
    }
    col = others[0];
  } else if (!others.includes(col)) {
    throw new StrataError("ARGUMENT", `${file}: no column "${col}" among [${others.join(", ")}]`, {
      hint: `column names are case-sensitive; pick one of ${others.join(", ")}`,
    });
  }
  const rawDates = cols[dateCol] as (string | null)[];
  const rawValues = cols[col] as (string | null)[];
  const n = rawDates.length;
  if (n < 2) {
    throw new StrataError("DATA", `${file}: ${n} data row${n === 1 ? "" : "s"}; a tearsheet needs at least 2 returns`, {
      hint: "pass a longer return series",
    });
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const days = new Int32Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = rawDates[i]?.trim() ?? "";
    const m = DATE_RE.exec(d);
    const day = m ? parseIsoDate(m[1]) : null;
    if (day === null) {
      throw new StrataError("DATA", `${at(i + 1)}, column "${dateCol}": "${d}" is not a date`, {
        hint: "write dates as YYYY-MM-DD (a real calendar date)",
      });
    }
    days[i] = day;
    const v = rawValues[i]?.trim() ?? "";
    const x = v === "" ? NaN : Number(v);
    if (v === "" || /^[+-]?(nan|inf(inity)?)$/i.test(v)) {
      throw new StrataError("DATA", `${at(i + 1)}, column "${col}": ${v === "" ? "missing value" : `"${v}"`} (NaN/missing returns are not allowed)`, {
        hint: "fill the gap (0 for a flat period) or drop the row",
      });
    }
    if (!Number.isFinite(x)) {
      throw new StrataError("DATA", `${at(i + 1)}, column "${col}": "${v}" is not a number`, {
        hint: "returns must be decimal numbers (0.01 = 1%), without % signs or thousands separators",
      });
    }
    values[i] = x;
  }
  order.sort((a, b) => days[a] - days[b]);
  for (let k = 1; k < n; k++) {
    if (days[order[k]] === days[order[k - 1]]) {
      throw new StrataError("DATA", `${at(order[k] + 1)}, column "${dateCol}": duplicate date ${formatIsoDate(days[order[k]])} (also at ${rowWord} ${parquet ? order[k - 1] + 1 : order[k - 1] + 2})`, {
        hint: "keep one return per date",
      });
    }
  }
  return {
    file, column: col,
    dates: Int32Array.from(order, (i) => days[i]),
    returns: Float64Array.from(order, (i) => values[i]),
  };
}

/**
 * The series in decimal units: divided by 100 with `percent`; refused (DATA error) when it
 * still looks percent-valued, naming the file, the column and the figures.
 */
export function inDecimalUnits(series: ReturnSeries, opts: { percent?: boolean; periodsPerYear?: number } = {}): ReturnSeries {
  const returns = opts.percent ? series.returns.map((r) => r / 100) : series.returns;
  const check = checkReturnUnits(returns, opts.periodsPerYear ?? 252);
  if (check.percent) {
    const what = `${series.file}, column "${series.column}"`;
    throw new StrataError("DATA", opts.percent
      ? `${what}: even divided by 100 (--percent) these are not plausible simple returns: ${check.reasons.join("; ")}`
      : `${what}: the returns look like percentages (1.5 meaning 1.5 %), not decimals: ${check.reasons.join("; ")}`, {
      hint: opts.percent
        ? "check the column (--column) and the units of the file"
        : "pass --percent to read them as percentages (divided by 100), or write decimal returns (0.015 = 1.5 %)",
      details: { medianAbs: check.medianAbs, min: check.min, bound: check.bound },
    });
  }
  return opts.percent ? { ...series, returns } : series;
}

/** "FILE[:COLUMN]" → parts; a path that exists as given is never split. */
function parseBenchmark(spec: string): { file: string; column?: string } {
  const i = spec.lastIndexOf(":");
  if (i <= 0 || existsSync(resolve(spec))) return { file: spec };
  return { file: spec.slice(0, i), column: spec.slice(i + 1) || undefined };
}

/** Benchmark returns on the strategy's dates (NaN where the benchmark has no row). */
function alignOn(dates: Int32Array, bench: ReturnSeries): { values: Float64Array; common: number } {
  const byDay = new Map<number, number>();
  bench.dates.forEach((d, i) => byDay.set(d, bench.returns[i]));
  let common = 0;
  const values = Float64Array.from(dates, (d) => {
    const v = byDay.get(d);
    if (v === undefined) return NaN;
    common++;
    return v;
  });
  return { values, common };
}

const PCT = new Set(["total_return", "cagr", "annual_volatility", "max_drawdown", "var_95", "cvar_95", "win_rate", "best_day", "worst_day", "alpha"]);
const LABELS: Record<keyof Tearsheet, string> = {
  total_return: "Total return", cagr: "CAGR", annual_volatility: "Annual volatility", sharpe: "Sharpe",
  sortino: "Sortino", max_drawdown: "Max drawdown", calmar: "Calmar", omega: "Omega", tail_ratio: "Tail ratio",
  skew: "Skew", kurtosis: "Kurtosis (excess)", var_95: "VaR 95% (per period)", cvar_95: "CVaR 95% (per period)",
  win_rate: "Win rate", best_day: "Best period", worst_day: "Worst period", alpha: "Alpha (annual)", beta: "Beta",
};

function fmt(key: string, v: number): string {
  if (Number.isNaN(v)) return "n/a";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return PCT.has(key) ? `${(v * 100).toFixed(2)}%` : v.toFixed(3);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export async function tearsheetCommand(file: string, flags: TearsheetFlags): Promise<void> {
  const periodsPerYear = flags.periodsPerYear ?? 252;
  if (!(periodsPerYear > 0) || !Number.isFinite(periodsPerYear)) {
    throw new StrataError("ARGUMENT", `--periods-per-year must be a positive number, got ${flags.periodsPerYear}`, { hint: "252 daily, 52 weekly, 12 monthly" });
  }
  const rf = flags.riskFree ?? 0;
  if (!Number.isFinite(rf) || rf <= -1) {
    throw new StrataError("ARGUMENT", `--risk-free must be an annual rate as a decimal > −1, got ${flags.riskFree}`, { hint: "e.g. --risk-free 0.02 for 2% a year" });
  }
  const units = { percent: flags.percent, periodsPerYear };
  const series = inDecimalUnits(await readReturnSeries(file, flags.column), units);
  let benchmark: Float64Array | undefined;
  let benchLabel: string | undefined;
  if (flags.benchmark) {
    const spec = parseBenchmark(flags.benchmark);
    const bench = inDecimalUnits(await readReturnSeries(spec.file, spec.column), units);
    const { values, common } = alignOn(series.dates, bench);
    if (common < 2) {
      throw new StrataError("DATA", `benchmark ${spec.file} shares ${common} date${common === 1 ? "" : "s"} with ${file}; alpha and beta need at least 2`, {
        hint: "pass a benchmark covering the same dates (joined on the date column)",
      });
    }
    benchmark = values;
    benchLabel = `${bench.file}:${bench.column} (${common} common dates)`;
  }
  const metrics = tearsheet(series.returns, { periodsPerYear, riskFree: rf, riskFreeBasis: "annual", benchmark });
  const start = formatIsoDate(series.dates[0]), end = formatIsoDate(series.dates[series.dates.length - 1]);
  const dd = maxDrawdownPeriod(series.returns, { dates: series.dates });
  const ddText = `${dd.peakDate == null ? "start" : formatIsoDate(dd.peakDate)} → ${formatIsoDate(dd.troughDate!)} → ${dd.recoveryDate == null ? "not recovered" : formatIsoDate(dd.recoveryDate)}`;
  const rows = (Object.keys(metrics) as (keyof Tearsheet)[]).map((k) => [LABELS[k], fmt(k, metrics[k]!)] as const);

  if (flags.html) {
    const title = `Tearsheet — ${series.file}:${series.column}`;
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:4px 12px;border-bottom:1px solid #ddd;text-align:left}td.v{text-align:right;font-variant-numeric:tabular-nums}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(`${start} … ${end}, ${series.returns.length} periods, ${periodsPerYear} per year, risk-free ${(rf * 100).toFixed(2)}%/yr${flags.percent ? ", read as percentages (÷ 100)" : ""}${benchLabel ? `, benchmark ${benchLabel}` : ""}`)}</p>
<table>
<tr><th>Metric</th><th>Value</th></tr>
${rows.map(([l, v]) => `<tr><td>${escapeHtml(l)}</td><td class="v">${escapeHtml(v)}</td></tr>`).join("\n")}
<tr><td>Max drawdown period</td><td class="v">${escapeHtml(ddText)}</td></tr>
</table>
</body></html>
`;
    await writeFile(resolve(flags.html), html);
  }

  if (flags.json) {
    printJson({ ...metrics, periods: series.returns.length, start, end });
    return;
  }
  const width = Math.max(...rows.map(([l]) => l.length), "Max drawdown period".length);
  const lines = [
    `${series.file}:${series.column}  ${start} … ${end}  (${series.returns.length} periods, ${periodsPerYear}/yr, rf ${(rf * 100).toFixed(2)}%/yr${flags.percent ? ", percentages ÷ 100" : ""})`,
    ...(benchLabel ? [`benchmark ${benchLabel}`] : []),
    "",
    ...rows.map(([l, v]) => `  ${l.padEnd(width)}  ${v.padStart(10)}`),
    `  ${"Max drawdown period".padEnd(width)}  ${ddText}`,
  ];
  if (flags.html) lines.push("", `wrote ${flags.html}`);
  process.stdout.write(lines.join("\n") + "\n");
}
