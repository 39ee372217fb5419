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
  if (Array.isArray(v)) return v.map(piece).join("");
  return escapeHtml(String(v));
}

/** Tagged template: interpolations are escaped unless SafeHtml; null/undefined/false render nothing. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Join pieces (each escaped unless SafeHtml). */
export function join(parts: readonly HtmlValue[], sep: HtmlValue = ""): SafeHtml {
  return new SafeHtml(parts.map(piece).join(piece(sep)));
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
