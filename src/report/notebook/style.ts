/** Notebook page styles, added after the theme's CSS (same variables, light and dark). */
export const NOTEBOOK_CSS = `
.nb-meta { color: var(--muted); font-size: 13px; margin: .2rem 0 1rem; }
.nb-cell { margin: .8rem 0 1.2rem; }
.nb-code > summary { font-size: 12px; color: var(--muted); }
.nb-code pre { margin: .3rem 0; }
.nb-out { overflow-x: auto; }
.nb-out > pre.nb-value { display: inline-block; min-width: 6rem; }
.nb-figure svg { max-width: 100%; height: auto; }
.nb-failed > .nb-code > summary { color: var(--bad); }
.nb-stale { display: inline-block; margin: 0; }
.nb-stale ul { margin: .3rem 0; font-size: 13px; }
.nb-list td:first-child { white-space: nowrap; }
`;
