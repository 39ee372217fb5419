/**
 * `pipeline optimize FILE --method M`: portfolio weights from a wide price table (a date column,
 * one column per asset; CSV or Parquet), with PyPortfolioOpt's defaults — simple daily returns,
 * 252 periods a year, geometric (CAGR) expected returns, sample covariance, single linkage for
 * HRP, long-only — so its numbers can be compared with that library's.
 *
 * The file is read and validated by the wide-table parser (src/data/wide-prices.ts, shared with
 * the data stage): a missing date column, an unparseable or repeated date, a non-numeric / NaN /
 * non-positive / implausibly large price, a gap after an asset's first price, or fewer than 2
 * rows are DATA errors naming the row and column. Leading empty cells are allowed (an asset not
 * yet listed): returns are then pairwise-complete.
 */
import { StrataError } from "../../core/errors.ts";
import { readWidePrices, type WidePrices } from "../../data/wide-prices.ts";
import {
  LINKAGE_METHODS,
  PORTFOLIO_METHODS,
  ledoitWolf,
  meanHistoricalReturn,
  optimizePortfolio,
  portfolioPerformance,
  sampleCorrelation,
  sampleCovariance,
  simpleReturns,
  type LinkageMethod,
  type PortfolioMethod,
  type PortfolioResult,
} from "../../quant/portfolio/index.ts";
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

export interface OptimizeReport {
  weights: Record<string, number>;
  expected_return: number;
  volatility: number;
  sharpe: number;
  method: PortfolioMethod;
  fallback: PortfolioResult["fallback"];
  notes: string[];
}

/** The numbers of `optimize`, from a validated table. Pure. */
export function optimizeTable(table: WidePrices, flags: OptimizeFlags): OptimizeReport {
  const method = flags.method as PortfolioMethod;
  if (!PORTFOLIO_METHODS.includes(method)) {
    throw new StrataError("ARGUMENT", `--method '${flags.method}' is not a portfolio method`, {
      hint: `use one of ${PORTFOLIO_METHODS.join(", ")}`,
    });
  }
  const linkage = (flags.linkage ?? "single") as LinkageMethod;
  if (!LINKAGE_METHODS.includes(linkage))
    throw new StrataError("ARGUMENT", `--linkage '${flags.linkage}' is not supported`, {
      hint: `use one of ${LINKAGE_METHODS.join(", ")}`,
    });
  const cov = flags.cov ?? "sample";
  if (cov !== "sample" && cov !== "ledoit_wolf")
    throw new StrataError("ARGUMENT", `--cov '${cov}' is not supported`, { hint: "use sample or ledoit_wolf" });
  const muKind = flags.mu ?? "geometric";
  if (muKind !== "geometric" && muKind !== "arithmetic")
    throw new StrataError("ARGUMENT", `--mu '${muKind}' is not supported`, { hint: "use geometric or arithmetic" });
  if (flags.maxWeight !== undefined && !(flags.maxWeight > 0 && flags.maxWeight <= 1)) {
    throw new StrataError("ARGUMENT", `--max-weight ${flags.maxWeight} is outside (0, 1]`, {
      hint: "pass a decimal fraction, e.g. 0.1 for 10%",
    });
  }
  const rf = flags.riskFree ?? 0;
  if (!Number.isFinite(rf))
    throw new StrataError("ARGUMENT", `--risk-free ${flags.riskFree} is not a number`, {
      hint: "pass an annual decimal rate, e.g. 0.02",
    });
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
  return {
    weights,
    expected_return: perf.expectedReturn,
    volatility: perf.volatility,
    sharpe: perf.sharpe,
    method: res.method,
    fallback: res.fallback,
    notes: res.notes,
  };
}

export function formatOptimizeReport(r: OptimizeReport, requested: string): string {
  const rows = Object.entries(r.weights).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const w = Math.max(5, ...rows.map(([a]) => a.length));
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const lines = [`${r.method}${r.method !== requested ? ` (fallback from ${requested})` : ""}`, ""];
  lines.push(`${"asset".padEnd(w)}  ${"weight".padStart(8)}`);
  for (const [a, v] of rows) lines.push(`${a.padEnd(w)}  ${pct(v).padStart(8)}`);
  lines.push(
    "",
    `expected return  ${pct(r.expected_return)}`,
    `volatility       ${pct(r.volatility)}`,
    `sharpe           ${Number.isFinite(r.sharpe) ? r.sharpe.toFixed(3) : "n/a"}`,
  );
  if (r.fallback) lines.push("", `fallback: ${r.fallback.reason}`);
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join("\n");
}

export async function optimizeCommand(file: string, flags: OptimizeFlags): Promise<void> {
  // At least 2 rows (one return); an empty cell after an asset's first price is an error.
  const table = await readWidePrices(file, { minRows: 2 });
  const report = optimizeTable(table, flags);
  if (flags.json) printJson(report);
  else process.stdout.write(formatOptimizeReport(report, flags.method) + "\n");
}
