/** The five worst drawdowns: when each began, bottomed and recovered, how deep and how long. */
import { drawdownPeriods } from "../../quant/stats/index.ts";
import { formatPercent } from "../format.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import type { ReturnSeries } from "./series.ts";

export function worstDrawdownsTable(s: ReturnSeries, top = 5): SafeHtml {
  const rows = drawdownPeriods(s.returns, top).map((p, i) => ({
    rank: i + 1,
    // The peak is the close before the fall: the series' first date when it fell at once.
    start: s.dates[Math.max(0, p.peak)],
    trough: s.dates[p.trough],
    recovery: p.recovery === null ? "not recovered" : s.dates[p.recovery],
    depth: p.depth,
    periods: p.length,
  }));
  return join([
    html`<h3>Worst drawdowns</h3><p class="subtitle">The ${top} deepest spells under water, deepest first: `,
    html`peak, trough and recovery dates, depth, and periods from peak to recovery (or to the end).</p>`,
    rows.length
      ? dataTable(rows, { format: { depth: (v) => formatPercent(v as number, 2) } })
      : html`<p class="note">Never under water.</p>`,
  ]);
}
