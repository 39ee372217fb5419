/**
 * The page script: src/report/client bundled into one minified IIFE (by client/bundle.ts, into
 * page-script.generated.ts) and inlined at the end of every page — no CDN and no file to lose:
 * a page copied alone keeps its interaction.
 */
import { raw, type SafeHtml } from "./html.ts";
import { PAGE_SCRIPT } from "./page-script.generated.ts";

/** The `<script>` element carrying it. */
export function pageScript(): SafeHtml {
  return raw(`<script>${PAGE_SCRIPT}</script>`);
}
