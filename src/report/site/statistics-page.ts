/**
 * Statistics page: per cell the Sharpe ratio with its stationary-bootstrap interval, the
 * probabilistic and deflated Sharpe ratios, yearly Sharpe ratios; across cells White's
 * Reality Check, Hansen's SPA test and the probability of backtest overfitting (PBO).
 */
import { readFile } from "node:fs/promises";
import * as Plot from "@observablehq/plot";
import type { CatalogCell } from "../catalog.ts";
import { figure, labelMargin } from "../figure.ts";
import { formatNumber, formatPValue } from "../format.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable, keyValueTable } from "../table.ts";
import { cellsWith, pathOf, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import { heatmap } from "./heatmap.ts";
import { queryRows } from "../../store/index.ts";
import { columnsOf, num, parquet } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

/** "backtest[model=gbdt,optimizer=hrp]" → "gbdt / hrp". */
export function shortCell(id: string): string {
  const m = /^[^[]+\[(.*)\]$/.exec(id);
  return m
    ? m[1]
        .split(",")
        .map((kv) => kv.slice(kv.indexOf("=") + 1))
        .join(" / ")
    : id;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" ? (v as Json) : {});

/** A row of the `cells` table: the short cell name and the columns of `CELL_COLUMNS` it has. */
type CellRow = Record<string, number | string>;

/** The columns of the `cells` table the page reads, in this order, when present. */
const CELL_COLUMNS = [
  "sharpe",
  "sharpe_lo",
  "sharpe_hi",
  "benchmark",
  "benchmark_sharpe",
  "psr",
  "dsr",
  "psr_active",
  "dsr_active",
  "information_ratio",
  "information_ratio_lo",
  "information_ratio_hi",
  "trial_cluster",
  "sign_p",
  "observations",
  "mc_probability_of_loss",
];

/** The tests across cells of a `matrix` output (each `{}` when absent). */
type Tests = { pbo: Json; rc: Json; spa: Json; trials: Json };

/** The Reality Check, SPA, PBO and trials objects of a parsed `matrix` output. */
function testsOf(matrix: Json): Tests {
  return { pbo: obj(matrix.pbo), rc: obj(matrix.reality_check), spa: obj(matrix.spa), trials: obj(matrix.trials) };
}

/** Every row of a `cells` table with the columns it has, best Sharpe ratio first. */
async function cellRows(conn: SiteContext["conn"], src: string, have: Set<string>): Promise<CellRow[]> {
  const pick = CELL_COLUMNS.filter((c) => have.has(c));
  return (await queryRows(conn, `select cell, ${pick.join(", ")} from ${src} order by sharpe desc, cell`)).map((r) => ({
    cell: shortCell(String(r.cell)),
    ...Object.fromEntries(pick.map((c) => [c, c === "benchmark" ? String(r[c]) : num(r[c])])),
  })) as CellRow[];
}

/** A summary card: a label, a value (numbers to 3 digits, "—" when missing), an optional note. */
function card(k: string, v: unknown, note?: string): SafeHtml {
  return join([
    html`<div class="card"><div class="k">${k}</div><div class="v">`,
    html`${typeof v === "number" ? formatNumber(v, 3) : String(v ?? "—")}</div>`,
    html`${note ? html`<div class="k">${note}</div>` : null}</div>`,
  ]);
}

/** The heading of a statistics cell: cards of Reality Check, SPA, PBO and the trials, and a note reading them. */
function testCards(id: string, matrix: Json, { pbo, rc, spa, trials }: Tests, count: number): SafeHtml {
  return join([
    html`<h2><code>${id}</code></h2><div class="cards">`,
    card("Reality Check p-value", formatPValue(rc.p_value, rc.resamples), `best: ${shortCell(String(rc.best ?? ""))}`),
    card(
      "SPA p-value (consistent)",
      formatPValue(spa.p_consistent, spa.resamples ?? rc.resamples),
      `best: ${shortCell(String(spa.best ?? ""))}`,
    ),
    card("PBO", pbo.pbo, `${pbo.splits ?? "?"} splits, ${pbo.combinations ?? "?"} combinations`),
    card(
      "trials (N, effective)",
      trials.count,
      `${typeof trials.raw === "number" ? `${trials.raw} raw; ` : ""}Sharpe variance ${typeof trials.sharpe_variance === "number" ? formatNumber(trials.sharpe_variance, 4) : "—"}; E[max Sharpe] ${typeof trials.expected_max_sharpe === "number" ? formatNumber(trials.expected_max_sharpe, 3) : "—"}`,
    ),
    html`</div>\n<p class="note">Reality Check (White 2000) and SPA (Hansen 2005) test whether the best cell beats `,
    html`the benchmark (${String(matrix.benchmark ?? "the baseline")}) after searching `,
    html`${String(matrix.cells ?? count)} cells; small p-values reject "no cell beats it". PBO (Bailey et al. 2017) `,
    html`is the probability that the in-sample best cell ranks below the median out of sample.</p>`,
  ]);
}

/** The Sharpe ratio of each cell (dot) with its stationary-bootstrap interval (bar), best first. */
function sharpeIntervalFigure(cells: CellRow[], order: string[], have: Set<string>): SafeHtml {
  return figure({
    title: "Sharpe ratio with bootstrap interval",
    subtitle:
      "Annualized Sharpe ratio per cell (dot) and its stationary-bootstrap confidence interval (bar), best first.",
    data: cells,
    table: {
      columns: ["cell", "sharpe", "sharpe_lo", "sharpe_hi", ...(have.has("observations") ? ["observations"] : [])],
    },
    plot: {
      height: Math.max(160, 50 + cells.length * 16),
      marginLeft: labelMargin(order),
      x: { label: "Sharpe ratio (annualized)", grid: true },
      y: { label: null, domain: order },
      marks: [
        Plot.ruleX([0]),
        Plot.ruleY(cells, { y: "cell", x1: "sharpe_lo", x2: "sharpe_hi", stroke: "#4e79a7", strokeWidth: 2 }),
        Plot.dot(cells, { y: "cell", x: "sharpe", fill: "#1d232b", r: 3 }),
      ],
    },
  });
}

/** The probabilities of the PSR/DSR figure: column → legend name. */
const MEASURES = {
  psr: "PSR vs 0",
  dsr: "DSR vs 0",
  psr_active: "PSR of active returns",
  dsr_active: "DSR of active returns",
} as const;

/** PSR and DSR of each cell, of its own and of its active returns; null when the table has none of them. */
function probabilityFigure(cells: CellRow[], order: string[], have: Set<string>): SafeHtml | null {
  const probs = cells.flatMap((c) =>
    (Object.keys(MEASURES) as (keyof typeof MEASURES)[])
      .filter((k) => have.has(k))
      .map((k) => ({ cell: c.cell, measure: MEASURES[k], probability: c[k] as number })),
  );
  const benchNames = [...new Set(cells.map((c) => String(c.benchmark ?? "")).filter(Boolean))];
  if (!probs.length) return null;
  const top = Math.max(3, Math.ceil(Math.max(...probs.map((p) => nines(p.probability)).filter(Number.isFinite))));
  return figure({
    title: "Probabilistic and deflated Sharpe ratio",
    subtitle:
      `PSR: probability that the true Sharpe ratio exceeds 0 given skew, kurtosis and length; DSR: the same ` +
      `against the Sharpe ratio expected from the best of N skill-less trials. "vs 0": the cell's own returns; "of ` +
      `active returns": its returns minus the benchmark's (${benchNames.join(", ") || "—"}), the figure selection's ` +
      `min_dsr reads. The rule marks 0.95.`,
    data: probs,
    table: { columns: ["cell", "measure", "probability"], digits: 6 },
    plot: {
      height: Math.max(160, 50 + cells.length * 16),
      marginLeft: labelMargin(order),
      // A "nines" axis, −log10(1 − p): 0.9, 0.99 and 0.999 are evenly apart, so a DSR of 0.999
      // no longer sits on top of one of 0.9 at the right edge of a linear 0–1 axis.
      x: {
        label: "Probability (nines scale: 0.9, 0.99, 0.999 evenly spaced)",
        grid: true,
        domain: [0, top],
        ticks: [0, nines(0.5), ...Array.from({ length: top }, (_, i) => i + 1)],
        tickFormat: (n: number) => (n === 0 ? "0" : n < 1 ? "0.5" : (1 - 10 ** -n).toFixed(n)),
      },
      y: { label: null, domain: order },
      color: {
        legend: true,
        domain: Object.values(MEASURES),
        range: ["#76b7b2", "#e15759", "#59a14f", "#9c6ade"],
      },
      marks: [
        Plot.ruleX([nines(0.95)], { stroke: "#9a6700", strokeDasharray: "3,3" }),
        Plot.dot(probs, {
          y: "cell",
          x: (d: { probability: number }) => nines(d.probability),
          fill: "measure",
          r: 3.5,
        }),
      ],
    },
  });
}

/** At most this many nines are told apart (p ≥ 0.999999 is drawn at 6). */
const NINES_CAP = 6;

/** −log10(1 − p), capped at NINES_CAP: the position of a probability on the nines axis. */
export function nines(p: number): number {
  if (!Number.isFinite(p)) return NaN;
  // + 0: p = 0 gives −0, which would print as "−0" on an axis.
  return Math.min(NINES_CAP, -Math.log10(Math.max(1 - p, 10 ** -NINES_CAP))) + 0;
}

/** Consistency: each cell's Sharpe ratio within each calendar year, from the `windows` output. */
async function yearlyHeatmap(conn: SiteContext["conn"], sc: CatalogCell, order: string[]): Promise<SafeHtml> {
  const win = (
    await queryRows(
      conn,
      `select cell, year::INTEGER as year, sharpe, total_return, days::INTEGER as days ` +
        `from ${parquet(sc, "windows")} order by cell, year`,
    )
  ).map((r) => ({
    cell: shortCell(String(r.cell)),
    year: String(r.year),
    sharpe: num(r.sharpe),
    total_return: num(r.total_return),
    days: num(r.days),
  }));
  const lim = Math.max(1, ...win.map((w) => Math.abs(w.sharpe)).filter(Number.isFinite));
  return heatmap({
    title: "Sharpe ratio by calendar year",
    subtitle: "Consistency: each cell's annualized Sharpe ratio within each year.",
    rows: win,
    x: "year",
    y: "cell",
    value: "sharpe",
    xLabel: "Year",
    yLabel: "Cell",
    valueLabel: "Sharpe ratio (annualized)",
    diverging: true,
    domain: [-lim, lim],
    yDomain: order,
    labels: false,
    marginLeft: labelMargin(order),
  });
}

/** The table of every cell and the table of every test's numbers, by dotted key. */
function cellTables(cells: CellRow[], { pbo, rc, spa, trials }: Tests): SafeHtml {
  // The bootstrap p-values read "< 1/B" at 0 (the same resamples drive both tests).
  const b = rc.resamples ?? spa.resamples;
  const pv = (v: unknown) => formatPValue(v, b, 6);
  const format = Object.fromEntries(
    ["reality_check.p_value", "spa.p_consistent", "spa.p_lower", "spa.p_upper"].map((k) => [k, pv]),
  );
  return html`<h3>Every cell</h3>${dataTable(cells, { maxRows: 1000, digits: 5 })}<h3>Tests</h3>${keyValueTable(
    [
      ...Object.entries(rc).map(([k, v]) => [`reality_check.${k}`, v] as const),
      ...Object.entries(spa).map(([k, v]) => [`spa.${k}`, v] as const),
      ...Object.entries(pbo).map(([k, v]) => [`pbo.${k}`, v] as const),
      ...Object.entries(trials).map(([k, v]) => [`trials.${k}`, v] as const),
    ],
    { format },
  )}`;
}

/** One statistics cell's section: the test cards, the figures its outputs allow, and the tables. */
async function cellSection({ catalog, conn }: SiteContext, sc: CatalogCell): Promise<SafeHtml> {
  const matrix = JSON.parse(await readFile(pathOf(sc, "matrix"), "utf8")) as Json;
  const src = parquet(sc, "cells");
  const have = new Set((await columnsOf(conn, src)).map((c) => c.name));
  const cells = await cellRows(conn, src, have);
  const order = cells.map((c) => String(c.cell));
  const tests = testsOf(matrix);
  const parts: SafeHtml[] = [testCards(sc.id, matrix, tests, cells.length)];
  if (have.has("sharpe_lo") && have.has("sharpe_hi")) parts.push(sharpeIntervalFigure(cells, order, have));
  const probabilities = probabilityFigure(cells, order, have);
  if (probabilities) parts.push(probabilities);
  if (readableCells(catalog, ["windows"]).includes(sc)) parts.push(await yearlyHeatmap(conn, sc, order));
  parts.push(cellTables(cells, tests));
  return html`${parts}`;
}

export const statisticsPage: PageBuilder = {
  file: "statistics.html",
  label: "Statistics",
  title: "Statistics",
  needs: [["cells", "matrix"]],
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const { catalog } = ctx;
    const sources = stagesOf(cellsWith(catalog, ["cells", "matrix"]));
    const head = join([
      html`<h1>Statistics</h1><p class="lead">Is the best result more than luck? Intervals, deflation by the number `,
      html`of trials, data-snooping tests and overfitting.</p>${sourceStatus(catalog, sources)}`,
    ]);
    const parts: SafeHtml[] = [];
    for (const sc of readableCells(catalog, ["cells", "matrix"])) parts.push(await cellSection(ctx, sc));
    return html`${head}${parts}`;
  },
};
