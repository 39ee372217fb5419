/**
 * HTML building with escaping by default.
 *
 * `html` is a tagged template: every interpolated value is escaped unless it is already a
 * `SafeHtml` (the result of `html`, `raw`, or a renderer of this folder). Arrays are joined.
 * User-provided strings — symbols, params, notebook text, error messages — therefore render
 * as text: `<img src=x onerror=alert(1)>` shows up literally, it never becomes an element.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for an element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Mark trusted markup (our own renderers only; never user input). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function piece(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return "";
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return concat(v, "");
  return escapeHtml(String(v));
}

/**
 * The pieces one after another with `+`, not `Array.join`: V8 then links the strings (a rope)
 * instead of copying them, so markup nested ten joins deep is copied once, when the page is
 * written, not at every level. Profiled on the default study's report (43 pages): `join` took
 * 0.26 s, now under 0.01 s, and flattening each page once costs ~0.02 s.
 */
function concat(parts: readonly HtmlValue[], sep: string): string {
  let out = "";
  for (let i = 0; i < parts.length; i++) out += i > 0 ? sep + piece(parts[i]) : piece(parts[i]);
  return out;
}

/** Tagged template: interpolations are escaped unless SafeHtml; null/undefined/false render nothing. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Join pieces (each escaped unless SafeHtml). */
export function join(parts: readonly HtmlValue[], sep: HtmlValue = ""): SafeHtml {
  return new SafeHtml(concat(parts, piece(sep)));
}

/** A slug usable as an id or file name: lowercase letters, digits and dashes. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s || "item";
}

/** A link href: relative paths and http(s)/mailto only; anything else (javascript:, data:) becomes "#". */
export function safeHref(href: string): string {
  const h = href.trim();
  if (/^(https?:|mailto:)/i.test(h)) return h;
  if (/^[a-z][a-z0-9+.-]*:/i.test(h)) return "#";
  return h;
}
