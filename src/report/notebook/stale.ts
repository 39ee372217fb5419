/**
 * The "stale" badge of rendered notebook pages.
 *
 * A page embeds the artifacts its cells read, with their hashes (`<script type=
 * "application/json" id="nb-reads">`, data only). `markStale` compares them with the
 * current catalog and rewrites the badge slot between `<!--nb-stale-->` and `<!--/nb-stale-->`:
 * a visible badge listing what changed, or nothing when the page is current.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { html, join as joinHtml, raw, type SafeHtml } from "../html.ts";
import type { Catalog } from "../catalog.ts";
import { currentHash } from "./cache.ts";
import type { ArtifactRead } from "./data.ts";

export interface PageMeta {
  /** The notebook, relative to the project root. */
  file: string;
  reads: ArtifactRead[];
}

export interface ChangedArtifact extends ArtifactRead {
  /** The hash now, or null when the artifact is gone. */
  now: string | null;
}

export interface StaleStatus {
  name: string;
  page: string;
  stale: boolean;
  changed: ChangedArtifact[];
}

const META = /<script type="application\/json" id="nb-reads">([\s\S]*?)<\/script>/;
const SLOT = /<!--nb-stale-->[\s\S]*?<!--\/nb-stale-->/;

/** The data block a page embeds (JSON with `<` escaped, so it can never close the element). */
export function metaBlock(meta: PageMeta): SafeHtml {
  return html`<script type="application/json" id="nb-reads">${raw(JSON.stringify(meta).replace(/</g, "\\u003c"))}</script>`;
}

export function readPageMeta(pageHtml: string): PageMeta | undefined {
  const m = META.exec(pageHtml);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]) as PageMeta;
  } catch {
    return undefined;
  }
}

/** Which artifacts read by a page have changed since (different hash, or gone). */
export function changedArtifacts(catalog: Catalog, meta: PageMeta): ChangedArtifact[] {
  const dir = dirname(join(catalog.root, meta.file));
  const out: ChangedArtifact[] = [];
  for (const r of meta.reads) {
    const now = currentHash(catalog, r, dir);
    if (now !== r.hash) out.push({ ...r, now: now ?? null });
  }
  return out;
}

/** The badge slot's content for a list of changed artifacts (empty when none). */
export function staleSlot(changed: readonly ChangedArtifact[]): string {
  if (!changed.length) return "<!--nb-stale--><!--/nb-stale-->";
  const items = changed.map((c) =>
    joinHtml([
      html`<li><code>${c.output ? `${c.cell}/${c.output}` : c.cell.slice(5)}</code> ${c.now ? "changed" : "is gone"}`,
      html`</li>`,
    ]),
  );
  return `<!--nb-stale-->${
    joinHtml([
      html`<details class="nb-stale"><summary><span class="badge warn">stale</span>`,
      joinHtml([
        html` ${changed.length} artifact${changed.length === 1 ? "" : "s"} changed since this page was rendered`,
        html`</summary>`,
      ]),
      html`<ul>${items}</ul></details>`,
    ]).value
  }<!--/nb-stale-->`;
}

/** Rewrite the badge of one page's HTML for the catalog; returns the page and its status. */
export function markPage(catalog: Catalog, pageHtml: string): { html: string; changed: ChangedArtifact[] } {
  const meta = readPageMeta(pageHtml);
  if (!meta) return { html: pageHtml, changed: [] };
  const changed = changedArtifacts(catalog, meta);
  return { html: pageHtml.replace(SLOT, () => staleSlot(changed)), changed };
}

/** Toggle the stale badge of every rendered notebook page under `<reportsDir>/notebooks/`. */
export function markStale(catalog: Catalog, reportsDir: string): StaleStatus[] {
  const dir = join(reportsDir, "notebooks");
  if (!existsSync(dir)) return [];
  const out: StaleStatus[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".html") || f === "index.html") continue;
    const page = join(dir, f);
    const before = readFileSync(page, "utf8");
    if (!readPageMeta(before)) continue;
    const { html: after, changed } = markPage(catalog, before);
    if (after !== before) writeFileSync(page, after);
    out.push({ name: f.slice(0, -5), page, stale: changed.length > 0, changed });
  }
  return out;
}
