/**
 * Tables: every column header sorts (ascending, then descending; numbers as numbers, text in
 * natural order, empty cells last), and a table of more than a screenful gets a filter box that
 * keeps the rows containing every word typed. Key/value tables (params, provenance) are left as
 * they are.
 */
import { searchBox } from "./search-box.ts";

/** A cell's text as a number ("1,234.5", "−0.12", "12.3%", "< 1/2000 (0.0005)"), or null. */
export function numericValue(text: string): number | null {
  const t = text
    .replace(/,/g, "")
    .replace(/\u2212/g, "-")
    .trim();
  if (t === "∞") return Number.POSITIVE_INFINITY;
  if (t === "-∞") return Number.NEGATIVE_INFINITY;
  const m = /^<\s*1\/(\d+)/.exec(t) ?? null;
  if (m) return 1 / Number(m[1]) / 2;
  const n = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/i.exec(t);
  if (!n) return null;
  const v = Number(n[0]);
  return t.slice(n[0].length).trim().startsWith("%") ? v / 100 : v;
}

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

function sortBy(table: HTMLTableElement, col: number, descending: boolean): void {
  const body = table.tBodies[0];
  if (!body) return;
  const rows = Array.from(body.rows);
  const numeric = rows.every((r) => {
    const c = r.cells[col];
    return !c || c.textContent === "" || c.classList.contains("num");
  });
  const keyed = rows.map((r, i) => {
    const text = r.cells[col]?.textContent ?? "";
    return { r, i, text, n: numeric ? numericValue(text) : null };
  });
  keyed.sort((a, b) => {
    const ea = a.text === "" || (numeric && a.n === null);
    const eb = b.text === "" || (numeric && b.n === null);
    if (ea || eb) return ea === eb ? a.i - b.i : ea ? 1 : -1;
    const c = numeric ? (a.n as number) - (b.n as number) : collator.compare(a.text, b.text);
    return (descending ? -c : c) || a.i - b.i;
  });
  body.append(...keyed.map((k) => k.r));
}

function makeSortable(table: HTMLTableElement): void {
  const head = table.tHead?.rows[0];
  if (!head) return;
  Array.from(head.cells).forEach((th, col) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.append(...Array.from(th.childNodes));
    th.append(button);
    th.setAttribute("aria-sort", "none");
    button.addEventListener("click", () => {
      const descending = th.getAttribute("aria-sort") === "ascending";
      for (const other of Array.from(head.cells)) other.setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      sortBy(table, col, descending);
    });
  });
}

function makeFilterable(table: HTMLTableElement, wrap: HTMLElement): void {
  const body = table.tBodies[0];
  if (!body || body.rows.length <= 10) return;
  const box = document.createElement("div");
  box.className = "table-tools";
  const input = searchBox("Filter rows", "Filter the rows of the table below");
  const count = document.createElement("span");
  count.className = "note";
  box.append(input, count);
  wrap.before(box);
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const r of Array.from(body.rows)) {
      const text = (r.textContent ?? "").toLowerCase();
      const on = words.every((w) => text.includes(w));
      r.hidden = !on;
      if (on) shown++;
    }
    count.textContent = words.length ? `${shown} of ${body.rows.length} rows` : "";
  });
}

/** Wire sorting and filtering on every data table under `root`. */
export function attachTables(root: ParentNode): void {
  for (const wrap of Array.from(root.querySelectorAll<HTMLElement>(".table-wrap"))) {
    const table = wrap.querySelector<HTMLTableElement>("table:not(.kv)");
    if (!table) continue;
    makeSortable(table);
    makeFilterable(table, wrap);
  }
}
