/**
 * Legend toggles: each swatch of a colour legend becomes a button that hides or shows the marks
 * drawn in its colour (lines, areas, dots, bars), so one series can be read alone.
 */
import type { Chart } from "./chart.ts";

/** The marks of the chart drawn in `color` (by stroke or fill, on the element or its group). */
function drawnIn(chart: Chart, color: string): Element[] {
  const c = color.toLowerCase();
  const out: Element[] = [];
  for (const g of chart.marks)
    for (const e of [g, ...Array.from(g.querySelectorAll("path, circle, rect, line, g"))])
      if ((e.getAttribute("stroke") ?? "").toLowerCase() === c || (e.getAttribute("fill") ?? "").toLowerCase() === c)
        out.push(e);
  return out;
}

/** Wire legend toggles on a chart whose figure has a swatch legend. */
export function attachLegend(chart: Chart): void {
  const swatches = Array.from(chart.figure.querySelectorAll<HTMLElement>("[class$='-swatch']"));
  for (const sw of swatches) {
    const mark = sw.querySelector("svg");
    const color = mark?.getAttribute("fill") ?? mark?.getAttribute("stroke");
    if (!color || color === "none") continue;
    const label = sw.textContent?.trim() ?? "series";
    sw.setAttribute("role", "button");
    sw.setAttribute("tabindex", "0");
    sw.setAttribute("aria-pressed", "true");
    sw.setAttribute("title", `Show or hide ${label}`);
    sw.classList.add("toggle");
    const toggle = () => {
      const on = sw.getAttribute("aria-pressed") !== "true";
      sw.setAttribute("aria-pressed", String(on));
      for (const e of drawnIn(chart, color)) (e as SVGElement).style.display = on ? "" : "none";
    };
    sw.addEventListener("click", toggle);
    sw.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        toggle();
      }
    });
  }
}
