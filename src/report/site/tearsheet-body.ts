/**
 * The body of one tearsheet subpage (`tearsheets-<series>.html`): what the series is, then the
 * charts quants expect (tearsheet/index.ts). A pure function of plain data — no catalog, no
 * DuckDB: the series is read once for every page (returns-tables.ts), each page drawn from it.
 */
import { formatNumber } from "../format.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { tearsheetFigures, type ReturnSeries } from "../tearsheet/index.ts";

export interface TearsheetInput {
  series: ReturnSeries;
  kind: "cell" | "baseline" | "paper";
  /** The cell id the series comes from, or the ledger's file for the paper book. */
  source: string;
  /** Annualized Sharpe ratio of the finite returns (rf = 0). */
  sharpe: number;
}

export function tearsheetBody(t: TearsheetInput): SafeHtml {
  const what =
    t.kind === "baseline"
      ? `Baseline of ${t.source}`
      : t.kind === "paper"
        ? `Paper book (${t.source})`
        : "Backtest cell";
  return join([
    html`<h1>Tearsheet — <code>${t.series.label}</code></h1><p class="lead">`,
    html`${what}; ${String(t.series.returns.length)} periods, ${t.series.dates[0]} … ${t.series.dates.at(-1) ?? ""}; `,
    html`Sharpe ratio ${formatNumber(t.sharpe, 3)}. <a href="tearsheets.html">All tearsheets</a>.</p>`,
    tearsheetFigures(t.series),
  ]);
}
