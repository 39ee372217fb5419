/**
 * Attribution page: for every backtest cell (attribution.json, stages/lib/attribution.ts) where
 * its return came from — by sector with Brinson–Fachler allocation and selection against 1/N,
 * the best and worst symbols, by year and regime — and its factor exposures with the alpha
 * they leave. `pipeline attribution CELL` prints the same for one cell.
 */
import { readFile } from "node:fs/promises";
import * as Plot from "@observablehq/plot";
import { figure } from "../figure.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { cellLabel, cellsWith, pathOf, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

type Json = Record<string, unknown>;

export const attributionPage: PageBuilder = {
  file: "attribution.html",
  label: "Attribution",
  title: "Performance attribution",
  needs: [["attribution"]],
  async build({ catalog }: SiteContext): Promise<SafeHtml> {
    const sources = stagesOf(cellsWith(catalog, ["attribution"]));
    const parts: SafeHtml[] = [];
    for (const cell of readableCells(catalog, ["attribution"]))
      parts.push(
        attributionSection(
          html`<h2><code>${cellLabel(cell)}</code></h2>`,
          cellLabel(cell),
          JSON.parse(await readFile(pathOf(cell, "attribution"), "utf8")) as Json,
        ),
      );
    return join([
      html`<h1>Performance attribution</h1><p class="lead">Each backtest cell's compounded return split by sector `,
      html`(allocation and selection against the 1/N universe), symbol, year and regime, and its exposures to five `,
      html`point-in-time factors. Contributions add up to the total return.</p>${sourceStatus(catalog, sources)}`,
      html`${parts}`,
    ]);
  },
};

const pct = (v: unknown) => (typeof v === "number" ? `${(v * 100).toFixed(2)} %` : "—");
const num = (v: unknown, d = 2) => (typeof v === "number" ? v.toFixed(d) : "—");

/**
 * One book's attribution document (a cell's attribution.json, or the paper book's): cards, the
 * yearly contributions drawn, sectors against 1/N, best and worst symbols, years, regimes and
 * factor exposures. `label` names the book in the figure's title.
 */
export function attributionSection(heading: SafeHtml, label: string, d: Json): SafeHtml {
  const fit = ((d.factors ?? {}) as Json).fit as Json | null;
  const b = d.brinson as Json | null;
  const syms = (d.by_symbol ?? []) as Json[];
  const ends = syms.length > 10 ? [...syms.slice(0, 5), ...syms.slice(-5)] : syms;
  return join([
    heading,
    html`\n<div class="cards">`,
    card("total return", pct(d.total_return)),
    card("costs", pct(d.cost)),
    card("factor alpha a year", fit ? pct(fit.alpha_annualized) : "—"),
    card("alpha t-stat", fit ? num(fit.alpha_t) : "—"),
    card("R² on the factors", fit ? num(fit.r_squared) : "—"),
    html`</div>\n`,
    yearly(label, (d.by_year ?? []) as Json[]),
    html`<div class="grid2"><div>`,
    b
      ? join([
          html`<h3>Sectors against 1/N</h3>`,
          dataTable(
            ((b.sectors ?? []) as Json[]).map((s) => ({
              sector: String(s.sector),
              allocation: pct(s.allocation),
              selection: pct(s.selection),
            })),
          ),
        ])
      : html`<p class="note">No sector column in the prices: no sector attribution.</p>`,
    html`<h3>Best and worst symbols</h3>`,
    dataTable(ends.map((s) => ({ symbol: String(s.symbol), contribution: pct(s.contribution) }))),
    html`</div><div><h3>By year</h3>`,
    dataTable(
      ((d.by_year ?? []) as Json[]).map((y) => ({
        year: String(y.period),
        contribution: pct(y.contribution),
        own_return: pct(y.own_return),
      })),
    ),
    html`<h3>By regime</h3>`,
    dataTable(
      ((d.by_regime ?? []) as Json[]).map((y) => ({
        regime: String(y.period),
        days: y.days as number,
        own_return: pct(y.own_return),
      })),
    ),
    fit
      ? join([
          html`<h3>Factor exposures</h3>`,
          dataTable(
            Object.keys((fit.exposures ?? {}) as Json).map((k) => ({
              factor: k,
              exposure: num((fit.exposures as Json)[k], 3),
              t_stat: num((fit.t_stats as Json)[k]),
            })),
          ),
        ])
      : null,
    html`</div></div>`,
  ]);
}

/** Each year's contribution to the compounded total, as bars. */
function yearly(label: string, years: Json[]): SafeHtml | null {
  const data = years
    .filter((y) => typeof y.contribution === "number")
    .map((y) => ({ year: String(y.period), contribution: y.contribution as number }));
  if (!data.length) return null;
  return figure({
    title: `Contribution by year — ${label}`,
    subtitle: "Each year's share of the compounded total return (the bars add up to it).",
    data,
    table: { maxRows: 60, digits: 6 },
    plot: {
      height: 200,
      x: { label: "Year", type: "band" },
      y: { label: "Contribution", grid: true, tickFormat: "%" },
      marks: [
        Plot.ruleY([0], { stroke: "#8c959f" }),
        Plot.barY(data, { x: "year", y: "contribution", fill: "#4e79a7" }),
      ],
    },
  });
}

function card(k: string, v: string): SafeHtml {
  return html`<div class="card"><div class="k">${k}</div><div class="v">${v}</div></div>`;
}
