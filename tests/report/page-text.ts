/** Page text without the markup every page carries by design, for "nothing external" checks. */
import { PAGE_SCRIPT } from "../../src/report/page-script.generated.ts";

/** The page minus its own inline script, the site's search index tag and the empty favicon. */
export function withoutOwnMarkup(html: string): string {
  return html
    .replace(`<script>${PAGE_SCRIPT}</script>`, "")
    .replace('<script src="search-index.js"></script>', "")
    .replace('<link rel="icon" href="data:,">', "");
}

/** How many times the page script is inlined (one, on every page). */
export function pageScriptCount(html: string): number {
  return html.split(`<script>${PAGE_SCRIPT}</script>`).length - 1;
}
