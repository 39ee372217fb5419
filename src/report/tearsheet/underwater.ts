/** The underwater curve: how far below its running peak the series' wealth is. */
import * as Plot from "@observablehq/plot";
import { drawdownSeries } from "../../quant/stats/index.ts";
import { figure } from "../figure.ts";
import type { SafeHtml } from "../html.ts";
import { thinned, type ReturnSeries } from "./series.ts";

export function underwaterFigure(s: ReturnSeries): SafeHtml {
  const dd = drawdownSeries(s.returns);
  // Thinning keeps the deepest point of each stretch, so no trough is lost between drawn days.
  const idx = thinned(dd.length);
  const rows = idx.map((i, j) => {
    let low = dd[i];
    for (let t = j > 0 ? idx[j - 1] + 1 : 0; t <= i; t++) low = Math.min(low, dd[t]);
    return { date: new Date(s.dates[i]), drawdown: low };
  });
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
