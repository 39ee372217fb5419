/**
 * The report's one script, inlined into every page by the server (src/report/script.ts): it
 * hydrates the server-rendered charts (tooltips, brush-to-zoom, legend toggles) and tables
 * (sort, filter), and adds search when the site's index is there. Every page is complete
 * without it; this only adds interaction.
 */
import { readChart } from "./chart.ts";
import { attachLegend } from "./legend.ts";
import { attachSearch } from "./search.ts";
import { attachTables } from "./tables.ts";
import { attachTips } from "./tips.ts";
import { attachZoom, zoomable } from "./zoom.ts";

/** Hydrate the page (idempotent: a page hydrates once). */
export function hydrate(): void {
  const root = document.documentElement;
  if (root.dataset.hydrated) return;
  root.dataset.hydrated = "1";
  for (const figure of Array.from(document.querySelectorAll<HTMLElement>("figure.figure[data-chart]"))) {
    const chart = readChart(figure);
    if (!chart) continue;
    attachTips(chart);
    attachLegend(chart);
    if (zoomable(chart)) attachZoom(chart);
  }
  attachTables(document);
  attachSearch();
}
