/** Cumulative return of the series against its benchmark, on a linear or log scale. */
import * as Plot from "@observablehq/plot";
import { figure } from "../figure.ts";
import type { SafeHtml } from "../html.ts";
import { thinned, thinnedNote, wealth, type ReturnSeries } from "./series.ts";

export function cumulativeFigure(s: ReturnSeries, opts: { log?: boolean } = {}): SafeHtml {
  const w = wealth(s.returns);
  const b = s.benchmark ? wealth(s.benchmark.returns) : undefined;
  const rows = thinned(w.length).flatMap((i) => [
    { date: new Date(s.dates[i]), series: "strategy", growth: w[i] },
    ...(b ? [{ date: new Date(s.dates[i]), series: s.benchmark!.label, growth: b[i] }] : []),
  ]);
  return figure({
    title: `Cumulative return${b ? " vs benchmark" : ""}${opts.log ? " (log scale)" : ""}`,
    subtitle: `Growth of 1 after costs${b ? `, against ${s.benchmark!.label} (dashed)` : ""}.${thinnedNote(w.length)}`,
    data: rows,
    table: { columns: ["date", "series", "growth"] },
    plot: {
      x: { label: "Date", type: "utc" },
      y: { label: "Growth of 1", grid: true, ...(opts.log ? { type: "log" } : {}) },
      color: { legend: !!b, domain: ["strategy", ...(b ? [s.benchmark!.label] : [])] },
      marks: [
        Plot.ruleY([1], { stroke: "#8c959f" }),
        Plot.lineY(
          rows.filter((r) => r.series === "strategy"),
          { x: "date", y: "growth", stroke: "series" },
        ),
        Plot.lineY(
          rows.filter((r) => r.series !== "strategy"),
          { x: "date", y: "growth", stroke: "series", strokeDasharray: "4,3" },
        ),
      ],
    },
  });
}
