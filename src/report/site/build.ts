/**
 * Render and write the report site: the pages whose needs the catalog meets, linked by one
 * navigation, each stamped with its provenance. Output is deterministic: no timestamps, every
 * query ordered, Plot's generated ids renumbered per page, each subpage's bytes and download
 * names a function of its job alone (subpages.ts).
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync, statSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Catalog } from "../catalog.ts";
import { queryRows } from "../../store/index.ts";
import {
  collectDownloads,
  copyTablesToParquet,
  type CsvTable,
  csvTable,
  DownloadSink,
  type PreparedTable,
  type TableData,
} from "../downloads.ts";
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
import type { SubpageCache } from "./subpage-cache.ts";
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
  /**
   * A second connection to the same database: given, each page's `prefetch` starts its slow
   * reads on it at the start, to run while the pages before it draw.
   */
  prefetchConn?: DuckDBConnection;
  /** Subpages drawn by an earlier build of the same code, read back (subpage-cache.ts). */
  subpageCache?: SubpageCache | null;
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
  const ctx: SiteContext = {
    catalog,
    conn: opts.conn,
    provenance,
    attributeBook: opts.attributeBook,
    reads: new Map(),
  };
  // The pages' slow reads start now on a connection of their own, in page order; those pages are
  // built after the others.
  // One query at a time on that connection (a second would end the first one's streamed result).
  if (opts.prefetchConn) {
    const prefetchCtx = { ...ctx, conn: opts.prefetchConn };
    let chain = Promise.resolve();
    for (const p of available) if (p.prefetch) chain = chain.then(() => p.prefetch?.(prefetchCtx));
    // A failed read fails its page's build, which awaits the same read.
    chain.catch(() => undefined);
  }
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
  // Pages in navigation order, each followed by its subpages, whatever order they are built in.
  const out: Array<{ built: BuiltPage; at: number }> = [];
  let at = 0;
  const emit = (built: BuiltPage) => {
    out.push({ built, at: at++ });
    opts.onPage?.(built);
  };
  // Pages with prefetched reads are built last, so their reads run while the others draw.
  const prefetching = (p: PageBuilder) => opts.prefetchConn !== undefined && p.prefetch !== undefined;
  const buildOrder = [...builders.filter((p) => !prefetching(p)), ...builders.filter(prefetching)];
  for (const p of buildOrder) {
    at = builders.indexOf(p) * 1e6;
    const on = available.includes(p);
    if (!on && !opts.placeholders) continue;
    const stem = p.file.replace(/\.html$/, "");
    const sink = new DownloadSink(stem);
    const started = performance.now();
    const body = on ? await (site ? collectDownloads(sink, () => p.build(ctx)) : p.build(ctx)) : placeholder(p);
    const built = framePage(frame, p.file, p.title, body);
    if (sink.tables.length) built.downloads = sink.tables;
    built.seconds = (performance.now() - started) / 1000;
    emit(built);
    // Subpages are for `pipeline report`: the report stage's outputs are declared up front.
    if (on && p.subpages && site) {
      const loading = performance.now();
      const jobs = await p.subpages(ctx);
      // Read once the page is emitted (SiteResult): its subpages' data is part of its cost.
      built.seconds += (performance.now() - loading) / 1000;
      for (const job of jobs) {
        if (!job.file.startsWith(`${stem}-`))
          throw new Error(`report: subpage ${job.file} of ${p.file} must start with ${stem}-`);
        await turn();
        const drawn = performance.now();
        const sub = renderSubpage(job, frame, p.file, opts.subpageCache);
        sub.seconds = (performance.now() - drawn) / 1000;
        emit(sub);
      }
    }
  }
  return out.sort((a, b) => a.at - b.at).map((o) => o.built);
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
  /** `seconds`: the page's build (with reading its subpages' data); a subpage's, its drawing. */
  pages: Array<{ file: string; bytes: number; figures: number; seconds: number; reused?: boolean }>;
  /** Wall time of the build in seconds. */
  seconds: number;
}

/** What `data/` held after the last build: each table's key and its two files' size and mtime. */
type Manifest = Record<string, { key: string; csv: [number, number]; parquet: [number, number] }>;

/** The manifest's file in data/: a dot file, never a download. */
const DOWNLOADS_MANIFEST = ".downloads.json";

/**
 * Writes tables' CSV and Parquet under data/ as pages come, one page's tables at a time on its
 * own connection; `finish` waits for the last and removes files of tables no longer made. Each
 * Parquet file is DuckDB's reading of the CSV just written, typed as `tableColumns` types it.
 *
 * A table whose files are already there is not written again: its key (sha256 of DuckDB's
 * version, the column types and the CSV text — all its two files are a function of) matches
 * the manifest's, and both files still have the size and mtime recorded when they were written
 * (a file changed or replaced since is written anew). A rebuild of an unchanged study then
 * writes no data file (its 1,000 renames over existing files alone took 0.25–0.4 s), and the
 * files keep their mtimes, so publishing the folder copies only what changed.
 */
