/**
 * Strategies page: each rule-strategy cell (stages/strategies.ts) — its robustness verdict,
 * walk-forward efficiency and parameter stability, the window table (the parameters chosen on
 * each training window and both sides' figures), the stitched out-of-sample growth, and the
 * Pareto front of the last window when the search had several objectives.
 */
import { readFile } from "node:fs/promises";
import * as Plot from "@observablehq/plot";
import type { CatalogCell } from "../catalog.ts";
import { figure } from "../figure.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { queryRows } from "../../store/index.ts";
import { cellLabel, pathOf, readableCells, sourceStatus, stagesOf, cellsWith } from "./cells.ts";
import { utcDate } from "./dates.ts";
import { num, parquet } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

const NEEDS = ["windows", "summary", "returns"] as const;

type Json = Record<string, unknown>;

export const strategiesPage: PageBuilder = {
  file: "strategies.html",
  label: "Strategies",
  title: "Rule strategies, walk-forward",
  needs: [[...NEEDS]],
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const { catalog } = ctx;
    const sources = stagesOf(cellsWith(catalog, [...NEEDS]));
    const parts: SafeHtml[] = [];
    for (const cell of readableCells(catalog, [...NEEDS])) parts.push(await cellSection(ctx, cell));
    return join([
      html`<h1>Rule strategies, walk-forward</h1><p class="lead">Parameters chosen on each training window, traded `,
      html`on the test window after it; only the test windows, stitched, judge the strategy.</p>`,
      html`${sourceStatus(catalog, sources)}${parts}`,
    ]);
  },
};

const fmt = (v: unknown, digits = 2) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "—");
const pct = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : "—");

async function cellSection(ctx: SiteContext, cell: CatalogCell): Promise<SafeHtml> {
  const s = JSON.parse(await readFile(pathOf(cell, "summary"), "utf8")) as Json;
  const windows = await queryRows(ctx.conn, `SELECT * FROM ${parquet(cell, "windows")} ORDER BY "window"`);
  const returns = await queryRows<{ date: string; net: number }>(
    ctx.conn,
    `SELECT date::VARCHAR AS date, net FROM ${parquet(cell, "returns")} ORDER BY date`,
  );
  const stability = Object.entries((s.stability ?? {}) as Record<string, { distinct: number; modeShare: number }>)
    .filter(([k]) => k !== "long_only")
    .map(([param, v]) => ({ param, distinct_values: v.distinct, share_on_mode: pct(v.modeShare) }));
  const reasons = Array.isArray(s.reasons) ? (s.reasons as string[]) : [];
  return join([
    html`<h2><code>${cellLabel(cell)}</code></h2>\n<div class="cards">`,
    card("windows", String(s.windows ?? "—")),
    card("parameter sets tried", String(s.evaluated ?? "—")),
    card("mean test Sharpe", fmt(s.mean_test_sharpe)),
    card("walk-forward efficiency", fmt(s.efficiency)),
    card("mean test drawdown", pct(s.mean_test_drawdown)),
    html`</div>\n<p>`,
    s.passes
      ? html`<span class="badge ok">passes</span> the robustness filters`
      : html`<span class="badge bad">fails</span> ${reasons.join("; ")}`,
    html` — ${String(s.search ?? "")} search on ${((s.objectives as string[]) ?? []).join(", ")}.</p>`,
    returns.length ? growth(returns, cellLabel(cell)) : null,
    html`<h3>Windows</h3>`,
    dataTable(
      windows.map((w) => ({
        window: num(w.window),
        train_from: String(w.train_start),
        test: `${String(w.test_start)} … ${String(w.test_end)}`,
        params: String(w.params),
        train_sharpe: fmt(num(w.train_sharpe)),
        test_sharpe: fmt(num(w.test_sharpe)),
        test_return: pct(num(w.test_return)),
        test_drawdown: pct(num(w.test_drawdown)),
        test_trades: num(w.test_trades),
      })),
    ),
    html`<h3>Parameter stability</h3>`,
    stability.length ? dataTable(stability) : html`<p class="note">No searched parameter.</p>`,
    front(s),
  ]);
}

function card(k: string, v: string): SafeHtml {
  return html`<div class="card"><div class="k">${k}</div><div class="v">${v}</div></div>`;
}

function growth(rows: { date: string; net: number }[], label: string): SafeHtml {
  let g = 1;
  const data = rows.map((r) => {
    g *= 1 + Number(r.net);
    return { date: utcDate(r.date), growth: g };
  });
  return figure({
    title: `Out-of-sample growth — ${label}`,
    subtitle: "The test windows stitched: growth of 1, after costs and the switch between windows' choices.",
    data,
    table: { maxRows: 400, digits: 6 },
    plot: {
      height: 240,
      x: { type: "utc", label: "Date" },
      y: { label: "Growth of 1", grid: true },
      marks: [Plot.ruleY([1], { stroke: "#8c959f" }), Plot.lineY(data, { x: "date", y: "growth", stroke: "#4e79a7" })],
    },
  });
}

/** The last window's Pareto front (several objectives), as a table and a scatter of the first two. */
function front(s: Json): SafeHtml | null {
  const objectives = (s.objectives as string[]) ?? [];
  const pts = (Array.isArray(s.front) ? s.front : []) as { params: Json; objectives: (number | null)[] }[];
  if (objectives.length < 2 || !pts.length) return null;
  const rows = pts.map((p) =>
    Object.fromEntries([
      ["params", JSON.stringify(p.params)],
      ...objectives.map((o, k) => [o, p.objectives[k] ?? NaN]),
    ]),
  );
  const [x, y] = objectives;
  return join([
    html`<h3>Pareto front of the last window</h3>`,
    figure({
      title: `Front: ${x} against ${y}`,
      subtitle: "Every point is non-dominated on the training window's objectives (all maximized).",
      data: rows,
      table: { maxRows: 200, digits: 4 },
      plot: {
        height: 240,
        x: { label: x, grid: true },
        y: { label: y, grid: true },
        marks: [Plot.dot(rows, { x, y, fill: "#e15759" })],
      },
    }),
  ]);
}
