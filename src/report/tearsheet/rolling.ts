/** Rolling Sharpe ratio and volatility over a trailing window (six months of days by default). */
import * as Plot from "@observablehq/plot";
import { rollingSharpe } from "../../quant/stats/index.ts";
import { figure } from "../figure.ts";
import type { SafeHtml } from "../html.ts";
import { thinned, type ReturnSeries } from "./series.ts";

/** Annualized standard deviation of each trailing window (NaN before the first full one). */
export function rollingVolatility(returns: readonly number[], window: number, periodsPerYear: number): Float64Array {
  const out = new Float64Array(returns.length).fill(NaN);
  for (let t = window - 1; t < returns.length; t++) {
    // Two passes per window (mean, then squared deviations): no running-sum drift.
    let m = 0;
    for (let i = t - window + 1; i <= t; i++) m += returns[i];
    m /= window;
    let v = 0;
    for (let i = t - window + 1; i <= t; i++) v += (returns[i] - m) ** 2;
    out[t] = Math.sqrt((v / (window - 1)) * periodsPerYear);
  }
  return out;
}

export function rollingFigures(s: ReturnSeries, window = Math.round(s.periodsPerYear / 2)): SafeHtml[] {
  if (s.returns.length < window + 2) return [];
  const sharpe = rollingSharpe(s.returns, window, { periodsPerYear: s.periodsPerYear });
  const vol = rollingVolatility(s.returns, window, s.periodsPerYear);
  const rows = thinned(s.returns.length)
    .filter((i) => i >= window - 1)
    .map((i) => ({ date: new Date(s.dates[i]), sharpe: sharpe[i], volatility: vol[i] }));
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
