/**
 * Tearsheets: the charts quants expect (tearsheet/index.ts) for every backtest cell, every
 * baseline and every paper book, one page each (`tearsheets-<series>.html`), listed with their
 * Sharpe ratio and maximum drawdown in a sortable table on `tearsheets.html`.
 *
 * Which series: every table output named `returns` with a `net` column — one series per cell,
 * or one per `strategy` when the table holds several (the baselines) — and the paper books. The
 * benchmark line is the equal-weight baseline when there is one. Cells come best Sharpe ratio
 * first, then the baselines, then the paper books.
 *
 * Cost, measured on the default study (34 series: 30 cells, 4 baselines): a page is ~0.29 MB
 * and ~0.06 s to draw in a warm process — nine Plot charts into linkedom, mostly Plot's fixed
 * work per chart (scales, axes, a DOM node per tick and heatmap square) and the garbage it leaves;
 * thinning the curves below 300 points (tearsheet/series.ts) changes nothing measurable — plus
 * ~0.02 s for its tables' CSV and Parquet files. The three best cells and the baselines cost the
 * report ~0.5 s; all 34 cost ~2.3 s, so `pipeline report` takes ~1.1 s longer (docs/reports.md,
 * "Tearsheets", has the figures, what was done to pay for it, and a second process tried and
 * dropped).
 */
import { existsSync } from "node:fs";
import { maxDrawdown, sharpeRatio } from "../../quant/stats/index.ts";
import { queryRows } from "../../store/index.ts";
import { formatNumber, formatPercent } from "../format.ts";
import { html, join, slug } from "../html.ts";
import { dataTable } from "../table.ts";
import { readableCells } from "./cells.ts";
import { attachLedger, detachLedger, LEDGER_ALIAS, LEDGER_FILE, ledgerPath } from "./live.ts";
import { returnsTables } from "./returns-tables.ts";
import { num, parquet } from "./sql.ts";
import type { SubpageJob } from "./subpages.ts";
import type { TearsheetInput } from "./tearsheet-body.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

const BENCHMARK = "equal_weight";

type Chosen = TearsheetInput & { file: string };

const memo = new WeakMap<SiteContext, Promise<Chosen[]>>();

function choose(ctx: SiteContext): Promise<Chosen[]> {
  let p = memo.get(ctx);
  if (!p) memo.set(ctx, (p = load(ctx)));
  return p;
}

async function load(ctx: SiteContext): Promise<Chosen[]> {
  const all: TearsheetInput[] = (await returnsTables(ctx.conn, readableCells(ctx.catalog, ["returns"]))).map((t) => ({
    kind: t.strategies ? "baseline" : "cell",
    source: t.cell.id,
    sharpe: sharpeRatio(t.returns.filter(Number.isFinite), { periodsPerYear: 252 }),
    series: {
      label: t.label,
      dates: t.dates,
      returns: t.returns,
      periodsPerYear: 252,
      ...(t.turnover ? { turnover: t.turnover } : {}),
      ...(t.grossExposure ? { grossExposure: t.grossExposure } : {}),
      ...(t.netExposure ? { netExposure: t.netExposure } : {}),
    },
  }));
  all.push(...(await paperBooks(ctx)));
  const bench = all.find((a) => a.kind === "baseline" && a.series.label === BENCHMARK);
  const byDate = bench ? new Map(bench.series.dates.map((d, i) => [d, bench.series.returns[i]])) : undefined;
  // Best Sharpe first; a stable sort, so ties (and NaN, last) keep the catalog's order.
  const cells = all.filter((a) => a.kind === "cell").sort((a, b) => (b.sharpe || -Infinity) - (a.sharpe || -Infinity));
  const used = new Set<string>();
  return [...cells, ...all.filter((a) => a.kind !== "cell")].map((a) => ({
    ...a,
    file: uniqueFile(a.series.label, used),
    series:
      byDate && a !== bench
        ? {
            ...a.series,
            // The benchmark on the series' own dates (NaN, drawn flat, where it has none).
            benchmark: { label: BENCHMARK, returns: a.series.dates.map((d) => byDate.get(d) ?? NaN) },
          }
        : a.series,
  }));
}

