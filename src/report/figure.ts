/**
 * Figures: Observable Plot rendered on the server to SVG (linkedom's document), in one theme,
 * each with a title, axis labels with units, and its numbers in a collapsible table, so
 * nothing is only a picture.
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { dataTable, type TableOptions } from "./table.ts";
import { html, join, raw, slug, type SafeHtml } from "./html.ts";
import { FONT, PALETTE } from "./theme.ts";

let doc: Document | undefined;

/**
 * The shared server-side document Plot draws into: linkedom's, a light DOM that loads in about a
 * quarter of jsdom's time (0.18 s against 0.69 s, most of a report's start-up) and builds
 * elements faster; Plot needs only element creation, attributes, styles and serialization.
 */
export function serverDocument(): Document {
  doc ??= (parseHTML("<!doctype html><html><body></body></html>") as unknown as { document: Document }).document;
  return doc;
}

export interface FigureOptions {
  /** Heading of the figure (required: every figure says what it shows). */
  title: string;
  /** One line under the title: what to read from it, units, the aggregation applied. */
  subtitle?: string;
  /** Observable Plot options (marks, scales, axes); `document` is supplied. */
  plot: Plot.PlotOptions;
  /** The numbers behind the figure, shown in a collapsible table. */
  data: readonly Record<string, unknown>[];
  /** Options of that table (columns, row cap, digits). */
  table?: TableOptions;
  /** Element id (default: slug of the title). */
  id?: string;
  /**
   * Said instead of the chart when set (e.g. "No column has a missing value"): a chart of
   * nothing but zeros reads as broken. The data table is still there.
   */
  empty?: string;
}

/** Plot options with the theme applied (font, palette, sizes), `opts` taking precedence. */
export function themed(opts: Plot.PlotOptions): Plot.PlotOptions {
  return {
    width: 760,
    height: 320,
    marginLeft: 56,
    style: { fontFamily: FONT, fontSize: "11px", background: "#ffffff", color: "#1d232b", overflow: "visible" },
    ...opts,
    color: { range: PALETTE, ...(opts.color ?? {}) },
    document: serverDocument(),
  } as Plot.PlotOptions;
}

/** Render Plot options to SVG markup (no title, no caption: `figure` adds those). */
export function renderPlot(opts: Plot.PlotOptions): SafeHtml {
  return renderChart(opts).markup;
}

type ScaleOf = (name: string) => Record<string, unknown> | undefined;

/** Numbers to 12 significant digits: a tooltip needs 6, and the page's bytes then do not hang on last bits. */
function steady(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? Number(v.toPrecision(12)) : v;
  return Array.isArray(v) ? v.map(steady) : v;
}

/**
 * Render Plot options to SVG markup and the chart's scales as JSON (`data-chart`): what the page
 * script needs to read values back from the SVG (tooltips) and to zoom. Faceted charts give no
 * x/y (their scales are per facet); only a categorical colour scale is kept, trimmed to its domain.
 */
export function renderChart(opts: Plot.PlotOptions): { markup: SafeHtml; scales: string } {
  const el = Plot.plot(themed(opts)) as unknown as Element & { scale: ScaleOf };
  markGroups(el);
  const spec: Record<string, unknown> = {};
  if (!el.scale("fx") && !el.scale("fy"))
    for (const name of ["x", "y"]) {
      const s = el.scale(name);
      if (!s) continue;
      const keep = ["type", "domain", "range", "step", "bandwidth", "align", "paddingInner"];
      spec[name] = Object.fromEntries(keep.filter((k) => s[k] !== undefined).map((k) => [k, steady(s[k])]));
    }
  const color = el.scale("color");
  if (color && (color.type === "ordinal" || color.type === "categorical") && Array.isArray(color.domain)) {
    const domain = (color.domain as unknown[]).map(String);
    spec.color = { domain, range: (color.range as string[]).slice(0, domain.length) };
  }
  return { markup: raw(el.outerHTML), scales: JSON.stringify(spec) };
}

/**
 * Plot names each mark's <g> with aria-label ("bar", "rule"); ARIA permits a label only on an
 * element with a role, so each such group gets role="group" (what it is). Screen readers then
 * announce the marks instead of skipping a prohibited attribute (axe: aria-prohibited-attr).
 */
export function markGroups(el: Pick<Element, "querySelectorAll">): void {
  for (const g of Array.from(el.querySelectorAll("g[aria-label]:not([role])"))) g.setAttribute("role", "group");
}

/** `data-chart='…'`: JSON in single quotes, so its many double quotes need no escaping. */
function chartAttribute(json: string): SafeHtml {
  return raw(` data-chart='${json.replace(/&/g, "&amp;").replace(/'/g, "&#39;").replace(/</g, "&lt;")}'`);
}

/** A complete figure: title, optional subtitle, the SVG, and a collapsible table of its data. */
export function figure(opts: FigureOptions): SafeHtml {
  if (!opts.title) throw new Error("figure: every figure needs a title");
  const chart = !opts.empty && opts.data.length ? renderChart(opts.plot) : null;
  const svg = opts.empty
    ? html`<p class="note said">${opts.empty}</p>`
    : (chart?.markup ?? html`<p class="note">No data.</p>`);
  return join([
    html`<figure id="${opts.id ?? slug(opts.title)}" class="figure"${chart ? chartAttribute(chart.scales) : null}>`,
    html`<h3>${opts.title}</h3>`,
    html`${opts.subtitle ? html`<p class="subtitle">${opts.subtitle}</p>` : null}${svg}<details><summary>`,
    html`Data (${opts.data.length.toLocaleString("en-US")} rows)</summary>`,
    html`${dataTable(opts.data, { maxRows: 500, ...opts.table })}</details></figure>`,
  ]);
}

/**
 * A left margin wide enough for the longest of `labels` at the theme's 11 px font (≈ 6.4 px
 * a character, a 14 px tick gap), at least `min`, at most 320: long cell names are not clipped.
 */
export function labelMargin(labels: readonly string[], min = 60): number {
  const longest = labels.reduce((m, l) => Math.max(m, l.length), 0);
  return Math.min(320, Math.max(min, Math.ceil(longest * 6.4) + 14));
}
