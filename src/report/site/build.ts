/**
 * Render and write the report site: the pages whose needs the catalog meets, linked by one
 * navigation, each stamped with its provenance. Output is deterministic: no timestamps, every
 * query ordered, Plot's generated ids renumbered per page.
 */
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Catalog } from "../catalog.ts";
import {
  collectDownloads,
  DownloadSink,
  type TableData,
  tableColumns,
  tableCsv,
  copyTablesToParquet,
} from "../downloads.ts";
import { writeColumnsToParquet } from "../../store/write-columns.ts";
import { html, raw, type SafeHtml } from "../html.ts";
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
  /** Called with each builder's main page once it and its subpages are rendered (downloads attached). */
  onPage?: (page: BuiltPage) => void;
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
  return text.match(/<figure id="[^"]*" class="figure"[ >]/g)?.length ?? 0;
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
  // `pipeline report` writes downloads and the search index beside the pages; the report
  // stage's outputs are its declared pages only.
  const site = provenance === "lock";
  const head = site ? raw(`<script src="${SEARCH_INDEX}"></script>`) : undefined;
  const out: BuiltPage[] = [];
  for (const p of builders) {
    const on = available.includes(p);
    if (!on && !opts.placeholders) continue;
    const stem = p.file.replace(/\.html$/, "");
    const sink = new DownloadSink(stem);
    const collect = <T>(build: () => Promise<T>): Promise<T> => (site ? collectDownloads(sink, build) : build());
    const body = on ? await collect(() => p.build(ctx)) : placeholder(p);
    const text = renumberPlotIds(
      page({ title: `${p.title} · Strata report`, body, nav, current: p.file, stamp, head }),
    );
    const built: BuiltPage = {
      file: p.file,
      title: p.title,
      html: text,
      bytes: Buffer.byteLength(text),
      figures: countFigures(text),
    };
    out.push(built);
    // Subpages are for `pipeline report`: the report stage's outputs are declared up front.
    if (on && p.subpages && site) {
      for (const sp of await collect(() => (p.subpages as NonNullable<PageBuilder["subpages"]>)(ctx))) {
        if (!sp.file.startsWith(`${stem}-`))
          throw new Error(`report: subpage ${sp.file} of ${p.file} must start with ${stem}-`);
        const t = renumberPlotIds(
          page({ title: `${sp.title} · Strata report`, body: sp.body, nav, current: p.file, stamp, head }),
        );
        out.push({ file: sp.file, title: sp.title, html: t, bytes: Buffer.byteLength(t), figures: countFigures(t) });
      }
    }
    if (sink.tables.length) built.downloads = sink.tables;
    opts.onPage?.(built);
  }
  return out;
}

/** The search index's file: a script setting `window.strataSearch` (a script, so it loads from file://). */
export const SEARCH_INDEX = "search-index.js";

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
const plainText = (markup: string): string =>
  markup
    .replace(/<[^>]*>/g, "")
    .replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e])
    .trim();

