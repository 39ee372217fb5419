/** The underwater curve: how far below its running peak the series' wealth is. */
import * as Plot from "@observablehq/plot";
import { drawdownSeries } from "../../quant/stats/index.ts";
import { figure } from "../figure.ts";
import type { SafeHtml } from "../html.ts";
import { overStretches, thinned, type ReturnSeries } from "./series.ts";

export function underwaterFigure(s: ReturnSeries): SafeHtml {
  const dd = drawdownSeries(s.returns);
  // Thinning keeps the deepest point of each stretch, so no trough is lost between drawn days.
  const idx = thinned(dd.length);
  const lows = overStretches(idx, dd, Math.min, 0);
  const rows = idx.map((i, j) => ({ date: new Date(s.dates[i]), drawdown: lows[j] }));
  return figure({
    title: "Underwater (drawdown)",
    subtitle: "Decline of wealth from its running peak, in percent (the deepest point of each drawn stretch).",
    data: rows,
    table: { columns: ["date", "drawdown"] },
    plot: {
      height: 220,
      x: { label: "Date", type: "utc" },
      y: { label: "Drawdown (%)", percent: true, grid: true },
      marks: [
        Plot.areaY(rows, { x: "date", y: "drawdown", fill: "#e15759", fillOpacity: 0.35 }),
        Plot.lineY(rows, { x: "date", y: "drawdown", stroke: "#e15759" }),
        Plot.ruleY([0]),
      ],
    },
  });
}
