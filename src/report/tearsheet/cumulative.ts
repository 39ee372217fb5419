/** Cumulative return of the series against its benchmark, on a linear or log scale. */
import * as Plot from "@observablehq/plot";
import { figure } from "../figure.ts";
import type { SafeHtml } from "../html.ts";
import { thinned, thinnedNote, wealth, type ReturnSeries } from "./series.ts";

/**
 * `log`: true or false, or "auto" (default): a log scale once growth spans more than 4× (a
 * long or strong series, where equal percentage moves should look equal), else linear.
 */
export function cumulativeFigure(s: ReturnSeries, opts: { log?: boolean | "auto" } = {}): SafeHtml {
  const w = wealth(s.returns);
  const b = s.benchmark ? wealth(s.benchmark.returns) : undefined;
  const all = [...w, ...(b ?? [])].filter(Number.isFinite);
  const log = opts.log === "auto" || opts.log === undefined ? Math.max(...all) / Math.min(...all) > 4 : opts.log;
  const rows = thinned(w.length).flatMap((i) => [
    { date: new Date(s.dates[i]), series: "strategy", growth: w[i] },
    ...(b ? [{ date: new Date(s.dates[i]), series: s.benchmark!.label, growth: b[i] }] : []),
  ]);
  return figure({
    title: `Cumulative return${b ? " vs benchmark" : ""}${log ? " (log scale)" : ""}`,
    subtitle: `Growth of 1 after costs${b ? `, against ${s.benchmark!.label} (dashed)` : ""}.${thinnedNote(w.length)}`,
    data: rows,
    table: { columns: ["date", "series", "growth"] },
    plot: {
      x: { label: "Date", type: "utc" },
      y: { label: "Growth of 1", grid: true, ...(log ? { type: "log" } : {}) },
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
