/**
 * Tearsheets: the charts quants expect (tearsheet/index.ts) for the best backtest cells, every
 * baseline and every paper book, one page each (`tearsheets-<series>.html`), listed on
 * `tearsheets.html`.
 *
 * Which series: every table output named `returns` with a `net` column — one series per cell,
 * or one per `strategy` when the table holds several (the baselines). The three with the best
 * Sharpe ratio of the non-baseline series get a page, and every baseline does; the benchmark
 * line is the equal-weight baseline when there is one. A page is ~0.2 MB and ~0.1 s to draw, so
 * a page for each of 30 cells would double the report's size and time (its goal: < 5 s); the
 * list names the command that writes any other cell's tearsheet.
 */
import { existsSync } from "node:fs";
import { sharpeRatio } from "../../quant/stats/index.ts";
import { queryRows } from "../../store/index.ts";
import { formatNumber } from "../format.ts";
import { html, join, slug, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { tearsheetFigures, type ReturnSeries } from "../tearsheet/index.ts";
import { readableCells } from "./cells.ts";
import { attachLedger, detachLedger, LEDGER_ALIAS, LEDGER_FILE, ledgerPath } from "./live.ts";
import { columnsOf, num, parquet } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

/** Best non-baseline series given a page of their own (with every baseline: ~1 s of the report's time). */
export const TOP_SERIES = 3;
const BENCHMARK = "equal_weight";

interface Chosen {
  series: ReturnSeries;
  file: string;
  kind: "cell" | "baseline" | "paper";
  sharpe: number;
  source: string;
}

const memo = new WeakMap<SiteContext, Promise<{ chosen: Chosen[]; skipped: number }>>();

function choose(ctx: SiteContext): Promise<{ chosen: Chosen[]; skipped: number }> {
  let p = memo.get(ctx);
  if (!p) memo.set(ctx, (p = load(ctx)));
  return p;
}

async function load(ctx: SiteContext): Promise<{ chosen: Chosen[]; skipped: number }> {
  const all: Array<Omit<Chosen, "file" | "sharpe"> & { sharpe: number }> = [];
  for (const cell of readableCells(ctx.catalog, ["returns"])) {
    const src = parquet(cell, "returns");
    const cols = new Set((await columnsOf(ctx.conn, src)).map((c) => c.name));
    if (!cols.has("net") || !cols.has("date")) continue;
    const pick = ["turnover", "gross_exposure", "net_exposure"].filter((c) => cols.has(c));
    const by = cols.has("strategy") ? "strategy" : null;
    const rows = await queryRows(
      ctx.conn,
      `select ${by ? "strategy, " : ""}date::VARCHAR as date, net${pick.map((c) => `, ${c}`).join("")} from ${src} ` +
        `order by ${by ? "strategy, " : ""}date`,
    );
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const r of rows) {
      const key = by ? String(r.strategy) : cell.id;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(r);
    }
    for (const [label, rs] of groups) {
      const returns = rs.map((r) => num(r.net));
      all.push({
        kind: by ? "baseline" : "cell",
        source: cell.id,
        sharpe: sharpeRatio(returns.filter(Number.isFinite), { periodsPerYear: 252 }),
        series: {
          label,
          dates: rs.map((r) => String(r.date)),
          returns,
          periodsPerYear: 252,
          ...(pick.includes("turnover") ? { turnover: rs.map((r) => num(r.turnover)) } : {}),
          ...(pick.includes("gross_exposure") ? { grossExposure: rs.map((r) => num(r.gross_exposure)) } : {}),
          ...(pick.includes("net_exposure") ? { netExposure: rs.map((r) => num(r.net_exposure)) } : {}),
        },
      });
    }
  }
  all.push(...(await paperBooks(ctx)));
  const bench = all.find((a) => a.kind === "baseline" && a.series.label === BENCHMARK);
  const byDate = bench ? new Map(bench.series.dates.map((d, i) => [d, bench.series.returns[i]])) : undefined;
  const cells = all.filter((a) => a.kind === "cell").sort((a, b) => (b.sharpe || -Infinity) - (a.sharpe || -Infinity));
  const picked = [...cells.slice(0, TOP_SERIES), ...all.filter((a) => a.kind !== "cell")];
  const chosen = picked.map((a) => ({
    ...a,
    file: `tearsheets-${slug(a.series.label)}.html`,
    series:
      byDate && a !== bench
        ? {
            ...a.series,
            // The benchmark on the series' own dates (NaN, drawn flat, where it has none).
            benchmark: { label: BENCHMARK, returns: a.series.dates.map((d) => byDate.get(d) ?? NaN) },
          }
        : a.series,
  }));
  return { chosen, skipped: cells.length - Math.min(cells.length, TOP_SERIES) };
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
    const { chosen, skipped } = await choose(ctx);
    const rows = chosen.map((c) => ({
      series: c.series.label,
      kind: c.kind,
      sharpe: c.sharpe,
      periods: c.series.returns.length,
      page: c.file,
    }));
    return join([
      html`<h1>Tearsheets</h1><p class="lead">Cumulative return against ${BENCHMARK}, underwater curve, monthly `,
      html`returns, rolling Sharpe ratio and volatility, worst drawdowns, the distribution with VaR and CVaR, `,
      html`turnover and exposure — for the ${TOP_SERIES} cells with the best Sharpe ratio, every baseline and every `,
      html`paper book.</p>`,
      dataTable(rows, { format: { sharpe: (v) => formatNumber(v as number, 3) } }),
      // The report stage writes no subpages (its outputs are declared up front): no links then.
      ctx.provenance === "lock"
        ? join([
            html`<ul class="links">`,
            chosen.map((c) => html`<li><a href="${c.file}">${c.series.label}</a></li>`),
            html`</ul>`,
          ])
        : html`<p class="note">Each series' page is written by <code>pipeline report</code>.</p>`,
      skipped > 0
        ? html`<p class="note">${String(skipped)} more cells have no page here (each is ~0.2 MB); write any cell's with `
        : null,
      skipped > 0
        ? html`<code>pipeline tearsheet data/backtest/&lt;cell&gt;/returns.parquet --column net --html out.html</code>.</p>`
        : null,
    ]);
  },
  async subpages(ctx) {
    const { chosen } = await choose(ctx);
    return chosen.map((c) => ({
      file: c.file,
      title: `Tearsheet — ${c.series.label}`,
      body: join([
        html`<h1>Tearsheet — <code>${c.series.label}</code></h1><p class="lead">`,
        html`${c.kind === "baseline" ? `Baseline of ${c.source}` : c.kind === "paper" ? `Paper book (${c.source})` : "Backtest cell"}; `,
        html`${String(c.series.returns.length)} periods, ${c.series.dates[0]} … ${c.series.dates.at(-1) ?? ""}; `,
        html`Sharpe ratio ${formatNumber(c.sharpe, 3)}. <a href="tearsheets.html">All tearsheets</a>.</p>`,
        tearsheetFigures(c.series) as SafeHtml,
      ]),
    }));
  },
};
