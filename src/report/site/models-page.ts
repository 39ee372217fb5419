/**
 * Models page: cross-validation metrics by fold for every model cell (the `folds` tables),
 * their means, feature importance (the `importance` tables) and the tuning trials.
 */
import * as Plot from "@observablehq/plot";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { CatalogCell } from "../catalog.ts";
import { figure, labelMargin } from "../figure.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { cellLabel, cellsWith, markStale, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import { heatmap } from "./heatmap.ts";
import { queryRows } from "../../store/index.ts";
import { columnsOf, fanIn, num } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

const label = (c: CatalogCell) => markStale(c, cellLabel(c));
const METRICS = ["ic", "rank_ic", "icir", "hit_rate", "mse"];

export const modelsPage: PageBuilder = {
  file: "models.html",
  label: "Models",
  title: "Models",
  needs: [["folds"], ["importance"]],
  async build({ catalog, conn }: SiteContext): Promise<SafeHtml> {
    const foldCells = readableCells(catalog, ["folds"]);
    const impCells = readableCells(catalog, ["importance"]);
    const trialCells = readableCells(catalog, ["trials"]).filter((c) => foldCells.includes(c) || impCells.includes(c));
    const parts: SafeHtml[] = [
      ...(foldCells.length ? await foldSections(conn, foldCells) : []),
      ...(impCells.length ? [await importanceSection(conn, impCells)] : []),
      ...(trialCells.length ? [await trialsSection(conn, trialCells)] : []),
    ];
    const sources = stagesOf([...cellsWith(catalog, ["folds"]), ...cellsWith(catalog, ["importance"])]);
    return join([
      html`<h1>Models</h1><p class="lead">Cross-validated scores of every model candidate and what they rely on.</p>`,
      sourceStatus(catalog, sources),
      parts,
    ]);
  },
};

/** Out-of-sample score by fold (chart) and its mean per model (table). */
async function foldSections(conn: DuckDBConnection, foldCells: CatalogCell[]): Promise<SafeHtml[]> {
  const parts: SafeHtml[] = [];
  const src = fanIn(foldCells, "folds", label);
  const have = new Set((await columnsOf(conn, `(${src})`)).map((c) => c.name));
  const metrics = METRICS.filter((m) => have.has(m));
  const folds = (
    await queryRows(
      conn,
      `select cell, fold::INTEGER as ` +
        `fold, ${have.has("test_start") ? "test_start::VARCHAR as test_start, test_end::VARCHAR as test_end," : ""} ${metrics.join(", ")} from (${src}) order by cell, fold`,
    )
  ).map((r) => ({ ...r, fold: num(r.fold), ...Object.fromEntries(metrics.map((m) => [m, num(r[m])])) }));
  const y = metrics.includes("rank_ic") ? "rank_ic" : metrics[0];
  const cells = foldCells.map(label);
  if (y) {
    parts.push(
      figure({
        title: `Out-of-sample ${y === "rank_ic" ? "rank IC" : y} by fold`,
        subtitle:
          "Walk-forward folds in time order; each point is one model's score on that fold's test dates (mean daily " +
          "Spearman correlation of predictions with forward returns).",
        data: folds,
        table: {
          columns: ["cell", "fold", ...(have.has("test_start") ? ["test_start", "test_end"] : []), ...metrics],
        },
        plot: {
          height: 300,
          x: {
            label: "Fold (walk-forward order)",
            tickFormat: "d",
            ticks: [...new Set(folds.map((f) => f.fold as number))],
          },
          y: { label: y === "rank_ic" ? "Rank IC (correlation)" : y, grid: true },
          color: { legend: true, domain: cells },
          marks: [
            Plot.ruleY([0]),
            Plot.lineY(folds, { x: "fold", y, stroke: "cell" }),
            Plot.dot(folds, { x: "fold", y, fill: "cell", r: 3.5 }),
          ],
        },
      }),
    );
  }
  const means = await queryRows(
    conn,
    `select cell, count(*)::INTEGER as folds, ${metrics.map((m) => `round(avg(${m}), 12) as mean_${m}`).join(", ")} ` +
      `from (${src}) group by cell order by ${y ? `mean_${y} desc, ` : ""}cell`,
  );
  parts.push(
    join([
      html`<h3>Mean over folds</h3>`,
      dataTable(
        means.map((r) => ({ ...r, ...Object.fromEntries(metrics.map((m) => [`mean_${m}`, num(r[`mean_${m}`])])) })),
      ),
    ]),
  );
  return parts;
}

/** Each model's share of importance per feature (heatmap). */
async function importanceSection(conn: DuckDBConnection, impCells: CatalogCell[]): Promise<SafeHtml> {
  const src = fanIn(impCells, "importance", label);
  const imp = (await queryRows(conn, `select cell, feature, share from (${src}) order by cell, feature`)).map((r) => ({
    ...r,
    share: num(r.share),
  }));
  const order = (
    await queryRows<{ feature: string }>(
      conn,
      `select feature from (${src}) group by feature order by round(avg(share), 12) desc, feature`,
    )
  ).map((r) => r.feature);
  return heatmap({
    title: "Feature importance",
    subtitle:
      "Each model's share of total importance per feature (gain for trees, |coefficient| for linear models; shares " +
      "sum to 1 per model). Features by mean share.",
    rows: imp,
    x: "cell",
    y: "feature",
    value: "share",
    xLabel: "Model",
    yLabel: "Feature",
    valueLabel: "Share of importance (0–1)",
    xDomain: impCells.map(label),
    yDomain: order,
    digits: 2,
    rotateX: true,
    marginLeft: labelMargin(order),
  });
}

/** Tuning trials per model: count, best and worst mean metric. */
async function trialsSection(conn: DuckDBConnection, trialCells: CatalogCell[]): Promise<SafeHtml> {
  const t = await queryRows(
    conn,
    `select cell, count(distinct trial)::INTEGER as trials, max(m) best_mean_metric, min(m) worst_mean_metric from (
        select cell, trial, round(avg(metric), 12) m from (${fanIn(trialCells, "trials", label)}) group by cell, trial)
        group by cell order by cell`,
  );
  return join([
    html`<h3>Tuning trials</h3><p class="note">`,
    html`Hyper-parameter configurations evaluated per model; metric = mean over folds of the validation `,
    html`score (rank IC). Every trial counts toward the deflated Sharpe ratio's number of trials.</p>`,
    dataTable(
      t.map((r) => ({ ...r, best_mean_metric: num(r.best_mean_metric), worst_mean_metric: num(r.worst_mean_metric) })),
    ),
  ]);
}
