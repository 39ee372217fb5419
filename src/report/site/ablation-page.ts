/**
 * Ablation page: for every ablation stage (stages/ablation.ts), what each feature group is
 * worth out of sample — the change of the daily rank IC and of the equal-weight book's Sharpe
 * when the model is refitted without the group, each with its paired bootstrap interval, and
 * the IC lost when the group is shuffled within each date under the full model.
 */
import * as Plot from "@observablehq/plot";
import type { CatalogCell } from "../catalog.ts";
import { figure, labelMargin } from "../figure.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { queryRows } from "../../store/index.ts";
import { cellsWith, markStale, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import { num, parquet } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

const NEEDS = ["effects", "daily", "trials"] as const;

/** One group's row of an effects table. */
interface Effect {
  group: string;
  columns: string;
  delta_ic: number;
  delta_ic_lo: number;
  delta_ic_hi: number;
  perm_delta_ic: number;
  perm_delta_ic_std: number;
  ic_full: number;
  ic_drop: number;
  delta_sharpe: number;
  delta_sharpe_lo: number;
  delta_sharpe_hi: number;
  sharpe_full: number;
  sharpe_drop: number;
  n_dates: number;
}

export const ablationPage: PageBuilder = {
  file: "ablation.html",
  label: "Ablation",
  title: "Feature ablation",
  needs: [[...NEEDS]],
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const { catalog } = ctx;
    const sources = stagesOf(cellsWith(catalog, [...NEEDS]));
    const cells = readableCells(catalog, [...NEEDS]);
    const parts: SafeHtml[] = [];
    for (const stage of stagesOf(cells))
      parts.push(
        await stageSection(
          ctx,
          stage,
          cells.filter((c) => c.stage === stage),
        ),
      );
    return join([
      html`<h1>Feature ablation</h1><p class="lead">Each feature group dropped and the model refitted fold by fold `,
      html`on the same purged cross-validation: the change of the out-of-sample rank IC and of the equal-weight `,
      html`book's Sharpe, with paired bootstrap intervals. Below zero: the model is worse without the group. `,
      html`An interval covering zero: no evidence the group matters.</p>${sourceStatus(catalog, sources)}`,
      html`${parts}`,
    ]);
  },
};

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : "—");
const interval = (lo: number, hi: number, digits = 4) =>
  Number.isFinite(lo) && Number.isFinite(hi) ? `[${lo.toFixed(digits)}, ${hi.toFixed(digits)}]` : "—";

async function readEffect(ctx: SiteContext, cell: CatalogCell): Promise<Effect> {
  const [r] = await queryRows(ctx.conn, `SELECT * FROM ${parquet(cell, "effects")}`);
  const n = (k: string) => num(r[k]);
  return {
    group: markStale(cell, String(r.group)),
    columns: String(r.columns),
    delta_ic: n("delta_ic"),
    delta_ic_lo: n("delta_ic_lo"),
    delta_ic_hi: n("delta_ic_hi"),
    perm_delta_ic: n("perm_delta_ic"),
    perm_delta_ic_std: n("perm_delta_ic_std"),
    ic_full: n("ic_full"),
    ic_drop: n("ic_drop"),
    delta_sharpe: n("delta_sharpe"),
    delta_sharpe_lo: n("delta_sharpe_lo"),
    delta_sharpe_hi: n("delta_sharpe_hi"),
    sharpe_full: n("sharpe_full"),
    sharpe_drop: n("sharpe_drop"),
    n_dates: n("n_dates"),
  };
}

