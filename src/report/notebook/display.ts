/**
 * `display(value)`: any value a cell produces → safe HTML.
 *
 * | value                                         | shown as                                 |
 * |-----------------------------------------------|------------------------------------------|
 * | undefined                                     | nothing                                  |
 * | SafeHtml (`html\`…\``)                        | that markup                              |
 * | string                                        | Markdown (raw HTML in it escaped)        |
 * | number, bigint, boolean, null                 | the value, formatted                     |
 * | array of objects (sql results, artifact rows) | a table (first 200 rows, count noted)    |
 * | arquero table (`objects()`, `columnNames()`)  | a table                                  |
 * | DOM element (a Plot figure)                   | its SVG/HTML, scripts and handlers removed |
 * | Error                                         | an error box                             |
 * | anything else                                 | JSON                                     |
 */
import { formatNumber } from "../format.ts";
import { html, join, raw, SafeHtml } from "../html.ts";
import { markdown } from "../markdown.ts";
import { dataTable } from "../table.ts";
import { markGroups } from "../figure.ts";

/** Rows a displayed table shows at most. */
export const DISPLAY_MAX_ROWS = 200;

interface ArqueroLike {
  objects(opts?: { limit?: number }): Record<string, unknown>[];
  columnNames(): string[];
  numRows(): number;
}

interface ElementLike {
  outerHTML: string;
  cloneNode(deep: boolean): ElementLike;
  querySelectorAll(sel: string): ArrayLike<{
    remove(): void;
    attributes: ArrayLike<{ name: string; value: string }>;
    removeAttribute(name: string): void;
  }>;
}

function isArquero(v: object): v is ArqueroLike {
  const t = v as Partial<ArqueroLike>;
  return typeof t.objects === "function" && typeof t.columnNames === "function" && typeof t.numRows === "function";
}

function isElement(v: object): v is ElementLike {
  const e = v as Partial<ElementLike>;
  return (
    typeof e.outerHTML === "string" && typeof e.cloneNode === "function" && typeof e.querySelectorAll === "function"
  );
}

function isPlainObject(r: unknown): r is Record<string, unknown> {
  if (r === null || typeof r !== "object" || Array.isArray(r)) return false;
  const proto = Object.getPrototypeOf(r) as unknown;
  return proto === Object.prototype || proto === null;
}

function isRowArray(v: unknown[]): v is Record<string, unknown>[] {
  return v.length > 0 && v.every(isPlainObject);
}

/** An element's markup without scripts, event handlers or javascript: links. */
function safeElement(el: ElementLike): SafeHtml {
  const copy = el.cloneNode(true);
  for (const s of Array.from(copy.querySelectorAll("script, iframe, object, embed, foreignObject"))) s.remove();
  const all = [
    copy as unknown as ReturnType<ElementLike["querySelectorAll"]>[number],
    ...Array.from(copy.querySelectorAll("*")),
  ];
  for (const node of all) {
    for (const a of Array.from(node.attributes)) {
      if (/^on/i.test(a.name) || (/(^|:)href$|^src$/i.test(a.name) && !/^(#|https?:)/i.test(a.value.trim())))
        node.removeAttribute(a.name);
    }
  }
  markGroups(copy as unknown as Pick<Element, "querySelectorAll">);
  return raw(`<div class="nb-figure">${copy.outerHTML}</div>`);
}

function rowsTable(rows: Record<string, unknown>[], total = rows.length): SafeHtml {
  const note = join([
    html`<p class="note">${total.toLocaleString("en-US")} row${total === 1 ? "" : "s"}`,
    html`${total > DISPLAY_MAX_ROWS ? `, first ${DISPLAY_MAX_ROWS} shown` : ""}</p>`,
  ]);
  return html`${dataTable(rows.slice(0, DISPLAY_MAX_ROWS), { maxRows: DISPLAY_MAX_ROWS })}${note}`;
}

function json(v: unknown): string {
  try {
    return (
      JSON.stringify(
        v,
        (_k, x: unknown) =>
          typeof x === "bigint"
            ? x.toString()
            : x instanceof Map
              ? Object.fromEntries(x)
              : x instanceof Set
                ? [...x]
                : x,
        2,
      ) ?? String(v)
    );
  } catch {
    return String(v);
  }
}

/** The HTML of one displayed value (undefined → nothing). */
export function renderValue(value: unknown): SafeHtml | undefined {
  if (value === undefined) return undefined;
  if (value instanceof SafeHtml) return value;
  if (typeof value === "string") return html`<div class="nb-md">${markdown(value)}</div>`;
  if (typeof value === "number") return html`<pre class="nb-value">${formatNumber(value, 6)}</pre>`;
  if (typeof value === "bigint" || typeof value === "boolean" || value === null)
    return html`<pre class="nb-value">${String(value)}</pre>`;
  if (typeof value === "function")
    return html`<pre class="nb-value">${`[function ${value.name || "anonymous"}]`}</pre>`;
  if (typeof value === "symbol") return html`<pre class="nb-value">${value.toString()}</pre>`;
  if (value instanceof Error)
    return html`<div class="cell-error"><pre>${`${value.name}: ${value.message}`}</pre></div>`;
  if (Array.isArray(value)) {
    if (isRowArray(value)) return rowsTable(value);
    if (value.length === 0) return html`<p class="note">Empty array (0 rows).</p>`;
  } else if (typeof value === "object") {
    if (isArquero(value)) {
      const rows = value.objects({ limit: DISPLAY_MAX_ROWS });
      return rows.length
        ? rowsTable(rows, value.numRows())
        : html`<p class="note">Empty table: ${value.columnNames().join(", ")}</p>`;
    }
    if (isElement(value)) return safeElement(value);
  }
  return html`<pre class="nb-value">${json(value)}</pre>`;
}
