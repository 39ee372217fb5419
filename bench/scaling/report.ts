/**
 * What bench/scaling.bench.ts writes besides results.json: the sweeps as a markdown table
 * (bench/scaling.md) and a small chart (bench/scaling.svg), both regenerated on every run.
 *
 * The chart is two log–log panels, wall time and peak RSS, each line one sweep with both axes
 * relative to the sweep's smallest point (size ÷ smallest size, value ÷ its value), so the three
 * sweeps — symbols, years, matrix cells, with different units — share one pair of axes and their
 * slopes read directly as growth exponents: the dashed diagonal is linear growth (slope 1); a
 * line steeper than it grows worse than linearly, a flatter one has a fixed cost that the size
 * amortizes. Each line ends in its largest point's absolute figure. Drawn server-side with
 * Observable Plot into linkedom's document in the report theme (src/report/figure.ts), so the
 * bytes depend only on the numbers.
 */
import * as Plot from "@observablehq/plot";
import { themed } from "../../src/report/figure.ts";

export interface SweepPoint {
  /** The swept size: symbols, years or cells. */
  size: number;
  /** Seconds and MB by column name (`total_s`, `features_s`, `peak_mb`, …). */
  values: Record<string, number>;
  /** 1-minute load average of the host just before the point ran. */
  load_1m: number;
  /** Peak RSS (MB) after each phase, for the market points. */
  rss_mb?: Record<string, number>;
}

export interface Fit {
  /** Least-squares slope of log(value) on log(size) over all points. */
  exponent: number;
  /** The same over the three largest points, where a fixed start-up cost weighs least. */
  tail_exponent: number;
  worse_than_linear: boolean;
}

