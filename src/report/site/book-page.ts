/**
 * Book page: each combined book (stages/book.ts) — several strategies, ML and rule, in one
 * book under portfolio / strategy / position risk budgets. Per book: its figures (Sharpe, CAGR,
 * drawdown, turnover, the cost saved by netting), the growth of the book against each sleeve's
 * own returns over the book's period, the sleeves' budgets over time (stacked), and tables of
 * each sleeve alone vs in the book and of how much each budget level bound.
 */
import { readFile } from "node:fs/promises";
import * as Plot from "@observablehq/plot";
import type { Catalog, CatalogCell } from "../catalog.ts";
import { figure } from "../figure.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { queryRows } from "../../store/index.ts";
import { cellLabel, cellsWith, declared, markStale, pathOf, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import { utcDate } from "./dates.ts";
import { parquet } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

const NEEDS = ["budgets", "weights", "returns", "metrics"] as const;

type Json = Record<string, unknown>;

export const bookPage: PageBuilder = {
  file: "book.html",
  label: "Book",
  title: "Combined book under risk budgets",
  needs: [[...NEEDS]],
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const { catalog } = ctx;
    const sources = stagesOf(cellsWith(catalog, [...NEEDS]));
    const parts: SafeHtml[] = [];
    for (const cell of readableCells(catalog, [...NEEDS])) parts.push(await bookSection(ctx, cell));
    return join([
      html`<h1>Combined book under risk budgets</h1><p class="lead">Several strategies — model backtests and rule `,
      html`strategies — traded as one book: each gets a budget of capital (portfolio, strategy and position caps), `,
      html`their positions are netted per symbol, and the costs are those of the netted book's trades.</p>`,
      html`${sourceStatus(catalog, sources)}${parts}`,
    ]);
  },
};

const fmt = (v: unknown, digits = 2) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "—");
const pct = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : "—");
const bps = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? `${(v * 1e4).toFixed(1)} bp` : "—");

interface SleeveDoc {
  id: string;
  stage: string;
  cell: Record<string, unknown>;
  source: string;
  own: Json;
  alone: Json;
  in_book: Json;
}

async function bookSection(ctx: SiteContext, cell: CatalogCell): Promise<SafeHtml> {
  const m = JSON.parse(await readFile(pathOf(cell, "metrics"), "utf8")) as Json;
  const metrics = (m.metrics ?? {}) as Json;
  const netting = (m.netting ?? {}) as Json;
  const sleeves = (Array.isArray(m.sleeves) ? m.sleeves : []) as SleeveDoc[];
  const label = markStale(cell, cellLabel(cell));
  const levels = (m.levels ?? {}) as Record<string, Json>;
  return join([
    html`<h2><code>${label}</code></h2>\n<div class="cards">`,
    card("sleeves", String(sleeves.length)),
    card("Sharpe", fmt(metrics.sharpe)),
    card("CAGR", pct(metrics.cagr)),
    card("max drawdown", pct(metrics.max_drawdown)),
    card("turnover / year", fmt(m.turnover_annual)),
    card("cost saved by netting", bps(netting.cost_saved)),
    html`</div>\n<p class="note">Book from the <code>${String(m.selection ?? "")}</code> selection, `,
    html`${String(m.rebalances ?? "—")} rebalances; budgets by ${String(((m.budgets ?? {}) as Json).method ?? "—")}.</p>`,
    await growth(ctx, cell, sleeves, label),
    await budgetsFigure(ctx, cell, label),
    html`<h3>Each sleeve alone and in the book</h3>`,
    dataTable(
      sleeves.map((s) => ({
        sleeve: s.id,
        source: s.source,
        own_sharpe: fmt(s.own?.sharpe),
        alone_sharpe: fmt(s.alone?.sharpe),
        alone_turnover: fmt(s.alone?.turnover_annual),
        alone_costs: pct(s.alone?.total_costs),
        mean_budget: pct(s.in_book?.mean_budget),
        capped: pct(s.in_book?.capped_share),
        costs_at_budget: pct(s.in_book?.scaled_costs),
      })),
    ),
    html`<p class="note">own: the sleeve's own returns over the book's period; alone: its targets traded on the `,
    html`book's schedule, lag and costs at full weight; costs at budget: those costs scaled by its budget.</p>`,
    html`<h3>Budget levels</h3>`,
    dataTable(
      ["portfolio", "strategy", "position"].map((k) => ({
        level: k,
        cap: fmt(levels[k]?.cap, 2),
        mean_utilization: pct(levels[k]?.mean_utilization),
        max_utilization: pct(levels[k]?.max_utilization),
        bound_on: pct(levels[k]?.bound_share),
        mean_moved: pct(levels[k]?.mean_moved),
      })),
    ),
    html`<h3>Netting</h3>`,
    dataTable([
      {
        gross_before_netting: pct(netting.mean_gross_before),
        gross_after_netting: pct(netting.mean_gross_after),
        sleeve_costs_at_budget: pct(netting.scaled_sleeve_costs),
        book_costs: pct(netting.book_costs),
        saved: pct(netting.cost_saved),
      },
    ]),
  ]);
}

