/** Rolling Sharpe ratio and volatility over a trailing window (six months of days by default). */
import * as Plot from "@observablehq/plot";
import { sharpeRatio } from "../../quant/stats/index.ts";
import { figure } from "../figure.ts";
import type { SafeHtml } from "../html.ts";
import { thinned, type ReturnSeries } from "./series.ts";

/** Annualized standard deviation of the trailing window ending at t (two passes: no running-sum drift). */
export function windowVolatility(
  returns: readonly number[],
  t: number,
  window: number,
  periodsPerYear: number,
): number {
  let m = 0;
  for (let i = t - window + 1; i <= t; i++) m += returns[i];
  m /= window;
  let v = 0;
  for (let i = t - window + 1; i <= t; i++) v += (returns[i] - m) ** 2;
  return Math.sqrt((v / (window - 1)) * periodsPerYear);
}

export function rollingFigures(s: ReturnSeries, window = Math.round(s.periodsPerYear / 2)): SafeHtml[] {
  if (s.returns.length < window + 2) return [];
  // Only the drawn windows are computed (each afresh, exactly as rollingSharpe would at t).
  const r = Float64Array.from(s.returns);
  const rows = thinned(s.returns.length)
    .filter((i) => i >= window - 1)
    .map((i) => ({
      date: new Date(s.dates[i]),
      sharpe: sharpeRatio(r.subarray(i - window + 1, i + 1), { periodsPerYear: s.periodsPerYear }),
      volatility: windowVolatility(s.returns, i, window, s.periodsPerYear),
    }));
  const line = (title: string, subtitle: string, y: "sharpe" | "volatility", label: string, percent: boolean) =>
    figure({
      title,
      subtitle,
      data: rows,
      table: { columns: ["date", y] },
      plot: {
        height: 200,
        x: { label: "Date", type: "utc" },
        y: { label, grid: true, ...(percent ? { percent: true } : {}) },
        marks: [Plot.ruleY([0]), Plot.lineY(rows, { x: "date", y, stroke: "#4e79a7" })],
      },
    });
  return [
    line(
      `Rolling Sharpe ratio (${window} periods)`,
      `Annualized Sharpe ratio of each trailing ${window}-period window.`,
      "sharpe",
      "Sharpe ratio (annualized)",
      false,
    ),
    line(
      `Rolling volatility (${window} periods)`,
      `Annualized standard deviation of each trailing ${window}-period window, in percent.`,
      "volatility",
      "Volatility (%/yr)",
      true,
    ),
  ];
}
