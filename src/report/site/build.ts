/**
 * Render and write the report site: the pages whose needs the catalog meets, linked by one
 * navigation, each stamped with its provenance. Output is deterministic: no timestamps, every
 * query ordered, Plot's generated ids renumbered per page, each subpage's bytes and download
 * names a function of its job alone (subpages.ts).
 */
import { renameSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Catalog } from "../catalog.ts";
import { collectDownloads, copyTablesToParquet, csvTable, DownloadSink, type TableData } from "../downloads.ts";
import { html, type SafeHtml } from "../html.ts";
import { cellsWith } from "./cells.ts";
import { SITE_PAGES } from "./registry.ts";
import {
  framePage,
  type PageFrame,
  type SearchEntry,
  searchEntries,
  writeAtomic,
  writeAtomicSync,
} from "./site-page.ts";
import { renderSubpage } from "./subpages.ts";
import type { AttributeBook, BuiltPage, PageBuilder, Provenance, SiteContext } from "./types.ts";

export { renumberPlotIds } from "./site-page.ts";

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
  /** Called with each page (subpages included) once it is rendered, downloads attached. */
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

/** One turn of the event loop: between two subpages, the downloads' Parquet batches go on. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Every page as HTML text, in navigation order. Under `pipeline report` each builder's
 * subpages follow its page, drawn one at a time (a turn of the event loop between two).
 */
export async function renderSite(catalog: Catalog, opts: RenderSiteOptions): Promise<BuiltPage[]> {
  const provenance = opts.provenance ?? "lock";
  const builders = opts.pages ?? SITE_PAGES;
  const available = builders.filter((p) => pageAvailable(catalog, p, provenance));
  const ctx: SiteContext = { catalog, conn: opts.conn, provenance, attributeBook: opts.attributeBook };
  // `pipeline report` writes downloads, subpages and the search index beside the pages; the
  // report stage's outputs are its declared pages only.
  const site = provenance === "lock";
  const frame: PageFrame = {
    nav: available.map((p) => ({ href: p.file, label: p.label })),
    stamp: {
      lockHash: catalog.lockHash,
      source: site ? "pipeline.lock" : "the report stage's inputs",
      lines: [
        site
          ? html`git commit <code>${catalog.gitCommit ?? "none"}</code>`.value
          : "digest of every input artifact's sha256 (cell, output, hash), sorted",
      ],
    },
    ...(site ? { head: `<script src="${SEARCH_INDEX}"></script>` } : {}),
  };
  const out: BuiltPage[] = [];
  const emit = (built: BuiltPage) => {
    out.push(built);
    opts.onPage?.(built);
  };
  for (const p of builders) {
    const on = available.includes(p);
    if (!on && !opts.placeholders) continue;
    const stem = p.file.replace(/\.html$/, "");
    const sink = new DownloadSink(stem);
    const body = on ? await (site ? collectDownloads(sink, () => p.build(ctx)) : p.build(ctx)) : placeholder(p);
    const built = framePage(frame, p.file, p.title, body);
    if (sink.tables.length) built.downloads = sink.tables;
    emit(built);
    // Subpages are for `pipeline report`: the report stage's outputs are declared up front.
    if (on && p.subpages && site)
      for (const job of await p.subpages(ctx)) {
        if (!job.file.startsWith(`${stem}-`))
          throw new Error(`report: subpage ${job.file} of ${p.file} must start with ${stem}-`);
        await turn();
        emit(renderSubpage(job, frame, p.file));
      }
  }
  return out;
}

/** The search index's file: a script setting `window.strataSearch` (a script, so it loads from file://). */
export const SEARCH_INDEX = "search-index.js";

/** What search finds on each page: its title, its sections (h2) and its figures (by id). */
export function searchIndex(pages: readonly BuiltPage[]): SearchEntry[] {
  return pages.flatMap(searchEntries);
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

/**
 * Writes tables' CSV and Parquet under data/ as pages come, one page's tables at a time on its
 * own connection; `finish` waits for the last and removes files of tables no longer made. Each
 * Parquet file is DuckDB's reading of the CSV just written, typed as `tableColumns` types it.
 */
class DownloadWriter {
  private queue: Promise<void> = Promise.resolve();
  private readonly written = new Set<string>();
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly outDir: string,
    /**
     * File stems of the site's pages: only `<stem>-<n>.csv|parquet` files are ever removed, and
     * `<stem>-<name>-<n>.csv|parquet` of the builders with subpages (`subpageStems`).
     */
    private readonly stems: readonly string[],
    private readonly subpageStems: readonly string[] = [],
  ) {}

  /** Queue one page's tables: their CSVs, then their Parquet files in one batch. */
  add(tables: readonly TableData[]): void {
    this.queue = this.queue.then(() => this.write(tables));
    // Marked as handled here; `finish` rethrows the first failure.
    this.queue.catch(() => undefined);
  }

  /**
   * The files blocking, the Parquet batch not: one turn of the event loop per page, so the
   * batches keep up while the pages render (each awaited write took a turn of its own, and
   * the renderer gives few: 0.9 s of Parquet writes were left after the last page).
   */
  private async write(tables: readonly TableData[]): Promise<void> {
    const csvOf = (t: { name: string }) => join(this.outDir, `${t.name}.csv`);
    const tmpOf = (t: { name: string }) => join(this.outDir, "data", `.${basename(t.name)}.parquet.tmp`);
    const typed = tables.map((t) => {
      const { csv, table } = csvTable(t);
      writeAtomicSync(csvOf(t), csv);
      return table;
    });
    await copyTablesToParquet(
      this.conn,
      typed.map((t) => ({ table: t, csv: csvOf(t), path: tmpOf(t) })),
    );
    for (const t of typed) {
      renameSync(tmpOf(t), join(this.outDir, `${t.name}.parquet`));
      this.written.add(`${t.name}.csv`).add(`${t.name}.parquet`);
    }
  }

  async finish(): Promise<void> {
    await this.queue;
    // Only files this writer makes (`--out` may point at a folder holding other things).
    const ours = (f: string) => {
      const m = /^(.+)-\d+\.(csv|parquet)$/.exec(f);
      return m !== null && (this.stems.includes(m[1]) || this.subpageStems.some((s) => m[1].startsWith(`${s}-`)));
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
  const stemOf = (p: PageBuilder) => p.file.replace(/\.html$/, "");
  const builders = opts.pages ?? SITE_PAGES;
  const downloads = new DownloadWriter(
    opts.downloadConn ?? opts.conn,
    opts.outDir,
    builders.map(stemOf),
    builders.filter((p) => p.subpages).map(stemOf),
  );
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
  for (const p of builders) {
    if (!built.has(p.file)) await rm(join(opts.outDir, p.file), { force: true });
    // Subpages no longer made (a series no longer in the study): same stem, not built this time.
    if (p.subpages) {
      const stem = `${stemOf(p)}-`;
      for (const f of await readdir(opts.outDir))
        if (f.startsWith(stem) && f.endsWith(".html") && !built.has(f)) await rm(join(opts.outDir, f), { force: true });
    }
  }
  return {
    pages: pages.map(({ file, bytes, figures }) => ({ file, bytes, figures })),
    seconds: (performance.now() - t0) / 1000,
  };
}
