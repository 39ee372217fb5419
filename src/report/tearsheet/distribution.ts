/** The distribution of period returns with the 95 % value at risk and expected shortfall marked. */
import * as Plot from "@observablehq/plot";
import { conditionalValueAtRisk, valueAtRisk } from "../../quant/stats/index.ts";
import { figure } from "../figure.ts";
import { formatPercent } from "../format.ts";
import type { SafeHtml } from "../html.ts";
import type { ReturnSeries } from "./series.ts";

export function distributionFigure(s: ReturnSeries, bins = 60): SafeHtml {
  const r = s.returns.filter(Number.isFinite);
  const var95 = valueAtRisk(r, { cutoff: 0.05 });
  const cvar95 = conditionalValueAtRisk(r, { cutoff: 0.05 });
  const lo = Math.min(...r);
  const hi = Math.max(...r);
  const width = (hi - lo) / bins || 1e-9;
  const counts = new Array<number>(bins).fill(0);
  for (const x of r) counts[Math.min(bins - 1, Math.floor((x - lo) / width))]++;
  const rows = counts.map((count, i) => ({ from: lo + i * width, to: lo + (i + 1) * width, count }));
  return figure({
    title: "Distribution of returns",
    subtitle:
      `${r.length} period returns in ${bins} bins; 95 % VaR ${formatPercent(var95, 2)} (dashed) and ` +
      `CVaR ${formatPercent(cvar95, 2)} (solid): the 5 % quantile and the mean beyond it.`,
    data: rows,
    table: { columns: ["from", "to", "count"] },
    plot: {
      height: 240,
      x: { label: "Return (%)", percent: true },
      y: { label: "Periods", grid: true },
      marks: [
        Plot.rectY(rows, { x1: "from", x2: "to", y: "count", fill: "#4e79a7", inset: 0.5 }),
        Plot.ruleX([var95], { stroke: "#c0392b", strokeDasharray: "4,3" }),
        Plot.ruleX([cvar95], { stroke: "#c0392b" }),
        Plot.ruleY([0]),
      ],
    },
  });
}