/** `tearsheets-<slug>.html`; a slug already taken (two labels alike but for punctuation) gets -2, -3, … */
function uniqueFile(label: string, used: Set<string>): string {
  const base = `tearsheets-${slug(label)}`;
  let file = base;
  for (let k = 2; used.has(file); k++) file = `${base}-${k}`;
  used.add(file);
  return `${file}.html`;
}

/** A paper book's daily series: return of equity after costs and the invested share of equity. */
async function bookSeries(ctx: SiteContext, equitySql: string, label: string, source: string) {
  const rows = await queryRows(
    ctx.conn,
    `select date::VARCHAR as date, daily_return as net, positions_value / equity as gross_exposure from ` +
      `(${equitySql}) where daily_return is not null and isfinite(daily_return) order by date`,
  );
  if (rows.length < 2) return [];
  const returns = rows.map((r) => num(r.net));
  const exposure = rows.map((r) => num(r.gross_exposure));
  return [
    {
      kind: "paper" as const,
      source,
      sharpe: sharpeRatio(returns, { periodsPerYear: 252 }),
      series: {
        label,
        dates: rows.map((r) => String(r.date)),
        returns,
        periodsPerYear: 252,
        // Long only: the invested share is both the gross and the net exposure.
        grossExposure: exposure,
        netExposure: exposure,
      },
    },
  ];
}

/**
 * The paper books: the ledger of `pipeline paper run` (for `pipeline report` only, like the paper
 * page) and every `paper` stage cell's equity, each as a series of daily returns after costs.
 */
async function paperBooks(ctx: SiteContext) {
  const out: Awaited<ReturnType<typeof bookSeries>> = [];
  const path = ledgerPath(ctx.catalog);
  if (ctx.provenance === "lock" && existsSync(path) && (await attachLedger(ctx.conn, path)).ok) {
    try {
      out.push(...(await bookSeries(ctx, `select * from ${LEDGER_ALIAS}.equity`, "paper book", LEDGER_FILE)));
    } finally {
      await detachLedger(ctx.conn);
    }
  }
  for (const cell of readableCells(ctx.catalog, ["equity", "fills"]))
    out.push(...(await bookSeries(ctx, `select * from ${parquet(cell, "equity")}`, `paper ${cell.id}`, cell.id)));
  return out;
}

export const tearsheetsPage: PageBuilder = {
  file: "tearsheets.html",
  label: "Tearsheets",
  title: "Tearsheets",
  needs: [["returns"]],
  async build(ctx) {
    const chosen = await choose(ctx);
    // The report stage writes no subpages (its outputs are declared up front): no links then.
    const linked = ctx.provenance === "lock";
    const rows = chosen.map((c) => ({
      series: c.series.label,
      kind: c.kind,
      sharpe: c.sharpe,
      max_drawdown: maxDrawdown(c.series.returns),
      periods: c.series.returns.length,
      first: c.series.dates[0],
      last: c.series.dates.at(-1),
    }));
    // By row, not by label: two series may share one.
    const files = new Map<Record<string, unknown>, string>(rows.map((r, i) => [r, chosen[i].file]));
    return join([
      html`<h1>Tearsheets</h1><p class="lead">Cumulative return against ${BENCHMARK}, underwater curve, monthly `,
      html`returns with yearly totals, rolling Sharpe ratio and volatility, the five worst drawdowns, the `,
      html`distribution with VaR and CVaR, turnover and exposure — for every backtest cell (best Sharpe ratio `,
      html`first), every baseline and every paper book. Sort by any column.</p>`,
      dataTable(rows, {
        format: {
          sharpe: (v) => formatNumber(v as number, 3),
          max_drawdown: (v) => formatPercent(v as number, 2),
        },
        ...(linked ? { links: { series: (r) => files.get(r) } } : {}),
      }),
      linked ? null : html`<p class="note">Each series' page is written by <code>pipeline report</code>.</p>`,
    ]);
  },
  async subpages(ctx): Promise<SubpageJob[]> {
    return (await choose(ctx)).map(({ file, ...input }) => ({
      file,
      title: `Tearsheet — ${input.series.label}`,
      kind: "tearsheet",
      input,
    }));
  },
};
