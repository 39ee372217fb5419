import { CSS } from "./theme.ts";
import { html, join, raw, type SafeHtml } from "./html.ts";
import { pageScript } from "./script.ts";

export interface NavLink {
  href: string;
  label: string;
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Site navigation (relative links); the link whose href equals `current` is marked. */
  nav?: readonly NavLink[];
  current?: string;
  /** Href of the site's front page, relative to this page (default "index.html"). */
  home?: string;
  /** The stamp every page carries: the lock hash it was built from, and more lines. */
  stamp?: { lockHash: string; lines?: readonly SafeHtml[] | readonly string[]; source?: string };
  /** Extra markup at the end of <head> (our own only, e.g. a live-reload script). */
  head?: SafeHtml;
  /** Extra markup at the end of <body> (our own only). */
  tail?: SafeHtml;
  /**
   * The page script (tooltips, zoom, legend toggles, sortable and filterable tables, search):
   * default true. The page is complete without it.
   */
  script?: boolean;
}

/** A complete, self-contained HTML document: inline CSS, no external request. */
export function page(opts: PageOptions): string {
  const nav = opts.nav?.length
    ? join([
        html`<nav class="pages" aria-label="Report pages">`,
        opts.nav.map(
          (l) =>
            html`<a href="${l.href}"${l.href === opts.current ? raw(' aria-current="page"') : null}>${l.label}</a>`,
        ),
        html`</nav>`,
      ])
    : null;
  const stamp = opts.stamp
    ? join([
        html`<footer class="stamp">Built from <code>${opts.stamp.source ?? "pipeline.lock"}</code> sha256 `,
        join([
          html`<code class="lock-hash">${opts.stamp.lockHash}</code>`,
          (opts.stamp.lines ?? []).map((l) => html`<br>${l}`),
        ]),
        html`</footer>`,
      ])
    : null;
  return (
    `<!doctype ` +
    `html>\n${
      join([
        html`<html lang="en"><head><meta charset="utf-8">`,
        // No favicon: a served site would otherwise get a 404 (and a console error) for /favicon.ico.
        html`<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">`,
        html`<meta name="color-scheme" content="light dark"><title>${opts.title}</title><style>${raw(CSS)}</style>`,
        join([
          html`${opts.head ?? null}</head><body><header class="site">`,
          html`<a class="brand" href="${opts.home ?? "index.html"}">`,
        ]),
        html`Strata</a>${nav}</header><main>${opts.body}</main>${stamp}${opts.tail ?? null}`,
        html`${opts.script === false ? null : pageScript()}</body></html>`,
      ]).value
    }\n`
  );
}
