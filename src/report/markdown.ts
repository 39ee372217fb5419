/**
 * Markdown → HTML with raw HTML disabled: any HTML in the source is shown as text, link and
 * image URLs are limited to http(s), mailto and relative paths.
 */
import { Marked, type Tokens } from "marked";
import { escapeHtml, raw, safeHref, type SafeHtml } from "./html.ts";

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(token.text);
    },
    link(token: Tokens.Link): string {
      const text = this.parser.parseInline(token.tokens);
      const title = token.title ? ` title="${escapeHtml(token.title)}"` : "";
      return `<a href="${escapeHtml(safeHref(token.href))}"${title}>${text}</a>`;
    },
    image(token: Tokens.Image): string {
      const href = safeHref(token.href);
      return `<img src="${escapeHtml(href)}" alt="${escapeHtml(token.text)}">`;
    },
  },
});

/** Render Markdown to safe HTML (block level). */
export function markdown(text: string): SafeHtml {
  return raw(marked.parse(text, { async: false }) as string);
}

/** Render one line of Markdown without the surrounding paragraph. */
export function markdownInline(text: string): SafeHtml {
  return raw(marked.parseInline(text, { async: false }) as string);
}
