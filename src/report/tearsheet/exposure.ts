/** Turnover and exposure of the book over time, when the series carries them. */
import * as Plot from "@observablehq/plot";
import { figure } from "../figure.ts";
import type { SafeHtml } from "../html.ts";
import { overStretches, thinned, type ReturnSeries } from "./series.ts";

export function exposureFigures(s: ReturnSeries): SafeHtml[] {
  const out: SafeHtml[] = [];
  const idx = thinned(s.dates.length);
  if (s.grossExposure || s.netExposure) {
    const rows = idx.flatMap((i) => [
      ...(s.grossExposure ? [{ date: new Date(s.dates[i]), measure: "gross", exposure: s.grossExposure[i] }] : []),
      ...(s.netExposure ? [{ date: new Date(s.dates[i]), measure: "net", exposure: s.netExposure[i] }] : []),
    ]);
    out.push(
      figure({
        title: "Exposure",
        subtitle: "Gross (Σ|w|) and net (Σw) exposure of the book, in percent of equity.",
        data: rows,
        table: { columns: ["date", "measure", "exposure"] },
        plot: {
          height: 200,
          x: { label: "Date", type: "utc" },
          y: { label: "Exposure (%)", percent: true, grid: true },
          color: { legend: true, domain: ["gross", "net"] },
          marks: [Plot.ruleY([0]), Plot.lineY(rows, { x: "date", y: "exposure", stroke: "measure" })],
        },
      }),
    );
  }
  if (s.turnover) {
    // Summed over each drawn stretch: the turnover of the period the point stands for.
    const sums = overStretches(idx, s.turnover, (acc, x) => acc + (Number.isFinite(x) ? x : 0), 0);
    const rows = idx.map((i, j) => ({ date: new Date(s.dates[i]), turnover: sums[j] }));
    out.push(
      figure({
        title: "Turnover",
        subtitle: "One-way turnover (Σ|Δw|/2 of equity), summed over each drawn stretch of periods, in percent.",
        data: rows,
        table: { columns: ["date", "turnover"] },
        plot: {
          height: 200,
          x: { label: "Date", type: "utc" },
          y: { label: "Turnover (%)", percent: true, grid: true },
          marks: [Plot.ruleY([0]), Plot.lineY(rows, { x: "date", y: "turnover", stroke: "#76b7b2" })],
        },
      }),
    );
  }
  return out;
}
