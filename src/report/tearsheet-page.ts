/**
 * `pipeline tearsheet FILE --html OUT`: the full tearsheet page of one return series — what was
 * measured, the metric table as the command prints it, then the charts quants expect
 * (tearsheet/index.ts): cumulative return vs the benchmark, underwater curve, monthly returns,
 * rolling Sharpe and volatility, worst drawdowns, the distribution with VaR/CVaR. The report's
 * theme, inline CSS and SVG, no script, no external request.
 */
import { html, join } from "./html.ts";
import { page } from "./page.ts";
import { keyValueTable } from "./table.ts";
import { tearsheetFigures, type ReturnSeries } from "./tearsheet/index.ts";

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
  /** The series itself, for the charts. */
  data: ReturnSeries;
}

export function tearsheetPage(t: TearsheetPageInput): string {
  const title = `Tearsheet — ${t.series}`;
  const what =
    `${t.start} … ${t.end}, ${t.periods} periods, ${t.periodsPerYear} per year, ` +
    `risk-free ${(t.riskFree * 100).toFixed(2)}%/yr` +
    `${t.percent ? ", read as percentages (÷ 100)" : ""}${t.benchmark ? `, benchmark ${t.benchmark}` : ""}`;
  return page({
    title,
    body: join([
      html`<h1>${title}</h1><p class="lead">${what}</p><h2>Metrics</h2>`,
      keyValueTable([...t.rows, ["Max drawdown period", t.drawdownPeriod]]),
      html`<h2>Charts</h2>`,
      tearsheetFigures(t.data),
    ]),
  });
}
