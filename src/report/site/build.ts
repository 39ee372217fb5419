/**
 * Render and write the report site: the pages whose needs the catalog meets, linked by one
 * navigation, each stamped with its provenance. Output is deterministic: no timestamps, every
 * query ordered, Plot's generated ids renumbered per page.
 */
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Catalog } from "../catalog.ts";
import { html, type SafeHtml } from "../html.ts";
import { page } from "../page.ts";
import { cellsWith } from "./cells.ts";
import { SITE_PAGES } from "./registry.ts";
import type { AttributeBook, BuiltPage, PageBuilder, Provenance, SiteContext } from "./types.ts";

export interface RenderSiteOptions {
  conn: DuckDBConnection;
  /** "lock" (default) for `pipeline report`, "inputs" for the report stage. */
  provenance?: Provenance;
  /** Page builders (default SITE_PAGES). */
  pages?: readonly PageBuilder[];
  /**
   * Also render a short placeholder for every page whose needs are not met (the report stage declares every page as an
   * output).
   */
  placeholders?: boolean;
  /** `pipeline report`: attribution of the paper ledger's book (SiteContext.attributeBook). */
  attributeBook?: AttributeBook;
}

/**
 * Whether the page is built: some cell declares every output of one of its need sets, or
 * (for `pipeline report` only) its live files exist. No needs and no live files: always.
 */
export function pageAvailable(catalog: Catalog, p: PageBuilder, provenance: Provenance = "lock"): boolean {
  if (p.needs.length === 0 && !p.live) return true;
  if (p.needs.some((set) => cellsWith(catalog, set).length > 0)) return true;
  return provenance === "lock" && p.live !== undefined && p.live.exists(catalog);
}

/** The one-line page the report stage writes for a page whose inputs are not among its needs. */
function placeholder(p: PageBuilder): SafeHtml {
  const needs = p.needs.length ? `no input declares ${p.needs.map((s) => s.join(" + ")).join(" or ")}` : null;
  const live = p.live
    ? `${p.live.describe} ${p.live.describe.includes(" and ") ? "are" : "is"} read by \`pipeline report\` only, ` +
      `never by the report stage`
    : null;
  const why = [needs, live].filter(Boolean).join("; ");
  return html`<h1>${p.title}</h1><p class="note">Not part of this report: ${why}.</p>`;
}

/** Plot numbers its clip paths, markers and patterns process-wide; renumber them per page. */
export function renumberPlotIds(text: string): string {
  const ids = new Map<string, string>();
  return text.replace(/plot-(clip|marker|pattern)-\d+/g, (m, kind: string) => {
    let v = ids.get(m);
    if (!v) ids.set(m, (v = `plot-${kind}-p${ids.size + 1}`));
    return v;
  });
}

function countFigures(text: string): number {
  return text.match(/<figure id="[^"]*" class="figure">/g)?.length ?? 0;
}

/** Every page as HTML text, in navigation order. */
export async function renderSite(catalog: Catalog, opts: RenderSiteOptions): Promise<BuiltPage[]> {
  const provenance = opts.provenance ?? "lock";
  const builders = opts.pages ?? SITE_PAGES;
  const available = builders.filter((p) => pageAvailable(catalog, p, provenance));
  const nav = available.map((p) => ({ href: p.file, label: p.label }));
  const ctx: SiteContext = { catalog, conn: opts.conn, provenance, attributeBook: opts.attributeBook };
  const stamp = {
    lockHash: catalog.lockHash,
    source: provenance === "lock" ? "pipeline.lock" : "the report stage's inputs",
    lines:
      provenance === "lock"
        ? [html`git commit <code>${catalog.gitCommit ?? "none"}</code>`]
        : [html`digest of every input artifact's sha256 (cell, output, hash), sorted`],
  };
  const out: BuiltPage[] = [];
  for (const p of builders) {
    const on = available.includes(p);
    if (!on && !opts.placeholders) continue;
    const body = on ? await p.build(ctx) : placeholder(p);
    const text = renumberPlotIds(page({ title: `${p.title} · Strata report`, body, nav, current: p.file, stamp }));
    out.push({ file: p.file, title: p.title, html: text, bytes: Buffer.byteLength(text), figures: countFigures(text) });
    // Subpages are for `pipeline report`: the report stage's outputs are declared up front.
    if (!on || !p.subpages || provenance !== "lock") continue;
    const stem = `${p.file.replace(/\.html$/, "")}-`;
    for (const sp of await p.subpages(ctx)) {
      if (!sp.file.startsWith(stem)) throw new Error(`report: subpage ${sp.file} of ${p.file} must start with ${stem}`);
      const t = renumberPlotIds(
        page({ title: `${sp.title} · Strata report`, body: sp.body, nav, current: p.file, stamp }),
      );
      out.push({ file: sp.file, title: sp.title, html: t, bytes: Buffer.byteLength(t), figures: countFigures(t) });
    }
  }
  return out;
}

export interface BuildSiteOptions extends RenderSiteOptions {
  /** Folder to write the pages into (created if needed). */
  outDir: string;
}

export interface SiteResult {
  pages: Array<{ file: string; bytes: number; figures: number }>;
  /** Wall time of the build in seconds. */
  seconds: number;
}

/** Render the site and write it into `outDir` (each file via a temp file and rename); removes pages no longer built. */
export async function buildSite(catalog: Catalog, opts: BuildSiteOptions): Promise<SiteResult> {
  const t0 = performance.now();
  const pages = await renderSite(catalog, opts);
  await mkdir(opts.outDir, { recursive: true });
  for (const p of pages) {
    const tmp = join(opts.outDir, `.${p.file}.tmp`);
    await writeFile(tmp, p.html);
    await rename(tmp, join(opts.outDir, p.file));
  }
  const built = new Set(pages.map((p) => p.file));
  for (const p of opts.pages ?? SITE_PAGES) {
    if (!built.has(p.file)) await rm(join(opts.outDir, p.file), { force: true });
    // Subpages no longer made (a cell that left the top five): same stem, not built this time.
    if (p.subpages) {
      const stem = `${p.file.replace(/\.html$/, "")}-`;
      for (const f of await readdir(opts.outDir))
        if (f.startsWith(stem) && f.endsWith(".html") && !built.has(f)) await rm(join(opts.outDir, f), { force: true });
    }
  }
  return {
    pages: pages.map(({ file, bytes, figures }) => ({ file, bytes, figures })),
    seconds: (performance.now() - t0) / 1000,
  };
}
