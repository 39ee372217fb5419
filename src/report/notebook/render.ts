/**
 * `renderNotebook(file, catalog)` → a self-contained HTML page under `reports/notebooks/`.
 *
 * Cells come from the cache when every cell's entry is valid (same code, same chain before it,
 * same artifact hashes): no cell runs, and neither DuckDB nor the server-side DOM starts. Otherwise the whole
 * notebook runs from the top (cells share a scope, so a later cell needs the earlier ones'
 * values), and every cell's output is stored again. The page holds no timestamp: the same
 * notebook over the same artifacts gives the same bytes.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { html, join as joinHtml, raw, type SafeHtml } from "../html.ts";
import { markdown } from "../markdown.ts";
import { page } from "../page.ts";
import type { Catalog } from "../catalog.ts";
import { CellCache, cellKey, chainAfter, chainStart, currentHash, type CachedCell } from "./cache.ts";
import type { ArtifactRead } from "./data.ts";
import { parseNotebook, type CodeCell, type ParsedNotebook } from "./parse.ts";
import type { CellError } from "./runtime.ts";
import { metaBlock, staleSlot } from "./stale.ts";
import { NOTEBOOK_CSS } from "./style.ts";

export interface RenderOptions {
  /** Folder of the pages (default `<root>/reports/notebooks`). */
  outDir?: string;
  /** Cache folder (default `<root>/.pipeline/notebooks`). */
  cacheDir?: string;
  /** Write the page (default true). */
  write?: boolean;
}

export interface CellSummary {
  index: number;
  /** .md line of the cell's first code line. */
  line: number;
  status: "cached" | "executed";
  error?: CellError;
  ms: number;
}

export interface NotebookRender {
  /** File name without .md. */
  name: string;
  /** The notebook, relative to the project root. */
  file: string;
  /** Absolute path of the page (written unless `write: false`). */
  outFile: string;
  title: string;
  html: string;
  cells: CellSummary[];
  /** Artifacts the notebook read (sorted, unique). */
  reads: ArtifactRead[];
  /** Cells that failed. */
  errors: number;
  /** True when every cell came from the cache. */
  cached: boolean;
  ms: number;
}

/** Notebook name from its file: `notebooks/factor-ic.md` → `factor-ic`. */
export function notebookName(file: string): string {
  return basename(file).replace(/\.md$/i, "");
}

function errorBox(cell: CodeCell, error: CellError, relFile: string): SafeHtml {
  const where = error.line !== undefined ? `${relFile}:${error.line}` : `${relFile} (cell at line ${cell.line})`;
  return joinHtml([
    html`<div class="cell-error" role="alert"><strong>Error in cell ${cell.index}</strong> <span class="muted">at `,
    html`<code>${where}</code></span><pre>${error.message}</pre></div>`,
  ]);
}

function cellSection(cell: CodeCell, entry: CachedCell, relFile: string): SafeHtml {
  const lines = cell.code.split("\n").length;
  return joinHtml([
    html`<section class="nb-cell${entry.error ? " nb-failed" : ""}" id="cell-${cell.index}"><details class="nb-code">`,
    html`<summary>cell ${cell.index} · <code>${relFile}:${cell.line}</code> · ${lines} line${lines === 1 ? "" : "s"}`,
    html`</summary><pre><code>${cell.code}</code></pre></details><div class="nb-out">`,
    html`${entry.outputs.map(raw)}${entry.error ? errorBox(cell, entry.error, relFile) : null}</div></section>`,
  ]);
}

function uniqueReads(entries: readonly CachedCell[]): ArtifactRead[] {
  const m = new Map<string, ArtifactRead>();
  for (const e of entries) for (const r of e.reads) m.set(`${r.cell}\0${r.output}`, r);
  return [...m.values()].sort((a, b) =>
    a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : a.output < b.output ? -1 : a.output > b.output ? 1 : 0,
  );
}

export async function renderNotebook(
  file: string,
  catalog: Catalog,
  opts: RenderOptions = {},
): Promise<NotebookRender> {
  const started = performance.now();
  const abs = resolve(catalog.root, file);
  const relFile = relative(catalog.root, abs).split("\\").join("/");
  const name = notebookName(abs);
  const nb = parseNotebook(readFileSync(abs, "utf8"));
  const cache = new CellCache(opts.cacheDir ?? join(catalog.root, ".pipeline", "notebooks"));

  const hits = cachedPrefix(nb.cells, cache, catalog, relFile, dirname(abs));
  const cached = hits.length === nb.cells.length;
  const { entries, summaries } = cached
    ? { entries: hits, summaries: cachedSummaries(nb.cells, hits) }
    : await runAndStore(nb.cells, cache, catalog, abs, relFile);

  const reads = uniqueReads(entries);
  const errors = summaries.filter((s) => s.error).length;
  const title = nb.title ?? name;
  const out = notebookPage(nb, entries, { relFile, title, reads, errors, lockHash: catalog.lockHash });
  const outFile = join(opts.outDir ?? join(catalog.root, "reports", "notebooks"), `${name}.html`);
  if (opts.write !== false) {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, out);
  }
  return {
    name,
    file: relFile,
    outFile,
    title,
    html: out,
    cells: summaries,
    reads,
    errors,
    cached,
    ms: performance.now() - started,
  };
}

