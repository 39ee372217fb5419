/**
 * `pipeline optimize FILE --method M`: portfolio weights from a wide price table (a date column,
 * one column per asset; CSV or Parquet), with PyPortfolioOpt's defaults — simple daily returns,
 * 252 periods a year, geometric (CAGR) expected returns, sample covariance, single linkage for
 * HRP, long-only — so its numbers can be compared with that library's.
 *
 * The file is read through DuckDB with every column as VARCHAR and validated here: a missing
 * date column, an unparseable or repeated date, a non-numeric / NaN / non-positive price, a gap
 * after an asset's first price, or fewer than 2 rows are DATA errors naming the row and column.
 * Leading empty cells are allowed (an asset not yet listed): returns are then pairwise-complete.
 */
import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import { StrataError } from "../../core/errors.ts";
import {
  LINKAGE_METHODS, PORTFOLIO_METHODS, ledoitWolf, meanHistoricalReturn, optimizePortfolio, portfolioPerformance,
  sampleCorrelation, sampleCovariance, simpleReturns, type LinkageMethod, type PortfolioMethod, type PortfolioResult,
} from "../../quant/portfolio/index.ts";
import { createDatabase, parseIsoDate, queryRows, readColumns, sqlIdent, readParquetSql, sqlString } from "../../store/index.ts";
import { printJson } from "../output.ts";

export interface OptimizeFlags {
  method: string;
  cov?: "sample" | "ledoit_wolf";
  mu?: "geometric" | "arithmetic";
  linkage?: "single" | "complete" | "average" | "ward";
  maxWeight?: number;
  longShort?: boolean;
  riskFree?: number;
  json?: boolean;
}

export interface PriceTable {
  dates: string[];
  assets: string[];
  /** One column per asset, NaN before its first price. */
  prices: Float64Array[];
}

export interface OptimizeReport {
  weights: Record<string, number>;
  expected_return: number;
  volatility: number;
  sharpe: number;
  method: PortfolioMethod;
  fallback: PortfolioResult["fallback"];
  notes: string[];
}

/** Validate a table read as text (header → cells) into prices. Pure; the file name is for messages. */
export function parsePriceTable(file: string, columns: Record<string, (string | null)[]>, format: "csv" | "parquet"): PriceTable {
  const names = Object.keys(columns);
  const dateCol = names.find((c) => c.trim().toLowerCase() === "date");
  const at = (row: number) => (format === "csv" ? `line ${row + 2}` : `row ${row + 1}`);
  if (!dateCol) {
    throw new StrataError("DATA", `${file}: no date column (columns: ${names.join(", ") || "none"})`, {
      hint: "name the first column 'date' (YYYY-MM-DD), one further column per asset with its prices",
    });
  }
  const assets = names.filter((c) => c !== dateCol);
  if (assets.length === 0) throw new StrataError("DATA", `${file}: only a date column, no asset columns`, { hint: "add one column of prices per asset" });
  const raw = columns[dateCol];
  if (raw.length < 2) {
    throw new StrataError("DATA", `${file}: ${raw.length} row(s) of prices; at least 2 are needed for one return`, { hint: "pass a longer price history" });
  }
  const rows = raw.map((d, i) => {
    const days = d === null ? null : parseIsoDate(d.trim());
    if (days === null) throw new StrataError("DATA", `${file} ${at(i)}, column ${dateCol}: '${d ?? ""}' is not a YYYY-MM-DD date`, { hint: "write dates as ISO YYYY-MM-DD" });
    return { i, days };
  });
  rows.sort((a, b) => a.days - b.days || a.i - b.i);
  for (let k = 1; k < rows.length; k++) {
    if (rows[k].days === rows[k - 1].days) {
      throw new StrataError("DATA", `${file} ${at(rows[k].i)}, column ${dateCol}: date ${raw[rows[k].i]} repeats ${at(rows[k - 1].i)}`, { hint: "keep one row per date" });
    }
  }
  const prices = assets.map((a) => {
    const cells = columns[a];
    const out = new Float64Array(rows.length);
    let listed = false;
    rows.forEach(({ i }, k) => {
      const text = cells[i]?.trim() ?? "";
      if (text === "") {
        if (listed) {
          throw new StrataError("DATA", `${file} ${at(i)} (${raw[i]}), column ${a}: empty cell after the asset's first price`, {
            hint: "fill the gap (e.g. carry the last price forward) or drop the row; only leading gaps (not yet listed) are allowed",
          });
        }
        out[k] = NaN;
        return;
      }
      const v = Number(text);
      if (!Number.isFinite(v) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
        throw new StrataError("DATA", `${file} ${at(i)} (${raw[i]}), column ${a}: '${text}' is not a number`, {
          hint: "prices must be plain decimal numbers; remove NaN/text cells or leave a not-yet-listed asset's leading cells empty",
        });
      }
      if (!(v > 0)) throw new StrataError("DATA", `${file} ${at(i)} (${raw[i]}), column ${a}: price ${text} is not positive`, { hint: "pass prices (> 0), not returns" });
      listed = true;
      out[k] = v;
    });
    if (!listed) throw new StrataError("DATA", `${file}, column ${a}: no prices at all`, { hint: "drop the empty column" });
    return out;
  });
  return { dates: rows.map((r) => raw[r.i]!.trim()), assets, prices };
}

