/**
 * The front page: the stage graph, every stage's status (cells fresh, stale or missing, with
 * reasons), the lock fingerprints, and the provenance of the study — git commit, params,
 * seeds, input hashes, package versions, engine.
 */
import type { Catalog, CatalogCell } from "../catalog.ts";
import { formatNumber } from "../format.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable, keyValueTable } from "../table.ts";
import { stateBadge } from "./cells.ts";
import { dagSvg } from "./dag.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

function stageRows(catalog: Catalog): Record<string, unknown>[] {
  return catalog.stages.map((s) => {
    const cells = catalog.cells.filter((c) => c.stage === s.name);
    const n = (st: CatalogCell["state"]) => cells.filter((c) => c.state === st).length;
    return {
      stage: s.name,
      needs: s.needs.join(", "),
      matrix: s.axes.join(" × "),
      cells: cells.length,
      fresh: n("fresh"),
      stale: n("stale"),
      missing: n("missing"),
      uses: s.uses,
      description: s.description ?? "",
    };
  });
}

function dagFigure(catalog: Catalog): SafeHtml {
  const edges = catalog.stages.flatMap((s) => s.needs.map((n) => ({ from: n, to: s.name })));
  return join([
    html`<figure id="stage-graph" class="figure"><h3>Stage graph</h3><p class="subtitle">`,
    html`Stages in topological layers, arrows from each need to its stage; the border is green when every cell is `,
    html`fresh, amber when some are stale, red when some never ran.</p>${dagSvg(catalog)}<details><summary>`,
    html`Data (${edges.length} edges)</summary>${dataTable(edges, { columns: ["from", "to"] })}</details></figure>`,
  ]);
}

/** Params shown once per stage when every cell shares them, else per cell. */
function paramsBlock(catalog: Catalog): SafeHtml {
  return html`${catalog.stages.map((s) => {
    const cells = catalog.cells.filter((c) => c.stage === s.name && c.params !== undefined);
    if (!cells.length)
      return join([
        html`<h3>${s.name}</h3><p class="note">No params recorded (the stage has not run`,
        html`${catalog.lockHash === "none" ? "" : " or its params are not among these inputs"}).</p>`,
      ]);
    const texts = cells.map((c) => JSON.stringify(c.params, null, 2));
    const same = texts.every((t) => t === texts[0]);
    return join([
      html`<h3>${s.name}</h3>`,
      same
        ? html`<pre>${texts[0]}</pre>`
        : cells.map((c, i) => html`<details><summary><code>${c.id}</code></summary><pre>${texts[i]}</pre></details>`),
    ]);
  })}`;
}

function cellTable(catalog: Catalog, withDurations: boolean): SafeHtml {
  const rows = catalog.cells.map((c) => ({
    cell: c.id,
    state: c.state,
    fingerprint: c.fingerprint ? c.fingerprint.slice(0, 16) : "",
    seed: c.seed ?? null,
    outputs: c.outputs.length,
    ...(withDurations ? { seconds: c.durationS ?? null } : {}),
  }));
  return dataTable(rows, {
    maxRows: 2000,
    caption:
      "Fingerprint: the first 16 hex digits of the sha256 recorded in pipeline.lock; seed: the cell's own seed, " +
      "derived from the pipeline seed and the cell id.",
  });
}

function inputsBlock(catalog: Catalog): SafeHtml {
  return html`${catalog.cells.map((c) => {
    const inputs = Object.entries(c.inputs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const outputs = c.outputs.map((o) => [o.relPath, o.hash] as const);
    return join([
      html`<details><summary><code>${c.id}</code> — ${inputs.length} inputs, ${outputs.length} outputs</summary>`,
      inputs.length ? keyValueTable(inputs) : html`<p class="note">No inputs recorded.</p>`,
      html`${outputs.length ? keyValueTable(outputs) : null}</details>`,
    ]);
  })}`;
}

/**
 * Every warning of the study: the stages' plan-time checks on their params, and what each cell
 * said while computing its outputs (recorded in the lock). Nothing at all when there is none,
 * so a clean study's page is unchanged.
 */
