/**
 * The skeleton of a report page, for golden tests: its title, headings, each figure's title with
 * the element counts of its SVG and the rows of its data table, and each other table's header,
 * row count and first row. Every number keeps 4 significant digits (dates stay whole), so the
 * golden pins what a page shows and how it is drawn, not the last digits of a statistic.
 * Volatile parts are left out: hashes and fingerprints (they follow every code digest) become
 * <hash>, timing columns <time>.
 */
import { JSDOM } from "jsdom";

const NUMBER = /(\d{4}-\d\d-\d\d)|([−-]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[+-]?\d+)?)/g;

export function normalizeNumbers(text: string): string {
  return text.replace(NUMBER, (m, date: string | undefined) => {
    if (date) return date;
    const x = Number(m.replace(/,/g, "").replace("−", "-"));
    if (!Number.isFinite(x)) return m;
    return Number.isInteger(x) && Math.abs(x) < 1e4 ? String(x) : String(Number(x.toPrecision(4)));
  });
}

/** Hashes and fingerprints (12+ hex digits) change with any code digest: replaced by <hash>. */
const HASH = /\b[0-9a-f]{12,}\b/g;
/** Table columns holding timings. */
const TIMING = /second|duration|elapsed|time/i;

const clean = (s: string | null | undefined) =>
  normalizeNumbers((s ?? "").replace(/\s+/g, " ").trim().replace(HASH, "<hash>"));

export interface PageSkeleton {
  title: string;
  headings: string[];
  figures: Array<{ title: string; svg: string; rows: string }>;
  tables: Array<{ head: string[]; rows: number; first: string[] }>;
}

export function pageSkeleton(html: string): PageSkeleton {
  const doc = new JSDOM(html).window.document;
  for (const el of doc.querySelectorAll("code.lock-hash, .provenance, footer")) el.remove();
  const headings = [...doc.querySelectorAll("h1, h2, h3, h4")]
    .filter((h) => !h.closest("figure"))
    .map((h) => `${h.tagName.toLowerCase()} ${clean(h.textContent)}`);
  const figures = [...doc.querySelectorAll("figure.figure")].map((f) => {
    const counts = new Map<string, number>();
    for (const el of f.querySelectorAll("svg *")) counts.set(el.tagName, (counts.get(el.tagName) ?? 0) + 1);
    const svg = [...counts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([t, n]) => `${t}×${n}`)
      .join(" ");
    return {
      title: clean(f.querySelector("h3")?.textContent),
      svg,
      rows: clean(f.querySelector("details summary")?.textContent),
    };
  });
  const tables = [...doc.querySelectorAll("table")]
    .filter((t) => !t.closest("figure"))
    .map((t) => {
      const body = [...t.querySelectorAll("tbody tr")];
      const head = [...t.querySelectorAll("thead th")].map((th) => clean(th.textContent));
      const first = body.length ? [...body[0].querySelectorAll("td, th")].map((td) => clean(td.textContent)) : [];
      return { head, rows: body.length, first: first.map((v, i) => (TIMING.test(head[i] ?? "") ? "<time>" : v)) };
    });
  return { title: clean(doc.title), headings, figures, tables };
}
