/**
 * One page of the site as text, from its body: the frame every page shares (navigation, stamp,
 * the search index's script), Plot's ids renumbered, its weight, figure count and search
 * entries — for the builders' pages and their subpages (subpages.ts) alike. And the atomic
 * file writes of the site.
 */
import { renameSync, writeFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { raw, type SafeHtml } from "../html.ts";
import { page, type NavLink } from "../page.ts";
import type { BuiltPage } from "./types.ts";

/** The frame of every page of a site build. */
export interface PageFrame {
  nav: NavLink[];
  stamp: { lockHash: string; source: string; lines: string[] };
  /** Markup at the end of <head> (the search index's script), if any. */
  head?: string;
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

/** The complete page `file`; `current` is the navigation entry marked as current (a subpage's builder). */
export function framePage(frame: PageFrame, file: string, title: string, body: SafeHtml, current = file): BuiltPage {
  const text = renumberPlotIds(
    page({
      title: `${title} · Strata report`,
      body,
      nav: frame.nav,
      current,
      stamp: { ...frame.stamp, lines: frame.stamp.lines.map(raw) },
      head: frame.head === undefined ? undefined : raw(frame.head),
    }),
  );
  return { file, title, html: text, bytes: Buffer.byteLength(text), figures: countFigures(text) };
}

/** What search finds on a page: its title, its sections (h2) and its figures (by id). */
export interface SearchEntry {
  href: string;
  text: string;
  page: string;
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
const plainText = (markup: string): string =>
  markup
    .replace(/<[^>]*>/g, "")
    .replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e])
    .trim();

export function searchEntries(p: Pick<BuiltPage, "file" | "title" | "html">): SearchEntry[] {
  const out: SearchEntry[] = [{ href: p.file, text: p.title, page: p.title }];
  for (const m of p.html.matchAll(
    /<h2(?: id="([^"]*)")?[^>]*>(.*?)<\/h2>|<figure id="([^"]*)"[^>]*><h3>(.*?)<\/h3>/g,
  )) {
    const id = m[1] ?? m[3];
    const text = plainText(m[2] ?? m[4] ?? "");
    if (text) out.push({ href: id ? `${p.file}#${id}` : p.file, text, page: p.title });
  }
  return out;
}

/** Write a file through a temp file and a rename, so a reader never sees half of it. */
export async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * `writeAtomic`, blocking: for the downloads' small CSVs, written between two pages, cheaper than
 * a thread-pool round trip (and a turn of the event loop) each.
 */
export function writeAtomicSync(path: string, data: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
