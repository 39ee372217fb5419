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
import { resolve } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { formatIsoDate } from "../../store/index.ts";
import { maxDrawdownPeriod, tearsheet, type Tearsheet } from "../../quant/stats/index.ts";
import { inDecimalUnits, readReturnSeries } from "../../data/return-series.ts";
import { alignByDate } from "../../quant/stats/align-by-date.ts";
import { tearsheetPage } from "../../report/tearsheet-page.ts";
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
  /**
   * The files hold percentages (1.5 = 1.5 %): divide by 100. Default: decimals, and percent-looking values are refused.
   */
  percent?: boolean;
  json?: boolean;
  /** Also write the full tearsheet page (metrics and charts) to this path. */
  html?: string;
}

/** "FILE[:COLUMN]" → parts; a path that exists as given is never split. */
function parseBenchmark(spec: string): { file: string; column?: string } {
  const i = spec.lastIndexOf(":");
  if (i <= 0 || existsSync(resolve(spec))) return { file: spec };
  return { file: spec.slice(0, i), column: spec.slice(i + 1) || undefined };
}

const PCT = new Set([
  "total_return",
  "cagr",
  "annual_volatility",
  "max_drawdown",
  "var_95",
  "cvar_95",
  "win_rate",
  "best_day",
  "worst_day",
  "alpha",
]);
const LABELS: Record<keyof Tearsheet, string> = {
  total_return: "Total return",
  cagr: "CAGR",
  annual_volatility: "Annual volatility",
  sharpe: "Sharpe",
  sortino: "Sortino",
  max_drawdown: "Max drawdown",
  calmar: "Calmar",
  omega: "Omega",
  tail_ratio: "Tail ratio",
  skew: "Skew",
  kurtosis: "Kurtosis (excess)",
  var_95: "VaR 95% (per period)",
  cvar_95: "CVaR 95% (per period)",
  win_rate: "Win rate",
  best_day: "Best period",
  worst_day: "Worst period",
  alpha: "Alpha (annual)",
  beta: "Beta",
};

function fmt(key: string, v: number): string {
  if (Number.isNaN(v)) return "n/a";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return PCT.has(key) ? `${(v * 100).toFixed(2)}%` : v.toFixed(3);
}

export async function tearsheetCommand(file: string, flags: TearsheetFlags): Promise<void> {
  const periodsPerYear = flags.periodsPerYear ?? 252;
  if (!(periodsPerYear > 0) || !Number.isFinite(periodsPerYear)) {
    throw new StrataError("ARGUMENT", `--periods-per-year must be a positive number, got ${flags.periodsPerYear}`, {
      hint: "252 daily, 52 weekly, 12 monthly",
    });
  }
  const rf = flags.riskFree ?? 0;
  if (!Number.isFinite(rf) || rf <= -1) {
    throw new StrataError("ARGUMENT", `--risk-free must be an annual rate as a decimal > −1, got ${flags.riskFree}`, {
      hint: "e.g. --risk-free 0.02 for 2% a year",
    });
  }
  const units = { percent: flags.percent, periodsPerYear };
  const series = inDecimalUnits(await readReturnSeries(file, flags.column), units);
  let benchmark: Float64Array | undefined;
  let benchLabel: string | undefined;
  if (flags.benchmark) {
    const spec = parseBenchmark(flags.benchmark);
    const bench = inDecimalUnits(await readReturnSeries(spec.file, spec.column), units);
    // NaN where the benchmark has no row: those days drop out of alpha and beta.
    const { values, found: common } = alignByDate(bench.dates, bench.returns, series.dates, NaN);
    if (common < 2) {
      throw new StrataError(
        "DATA",
        `benchmark ${spec.file} shares ${common} date${common === 1 ? "" : "s"} with ${file}; alpha and beta need at ` +
          `least 2`,
        {
          hint: "pass a benchmark covering the same dates (joined on the date column)",
        },
      );
    }
    benchmark = values;
    benchLabel = `${bench.file}:${bench.column} (${common} common dates)`;
  }
  const metrics = tearsheet(series.returns, { periodsPerYear, riskFree: rf, riskFreeBasis: "annual", benchmark });
  const start = formatIsoDate(series.dates[0]),
    end = formatIsoDate(series.dates[series.dates.length - 1]);
  const dd = maxDrawdownPeriod(series.returns, { dates: series.dates });
  const ddText =
    `${dd.peakDate == null ? "start" : formatIsoDate(dd.peakDate)} → ${formatIsoDate(dd.troughDate!)} ` +
    `→ ${dd.recoveryDate == null ? "not recovered" : formatIsoDate(dd.recoveryDate)}`;
  const rows = (Object.keys(metrics) as (keyof Tearsheet)[]).map((k) => [LABELS[k], fmt(k, metrics[k]!)] as const);

  if (flags.html) {
    const html = tearsheetPage({
      series: `${series.file}:${series.column}`,
      start,
      end,
      periods: series.returns.length,
      periodsPerYear,
      riskFree: rf,
      percent: flags.percent,
      benchmark: benchLabel,
      rows,
      drawdownPeriod: ddText,
      data: {
        label: `${series.file}:${series.column}`,
        dates: Array.from(series.dates, (d) => formatIsoDate(d)),
        returns: Array.from(series.returns),
        ...(benchmark
          ? { benchmark: { label: benchLabel!.replace(/ \(.*\)$/, ""), returns: Array.from(benchmark) } }
          : {}),
        periodsPerYear,
      },
    });
    await writeFile(resolve(flags.html), html);
  }

  if (flags.json) {
    printJson({ ...metrics, periods: series.returns.length, start, end });
    return;
  }
  const width = Math.max(...rows.map(([l]) => l.length), "Max drawdown period".length);
  const lines = [
    `${series.file}:${series.column}  ${start} … ${end}  (${series.returns.length} periods, ${periodsPerYear}/yr, ` +
      `rf ${(rf * 100).toFixed(2)}%/yr${flags.percent ? ", percentages ÷ 100" : ""})`,
    ...(benchLabel ? [`benchmark ${benchLabel}`] : []),
    "",
    ...rows.map(([l, v]) => `  ${l.padEnd(width)}  ${v.padStart(10)}`),
    `  ${"Max drawdown period".padEnd(width)}  ${ddText}`,
  ];
  if (flags.html) lines.push("", `wrote ${flags.html}`);
  process.stdout.write(lines.join("\n") + "\n");
}
