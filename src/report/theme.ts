/**
 * The one theme of reports and notebooks: inline CSS (no web fonts, no network), readable on a
 * phone, light and dark. Figures use the same palette (PALETTE) so colors mean the same thing
 * on every page.
 */

/** Categorical palette (Tableau 10, colorblind-friendlier order). */
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** Diverging scheme for signed quantities (correlations, IC): Plot's "RdBu" reversed (blue = positive). */
export const DIVERGING = "RdBu";

export const FONT = `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif`;

export const CSS =
  `
:root { --fg: #1d232b; --muted: #5c6773; --bg: #ffffff; --panel: #f6f8fa; --line: #d8dee4; --accent: #2f6fae; ` +
  `--good: #1a7f37; --bad: #c0392b; --warn: #9a6700; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9aa5b1; --bg: #0f1419; --panel: #161b22; ` +
  `--line: #30363d; --accent: #6cb6ff; --good: #3fb950; --bad: #f85149; --warn: #d29922; } figure svg { background: ` +
  // Charts keep their light background, so their text (currentColor: axes, legends) stays dark.
  `#fff; border-radius: 4px; color: #1d232b; } }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.5 ${FONT}; color: var(--fg); background: var(--bg); }
header.site { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem 1rem; padding: .6rem 1rem; ` +
  `border-bottom: 1px solid var(--line); background: var(--panel); }
header.site .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
nav.pages { display: flex; flex-wrap: wrap; gap: .2rem .8rem; }
nav.pages a { color: var(--accent); text-decoration: none; }
nav.pages a[aria-current="page"] { color: var(--fg); font-weight: 600; border-bottom: 2px solid var(--accent); }
main { max-width: 1100px; margin: 0 auto; padding: 1rem; }
footer.stamp { max-width: 1100px; margin: 2rem auto 1rem; padding: .6rem 1rem; border-top: 1px solid var(--line); ` +
  `color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; margin: .4rem 0 .8rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p.lead { color: var(--muted); margin-top: -.4rem; }
p.note, .muted { color: var(--muted); font-size: 13px; }
a { color: var(--accent); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; overflow-x: ` +
  `auto; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; margin: .4rem 0; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--line); white-space: nowrap; position: sticky; top: 0; background: var(--bg); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { font-weight: 600; white-space: nowrap; }
caption { text-align: left; color: var(--muted); padding-bottom: .2rem; }
figure { margin: 1.2rem 0; max-width: 100%; }
figure h3 { margin: 0 0 .1rem; }
figure .subtitle { color: var(--muted); font-size: 13px; margin: 0 0 .3rem; }
figure svg { max-width: 100%; height: auto; }
details { margin: .3rem 0; }
details > summary { cursor: pointer; color: var(--accent); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: .6rem; margin: .6rem 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; }
.card .k { color: var(--muted); font-size: 12px; }
.card .v { font-size: 1.25rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; font-weight: 600; border: ` +
  `1px solid currentColor; }
.badge.ok { color: var(--good); } .badge.bad { color: var(--bad); } .badge.warn { color: var(--warn); } .badge.muted ` +
  `{ color: var(--muted); }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 1.2rem; }
.cell-error { border-left: 4px solid var(--bad); background: var(--panel); padding: .5rem .8rem; margin: .6rem 0; }
.cell-error pre { background: transparent; border: 0; padding: 0; margin: .3rem 0 0; white-space: pre-wrap; }
figure.figure { position: relative; } figure svg g[aria-label="text"] { pointer-events: none; }
.tip { position: absolute; z-index: 5; pointer-events: none; background: var(--bg); color: var(--fg); border: 1px ` +
  `solid var(--line); border-radius: 4px; padding: .2rem .45rem; font-size: 12px; white-space: nowrap; ` +
  `font-variant-numeric: tabular-nums; box-shadow: 0 2px 6px rgba(0,0,0,.18); }
.tip .tip-head { font-weight: 600; }
.tip-dot { fill: none; stroke-width: 2; pointer-events: none; }
.brush { fill: #2f6fae; fill-opacity: .15; stroke: #2f6fae; pointer-events: none; }
figure.can-zoom svg { cursor: crosshair; touch-action: pan-y; }
.zoomed .zoom-layer path, .zoomed .zoom-layer line, .zoomed .zoom-layer rect { vector-effect: non-scaling-stroke; }
.zoomed .zoom-layer g[aria-label="text"], .zoomed .zoom-layer circle { display: none; }
button.zoom-reset { float: right; font-size: 12px; }
.toggle { cursor: pointer; } .toggle[aria-pressed="false"] { opacity: .4; text-decoration: line-through; }
th button.sort { all: unset; cursor: pointer; } th button.sort:focus-visible { outline: 2px solid var(--accent); }
th[aria-sort="ascending"] button.sort::after { content: " \\25B2"; } th[aria-sort="descending"] button.sort::after ` +
  `{ content: " \\25BC"; }
.table-tools { display: flex; gap: .6rem; align-items: baseline; margin: .3rem 0; }
.table-tools input, .search input { font: inherit; font-size: 13px; padding: .15rem .4rem; border: 1px solid ` +
  `var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
p.downloads { font-size: 12px; margin: .2rem 0; }
.search { position: relative; margin-left: auto; }
.search-results { position: absolute; right: 0; z-index: 10; list-style: none; margin: .2rem 0 0; padding: .3rem .6rem; ` +
  `min-width: 18rem; max-height: 60vh; overflow: auto; background: var(--bg); border: 1px solid var(--line); ` +
  `border-radius: 6px; font-size: 13px; }
@media (max-width: 600px) { body { font-size: 14px; } main { padding: .6rem; } h1 { font-size: 1.3rem; } }
@media print { header.site, nav.pages { display: none; } body { font-size: 10pt; color: #000; background: #fff; } ` +
  `main, footer.stamp { max-width: none; padding: 0; } figure, table, .cards { break-inside: avoid; } ` +
  `.table-wrap { overflow: visible; } thead th { position: static; } a { color: inherit; text-decoration: none; } ` +
  `details > summary { display: none; } figure svg { background: #fff; color: #000; } ` +
  `.tip, .zoom-reset, .table-tools, .search, p.downloads { display: none; } }
`;