export interface Sweep {
  name: "symbols" | "years" | "cells";
  /** What the sweep holds fixed, in words ("10 years", "500 symbols"). */
  fixed: string;
  /** The unit the per-unit cost is given in ("symbol-year", "cell"). */
  unit: string;
  /** Units of work per point: symbols × years, or cells. */
  units: (size: number) => number;
  /** The column the per-unit cost, the chart and the headline exponent use. */
  main: string;
  /** Columns of the table, in order: key and header. */
  columns: Array<[string, string]>;
  points: SweepPoint[];
  fits: Record<string, Fit>;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

/** The markdown page: one table per sweep, its exponents, and the flags. */
export function scalingMarkdown(sweeps: Sweep[], header: string[], threshold: number): string {
  const out = [
    "# Scaling curves",
    "",
    "Written by `npm run bench -- scaling` (bench/scaling.bench.ts); do not edit. Exponents are the",
    "least-squares slopes of log(value) on log(size): 1 is linear, and one above",
    `${threshold} is flagged **worse than linear**. The chart is [scaling.svg](scaling.svg).`,
    "",
    ...header,
    "",
  ];
  for (const s of sweeps) {
    out.push(`## ${s.name} (${s.fixed})`, "");
    const cols = s.columns;
    out.push(
      `| ${s.name} | ${cols.map(([, h]) => h).join(" | ")} | ms per ${s.unit} | load 1 m |`,
      `|${"---:|".repeat(cols.length + 3)}`,
    );
    for (const p of s.points) {
      const perUnit = (1000 * p.values[s.main]) / s.units(p.size);
      out.push(
        `| ${p.size} | ${cols.map(([k]) => fmt(p.values[k])).join(" | ")} | ${fmt(perUnit)} | ${p.load_1m.toFixed(2)} |`,
      );
    }
    out.push("", "| growth exponent | all points | 3 largest |", "|---|---:|---:|");
    for (const [k, f] of Object.entries(s.fits)) {
      const flag = f.worse_than_linear ? " **worse than linear**" : "";
      out.push(`| ${k} | ${f.exponent.toFixed(2)}${flag} | ${f.tail_exponent.toFixed(2)} |`);
    }
    out.push("");
  }
  return `${out.join("\n")}`;
}

const SHORT: Record<Sweep["name"], string> = { symbols: "sym", years: "y", cells: "cells" };

interface Row {
  sweep: string;
  x: number;
  y: number;
  label: string;
}

/** One log–log panel of `key` (the sweep's main time column, or peak_mb). */
function panel(sweeps: Sweep[], what: "time" | "rss", width: number, height: number): string {
  const rows: Row[] = [];
  for (const s of sweeps) {
    const key = what === "time" ? s.main : s.name === "cells" ? "run_peak_mb" : "peak_mb";
    const p0 = s.points[0];
    for (const p of s.points) {
      const v = p.values[key];
      const size = `${p.size.toLocaleString("en-US")} ${SHORT[s.name]}`;
      const label = `${size}: ${what === "time" ? `${fmt(v)} s` : `${Math.round(v)} MB`}`;
      rows.push({ sweep: `${s.name} (${s.fixed})`, x: p.size / p0.size, y: v / p0.values[key], label });
    }
  }
  const xMax = Math.max(...rows.map((r) => r.x));
  const yMin = Math.min(1, ...rows.map((r) => r.y));
  const yMax = Math.max(xMax, ...rows.map((r) => r.y));
  const last = rows.filter((r, i) => i === rows.length - 1 || rows[i + 1].sweep !== r.sweep);
  const title = what === "time" ? "Wall time" : "Peak RSS";
  const el = Plot.plot(
    themed({
      width,
      height,
      marginRight: 120,
      x: { type: "log", label: "size ÷ smallest size →", domain: [1, xMax * 1.05] },
      y: { type: "log", label: `↑ ${title} ÷ its value at the smallest size`, domain: [yMin / 1.1, yMax * 1.1] },
      color: { legend: false, domain: sweeps.map((s) => `${s.name} (${s.fixed})`) },
      marks: [
        Plot.frame({ stroke: "#d0d5dc" }),
        Plot.line(
          [
            { x: 1, y: 1 },
            { x: xMax, y: xMax },
          ],
          { x: "x", y: "y", stroke: "#8a939e", strokeDasharray: "4 3" },
        ),
        Plot.line(rows, { x: "x", y: "y", stroke: "sweep", strokeWidth: 1.8 }),
        Plot.dot(rows, { x: "x", y: "y", fill: "sweep", r: 2.5 }),
        Plot.text(last, { x: "x", y: "y", text: "label", fill: "sweep", textAnchor: "start", dx: 6 }),
        Plot.text([title], { frameAnchor: "top-left", dx: 6, dy: 6, fontWeight: "bold", fontSize: 12 }),
      ],
    }),
  ) as unknown as Element;
  return el.outerHTML;
}

/** The chart: a legend line, then the time and RSS panels side by side, as one standalone SVG. */
export function scalingSvg(sweeps: Sweep[]): string {
  const w = 440,
    h = 300,
    top = 30 + 15 * sweeps.length;
  const legend = sweeps
    .map((s, i) => {
      const color = (themed({}) as { color: { range: string[] } }).color.range[i];
      const f = s.fits[s.main];
      const y = 32 + 15 * i;
      const verdict = f.worse_than_linear ? " — worse than linear" : "";
      const text = `${s.name} (${s.fixed}): time exponent ${f.exponent.toFixed(2)}${verdict}`;
      return `<rect x="10" y="${y - 5}" width="14" height="3" fill="${color}"/><text x="30" y="${y}" font-size="11">${text}</text>`;
    })
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${h + top}" viewBox="0 0 ${2 * w} ${h + top}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="16" font-size="13" font-weight="bold">Scaling: wall time and peak RSS against symbols, years and matrix cells (log–log; dashed: linear)</text>`,
    legend,
    `<svg x="0" y="${top}" width="${w}" height="${h}">${panel(sweeps, "time", w, h)}</svg>`,
    `<svg x="${w}" y="${top}" width="${w}" height="${h}">${panel(sweeps, "rss", w, h)}</svg>`,
    "</svg>",
    "",
  ].join("\n");
}