function warningsBlock(catalog: Catalog): SafeHtml | null {
  const plan = catalog.planWarnings ?? [];
  const cells = catalog.cells.flatMap((c) => (c.warnings ?? []).map((m) => ({ cell: c.id, message: m })));
  if (!plan.length && !cells.length) return null;
  const n = plan.length + cells.length;
  return join([
    html`<h2 id="warnings">Warnings</h2><p class="note">${n} warning${n === 1 ? "" : "s"}: settings or results that `,
    html`make a stage or cell mean something other than its name. Plan-time warnings come from each stage's checks on `,
    html`its params; cell warnings are what the stage said while computing the outputs recorded in the lock.</p>`,
    plan.length
      ? join([
          join([
            html`<div class="table-wrap" tabindex="0"><table><thead><tr><th>stage</th><th>where</th><th>warning</th><th>what to do`,
            html`</th>`,
          ]),
          html`</tr></thead><tbody>`,
          plan.map((w) =>
            join([
              html`<tr><td><code>${w.stage}</code></td><td><code>${w.where}</code></td><td>`,
              html`${w.param ? html`<code>params.${w.param}</code>: ` : null}${w.message}</td><td>${w.hint ?? ""}`,
              html`</td></tr>`,
            ]),
          ),
          html`</tbody></table></div>`,
        ])
      : null,
    cells.length
      ? join([
          html`<div class="table-wrap" tabindex="0"><table><thead><tr><th>cell</th><th>warning</th></tr></thead><tbody>`,
          join([
            html`${cells.map((w) => html`<tr><td><code>${w.cell}</code></td><td>${w.message}</td></tr>`)}</tbody>`,
            html`</table>`,
          ]),
          html`</div>`,
        ])
      : null,
  ]);
}

export const overviewPage: PageBuilder = {
  file: "index.html",
  label: "Overview",
  title: "Study overview",
  needs: [],
  async build({ catalog, provenance }: SiteContext): Promise<SafeHtml> {
    const n = (st: CatalogCell["state"]) => catalog.cells.filter((c) => c.state === st).length;
    const problems = catalog.cells.filter((c) => c.state !== "fresh");
    const lockLabel = provenance === "lock" ? "pipeline.lock sha256" : "inputs digest (sha256)";
    const cards = join([
      html`<div class="cards"><div class="card"><div class="k">stages</div><div class="v">${catalog.stages.length}`,
      html`</div></div><div class="card"><div class="k">cells</div><div class="v">${catalog.cells.length}</div></div>`,
      html`<div class="card"><div class="k">fresh</div><div class="v">${n("fresh")}</div></div><div class="card">`,
      html`<div class="k">stale</div><div class="v">${n("stale")}</div></div><div class="card"><div class="k">missing`,
      html`</div><div class="v">${n("missing")}</div></div></div>`,
    ]);
    const status = problems.length
      ? join([
          html`<div class="table-wrap" tabindex="0"><table><thead><tr><th>cell</th><th>state</th><th>why</th></tr></thead><tbody>`,
          problems.map((c) =>
            join([
              html`<tr><td><code>${c.id}</code></td><td>${stateBadge(c.state)}</td><td>`,
              html`${c.reasons.length ? c.reasons.join("; ") : c.state === "missing" ? "never run" : ""}</td></tr>`,
            ]),
          ),
          html`</tbody></table></div>`,
        ])
      : join([
          join([
            html`<p><span class="badge ok">up to date</span> Every cell is fresh: its outputs match its code, params `,
            html`and `,
          ]),
          html`inputs.</p>`,
        ]);
    const provenanceRows: Array<[string, unknown]> = [
      [lockLabel, catalog.lockHash],
      ...(provenance === "lock"
        ? [["git commit", catalog.gitCommit ?? "not a git repository"] as [string, unknown]]
        : []),
      ...(provenance === "lock" ? [["pipeline seed", catalog.seed] as [string, unknown]] : []),
      ...(catalog.engine ? [["engine", catalog.engine] as [string, unknown]] : []),
    ];
    const durations = provenance === "lock" ? catalog.cells.reduce((s, c) => s + (c.durationS ?? 0), 0) : 0;
    return join([
      html`<h1>Study overview</h1><p class="lead">${catalog.stages.length} stages, ${catalog.cells.length} cells`,
      html`${provenance === "lock" && durations ? html`, ${formatNumber(durations, 3)} s of recorded compute` : null}.`,
      html`</p>${cards}\n${dagFigure(catalog)}\n${warningsBlock(catalog)}<h2>Stage status</h2>`,
      html`${status}${dataTable(stageRows(catalog), { maxRows: 500 })}\n<h2>Lock fingerprints</h2>`,
      html`${cellTable(catalog, provenance === "lock")}\n<h2>Provenance</h2>${keyValueTable(provenanceRows)}\n<h3>`,
      html`Package versions</h3>`,
      Object.keys(catalog.packages).length
        ? keyValueTable(Object.entries(catalog.packages).sort(([a], [b]) => (a < b ? -1 : 1)))
        : html`<p class="note">Not recorded.</p>`,
      html`\n<h2>Params</h2>${paramsBlock(catalog)}\n<h2>Inputs and outputs by cell</h2><p class="note">`,
      html`sha256 of every artifact each cell read and wrote, as recorded.</p>${inputsBlock(catalog)}`,
    ]);
  },
};