class DownloadWriter {
  private queue: Promise<void> = Promise.resolve();
  private readonly written = new Set<string>();
  private readonly manifest: Manifest;
  private readonly next: Manifest = {};
  /** DuckDB's version, asked by the first write (on the writer's connection, in its queue, never beside a page's query). */
  private version: string | undefined;
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly outDir: string,
    /**
     * File stems of the site's pages: only `<stem>-<n>.csv|parquet` files are ever removed, and
     * `<stem>-<name>-<n>.csv|parquet` of the builders with subpages (`subpageStems`).
     */
    private readonly stems: readonly string[],
    private readonly subpageStems: readonly string[] = [],
  ) {
    this.manifest = readManifest(join(outDir, "data", DOWNLOADS_MANIFEST));
  }

  /** Queue one page's tables: their CSVs, then their Parquet files in one batch. */
  add(tables: ReadonlyArray<TableData | PreparedTable>): void {
    this.queue = this.queue.then(() => this.write(tables));
    // Marked as handled here; `finish` rethrows the first failure.
    this.queue.catch(() => undefined);
  }

  /** Whether `name`'s files are the ones the manifest recorded for `key`. */
  private kept(name: string, key: string): boolean {
    const m = this.manifest[name];
    if (m?.key !== key) return false;
    const same = (file: string, [size, mtime]: [number, number]) => {
      const st = statSync(join(this.outDir, file), { throwIfNoEntry: false });
      return st !== undefined && st.size === size && st.mtimeMs === mtime;
    };
    return same(`${name}.csv`, m.csv) && same(`${name}.parquet`, m.parquet);
  }

  /**
   * The files blocking, the Parquet batch not: one turn of the event loop per page, so the
   * batches keep up while the pages render (each awaited write took a turn of its own, and
   * the renderer gives few: 0.9 s of Parquet writes were left after the last page).
   */
  private async write(tables: ReadonlyArray<TableData | PreparedTable>): Promise<void> {
    this.version ??= (
      await queryRows<{ v: string }>(this.conn, "select library_version as v from pragma_version()")
    )[0].v;
    const version = this.version;
    const csvOf = (t: { name: string }) => join(this.outDir, `${t.name}.csv`);
    const tmpOf = (t: { name: string }) => join(this.outDir, "data", `.${basename(t.name)}.parquet.tmp`);
    const typed: Array<CsvTable & { key: string }> = [];
    for (const t of tables) {
      const { csv, table } = "csv" in t ? { csv: t.csv, table: t } : csvTable(t);
      const key = createHash("sha256")
        .update(`${version}\n${JSON.stringify(table.types)}\n`)
        .update(csv)
        .digest("hex");
      this.written.add(`${t.name}.csv`).add(`${t.name}.parquet`);
      if (this.kept(t.name, key)) {
        this.next[t.name] = this.manifest[t.name];
        continue;
      }
      writeAtomicSync(csvOf(t), csv);
      typed.push({ name: table.name, columns: table.columns, types: table.types, key });
    }
    await copyTablesToParquet(
      this.conn,
      typed.map((t) => ({ table: t, csv: csvOf(t), path: tmpOf(t) })),
    );
    const stamp = (file: string): [number, number] => {
      const st = statSync(join(this.outDir, file));
      return [st.size, st.mtimeMs];
    };
    for (const t of typed) {
      renameSync(tmpOf(t), join(this.outDir, `${t.name}.parquet`));
      this.next[t.name] = { key: t.key, csv: stamp(`${t.name}.csv`), parquet: stamp(`${t.name}.parquet`) };
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
    const sorted = Object.fromEntries(
      Object.keys(this.next)
        .sort()
        .map((k) => [k, this.next[k]]),
    );
    await writeAtomic(join(this.outDir, "data", DOWNLOADS_MANIFEST), `${JSON.stringify(sorted)}\n`);
  }
}

function readManifest(path: string): Manifest {
  try {
    const m = JSON.parse(readFileSync(path, "utf8"));
    return m && typeof m === "object" && !Array.isArray(m) ? (m as Manifest) : {};
  } catch {
    return {}; // none yet, or unreadable: every table is written
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
  await Promise.all(pages.map((p) => writeAtomic(join(opts.outDir, p.file), p.html)));
  opts.subpageCache?.prune();
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
    pages: pages.map(({ file, bytes, figures, seconds, reused }) => ({
      file,
      bytes,
      figures,
      seconds: seconds ?? 0,
      ...(reused ? { reused } : {}),
    })),
    seconds: (performance.now() - t0) / 1000,
  };
}
