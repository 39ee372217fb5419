/** The list of notebooks: title, source, stale badge. Written as `reports/notebooks/index.html`. */
import { html, join, raw } from "../html.ts";
import { page } from "../page.ts";
import type { ChangedArtifact } from "./stale.ts";
import { NOTEBOOK_CSS } from "./style.ts";

export interface NotebookIndexEntry {
  name: string;
  title: string;
  /** Notebook path relative to the project root. */
  file: string;
  /** Artifacts changed since the page was rendered (empty: current). */
  changed: readonly ChangedArtifact[];
  /** Failed cells on the last render, when known. */
  errors?: number;
  /** Not rendered yet. */
  unrendered?: boolean;
}

export function notebookIndexPage(
  entries: readonly NotebookIndexEntry[],
  opts: { lockHash: string; tail?: string },
): string {
  const rows = entries.map((e) => {
    const badge = e.unrendered
      ? html`<span class="badge muted">not rendered</span>`
      : e.changed.length
        ? join([
            html`<span class="badge warn" title="${e.changed.map((c) => `${c.cell}/${c.output}`).join(", ")}">stale`,
            html`</span>`,
          ])
        : e.errors
          ? html`<span class="badge bad">${e.errors} failed</span>`
          : html`<span class="badge ok">current</span>`;
    return join([
      html`<tr><td><a href="${`${encodeURIComponent(e.name)}.html`}">${e.title}</a></td><td><code>${e.file}</code>`,
      html`</td><td>${badge}</td></tr>`,
    ]);
  });
  const body = entries.length
    ? join([
        html`<h1>Notebooks</h1><div class="table-wrap" tabindex="0"><table class="nb-list"><thead><tr><th>Notebook</th><th>Source`,
        html`</th><th>State</th></tr></thead><tbody>${rows}</tbody></table></div>`,
      ])
    : join([
        html`<h1>Notebooks</h1><p>No notebooks yet: <code>pipeline notebook new NAME</code> creates <code>`,
        html`notebooks/NAME.md</code>.</p>`,
      ]);
  return page({
    title: "Notebooks",
    body,
    home: "index.html",
    nav: [{ href: "index.html", label: "Notebooks" }],
    current: "index.html",
    head: raw(`<style>${NOTEBOOK_CSS}</style>`),
    stamp: { lockHash: opts.lockHash },
    ...(opts.tail ? { tail: raw(opts.tail) } : {}),
  });
}