function card(k: string, v: string): SafeHtml {
  return html`<div class="card"><div class="k">${k}</div><div class="v">${v}</div></div>`;
}

/** The cell of the catalog a sleeve names (its stage and matrix values), if its returns are on disk. */
function sleeveCell(catalog: Catalog, s: SleeveDoc): CatalogCell | undefined {
  return catalog.cells.find(
    (c) =>
      c.stage === s.stage &&
      Object.keys(c.axes).length === Object.keys(s.cell ?? {}).length &&
      Object.entries(s.cell ?? {}).every(([k, v]) => String(c.axes[k]) === String(v)) &&
      declared(c, "returns")?.present,
  );
}

/** Growth of 1 of the book and of each sleeve's own returns, from the book's first reported date. */
async function growth(ctx: SiteContext, cell: CatalogCell, sleeves: SleeveDoc[], label: string): Promise<SafeHtml> {
  const book = await queryRows<{ date: string; net: number }>(
    ctx.conn,
    `SELECT date::VARCHAR AS date, net FROM ${parquet(cell, "returns")} ORDER BY date`,
  );
  if (!book.length) return html``;
  const start = book[0].date;
  const data: { date: Date; growth: number; series: string }[] = [];
  const add = (rows: { date: string; net: number }[], series: string) => {
    let g = 1;
    for (const r of rows) {
      g *= 1 + Number(r.net);
      data.push({ date: utcDate(r.date), growth: g, series });
    }
  };
  add(book, "book");
  for (const s of sleeves) {
    const c = sleeveCell(ctx.catalog, s);
    if (!c) continue;
    const rows = await queryRows<{ date: string; net: number }>(
      ctx.conn,
      `SELECT date::VARCHAR AS date, net FROM ${parquet(c, "returns")} WHERE date >= DATE '${start}' ORDER BY date`,
    );
    add(rows, s.id);
  }
  return figure({
    title: `Growth of the book and of each sleeve — ${label}`,
    subtitle:
      "Growth of 1 after costs from the book's first trade; each sleeve on its own returns (its own schedule and costs).",
    data,
    table: { maxRows: 400, digits: 6 },
    plot: {
      height: 280,
      x: { type: "utc", label: "Date" },
      y: { label: "Growth of 1", grid: true },
      color: { legend: true },
      marks: [
        Plot.ruleY([1], { stroke: "#8c959f" }),
        Plot.lineY(data, { x: "date", y: "growth", stroke: "series", strokeWidth: 1.5 }),
      ],
    },
  });
}

/** The sleeves' budgets at each decision, stacked (the gap to the portfolio budget is cash). */
async function budgetsFigure(ctx: SiteContext, cell: CatalogCell, label: string): Promise<SafeHtml> {
  const rows = await queryRows<{ date: string; sleeve: string; budget: number; capped: boolean }>(
    ctx.conn,
    `SELECT date::VARCHAR AS date, sleeve, budget, capped FROM ${parquet(cell, "budgets")} ORDER BY date, sleeve`,
  );
  if (!rows.length) return html``;
  const data = rows.map((r) => ({
    date: utcDate(r.date),
    sleeve: r.sleeve,
    budget: Number(r.budget),
    capped: r.capped,
  }));
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.date, (totals.get(r.date) ?? 0) + Number(r.budget));
  const top = Math.max(1, ...totals.values());
  return figure({
    title: `Budgets over time — ${label}`,
    subtitle: "Each sleeve's share of capital at each decision, stacked; below the top: cash left by the caps.",
    data,
    table: { maxRows: 400, digits: 4 },
    plot: {
      height: 240,
      x: { type: "utc", label: "Date" },
      y: { label: "Budget (share of capital)", grid: true, domain: [0, top] },
      color: { legend: true },
      marks: [Plot.areaY(data, { x: "date", y: "budget", fill: "sleeve", curve: "step-after" }), Plot.ruleY([0])],
    },
  });
}
