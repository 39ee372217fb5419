/**
 * Brush to zoom on time series (and other line or area charts with a continuous x): drag across
 * the plot to show that stretch; the y axis refits to what is visible. The marks are moved by one
 * transform under a clip to the plot's frame, and fresh ticks replace Plot's axes for the new
 * domains. Double-click, Escape or the "Reset zoom" button go back.
 */
import { type Chart, IDENTITY, pointerAt } from "./chart.ts";
import { apply, continuous, invert, linearTicks, type ScaleSpec, temporal, timeTicks } from "./scales.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const PLOT_AXES = ["x-axis tick", "x-axis tick label", "y-axis tick", "y-axis tick label", "x-grid", "y-grid"];
let clipCount = 0;

/** Whether the chart can zoom: a continuous x and y, and a line or area among its marks. */
export function zoomable(chart: Chart): boolean {
  const { x, y } = chart.spec;
  return (
    !!x &&
    !!y &&
    continuous(x) &&
    continuous(y) &&
    chart.marks.some((g) => /^(line|area)/.test(g.getAttribute("aria-label") ?? ""))
  );
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>) {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** Ticks of a scale over the visible domain [lo, hi]: values and labels. */
function ticksOf(s: ScaleSpec, lo: number, hi: number, count: number): { value: number; label: string }[] {
  if (temporal(s)) return timeTicks(lo, hi, count);
  const fmt = (v: number) => Number(v.toPrecision(6)).toLocaleString("en-US", { maximumFractionDigits: 8 });
  if (s.type === "log") {
    const out: { value: number; label: string }[] = [];
    const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
    for (let k = Math.floor(Math.log10(a)); 10 ** k <= b; k++)
      for (const m of [1, 2, 5])
        if (m * 10 ** k >= a && m * 10 ** k <= b) out.push({ value: m * 10 ** k, label: fmt(m * 10 ** k) });
    if (out.length >= 3) return out;
  }
  return linearTicks(lo, hi, count).map((v) => ({ value: v, label: fmt(v).replace(/^-/, "\u2212") }));
}

/** Wire brush-to-zoom on a chart (call only when `zoomable`). */
export function attachZoom(chart: Chart): void {
  const { figure, svg, spec } = chart;
  const sx = spec.x as ScaleSpec;
  const sy = spec.y as ScaleSpec;
  const [x0, x1] = [Math.min(...sx.range), Math.max(...sx.range)];
  const [top, bottom] = [Math.min(...sy.range), Math.max(...sy.range)];
  const hadGrid = !!svg.querySelector('g[aria-label="y-grid"]');
  let layer: SVGGElement | null = null;
  let inner: SVGGElement | null = null;
  let axes: SVGGElement | null = null;

  const reset = document.createElement("button");
  reset.type = "button";
  reset.className = "zoom-reset";
  reset.textContent = "Reset zoom";
  reset.hidden = true;
  figure.querySelector("h3")?.after(reset);

  /** Move the marks into a clipped layer once, so one transform zooms them all. */
  const ensureLayer = () => {
    if (layer && inner) return inner;
    const id = `zoom-clip-${++clipCount}`;
    const clip = el("clipPath", { id });
    clip.append(el("rect", { x: x0, y: top, width: x1 - x0, height: bottom - top }));
    layer = el("g", { class: "zoom-layer", "clip-path": `url(#${id})` });
    inner = el("g", {});
    layer.append(inner);
    chart.marks[0].before(clip, layer);
    for (const g of chart.marks) inner.append(g);
    return inner;
  };

  const drawAxes = (xlo: number, xhi: number, ylo: number, yhi: number) => {
    axes?.remove();
    axes = el("g", { class: "zoom-axes", "aria-hidden": "true", fill: "currentColor" });
    const { kx, ky, tx, ty } = chart.view;
    for (const t of ticksOf(sx, xlo, xhi, 7)) {
      const px = apply(sx, t.value) * kx + tx;
      axes.append(el("line", { x1: px, x2: px, y1: bottom, y2: bottom + 6, stroke: "currentColor" }));
      const label = el("text", { class: "x", x: px, y: bottom + 9, dy: "0.71em", "text-anchor": "middle" });
      label.textContent = t.label;
      axes.append(label);
    }
    for (const t of ticksOf(sy, ylo, yhi, 6)) {
      const py = apply(sy, t.value) * ky + ty;
      axes.append(el("line", { x1: x0 - 6, x2: x0, y1: py, y2: py, stroke: "currentColor" }));
      if (hadGrid)
        axes.append(el("line", { x1: x0, x2: x1, y1: py, y2: py, stroke: "currentColor", "stroke-opacity": 0.1 }));
      const label = el("text", { class: "y", x: x0 - 9, y: py, dy: "0.32em", "text-anchor": "end" });
      label.textContent = t.label;
      axes.append(label);
    }
    svg.append(axes);
  };

  const setPlotAxes = (visible: boolean) => {
    for (const name of PLOT_AXES)
      for (const g of Array.from(svg.querySelectorAll<SVGGElement>(`g[aria-label="${name}"]`)))
        g.style.display = visible ? "" : "none";
  };

  /** Zoom to the original-pixel stretch [ua, ub] of x. */
  const zoomTo = (ua: number, ub: number) => {
    const [a, b] = ua <= ub ? [ua, ub] : [ub, ua];
    const kx = (x1 - x0) / (b - a);
    const tx = x0 - a * kx;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const p of chart.points)
      if (p.x >= a && p.x <= b) {
        lo = Math.min(lo, p.y);
        hi = Math.max(hi, p.y);
      }
    let ky = 1;
    let ty = 0;
    if (hi > lo) {
      const pad = 0.04 * (bottom - top);
      ky = (bottom - top - 2 * pad) / (hi - lo);
      ty = top + pad - lo * ky;
    }
    chart.view = { kx, ky, tx, ty };
    ensureLayer().setAttribute("transform", `matrix(${kx} 0 0 ${ky} ${tx} ${ty})`);
    figure.classList.add("zoomed");
    setPlotAxes(false);
    // The visible domain: the frame's edges mapped back through the zoom and the scales.
    drawAxes(
      invert(sx, (x0 - tx) / kx),
      invert(sx, (x1 - tx) / kx),
      invert(sy, (bottom - ty) / ky),
      invert(sy, (top - ty) / ky),
    );
    reset.hidden = false;
  };

  const unzoom = () => {
    chart.view = { ...IDENTITY };
    inner?.removeAttribute("transform");
    axes?.remove();
    axes = null;
    setPlotAxes(true);
    figure.classList.remove("zoomed");
    reset.hidden = true;
  };

  let start: number | null = null;
  let brush: SVGRectElement | null = null;
  svg.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    const [x, y] = pointerAt(svg, e);
    if (x < x0 || x > x1 || y < top || y > bottom) return;
    start = x;
    brush = el("rect", { class: "brush", x, y: top, width: 0, height: bottom - top });
    svg.append(brush);
    figure.classList.add("brushing");
    svg.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  svg.addEventListener("pointermove", (e) => {
    if (start === null || !brush) return;
    const x = Math.max(x0, Math.min(x1, pointerAt(svg, e)[0]));
    brush.setAttribute("x", String(Math.min(start, x)));
    brush.setAttribute("width", String(Math.abs(x - start)));
  });
  const end = (e: PointerEvent) => {
    if (start === null) return;
    const x = Math.max(x0, Math.min(x1, pointerAt(svg, e)[0]));
    brush?.remove();
    brush = null;
    figure.classList.remove("brushing");
    const { kx, tx } = chart.view;
    if (Math.abs(x - start) >= 6) zoomTo((start - tx) / kx, (x - tx) / kx);
    start = null;
  };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  svg.addEventListener("dblclick", unzoom);
  reset.addEventListener("click", unzoom);
  figure.addEventListener("keydown", (e) => {
    if (e.key === "Escape") unzoom();
  });
  figure.classList.add("can-zoom");
}