/** Read FILE (CSV or Parquet) with every column as text, through DuckDB. */
export async function readPriceTable(file: string): Promise<PriceTable> {
  const path = resolve(file);
  if (!existsSync(path)) throw new StrataError("ARGUMENT", `no such file: ${file}`, { hint: "pass a wide price table: a date column and one column per asset" });
  const ext = extname(path).toLowerCase();
  const format = ext === ".parquet" || ext === ".pq" ? "parquet" : "csv";
  const db = await createDatabase({ threads: 1 });
  const conn = await db.connect();
  try {
    const source = format === "csv" ? `read_csv(${sqlString(path)}, all_varchar = true, header = true)` : readParquetSql(path);
    const desc = await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${source}`);
    const select = desc.map((d) => `CAST(${sqlIdent(d.column_name)} AS VARCHAR) AS ${sqlIdent(d.column_name)}`).join(", ");
    const cols = await readColumns(conn, `SELECT ${select} FROM ${source}`);
    return parsePriceTable(file, cols as Record<string, (string | null)[]>, format);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The numbers of `optimize`, from a validated table. Pure. */
export function optimizeTable(table: PriceTable, flags: OptimizeFlags): OptimizeReport {
  const method = flags.method as PortfolioMethod;
  if (!PORTFOLIO_METHODS.includes(method)) {
    throw new StrataError("ARGUMENT", `--method '${flags.method}' is not a portfolio method`, { hint: `use one of ${PORTFOLIO_METHODS.join(", ")}` });
  }
  const linkage = (flags.linkage ?? "single") as LinkageMethod;
  if (!LINKAGE_METHODS.includes(linkage)) throw new StrataError("ARGUMENT", `--linkage '${flags.linkage}' is not supported`, { hint: `use one of ${LINKAGE_METHODS.join(", ")}` });
  const cov = flags.cov ?? "sample";
  if (cov !== "sample" && cov !== "ledoit_wolf") throw new StrataError("ARGUMENT", `--cov '${cov}' is not supported`, { hint: "use sample or ledoit_wolf" });
  const muKind = flags.mu ?? "geometric";
  if (muKind !== "geometric" && muKind !== "arithmetic") throw new StrataError("ARGUMENT", `--mu '${muKind}' is not supported`, { hint: "use geometric or arithmetic" });
  if (flags.maxWeight !== undefined && !(flags.maxWeight > 0 && flags.maxWeight <= 1)) {
    throw new StrataError("ARGUMENT", `--max-weight ${flags.maxWeight} is outside (0, 1]`, { hint: "pass a decimal fraction, e.g. 0.1 for 10%" });
  }
  const rf = flags.riskFree ?? 0;
  if (!Number.isFinite(rf)) throw new StrataError("ARGUMENT", `--risk-free ${flags.riskFree} is not a number`, { hint: "pass an annual decimal rate, e.g. 0.02" });
  const returns = simpleReturns(table.prices);
  const mu = meanHistoricalReturn(returns, { compounding: muKind === "geometric" });
  const S = cov === "sample" ? sampleCovariance(returns) : ledoitWolf(returns).covariance;
  const res = optimizePortfolio(method, S, {
    expectedReturns: mu,
    riskFreeRate: rf,
    linkage,
    correlation: cov === "sample" ? sampleCorrelation(returns) : undefined,
    constraints: { longOnly: !flags.longShort, maxWeight: flags.maxWeight },
  });
  const perf = portfolioPerformance(res.weights, mu, S, { riskFreeRate: rf });
  const weights: Record<string, number> = {};
  table.assets.forEach((a, i) => (weights[a] = res.weights[i]));
  return { weights, expected_return: perf.expectedReturn, volatility: perf.volatility, sharpe: perf.sharpe, method: res.method, fallback: res.fallback, notes: res.notes };
}

export function formatOptimizeReport(r: OptimizeReport, requested: string): string {
  const rows = Object.entries(r.weights).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const w = Math.max(5, ...rows.map(([a]) => a.length));
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const lines = [`${r.method}${r.method !== requested ? ` (fallback from ${requested})` : ""}`, ""];
  lines.push(`${"asset".padEnd(w)}  ${"weight".padStart(8)}`);
  for (const [a, v] of rows) lines.push(`${a.padEnd(w)}  ${pct(v).padStart(8)}`);
  lines.push("", `expected return  ${pct(r.expected_return)}`, `volatility       ${pct(r.volatility)}`, `sharpe           ${Number.isFinite(r.sharpe) ? r.sharpe.toFixed(3) : "n/a"}`);
  if (r.fallback) lines.push("", `fallback: ${r.fallback.reason}`);
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join("\n");
}

export async function optimizeCommand(file: string, flags: OptimizeFlags): Promise<void> {
  const table = await readPriceTable(file);
  const report = optimizeTable(table, flags);
  if (flags.json) printJson(report);
  else process.stdout.write(formatOptimizeReport(report, flags.method) + "\n");
}
