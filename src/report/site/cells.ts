/**
 * Which cells feed a page, and how their state is shown: a page reads only outputs present on
 * disk and says so for every stale or missing cell it depends on (never reads one silently).
 */
import type { Catalog, CatalogCell, CatalogOutput } from "../catalog.ts";
import { html, join, type SafeHtml } from "../html.ts";

/** The output of a cell with that name (the lock names JSON outputs without ".json"). */
export function declared(cell: CatalogCell, name: string): CatalogOutput | undefined {
  return cell.outputs.find((o) => o.name === name || o.name === `${name}.json`);
}

/** Cells that declare every output in `names` (present on disk or not), in DAG order. */
export function cellsWith(catalog: Catalog, names: readonly string[]): CatalogCell[] {
  return catalog.cells.filter((c) => names.every((n) => declared(c, n)));
}

/** Cells that declare `names` and have all of them on disk. */
export function readableCells(catalog: Catalog, names: readonly string[]): CatalogCell[] {
  return cellsWith(catalog, names).filter((c) => names.every((n) => declared(c, n)!.present));
}

/** Absolute path of a present output (throws when absent: callers filter with readableCells). */
export function pathOf(cell: CatalogCell, name: string): string {
  const o = declared(cell, name);
  if (!o?.present) throw new Error(`report: ${cell.id} has no output '${name}' on disk`);
  return o.path;
}

/** Cells of the given stages, plus any cell declaring `names` (the page's sources). */
export function stagesOf(cells: readonly CatalogCell[]): string[] {
  return [...new Set(cells.map((c) => c.stage))];
}

/** A state badge. */
export function stateBadge(state: CatalogCell["state"]): SafeHtml {
  const cls = state === "fresh" ? "ok" : state === "stale" ? "warn" : "bad";
  return html`<span class="badge ${cls}">${state}</span>`;
}

/**
 * The status of the cells a page draws on: a one-line summary, then every stale or missing
 * cell with its reasons, and every output the lock records but the disk lacks.
 */
export function sourceStatus(catalog: Catalog, stages: readonly string[]): SafeHtml {
  const cells = catalog.cells.filter((c) => stages.includes(c.stage));
  if (!cells.length) return html``;
  const count = (s: CatalogCell["state"]) => cells.filter((c) => c.state === s).length;
  const problems = cells.filter((c) => c.state !== "fresh" || c.outputs.some((o) => !o.present));
  const summary = join([
    html`<p class="note">Sources: ${stages.join(", ")} — ${cells.length} cell${cells.length === 1 ? "" : "s"}: `,
    html`${count("fresh")} fresh, ${count("stale")} stale, ${count("missing")} missing.</p>`,
  ]);
  if (!problems.length) return summary;
  return join([
    html`${summary}<div class="cell-error" role="status"><strong>Not up to date:</strong>`,
    html` figures below use what is on disk; stale cells are marked.<ul>`,
    problems.map((c) => {
      const absent = c.outputs.filter((o) => !o.present).map((o) => `${o.relPath} missing or modified`);
      const reasons = [...c.reasons, ...absent];
      return join([
        html`<li><code>${c.id}</code> ${stateBadge(c.state)}${reasons.length ? html` — ${reasons.join("; ")}` : null}`,
        html`</li>`,
      ]);
    }),
    html`</ul></div>`,
  ]);
}

/** A cell's label with its axis values ("gbdt / hrp"), or its id when it has no axes. */
export function cellLabel(cell: CatalogCell): string {
  const v = Object.values(cell.axes);
  return v.length ? v.map(String).join(" / ") : cell.id;
}

/** "(stale)" after the label of a stale cell, so a figure never shows one as current. */
export function markStale(cell: CatalogCell, label: string): string {
  return cell.state === "fresh" ? label : `${label} (${cell.state})`;
}
