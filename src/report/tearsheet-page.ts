/**
 * `pipeline tearsheet FILE --html OUT`: a minimal static page of one series' metrics — a title,
 * one line saying what was measured, and the metric table as the command prints it. Its own
 * small inline style (not the site's theme), no script, no external request.
 */
import { escapeHtml } from "./html.ts";

export interface TearsheetPageInput {
  /** "FILE:COLUMN" of the series. */
  series: string;
  /** First and last dates, YYYY-MM-DD. */
  start: string;
  end: string;
  /** Number of returns. */
  periods: number;
  periodsPerYear: number;
  /** ANNUAL risk-free rate, decimal. */
  riskFree: number;
  /** The file was read as percentages (÷ 100). */
  percent?: boolean;
  /** "FILE:COLUMN (N common dates)" of the benchmark, if any. */
  benchmark?: string;
  /** [label, formatted value] in display order. */
  rows: ReadonlyArray<readonly [string, string]>;
  /** "peak → trough → recovery" dates of the maximum drawdown. */
  drawdownPeriod: string;
}

export function tearsheetPage(t: TearsheetPageInput): string {
  const title = `Tearsheet — ${t.series}`;
  const what =
    `${t.start} … ${t.end}, ${t.periods} periods, ${t.periodsPerYear} per year, ` +
    `risk-free ${(t.riskFree * 100).toFixed(2)}%/yr` +
    `${t.percent ? ", read as percentages (÷ 100)" : ""}${t.benchmark ? `, benchmark ${t.benchmark}` : ""}`;
  return (
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:4px ` +
    `12px;border-bottom:1px solid #ddd;text-align:left}td.v{text-align:right;font-variant-numeric:tabular-nums}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(what)}</p>
<table>
<tr><th>Metric</th><th>Value</th></tr>
${t.rows.map(([l, v]) => `<tr><td>${escapeHtml(l)}</td><td class="v">${escapeHtml(v)}</td></tr>`).join("\n")}
<tr><td>Max drawdown period</td><td class="v">${escapeHtml(t.drawdownPeriod)}</td></tr>
</table>
</body></html>
`
  );
}
