/**
 * Tooltips: pointing at a chart shows the values under the pointer — the nearest vertex of a
 * line or area, the nearest dot, or the bar or cell under it — read back through the chart's
 * scales, with the series named from the colour legend. A mark's own <title> (Plot's `title`
 * channel) is shown as it is. Touch works the same way; Escape or leaving the chart hides it.
 */
import { type Chart, colorOf, type Point, pointerAt } from "./chart.ts";
import { bandAt, continuous, formatValue, invert, type ScaleSpec } from "./scales.ts";

const RADIUS = 48;
const SVG_NS = "http://www.w3.org/2000/svg";

function seriesOf(chart: Chart, color: string | null): string | null {
  const c = chart.spec.color;
  if (!c || !color) return null;
  const i = c.range.findIndex((r) => r.toLowerCase() === color.toLowerCase());
  return i >= 0 && i < c.domain.length ? String(c.domain[i]) : null;
}

function nearest(chart: Chart, x: number, y: number): Point | null {
  const { kx, ky, tx, ty } = chart.view;
  let best: Point | null = null;
  let bestD = RADIUS * RADIUS;
  for (const p of chart.points) {
    const dx = p.x * kx + tx - x;
    const dy = p.y * ky + ty - y;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = p;
    }
  }
  return best;
}

/** The value of a scale at a pixel span [a, b] of a rectangle: a band, the far end from zero, or a range. */
function spanValue(s: ScaleSpec | undefined, a: number, b: number): string | null {
  if (!s) return null;
  if (!continuous(s)) return String(bandAt(s, (a + b) / 2) ?? "");
  const [va, vb] = [invert(s, a), invert(s, b)].sort((p, q) => p - q);
  if (s.type === "utc" || s.type === "time" || (Math.abs(va) > 1e-12 && Math.abs(vb) > 1e-12))
    return `${formatValue(s, va)} – ${formatValue(s, vb)}`;
  return formatValue(s, Math.abs(va) > Math.abs(vb) ? va : vb);
}

function pointLines(chart: Chart, p: Point): string[] {
  const { x, y } = chart.spec;
  const lines: string[] = [];
  const series = seriesOf(chart, p.color);
  if (series) lines.push(series);
  if (x) lines.push(`${chart.names.x}: ${continuous(x) ? formatValue(x, invert(x, p.x)) : String(bandAt(x, p.x))}`);
  if (y) lines.push(`${chart.names.y}: ${continuous(y) ? formatValue(y, invert(y, p.y)) : String(bandAt(y, p.y))}`);
  return lines;
}

function rectLines(chart: Chart, r: SVGRectElement): string[] {
  const n = (a: string) => Number(r.getAttribute(a) ?? 0);
  const [x0, y0, w, h] = [n("x"), n("y"), n("width"), n("height")];
  const lines: string[] = [];
  const series = seriesOf(chart, colorOf(r, "fill"));
  if (series) lines.push(series);
  const xs = spanValue(chart.spec.x, x0, x0 + w);
  const ys = spanValue(chart.spec.y, y0 + h, y0);
  if (xs) lines.push(`${chart.names.x}: ${xs}`);
  if (ys) lines.push(`${chart.names.y}: ${ys}`);
  return lines;
}

/** The <title> text of the element or of its nearest titled ancestor inside the chart. */
function titleOf(el: Element, svg: SVGSVGElement): string | null {
  for (let e: Element | null = el; e && e !== svg; e = e.parentElement) {
    const t = Array.from(e.children).find((c) => c.tagName.toLowerCase() === "title");
    if (t?.textContent) return t.textContent;
  }
  return null;
}

/** Wire tooltips on a chart. */
export function attachTips(chart: Chart): void {
  const { figure, svg } = chart;
  const box = document.createElement("div");
  box.className = "tip";
  box.setAttribute("role", "tooltip");
  box.hidden = true;
  figure.append(box);
  const dot = document.createElementNS(SVG_NS, "circle");
  dot.setAttribute("r", "4");
  dot.setAttribute("class", "tip-dot");
  dot.style.display = "none";
  svg.append(dot);

  const hide = () => {
    box.hidden = true;
    dot.style.display = "none";
  };
  const show = (lines: string[], sx: number, sy: number) => {
    box.replaceChildren(
      ...lines.map((l, i) => {
        const d = document.createElement("div");
        if (i === 0 && lines.length > 2) d.className = "tip-head";
        d.textContent = l;
        return d;
      }),
    );
    box.hidden = false;
    // Place beside the point in the figure's coordinates, kept inside the figure.
    const m = svg.getScreenCTM();
    const fr = figure.getBoundingClientRect();
    const cx = m ? m.a * sx + m.e - fr.left : sx;
    const cy = m ? m.d * sy + m.f - fr.top : sy;
    const left = cx + 12 + box.offsetWidth > fr.width ? cx - 12 - box.offsetWidth : cx + 12;
    box.style.left = `${Math.max(0, left)}px`;
    box.style.top = `${Math.max(0, cy - box.offsetHeight - 8)}px`;
  };

  const move = (e: PointerEvent) => {
    if (figure.classList.contains("brushing")) return hide();
    const target = e.target as Element;
    const [x, y] = pointerAt(svg, e);
    const inMarks = chart.marks.some((g) => g.contains(target));
    const tag = target.tagName.toLowerCase();
    if (inMarks && (tag === "rect" || tag === "circle")) {
      const title = titleOf(target, svg);
      if (title) return show(title.split("\n"), x, y);
      if (tag === "rect") {
        dot.style.display = "none";
        return show(rectLines(chart, target as SVGRectElement), x, y);
      }
    }
    const p = nearest(chart, x, y);
    if (!p) return hide();
    const { kx, ky, tx, ty } = chart.view;
    const [px, py] = [p.x * kx + tx, p.y * ky + ty];
    dot.setAttribute("cx", String(px));
    dot.setAttribute("cy", String(py));
    dot.setAttribute("stroke", p.color ?? "currentColor");
    dot.style.display = "";
    const title = titleOf(p.el, svg);
    show(title && p.el.tagName.toLowerCase() === "circle" ? title.split("\n") : pointLines(chart, p), px, py);
  };
  svg.addEventListener("pointermove", move);
  svg.addEventListener("pointerdown", move);
  svg.addEventListener("pointerleave", hide);
  figure.addEventListener("keydown", (e) => {
    if (e.key === "Escape") hide();
  });
}