async function stageSection(ctx: SiteContext, stage: string, cells: CatalogCell[]): Promise<SafeHtml> {
  const effects: Effect[] = [];
  for (const c of cells) effects.push(await readEffect(ctx, c));
  // Most harmful to drop first: the most negative ΔIC at the top.
  effects.sort((a, b) => a.delta_ic - b.delta_ic || (a.group < b.group ? -1 : 1));
  const full = effects[0];
  return join([
    html`<h2><code>${stage}</code></h2>\n<div class="cards">`,
    card("groups", String(effects.length)),
    card("full model rank IC", full ? fmt(full.ic_full) : "—"),
    card("full book Sharpe", full ? fmt(full.sharpe_full, 2) : "—"),
    card("dates compared", full ? String(full.n_dates) : "—"),
    html`</div>\n`,
    intervalFigure(stage, effects, {
      title: `Change of rank IC without each group — ${stage}`,
      subtitle:
        "Mean daily rank IC of the refitted model minus the full model's (dots), its paired bootstrap interval " +
        "(bars), and the permutation estimate under the full model (crosses).",
      label: "Δ rank IC",
      key: "delta_ic",
      lo: "delta_ic_lo",
      hi: "delta_ic_hi",
      perm: "perm_delta_ic",
    }),
    effects.some((e) => Number.isFinite(e.delta_sharpe))
      ? intervalFigure(stage, effects, {
          title: `Change of the book's Sharpe without each group — ${stage}`,
          subtitle: "Annualized Sharpe of the equal-weight book on the refitted model's scores minus the full book's.",
          label: "Δ Sharpe",
          key: "delta_sharpe",
          lo: "delta_sharpe_lo",
          hi: "delta_sharpe_hi",
        })
      : html`<p class="note">No data need: the books were not traded, no Sharpe.</p>`,
    html`<h3>Effects</h3>`,
    dataTable(
      effects.map((e) => ({
        group: e.group,
        columns: e.columns.split(",").join(", "),
        ic_full: fmt(e.ic_full),
        ic_drop: fmt(e.ic_drop),
        delta_ic: fmt(e.delta_ic),
        delta_ic_interval: interval(e.delta_ic_lo, e.delta_ic_hi),
        perm_delta_ic: `${fmt(e.perm_delta_ic)} ± ${fmt(e.perm_delta_ic_std)}`,
        sharpe_full: fmt(e.sharpe_full, 2),
        sharpe_drop: fmt(e.sharpe_drop, 2),
        delta_sharpe: fmt(e.delta_sharpe, 2),
        delta_sharpe_interval: interval(e.delta_sharpe_lo, e.delta_sharpe_hi, 2),
      })),
    ),
  ]);
}

type NumKey = { [K in keyof Effect]: Effect[K] extends number ? K : never }[keyof Effect];

/** One row per group: the estimate as a dot, the interval as a bar, an optional second estimate as a cross. */
function intervalFigure(
  stage: string,
  effects: Effect[],
  o: { title: string; subtitle: string; label: string; key: NumKey; lo: NumKey; hi: NumKey; perm?: NumKey },
): SafeHtml {
  const data = effects
    .filter((e) => Number.isFinite(e[o.key]))
    .map((e) => ({
      group: e.group,
      estimate: e[o.key],
      lower: e[o.lo],
      upper: e[o.hi],
      ...(o.perm ? { permutation: e[o.perm] } : {}),
    }));
  const groups = data.map((d) => d.group);
  return figure({
    id: `${stage}-${o.key}`,
    title: o.title,
    subtitle: o.subtitle,
    data,
    table: { maxRows: 200, digits: 6 },
    plot: {
      height: Math.max(120, 28 * data.length + 50),
      marginLeft: labelMargin(groups, 80),
      x: { label: o.label, grid: true },
      y: { label: null, domain: groups },
      marks: [
        Plot.ruleX([0], { stroke: "#8c959f" }),
        Plot.link(data, { x1: "lower", x2: "upper", y1: "group", y2: "group", stroke: "#4e79a7", strokeWidth: 3 }),
        Plot.dot(data, { x: "estimate", y: "group", fill: "#4e79a7", r: 4 }),
        ...(o.perm ? [Plot.dot(data, { x: "permutation", y: "group", symbol: "times", stroke: "#e15759", r: 4 })] : []),
      ],
    },
  });
}

function card(k: string, v: string): SafeHtml {
  return html`<div class="card"><div class="k">${k}</div><div class="v">${v}</div></div>`;
}
