/**
 * Data page: for every cell with a `prices` table — rows, date range, the universe over time
 * (symbols per date, monthly min/mean/max), missing values per column, and the symbols.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import * as Plot from "@observablehq/plot";
import { queryRows, sqlIdent } from "../../store/index.ts";
import type { CatalogCell } from "../catalog.ts";
import { figure } from "../figure.ts";
import { formatPercent } from "../format.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { readableCells, sourceStatus, stagesOf, cellsWith } from "./cells.ts";
import { utcDate } from "./dates.ts";
import { sharedRead } from "./shared-reads.ts";
import { columnsOf, num, parquet } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

/** What a prices cell's section reads (prefetched at the start of `pipeline report`). */
function pricesData(ctx: SiteContext, cell: CatalogCell) {
  return sharedRead(ctx, `data:${cell.id}`, (conn) => readPrices(conn, cell));
}

async function readPrices(conn: DuckDBConnection, cell: CatalogCell) {
  const src = parquet(cell, "prices");
  const cols = await columnsOf(conn, src);
  const [s] = await queryRows(
    conn,
    `select count(*)::DOUBLE as n, count(distinct symbol)::DOUBLE as symbols, count(distinct date)::DOUBLE as dates, ` +
      `min(date)::VARCHAR as first_date, max(date)::VARCHAR as last_date from ${src}`,
  );
  const coverage = (
    await queryRows(
      conn,
      `with d as (select date, count(distinct symbol) n from ${src} group by date)
    select date_trunc('month', date)::VARCHAR as month, min(n)::INTEGER as min_symbols, round(avg(n), 2)::DOUBLE as
    mean_symbols, max(n)::INTEGER as max_symbols, count(*)::INTEGER as dates
      from d group by 1 order by 1`,
    )
  ).map((r) => ({ ...r, month: utcDate(r.month) }));
  const counted = cols.filter((c) => c.name !== "date" && c.name !== "symbol");
  const [m] = counted.length
    ? await queryRows(
        conn,
        `select ${counted.map((c, i) => `(count(*) - count(${sqlIdent(c.name)}))::DOUBLE as m${i}`).join(", ")} ` +
          `from ${src}`,
      )
    : [{}];
  const total = num(s.n);
  const missing = counted.map((c, i) => ({
    column: c.name,
    type: c.type,
    missing: num((m as Record<string, unknown>)[`m${i}`]),
    share: total ? num((m as Record<string, unknown>)[`m${i}`]) / total : 0,
  }));
  const hasSector = cols.some((c) => c.name === "sector");
  const symbols = await queryRows(
    conn,
    `select symbol, ${hasSector ? "min(sector) sector," : ""} min(date)::VARCHAR as first_date, max(date)::VARCHAR ` +
      `as last_date, count(*)::INTEGER as rows from ${src} group by symbol order by symbol`,
  );
  return { s, total, coverage, missing, symbols };
}

async function pricesSection(ctx: SiteContext, cell: CatalogCell): Promise<SafeHtml> {
  const { s, total, coverage, missing, symbols } = await pricesData(ctx, cell);
  const card = (k: string, v: unknown) =>
    html`<div class="card"><div class="k">${k}</div><div class="v">${String(v)}</div></div>`;
  return join([
    html`<h2><code>${cell.id}</code></h2>\n<div class="cards">`,
    join([
      html`${card("rows", total.toLocaleString("en-US"))}${card("symbols", num(s.symbols))}`,
      card("dates", num(s.dates).toLocaleString("en-US")),
      html`${card("first date", s.first_date)}${card("last date", s.last_date)}`,
    ]),
    html`</div>\n${coverageFigure(cell.id, coverage)}\n${missingFigure(cell.id, missing)}\n<h3>Symbols</h3>`,
    dataTable(symbols, { maxRows: 1000 }),
  ]);
}

/** Symbols per date, by month: the min–max band and the mean line. */
function coverageFigure(cellId: string, coverage: Array<Record<string, unknown>>): SafeHtml {
  return figure({
    title: `Universe over time — ${cellId}`,
    subtitle:
      "Symbols with a price on each date, per month: the band spans the month's minimum to maximum, the line is its " +
      "mean.",
    data: coverage,
    table: { columns: ["month", "min_symbols", "mean_symbols", "max_symbols", "dates"] },
    plot: {
      height: 260,
      x: { type: "utc", label: "Month" },
      y: { label: "Symbols (count)", grid: true, zero: true },
      marks: [
        Plot.areaY(coverage, {
          x: "month",
          y1: "min_symbols",
          y2: "max_symbols",
          fill: "#4e79a7",
          fillOpacity: 0.2,
          curve: "step-after",
        }),
        Plot.lineY(coverage, {
          x: "month",
          y: "mean_symbols",
          stroke: "#4e79a7",
          strokeWidth: 1.5,
          curve: "step-after",
        }),
        Plot.ruleY([0]),
      ],
    },
  });
}

/** Share of NULL rows per column. */
function missingFigure(cellId: string, missing: Array<{ column: string; share: number }>): SafeHtml {
  return figure({
    title: `Missing values by column — ${cellId}`,
    subtitle: "Share of rows where the column is NULL, in percent.",
    data: missing,
    ...(missing.every((r) => r.share === 0)
      ? { empty: `No column has a missing value (${missing.length} columns checked).` }
      : {}),
    table: { columns: ["column", "type", "missing", "share"], format: { share: (v) => formatPercent(v as number, 2) } },
    plot: {
      height: Math.max(120, 40 + missing.length * 22),
      marginLeft: 90,
      x: {
        label: "Missing (% of rows)",
        percent: true,
        grid: true,
        domain: [0, Math.max(0.01, ...missing.map((r) => r.share))],
      },
      y: { label: null, domain: missing.map((r) => r.column) },
      marks: [Plot.barX(missing, { x: "share", y: "column", fill: "#e15759" }), Plot.ruleX([0])],
    },
  });
}

export const dataPage: PageBuilder = {
  file: "data.html",
  label: "Data",
  title: "Data",
  needs: [["prices"]],
  async prefetch(ctx: SiteContext): Promise<void> {
    for (const c of readableCells(ctx.catalog, ["prices"])) await pricesData(ctx, c);
  },
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const all = cellsWith(ctx.catalog, ["prices"]);
    const cells = readableCells(ctx.catalog, ["prices"]);
    const sections: SafeHtml[] = [];
    for (const c of cells) sections.push(await pricesSection(ctx, c));
    return join([
      html`<h1>Data</h1><p class="lead">Price tables: coverage, universe over time, missing values.</p>`,
      html`${sourceStatus(ctx.catalog, stagesOf(all))}${sections}`,
    ]);
  },
};