/**
 * The cache entries of the leading cells, up to the first miss: an entry is valid when its
 * key (the code and the chain before it) is stored and every artifact it read has the same hash.
 */
function cachedPrefix(
  cells: readonly CodeCell[],
  cache: CellCache,
  catalog: Catalog,
  relFile: string,
  dir: string,
): CachedCell[] {
  const entries: CachedCell[] = [];
  let chain = chainStart(relFile);
  for (const cell of cells) {
    const key = cellKey(chain, cell.code);
    const hit = cache.get(key);
    if (!hit || hit.reads.some((r) => currentHash(catalog, r, dir) !== r.hash)) break;
    entries.push(hit);
    chain = chainAfter(key, hit.reads);
  }
  return entries;
}

function cachedSummaries(cells: readonly CodeCell[], entries: readonly CachedCell[]): CellSummary[] {
  return cells.map((c, i) => ({
    index: c.index,
    line: c.line,
    status: "cached",
    ...(entries[i].error ? { error: entries[i].error } : {}),
    ms: 0,
  }));
}

/** Run every cell from the top and store each under its chain key. */
async function runAndStore(
  cells: readonly CodeCell[],
  cache: CellCache,
  catalog: Catalog,
  abs: string,
  relFile: string,
): Promise<{ entries: CachedCell[]; summaries: CellSummary[] }> {
  const { executeCells } = await import("./runtime.ts");
  const runs = await executeCells(cells, { catalog, file: abs });
  const entries: CachedCell[] = [];
  const summaries: CellSummary[] = [];
  let chain = chainStart(relFile);
  // A failed cell and those after it are not stored: the error may be transient (a file
  // being written), so the next render runs them again.
  let failed = false;
  cells.forEach((cell, i) => {
    const r = runs[i];
    const entry: CachedCell = { outputs: r.outputs, reads: r.reads, ...(r.error ? { error: r.error } : {}) };
    const key = cellKey(chain, cell.code);
    failed ||= !!r.error;
    if (!failed) cache.put(key, entry);
    chain = chainAfter(key, r.reads);
    entries.push(entry);
    summaries.push({
      index: cell.index,
      line: cell.line,
      status: "executed",
      ...(r.error ? { error: r.error } : {}),
      ms: r.ms,
    });
  });
  return { entries, summaries };
}

/** The page: a summary line, the markdown and the cells in order, then the metadata block and the stamp. */
function notebookPage(
  nb: ParsedNotebook,
  entries: readonly CachedCell[],
  info: { relFile: string; title: string; reads: ArtifactRead[]; errors: number; lockHash: string },
): string {
  const { relFile, reads, errors } = info;
  const byCell = new Map(nb.cells.map((c, i) => [c, entries[i]]));
  const artifactReads = reads.filter((r) => !r.cell.startsWith("file:"));
  const body = joinHtml([
    html`<div class="nb-meta"><code>${relFile}</code> · ${nb.cells.length} cell${nb.cells.length === 1 ? "" : "s"} · `,
    html`reads ${artifactReads.length} artifact${artifactReads.length === 1 ? "" : "s"}`,
    html`${errors ? html` · <span class="badge bad">${errors} failed</span>` : null} ${raw(staleSlot([]))}</div>`,
    nb.blocks.map((b) =>
      b.kind === "markdown"
        ? html`<div class="nb-md">${markdown(b.text)}</div>`
        : cellSection(b, byCell.get(b)!, relFile),
    ),
    metaBlock({ file: relFile, reads }),
  ]);
  return page({
    title: info.title,
    body,
    home: "index.html",
    nav: [{ href: "index.html", label: "Notebooks" }],
    head: raw(`<style>${NOTEBOOK_CSS}</style>`),
    stamp: {
      lockHash: info.lockHash,
      lines: artifactReads.length
        ? [`Artifacts read: ${artifactReads.map((r) => `${r.cell}/${r.output} ${r.hash.slice(0, 12)}`).join(", ")}`]
        : [],
    },
  });
}
