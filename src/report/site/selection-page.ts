/**
 * Selection page: the thresholds and score weights, every candidate's score and the reasons
 * it failed (if it did), and the champion with the provenance of its model.
 */
import { readFile } from "node:fs/promises";
import * as Plot from "@observablehq/plot";
import type { CatalogCell } from "../catalog.ts";
import { figure, labelMargin } from "../figure.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable, keyValueTable } from "../table.ts";
import { cellsWith, declared, pathOf, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import { shortCell } from "./statistics-page.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

/** Nested object → sorted dotted key/value pairs. */
function flatten(v: unknown, prefix = ""): Array<[string, unknown]> {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return Object.keys(v as Json)
      .sort()
      .flatMap((k) => flatten((v as Json)[k], prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, Array.isArray(v) ? JSON.stringify(v) : v]];
}

export const selectionPage: PageBuilder = {
  file: "selection.html",
  label: "Selection",
  title: "Champion selection",
  needs: [["selection"]],
  async build({ catalog }: SiteContext): Promise<SafeHtml> {
    const sources = stagesOf(cellsWith(catalog, ["selection"]));
    const parts: SafeHtml[] = [];
    for (const cell of readableCells(catalog, ["selection"])) parts.push(...(await cellSection(cell)));
    return join([
      html`<h1>Champion selection</h1><p class="lead">Thresholds first, then a weighted score; the champion and why.`,
      html`</p>${sourceStatus(catalog, sources)}${parts}`,
    ]);
  },
};

/** One selection cell: the summary cards, the scores of the candidates that passed, every candidate and why. */
async function cellSection(cell: CatalogCell): Promise<SafeHtml[]> {
  const parts: SafeHtml[] = [];
  const sel = JSON.parse(await readFile(pathOf(cell, "selection"), "utf8")) as Json;
  const cands = (Array.isArray(sel.candidates) ? sel.candidates : []).map(obj);
  const rowsOut = candidateRows(cands);
  const champion = sel.champion ? String(sel.champion) : null;
  const scored = rowsOut
    .filter((r) => r.score !== null)
    .map((r) => ({
      ...r,
      status: r.cell === shortCell(champion ?? "") ? "champion" : r.passed ? "passed" : "failed",
    }));
  let champ: Json = {};
  const cj = declared(cell, "champion");
  if (cj?.present) champ = JSON.parse(await readFile(cj.path, "utf8")) as Json;
  parts.push(
    join([
      html`<h2><code>${cell.id}</code></h2>\n<div class="cards"><div class="card"><div class="k">champion</div>`,
      html`<div class="v">${champion ? shortCell(champion) : "none"}</div></div><div class="card"><div class="k">`,
      html`passed</div><div class="v">${rowsOut.filter((r) => r.passed).length} / ${rowsOut.length}</div></div>`,
      html`</div>\n<p>`,
      champion ? html`<span class="badge ok">champion</span> ` : html`<span class="badge bad">no champion</span> `,
      html`${String(sel.summary ?? "")}</p>\n<div class="grid2"><div><h3>Thresholds</h3>`,
      html`${keyValueTable(flatten(sel.thresholds))}</div><div><h3>Score weights</h3>`,
      keyValueTable(flatten(sel.weights)),
      join([
        sel.normalization ? html`<p class="note">Normalization: ${String(sel.normalization)}</p>` : null,
        html`</div>`,
      ]),
      html`</div>`,
    ]),
  );
  if (scored.length) {
    const order = scored.map((r) => r.cell);
    parts.push(
      figure({
        title: "Candidate scores",
        subtitle:
          "Weighted score of the normalized metrics (1 = best on every one) for the candidates that passed the " +
          "thresholds.",
        data: scored,
        table: { columns: ["rank", "cell", "status", "score"] },
        plot: {
          height: Math.max(140, 50 + scored.length * 16),
          marginLeft: labelMargin(order),
          x: { label: "Score (0–1)", grid: true, domain: [0, 1] },
          y: { label: null, domain: order },
          color: {
            legend: true,
            domain: ["champion", "passed", "failed"],
            range: ["#59a14f", "#4e79a7", "#e15759"],
          },
          marks: [Plot.barX(scored, { x: "score", y: "cell", fill: "status" }), Plot.ruleX([0])],
        },
      }),
    );
  }
  parts.push(html`<h3>Every candidate and why</h3>${dataTable(rowsOut, { maxRows: 1000, digits: 5 })}`);
  if (Object.keys(champ).length)
    parts.push(join([html`<h3>Champion provenance</h3>`, keyValueTable(flatten(champ), { digits: 8 })]));
  return parts;
}

/** The candidates as table rows, by rank (unranked last), with their reasons and values. */
function candidateRows(cands: Json[]) {
  return cands
    .map((c) => ({
      rank: typeof c.rank === "number" ? c.rank : null,
      cell: shortCell(String(c.cell ?? "")),
      passed: c.passed === true,
      score: typeof c.score === "number" ? c.score : null,
      reasons:
        Array.isArray(c.reasons) && c.reasons.length
          ? c.reasons.map(String).join("; ")
          : c.passed
            ? "passed every threshold"
            : "",
      ...Object.fromEntries(Object.entries(obj(c.values)).sort(([a], [b]) => (a < b ? -1 : 1))),
    }))
    .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || (a.cell < b.cell ? -1 : 1));
}
