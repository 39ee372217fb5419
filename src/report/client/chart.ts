/**
 * A server-rendered Plot chart as the page sees it: its figure, the SVG, the scales written in
 * `data-chart`, its mark groups, and the points of its marks read back from the SVG geometry
 * (path vertices, circle centres, rectangles), in the SVG's own coordinates.
 */
import type { ChartSpec } from "./scales.ts";

export interface Point {
  x: number;
  y: number;
  /** The element the point belongs to (a path, circle or rect). */
  el: Element;
  /** Its colour (stroke or fill), for the series name. */
  color: string | null;
}

export interface Chart {
  figure: HTMLElement;
  svg: SVGSVGElement;
  spec: ChartSpec;
  /** Groups of marks (lines, areas, dots, bars, rules, text), not axes or grids. */
  marks: SVGGElement[];
  /** Vertices of lines and areas, centres of dots: what the pointer snaps to. */
  points: Point[];
  /** Axis names from the axis labels ("date", "cumulative return"), or "x" and "y". */
  names: { x: string; y: string };
  /** The zoom: drawn = k·original + t on each axis (identity when not zoomed). */
  view: View;
}

export interface View {
  kx: number;
  ky: number;
  tx: number;
  ty: number;
}

export const IDENTITY: View = { kx: 1, ky: 1, tx: 0, ty: 0 };

const AXIS = /axis|grid|frame|tip|legend/;

/** The chart of a `<figure class="figure" data-chart>`, or null when it has no SVG. */
export function readChart(figure: HTMLElement): Chart | null {
  const svg = figure.querySelector<SVGSVGElement>("svg[viewBox]");
  if (!svg) return null;
  let spec: ChartSpec = {};
  try {
    spec = JSON.parse(figure.dataset.chart ?? "{}") as ChartSpec;
  } catch {
    spec = {};
  }
  const marks = Array.from(svg.children).filter(
    (g): g is SVGGElement => g.tagName.toLowerCase() === "g" && !AXIS.test(g.getAttribute("aria-label") ?? "axis"),
  );
  let points: Point[] | undefined;
  return {
    figure,
    svg,
    spec,
    marks,
    // Read on first use: a page of many charts pays only for those the reader points at.
    get points() {
      points ??= collectPoints(svg, marks);
      return points;
    },
    names: axisNames(svg),
    view: { ...IDENTITY },
  };
}

function axisNames(svg: SVGSVGElement): { x: string; y: string } {
  const name = (axis: string, fallback: string) => {
    const t = svg.querySelector(`g[aria-label="${axis}-axis label"] text`)?.textContent ?? "";
    return t.replace(/[↑↓←→]/g, "").trim() || fallback;
  };
  return { x: name("x", "x"), y: name("y", "y") };
}

/** The colour an element is drawn in: its own stroke/fill, else its group's. */
export function colorOf(el: Element, attr: "stroke" | "fill"): string | null {
  for (let e: Element | null = el; e && e.tagName.toLowerCase() !== "svg"; e = e.parentElement) {
    const c = e.getAttribute(attr);
    if (c && c !== "none" && c !== "currentColor") return c;
  }
  return null;
}

/** Vertices of an SVG path's d (absolute M, L, C, H, V commands, as Plot writes them). */
export function pathVertices(d: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let x = 0;
  let y = 0;
  for (const m of d.matchAll(/([MLCHVZ])([^MLCHVZ]*)/gi)) {
    const nums = (m[2].match(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi) ?? []).map(Number);
    const c = m[1].toUpperCase();
    if (c === "M" || c === "L")
      for (let i = 0; i + 1 < nums.length; i += 2) out.push([(x = nums[i]), (y = nums[i + 1])]);
    else if (c === "C") for (let i = 0; i + 5 < nums.length; i += 6) out.push([(x = nums[i + 4]), (y = nums[i + 5])]);
    else if (c === "H") for (const n of nums) out.push([(x = n), y]);
    else if (c === "V") for (const n of nums) out.push([x, (y = n)]);
  }
  return out;
}

/** Map an element's local coordinates into the SVG's user space. */
function toSvg(svg: SVGSVGElement, el: SVGGraphicsElement): (x: number, y: number) => [number, number] {
  const outer = svg.getScreenCTM();
  const inner = el.getScreenCTM();
  if (!outer || !inner) return (x, y) => [x, y];
  const m = outer.inverse().multiply(inner);
  return (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
}

function collectPoints(svg: SVGSVGElement, marks: SVGGElement[]): Point[] {
  const points: Point[] = [];
  for (const g of marks) {
    const kind = g.getAttribute("aria-label") ?? "";
    if (kind === "line" || kind === "area" || kind.startsWith("area")) {
      for (const p of Array.from(g.querySelectorAll<SVGPathElement>("path"))) {
        const at = toSvg(svg, p);
        const color = colorOf(p, kind === "line" ? "stroke" : "fill");
        let last = Number.NEGATIVE_INFINITY;
        for (const [px, py] of pathVertices(p.getAttribute("d") ?? "")) {
          // An area's outline comes back along its baseline: keep the upper edge only.
          if (kind !== "line" && px < last) break;
          last = px;
          const [x, y] = at(px, py);
          points.push({ x, y, el: p, color });
        }
      }
    } else if (kind === "dot") {
      for (const c of Array.from(g.querySelectorAll<SVGCircleElement>("circle"))) {
        const [x, y] = toSvg(svg, c)(Number(c.getAttribute("cx") ?? 0), Number(c.getAttribute("cy") ?? 0));
        points.push({ x, y, el: c, color: colorOf(c, "fill") ?? colorOf(c, "stroke") });
      }
    }
  }
  return points;
}

/** The SVG point under a pointer event. */
export function pointerAt(svg: SVGSVGElement, e: { clientX: number; clientY: number }): [number, number] {
  const m = svg.getScreenCTM();
  if (!m) return [e.clientX, e.clientY];
  const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
  return [p.x, p.y];
}