/** What search finds on each page: its title, its sections (h2) and its figures (by id). */
export function searchIndex(pages: readonly BuiltPage[]): Array<{ href: string; text: string; page: string }> {
  const out: Array<{ href: string; text: string; page: string }> = [];
  for (const p of pages) {
    out.push({ href: p.file, text: p.title, page: p.title });
    for (const m of p.html.matchAll(
      /<h2(?: id="([^"]*)")?[^>]*>(.*?)<\/h2>|<figure id="([^"]*)"[^>]*><h3>(.*?)<\/h3>/g,
    )) {
      const id = m[1] ?? m[3];
      const text = plainText(m[2] ?? m[4] ?? "");
      if (text) out.push({ href: id ? `${p.file}#${id}` : p.file, text, page: p.title });
    }
  }
  return out;
}

/** Write a file through a temp file and a rename, so a reader never sees half of it. */
async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export interface BuildSiteOptions extends RenderSiteOptions {
  /** Folder to write the pages into (created if needed). */
  outDir: string;
  /**
   * A second connection for the tables' downloads: given, they are written while the next pages
   * render (DuckDB's threads beside the page rendering's JavaScript); else after the pages.
   */
  downloadConn?: DuckDBConnection;
}

export interface SiteResult {
  pages: Array<{ file: string; bytes: number; figures: number }>;
  /** Wall time of the build in seconds. */
  seconds: number;
}

/** Tables up to this many cells go to Parquet as one VALUES statement; larger ones through staged columns. */
const VALUES_CELLS = 20_000;

/**
 * Writes tables' CSV and Parquet under data/ as pages come, one table at a time on its own
 * connection; `finish` waits for the last and removes files of tables no longer made. A small
 * table goes to Parquet as one SELECT over VALUES (one chunk, written in row order whatever the
 * thread count), a large one through staged typed columns.
 */
class DownloadWriter {
  private queue: Promise<void> = Promise.resolve();
  private readonly written = new Set<string>();
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly outDir: string,
    /** File stems of the site's pages: only `<stem>-<n>.csv|parquet` files are ever removed. */
    private readonly stems: readonly string[],
  ) {}

  /** Queue one page's tables: their CSVs, then their Parquet files in one batch. */
  add(tables: readonly TableData[]): void {
    this.queue = this.queue.then(() => this.write(tables));
    // Marked as handled here; `finish` rethrows the first failure.
    this.queue.catch(() => undefined);
  }

  private async write(tables: readonly TableData[]): Promise<void> {
    const tmpOf = (t: TableData) => join(this.outDir, "data", `.${basename(t.name)}.parquet.tmp`);
    for (const t of tables) await writeAtomic(join(this.outDir, `${t.name}.csv`), tableCsv(t));
    const small = tables.filter((t) => t.rows.length * t.columns.length <= VALUES_CELLS);
    await copyTablesToParquet(
      this.conn,
      small.map((t) => ({ table: t, path: tmpOf(t) })),
    );
    for (const t of tables) if (!small.includes(t)) await writeColumnsToParquet(this.conn, tableColumns(t), tmpOf(t));
    for (const t of tables) {
      await rename(tmpOf(t), join(this.outDir, `${t.name}.parquet`));
      this.written.add(`${t.name}.csv`).add(`${t.name}.parquet`);
    }
  }

  async finish(): Promise<void> {
    await this.queue;
    // Only files this writer makes (`--out` may point at a folder holding other things).
    const ours = (f: string) => {
      const m = /^(.+)-\d+\.(csv|parquet)$/.exec(f);
      return m !== null && this.stems.includes(m[1]);
    };
    for (const f of await readdir(join(this.outDir, "data")))
      if (ours(f) && !this.written.has(`data/${f}`)) await rm(join(this.outDir, "data", f), { force: true });
  }
}

/** Render the site and write it into `outDir` (each file via a temp file and rename); removes pages no longer built. */
export async function buildSite(catalog: Catalog, opts: BuildSiteOptions): Promise<SiteResult> {
  const t0 = performance.now();
  await mkdir(join(opts.outDir, "data"), { recursive: true });
  const site = (opts.provenance ?? "lock") === "lock";
  const stems = (opts.pages ?? SITE_PAGES).map((p) => p.file.replace(/\.html$/, ""));
  const downloads = new DownloadWriter(opts.downloadConn ?? opts.conn, opts.outDir, stems);
  const early = site && opts.downloadConn !== undefined;
  const pages = await renderSite(catalog, {
    ...opts,
    onPage: (p) => {
      if (early && p.downloads) downloads.add(p.downloads);
      opts.onPage?.(p);
    },
  });
  if (site && !early) downloads.add(pages.flatMap((p) => p.downloads ?? []));
  for (const p of pages) await writeAtomic(join(opts.outDir, p.file), p.html);
  if (site) {
    await writeAtomic(join(opts.outDir, SEARCH_INDEX), `window.strataSearch=${JSON.stringify(searchIndex(pages))};\n`);
    await downloads.finish();
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
