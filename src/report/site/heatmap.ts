/**
 * A heatmap figure (Plot cell + text marks): a value per (x, y) pair, each square labelled
 * with its number, optional small multiples across `fx`. Used for the Sharpe matrix, cost
 * stress, turnover, feature correlations and feature importance.
 */
import * as Plot from "@observablehq/plot";
import { figure, labelMargin } from "../figure.ts";
import { formatNumber } from "../format.ts";
import type { SafeHtml } from "../html.ts";
import { DIVERGING } from "../theme.ts";

export interface HeatmapOptions {
  title: string;
  subtitle?: string;
  rows: readonly Record<string, unknown>[];
  x: string;
  y: string;
  value: string;
  /** Facet column: one small multiple per value, side by side. */
  fx?: string;
  xLabel: string;
  yLabel: string;
  fxLabel?: string;
  /** Legend label with units, e.g. "Sharpe ratio (annualized)". */
  valueLabel: string;
  /** Signed values get a diverging scheme centred on 0 (symmetric domain; default: sequential). */
  diverging?: boolean;
  /** Domain of the color scale (default: the data's extent). */
  domain?: [number, number];
  /** Orders of the x and y axes (default: first-seen order). */
  xDomain?: readonly string[];
  yDomain?: readonly string[];
  /** Significant digits of the labels (default 3: Sharpe ratios 1.31 vs 1.28 must read apart). */
  digits?: number;
  /** Show a number in every square (default true; off for large grids). */
  labels?: boolean;
  height?: number;
  marginLeft?: number;
  marginBottom?: number;
  /** Rotate x tick labels (long names). */
  rotateX?: boolean;
}

export function heatmap(o: HeatmapOptions): SafeHtml {
  const val = (d: Record<string, unknown>) => d[o.value] as number;
  const digits = o.digits ?? 3;
  const ny = o.yDomain?.length ?? new Set(o.rows.map((r) => String(r[o.y]))).size;
  const height = o.height ?? Math.max(160, Math.min(620, 60 + ny * 26 + (o.rotateX ? 60 : 0)));
  const labels = o.labels ?? true;
  const marks: Plot.Markish[] = [
    Plot.cell(o.rows, {
      x: o.x,
      y: o.y,
      fill: o.value,
      inset: 0.5,
      ...(o.fx ? { fx: o.fx } : {}),
      // Each square's <title>: the page script's tooltip (and the browser's own, without script).
      title: (d: Record<string, unknown>) =>
        [
          ...(o.fx ? [`${o.fxLabel ?? o.fx}: ${String(d[o.fx])}`] : []),
          `${o.yLabel}: ${String(d[o.y])}`,
          `${o.xLabel}: ${String(d[o.x])}`,
          `${o.valueLabel}: ${Number.isFinite(val(d)) ? formatNumber(val(d), 4) : "—"}`,
        ].join("\n"),
    }),
  ];
  if (labels) {
    marks.push(
      Plot.text(o.rows, {
        x: o.x,
        y: o.y,
        ...(o.fx ? { fx: o.fx } : {}),
        text: (d: Record<string, unknown>) => (Number.isFinite(val(d)) ? formatNumber(val(d), digits) : ""),
        fill: "#111",
        stroke: "#fff",
        strokeWidth: 2,
        paintOrder: "stroke",
        fontSize: 10,
      }),
    );
  }
  // Quantized colors: their legend is drawn as SVG rectangles (a continuous ramp legend needs a
  // canvas, which server-side rendering does not have), and the exact numbers are in the squares
  // and the table anyway.
  const values = o.rows.map(val).filter(Number.isFinite);
  const lo = Math.min(...values),
    hi = Math.max(...values);
  const domain: [number, number] =
    o.domain ??
    (o.diverging ? [-Math.max(Math.abs(lo), Math.abs(hi)), Math.max(Math.abs(lo), Math.abs(hi))] : [lo, hi]);
  const color = {
    type: "quantize",
    n: o.diverging ? 10 : 8,
    scheme: o.diverging ? DIVERGING : "blues",
    domain: values.length ? domain : [0, 1],
    legend: true,
    label: o.valueLabel,
    // Two significant digits without trailing zeros ("−0.8", not "−0.80"), on a legend wide enough
    // for a label per threshold: at 400 px the ten-step diverging legend's labels overlapped.
    tickFormat: (d: number) => String(Number(d.toPrecision(2))).replace("-", "\u2212"),
    width: 560,
    // themed() sets the categorical palette as the range; a scheme needs it unset.
    range: undefined,
  } as Plot.ScaleOptions;
  return figure({
    title: o.title,
    ...(o.subtitle ? { subtitle: o.subtitle } : {}),
    data: o.rows,
    table: { columns: [...(o.fx ? [o.fx] : []), o.y, o.x, o.value] },
    plot: {
      height,
      // Wide enough for the longest y label (a stale cell's "(stale)" included), never narrower than asked.
      marginLeft: Math.max(
        o.marginLeft ?? 110,
        labelMargin(o.yDomain ? [...o.yDomain] : o.rows.map((r) => String(r[o.y]))),
      ),
      marginBottom: o.marginBottom ?? (o.rotateX ? 90 : 40),
      padding: 0,
      x: {
        type: "band",
        label: o.xLabel,
        ...(o.xDomain ? { domain: [...o.xDomain] } : {}),
        ...(o.rotateX ? { tickRotate: -40 } : {}),
      },
      y: { type: "band", label: o.yLabel, ...(o.yDomain ? { domain: [...o.yDomain] } : {}) },
      ...(o.fx ? { fx: { label: o.fxLabel ?? o.fx } } : {}),
      color,
      marks,
    },
  });
}
