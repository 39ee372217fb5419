/** Monthly returns by year (a heatmap), with each year's compounded total. */
import { monthlyReturns } from "../../quant/stats/index.ts";
import type { SafeHtml } from "../html.ts";
import { heatmap } from "../site/heatmap.ts";
import type { ReturnSeries } from "./series.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function monthlyFigure(s: ReturnSeries): SafeHtml {
  const days = s.dates.map((d) => Math.round(Date.parse(`${d}T00:00:00Z`) / 86_400_000));
  const table = monthlyReturns(s.returns, days);
  const rows = table.flatMap((y) => [
    ...MONTHS.map((m, i) => ({ year: String(y.year), month: m, return: y.months[i] })).filter((r) =>
      Number.isFinite(r.return),
    ),
    { year: String(y.year), month: "Year", return: y.total },
  ]);
  // The color scale spans the months (a year's total would wash them out); the totals clamp to its ends.
  const lim = Math.max(1e-9, ...rows.filter((r) => r.month !== "Year").map((r) => Math.abs(r.return)));
  return heatmap({
    title: "Monthly returns",
    subtitle:
      "Each calendar month's compounded return and the year's (last column), as simple returns (0.05 = 5 %); " +
      "colors span the months, year totals beyond them take the end colors.",
    domain: [-lim, lim],
    rows,
    x: "month",
    y: "year",
    value: "return",
    xLabel: "Month",
    yLabel: "Year",
    valueLabel: "Return (simple)",
    diverging: true,
    xDomain: [...MONTHS, "Year"],
    yDomain: table.map((y) => String(y.year)),
    digits: 2,
    height: Math.max(140, 40 + table.length * 24),
    marginLeft: 50,
  });
}
