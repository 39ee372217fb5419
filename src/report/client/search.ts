/**
 * Search across the report's pages: the site writes `search-index.js` (page titles, section and
 * figure headings, with links); this adds a search box to the header that lists matches as you
 * type. Enter opens the first. Without the index (a single page, the report stage) no box is shown.
 */
import { searchBox } from "./search-box.ts";

export interface SearchEntry {
  /** Link, relative to the site folder ("backtest.html#equity-curves"). */
  href: string;
  /** What matched: a heading, or the page title. */
  text: string;
  /** The page it is on. */
  page: string;
}

declare global {
  interface Window {
    strataSearch?: SearchEntry[];
  }
}

/** Entries containing every word of the query, headings before pages, at most `limit`. */
export function searchEntries(entries: readonly SearchEntry[], query: string, limit = 12): SearchEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  return entries.filter((e) => words.every((w) => `${e.text} ${e.page}`.toLowerCase().includes(w))).slice(0, limit);
}

/** Add the search box to the page header when the site's index is loaded. */
export function attachSearch(): void {
  const entries = window.strataSearch;
  const header = document.querySelector("header.site");
  if (!entries || !header) return;
  const wrap = document.createElement("div");
  wrap.className = "search";
  wrap.setAttribute("role", "search");
  const input = searchBox("Search the report", "Search the report's pages, sections and figures");
  const list = document.createElement("ul");
  list.className = "search-results";
  list.hidden = true;
  wrap.append(input, list);
  header.append(wrap);
  const render = () => {
    const found = searchEntries(entries, input.value);
    list.replaceChildren(
      ...found.map((e) => {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = e.href;
        a.textContent = e.text;
        const page = document.createElement("span");
        page.className = "note";
        page.textContent = e.text === e.page ? " page" : ` ${e.page}`;
        li.append(a, page);
        return li;
      }),
    );
    list.hidden = found.length === 0;
  };
  input.addEventListener("input", render);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") list.querySelector("a")?.click();
    if (e.key === "Escape") {
      input.value = "";
      render();
    }
  });
}
