/**
 * Backtest page: the Sharpe matrix (first axis × second axis, e.g. models × optimizers), the
 * same under each cost-stress level, annual turnover, and equity and drawdown of the five
 * best cells against the baselines — monthly (or weekly) points, never the daily series.
 */
import * as Plot from "@observablehq/plot";
import type { CatalogCell } from "../catalog.ts";
import { periodFor } from "../aggregate.ts";
import { figure, type FigureOptions } from "../figure.ts";
import { formatPercent } from "../format.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { PALETTE } from "../theme.ts";
import { cellLabel, cellsWith, declared, markStale, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import { utcDate } from "./dates.ts";
import { heatmap } from "./heatmap.ts";
import { queryRows } from "../../store/index.ts";
import { columnsOf, fanIn, num, parquet } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

const TOP = 5;
const PERIODS_PER_YEAR = 252;

/** The grid position of a cell: first axis on y, second on x. */
function gridOf(cell: CatalogCell): { y: string; x: string } {
  const v = Object.values(cell.axes).map(String);
  return v.length >= 2
    ? { y: v[0], x: v.slice(1).join(" / ") }
    : v.length === 1
      ? { y: "all", x: v[0] }
      : { y: cell.id, x: "—" };
}

/** Equity (and drawdown from its running peak) per period; `series` names each line. */
async function curves(
  ctx: SiteContext,
  source: string,
  series: string,
  hasEquity: boolean,
  period: "D" | "W" | "M",
): Promise<Record<string, unknown>[]> {
  const equity = hasEquity
    ? "equity"
    : `exp(sum(ln(1 + net)) over (partition by ${series} order by date rows unbounded preceding))`;
  const daily = `select ${series} as series, date, ${equity} as equity from (${source})`;
  const dd =
    `select series, date, equity, equity / max(equity) over (partition by series order by date rows ` +
    `unbounded preceding) - 1 as drawdown from (${daily})`;
  const bucket = period === "D" ? "date" : `date_trunc('${period === "W" ? "week" : "month"}', date)`;
  return (
    await queryRows(
      ctx.conn,
      `select series, max(date)::VARCHAR as date, round(arg_max(equity, date), 8) as equity, round(min(drawdown), 8) as
        drawdown
      from (${dd}) group by series, ${bucket} order by series, date`,
    )
  ).map((r) => ({ ...r, date: utcDate(r.date), equity: num(r.equity), drawdown: num(r.drawdown) }));
}

/** A cell's place on the matrix: its id and first-axis label (both marked when stale), its second-axis label. */
type Place = { cell: string; y: string; x: string };

/** The place of a cell on the matrix. */
function placeOf(c: CatalogCell): Place {
  const g = gridOf(c);
  return { cell: markStale(c, c.id), y: markStale(c, g.y), x: g.x };
}

/** One cell at one cost-stress level, placed on the matrix. */
type StressRow = Place & Record<"stress_bps" | "sharpe" | "cagr" | "max_drawdown" | "total_costs", number>;

/** One cell's annual turnover and mean number of names, placed on the matrix. */
type TurnoverRow = Place & Record<"turnover_annual" | "mean_names", number>;

/** The stress rows and what the matrices share: levels, base-cost rows, axis labels and orders, color limit. */
type Matrix = {
  stress: StressRow[];
  levels: number[];
  base: StressRow[];
  xLabel: string;
  yLabel: string;
  xDomain: string[];
  yDomain: string[];
  lim: number;
};

/** The rows of `sql` (a `cell` column among them): each cell's place on the matrix, then `columns` as numbers. */
async function placedRows<K extends string>(
  ctx: SiteContext,
  cells: CatalogCell[],
  sql: string,
  columns: K[],
): Promise<Array<Place & Record<K, number>>> {
  const byId = new Map(cells.map((c) => [c.id, c]));
  return (await queryRows(ctx.conn, sql)).map((r) => {
    const values = Object.fromEntries(columns.map((k) => [k, num(r[k])])) as Record<K, number>;
    return { ...placeOf(byId.get(String(r.cell))!), ...values };
  });
}

/** Every cell's `stress` rows (performance under each extra cost), by cell and level. */
function stressRows(ctx: SiteContext, cells: CatalogCell[]): Promise<StressRow[]> {
  const sql =
    `select cell, stress_bps, sharpe, cagr, max_drawdown, total_costs from (${fanIn(cells, "stress")}) ` +
    `order by cell, stress_bps`;
  return placedRows(ctx, cells, sql, ["stress_bps", "sharpe", "cagr", "max_drawdown", "total_costs"]);
}

/** Every cell's annual turnover and mean number of names, from its daily `returns`. */
function turnoverRows(ctx: SiteContext, cells: CatalogCell[]): Promise<TurnoverRow[]> {
  const sql =
    `select cell, round(sum(turnover) / count(*) * ${PERIODS_PER_YEAR}, 10) as turnover_annual, ` +
    `round(avg(n_names), 8) as mean_names from (${fanIn(cells, "returns")}) group by cell order by cell`;
  return placedRows(ctx, cells, sql, ["turnover_annual", "mean_names"]);
}

/** The stress levels, the rows at the lowest, the axes of the matrix and a color limit symmetric about 0. */
function matrixOf(cells: CatalogCell[], stress: StressRow[]): Matrix {
  const levels = [...new Set(stress.map((r) => r.stress_bps))].sort((a, b) => a - b);
  const axes = Object.keys(cells[0].axes);
  const sharpes = stress.map((r) => r.sharpe).filter(Number.isFinite);
  return {
    stress,
    levels,
    base: stress.filter((r) => r.stress_bps === levels[0]),
    yLabel: axes[0] ?? "cell",
    xLabel: axes.slice(1).join(" / ") || axes[0] || "",
    xDomain: [...new Set(cells.map((c) => gridOf(c).x))],
    yDomain: [...new Set(cells.map((c) => markStale(c, gridOf(c).y)))],
    lim: Math.max(0.5, ...sharpes.map(Math.abs)),
  };
}

/** The Sharpe ratio matrix at the base costs (the lowest stress level). */
function sharpeMatrix({ base, levels, xLabel, yLabel, xDomain, yDomain, lim }: Matrix): SafeHtml {
  return heatmap({
    title: "Sharpe ratio matrix",
    subtitle:
      `Annualized Sharpe ratio of daily net returns (√${PERIODS_PER_YEAR} × mean / sd) at the base ` +
      `costs${levels[0] ? ` plus ${levels[0]} bps` : ""}, each ${yLabel} × ${xLabel}.`,
    rows: base,
    x: "x",
    y: "y",
    value: "sharpe",
    xLabel,
    yLabel,
    valueLabel: "Sharpe ratio (annualized)",
    diverging: true,
    domain: [-lim, lim],
    xDomain,
    yDomain,
    rotateX: true,
  });
}

/** The Sharpe ratio matrix again, one panel per cost-stress level. */
function stressMatrix({ stress, levels, xLabel, yLabel, xDomain, yDomain, lim }: Matrix): SafeHtml {
  return heatmap({
    title: "Sharpe ratio under cost stress",
    subtitle:
      `The matrix again with ${levels.join(", ")} bps per side added to every trade's costs (one panel per ` +
      `level).`,
    rows: stress,
    x: "x",
    y: "y",
    fx: "stress_bps",
    value: "sharpe",
    xLabel,
    yLabel,
    fxLabel: "Extra cost (bps per side)",
    valueLabel: "Sharpe ratio (annualized)",
    diverging: true,
    domain: [-lim, lim],
    xDomain,
    yDomain,
    labels: xDomain.length * levels.length <= 24,
    rotateX: true,
    digits: 2,
  });
}

/** The matrix of annual turnover (both sides counted). */
function turnoverMatrix({ xLabel, yLabel, xDomain, yDomain }: Matrix, turn: TurnoverRow[]): SafeHtml {
  return heatmap({
    title: "Annual turnover",
    subtitle:
      `Traded notional per year as a multiple of the book, buys and sells counted (Σ|Δw| per day ` +
      `× ${PERIODS_PER_YEAR} / days); the one-sided convention of the selection stage is half of it.`,
    rows: turn,
    x: "x",
    y: "y",
    value: "turnover_annual",
    xLabel,
    yLabel,
    valueLabel: "Turnover (× book per year)",
    xDomain,
    yDomain,
    digits: 3,
    rotateX: true,
  });
}

/** The curves of the top cells and the baselines: how many top cells, every row, the sampling period. */
type TopCurves = { count: number; all: Record<string, unknown>[]; period: "D" | "W" | "M" };

/** Equity and drawdown of the `TOP` best cells at base costs, then of every baseline, in one sampling period. */
async function topCurves(
  ctx: SiteContext,
  cells: CatalogCell[],
  baseCells: CatalogCell[],
  base: StressRow[],
): Promise<TopCurves> {
  const { conn } = ctx;
  const top = [...base].sort((a, b) => b.sharpe - a.sharpe || (a.cell < b.cell ? -1 : 1)).slice(0, TOP);
  const topCells = top.map((t) => cells.find((c) => markStale(c, c.id) === t.cell)!);
  const [{ days }] = await queryRows<{ days: number }>(
    conn,
    `select (max(date) - min(date))::INTEGER as days from ${parquet(topCells[0], "returns")}`,
  );
  const period = periodFor(num(days));
  const hasEquity = (await columnsOf(conn, parquet(topCells[0], "returns"))).some((c) => c.name === "equity");
  const lines = await curves(
    ctx,
    fanIn(topCells, "returns", (c) => markStale(c, cellLabel(c))),
    "cell",
    hasEquity,
    period,
  );
  const baseLines = await baselineCurves(ctx, baseCells, period);
  return { count: topCells.length, all: [...lines, ...baseLines], period };
}

/** Equity and drawdown of every baseline cell: one line per `strategy` when it has one, else one per cell. */
async function baselineCurves(
  ctx: SiteContext,
  baseCells: CatalogCell[],
  period: "D" | "W" | "M",
): Promise<Record<string, unknown>[]> {
  let baseLines: Record<string, unknown>[] = [];
  for (const b of baseCells) {
    const cols = (await columnsOf(ctx.conn, parquet(b, "returns"))).map((c) => c.name);
    const name = cols.includes("strategy")
      ? `'baseline: ' || strategy`
      : `'baseline: ' || ${JSON.stringify(b.id).replaceAll('"', "'")}`;
    baseLines = baseLines.concat(
      await curves(ctx, `select ${name} as s, * from ${parquet(b, "returns")}`, "s", cols.includes("equity"), period),
    );
  }
  return baseLines;
}

/** Whether a curve row belongs to a baseline (drawn dashed). */
function isBase(d: Record<string, unknown>): boolean {
  return String(d.series).startsWith("baseline: ");
}

/** The heading and the equity and drawdown figures of the top cells against the baselines, one color per series. */
function curveSection({ count, all, period }: TopCurves): SafeHtml {
  const names = [...new Set(all.map((r) => String(r.series)))];
  const color = { legend: true, domain: names, range: names.map((_, i) => PALETTE[i % PALETTE.length]) };
  const per = period === "M" ? "monthly" : period === "W" ? "weekly" : "daily";
  const heading = html`<h2>Top ${count} cells against the baselines</h2>`;
  const equity = curveFigure(all, color, "equity", [1.6, 1.2], 1, {
    title: "Equity",
    subtitle: `Growth of 1 after costs (log scale), ${per} points (the last value of each period); baselines dashed.`,
    table: { columns: ["series", "date", "equity", "drawdown"], maxRows: 400 },
    plot: { height: 340, y: { type: "log", label: "Equity (growth of 1, log scale)", grid: true } },
  });
  const drawdown = curveFigure(all, color, "drawdown", [1.3, 1.1], 0, {
    title: "Drawdown",
    subtitle: `Decline from the running peak of equity, ${per} (the deepest point of each period), in percent.`,
    table: { columns: ["series", "date", "drawdown"], maxRows: 400 },
    plot: { height: 260, y: { label: "Drawdown (%)", percent: true, grid: true } },
  });
  return html`${heading}${equity}${drawdown}`;
}

/** A figure of `value` over dates: top cells solid, baselines dashed (line `widths` of each), a rule at `rule`. */
function curveFigure(
  all: Record<string, unknown>[],
  color: Plot.ScaleOptions,
  value: "equity" | "drawdown",
  widths: [number, number],
  rule: number,
  fig: Omit<FigureOptions, "data">,
): SafeHtml {
  return figure({
    ...fig,
    data: all,
    plot: {
      ...fig.plot,
      x: { type: "utc", label: "Date" },
      color,
      marks: [
        Plot.lineY(
          all.filter((d) => !isBase(d)),
          { x: "date", y: value, stroke: "series", strokeWidth: widths[0] },
        ),
        Plot.lineY(all.filter(isBase), {
          x: "date",
          y: value,
          stroke: "series",
          strokeWidth: widths[1],
          strokeDasharray: "4,3",
        }),
        Plot.ruleY([rule]),
      ],
    },
  });
}

/** The table of every cell at base costs, best Sharpe ratio first, with its Sharpe ratio under each stress level. */
function cellTable({ base, levels, stress }: Matrix, turn: TurnoverRow[]): SafeHtml {
  const table = base
    .map((b) => {
      const t = turn.find((x) => x.cell === b.cell);
      const row: Record<string, unknown> = {
        cell: b.cell,
        sharpe: b.sharpe,
        cagr: b.cagr,
        max_drawdown: b.max_drawdown,
        turnover_annual: t?.turnover_annual ?? null,
      };
      for (const l of levels.slice(1))
        row[`sharpe_+${l}bps`] = stress.find((s) => s.cell === b.cell && s.stress_bps === l)?.sharpe ?? null;
      return row;
    })
    .sort((a, b) => (b.sharpe as number) - (a.sharpe as number) || (String(a.cell) < String(b.cell) ? -1 : 1));
  return join([
    html`<h2>Every cell</h2>`,
    dataTable(table, {
      maxRows: 1000,
      format: { cagr: (v) => formatPercent(v as number), max_drawdown: (v) => formatPercent(v as number) },
    }),
  ]);
}

export const backtestPage: PageBuilder = {
  file: "backtest.html",
  label: "Backtests",
  title: "Backtest matrix",
  needs: [["returns", "stress", "weights"]],
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const { catalog } = ctx;
    const cells = readableCells(catalog, ["returns", "stress", "weights"]);
    const baseCells = readableCells(catalog, ["returns", "stress"]).filter((c) => !declared(c, "weights"));
    const sources = stagesOf([...cellsWith(catalog, ["returns", "stress", "weights"]), ...baseCells]);
    const head = join([
      html`<h1>Backtest matrix</h1><p class="lead">Net-of-cost performance of every backtest cell, its sensitivity to `,
      html`costs, and the best cells against the baselines.</p>${sourceStatus(catalog, sources)}`,
    ]);
    if (!cells.length) return head;
    const matrix = matrixOf(cells, await stressRows(ctx, cells));
    const parts: SafeHtml[] = [sharpeMatrix(matrix)];
    if (matrix.levels.length > 1) parts.push(stressMatrix(matrix));
    const turn = await turnoverRows(ctx, cells);
    parts.push(turnoverMatrix(matrix, turn));
    parts.push(curveSection(await topCurves(ctx, cells, baseCells, matrix.base)));
    parts.push(cellTable(matrix, turn));
    return html`${head}${parts}`;
  },
};
