/**
 * The stage graph drawn as SVG by hand: stages as boxes in topological layers (top to bottom),
 * arrows from each need to its stage, each box showing the stage's cells by state. Every label
 * is escaped; the drawing fits 760 px and scales down with its viewBox.
 */
import type { Catalog, CatalogCell } from "../catalog.ts";
import { html, join, type SafeHtml } from "../html.ts";

export interface DagNode {
  name: string;
  layer: number;
  /** Position within the layer. */
  index: number;
  needs: string[];
}

/** Layer of each stage = 1 + the deepest of its needs (0 for stages with none); order kept within layers. */
export function dagLayers(stages: Catalog["stages"]): DagNode[] {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const layer = new Map<string, number>();
  const depth = (name: string, seen: Set<string>): number => {
    const known = layer.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0; // cycles are rejected by the spec; be safe
    seen.add(name);
    const needs = (byName.get(name)?.needs ?? []).filter((n) => byName.has(n));
    const d = needs.length ? 1 + Math.max(...needs.map((n) => depth(n, seen))) : 0;
    layer.set(name, d);
    return d;
  };
  const counts = new Map<number, number>();
  return stages.map((s) => {
    const l = depth(s.name, new Set());
    const index = counts.get(l) ?? 0;
    counts.set(l, index + 1);
    return { name: s.name, layer: l, index, needs: s.needs.filter((n) => byName.has(n)) };
  });
}

const W = 760,
  BOX_H = 46,
  GAP_Y = 34,
  PAD = 10;
const STATE_COLOR: Record<CatalogCell["state"], string> = { fresh: "#1a7f37", stale: "#9a6700", missing: "#c0392b" };

/** The DAG as an <svg> element. */
export function dagSvg(catalog: Catalog): SafeHtml {
  const nodes = dagLayers(catalog.stages);
  const layers = Math.max(0, ...nodes.map((n) => n.layer)) + 1;
  const perLayer = new Map<number, number>();
  for (const n of nodes) perLayer.set(n.layer, (perLayer.get(n.layer) ?? 0) + 1);
  const boxW = Math.min(220, Math.floor((W - 2 * PAD) / Math.max(1, ...perLayer.values())) - 16);
  const pos = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const k = perLayer.get(n.layer)!;
    const slot = (W - 2 * PAD) / k;
    pos.set(n.name, { x: Math.round(PAD + slot * n.index + (slot - boxW) / 2), y: PAD + n.layer * (BOX_H + GAP_Y) });
  }
  const height = PAD * 2 + layers * BOX_H + (layers - 1) * GAP_Y;
  const edges = nodes.flatMap((n) =>
    n.needs.map((from) => {
      const a = pos.get(from)!,
        b = pos.get(n.name)!;
      const x1 = a.x + boxW / 2,
        y1 = a.y + BOX_H,
        x2 = b.x + boxW / 2,
        y2 = b.y - 2;
      const my = (y1 + y2) / 2;
      return join([
        html`<path d="M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}" fill="none" stroke="#8b949e" stroke-width="1.3" marker-end="url(#dag-arrow)">`,
        html`<title>${from} → ${n.name}</title></path>`,
      ]);
    }),
  );
  const boxes = nodes.map((n) => {
    const p = pos.get(n.name)!;
    const cells = catalog.cells.filter((c) => c.stage === n.name);
    const states = (["fresh", "stale", "missing"] as const)
      .map((s) => [s, cells.filter((c) => c.state === s).length] as const)
      .filter(([, k]) => k > 0);
    const worst = states.find(([s]) => s === "missing")?.[0] ?? states.find(([s]) => s === "stale")?.[0] ?? "fresh";
    const detail = states.map(([s, k]) => `${k} ${s}`).join(", ");
    const tip = `${n.name}: ${cells.length} cell${cells.length === 1 ? "" : "s"} (${detail})`;
    return join([
      html`<g class="dag-node"><title>${tip}</title>`,
      html`<rect x="${p.x}" y="${p.y}" width="${boxW}" height="${BOX_H}" rx="6" fill="#f6f8fa" stroke="${STATE_COLOR[worst]}" stroke-width="2">`,
      html`</rect><text x="${p.x + boxW / 2}" y="${p.y + 19}" text-anchor="middle" font-weight="600" font-size="13">`,
      html`${clip(n.name, boxW / 7.5)}</text>`,
      html`<text x="${p.x + boxW / 2}" y="${p.y + 36}" text-anchor="middle" font-size="11" fill="${STATE_COLOR[worst]}">`,
      html`${clip(`${cells.length} cell${cells.length === 1 ? "" : "s"} · ${detail || "none"}`, boxW / 6)}</text></g>`,
    ]);
  });
  return join([
    html`<svg xmlns="http://www.w3.org/2000/svg" class="dag" role="img" aria-label="Stage graph" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif">`,
    html`<defs>`,
    html`<marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">`,
    html`<path d="M0,0L10,5L0,10z" fill="#8b949e"></path></marker></defs><g aria-label="edges">${edges}</g>`,
    html`<g aria-label="stages">${boxes}</g></svg>`,
  ]);
}

function clip(text: string, chars: number): string {
  const n = Math.max(4, Math.floor(chars));
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}
