import { formatValue, PLAIN_INTEGER_KEY } from "./format.ts";

/** A value under `key`: identifier integers (seeds, years, ids) ungrouped, the rest by formatValue. */
function formatUnder(key: string, v: unknown, digits: number): string {
  if ((typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint")
    if (PLAIN_INTEGER_KEY.test(key)) return String(v).replace(/^-/, "−");
  return formatValue(v, digits);
}
import { downloadSink } from "./downloads.ts";
import { html, join, safeHref, type SafeHtml } from "./html.ts";

export interface TableOptions {
  /** Columns to show, in order (default: the keys of the first row, then any new keys). */
  columns?: readonly string[];
  /** Rows shown at most; the rest are counted in a note (default 200). */
  maxRows?: number;
  /** Significant digits of numbers (default 4). */
  digits?: number;
  /** Per-column formatter overriding `formatValue`. */
  format?: Record<string, (v: unknown) => string>;
  /** Caption above the table. */
  caption?: string;
  /**
   * Per-column links: the cell's text links to the href given for its row (undefined: plain
   * text). The table sorts and filters by the text; the download holds the value.
   */
  links?: Record<string, (row: Record<string, unknown>) => string | undefined>;
}

/** Column names of row objects: first-seen order over all rows. */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/** An HTML table of row objects; every value is escaped; numbers right-aligned. */
export function dataTable(rows: readonly Record<string, unknown>[], opts: TableOptions = {}): SafeHtml {
  const cols = opts.columns ? [...opts.columns] : columnsOf(rows);
  const max = opts.maxRows ?? 200;
  const shown = rows.slice(0, max);
  const cell = (c: string, r: Record<string, unknown>) => {
    const v = r[c];
    const text = opts.format?.[c] ? opts.format[c](v) : formatUnder(c, v, opts.digits ?? 4);
    const href = opts.links?.[c]?.(r);
    const content = href === undefined ? text : html`<a href="${safeHref(href)}">${text}</a>`;
    return typeof v === "number" || typeof v === "bigint"
      ? html`<td class="num">${content}</td>`
      : html`<td>${content}</td>`;
  };
  const more =
    rows.length > shown.length
      ? html`<p class="note">${shown.length} of ${rows.length.toLocaleString("en-US")} rows shown.</p>`
      : null;
  const file = rows.length ? downloadSink()?.add(rows, cols) : undefined;
  const downloads = file
    ? html`<p class="downloads">All ${rows.length.toLocaleString("en-US")} rows: <a href="${file}.csv" download>CSV</a> · <a href="${file}.parquet" download>Parquet</a></p>`
    : null;
  return join([
    html`<div class="table-wrap" tabindex="0"><table>${opts.caption ? html`<caption>${opts.caption}</caption>` : null}<thead><tr>`,
    html`${cols.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>`,
    html`${shown.map((r) => html`<tr>${cols.map((c) => cell(c, r))}</tr>`)}</tbody></table></div>${more}${downloads}`,
  ]);
}

/** A two-column key/value table (params, provenance). */
export function keyValueTable(
  entries: ReadonlyArray<readonly [string, unknown]>,
  opts: { digits?: number; format?: Record<string, (v: unknown) => string> } = {},
): SafeHtml {
  return join([
    html`<div class="table-wrap" tabindex="0"><table class="kv"><tbody>`,
    entries.map(([k, v]) =>
      join([
        html`<tr><th>${k}</th><td${typeof v === "number" ? html` class="num"` : null}>`,
        html`${opts.format?.[k] ? opts.format[k](v) : formatUnder(k, v, opts.digits ?? 6)}</td></tr>`,
      ]),
    ),
    html`</tbody></table></div>`,
  ]);
}
