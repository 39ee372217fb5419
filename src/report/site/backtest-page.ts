/**
 * Backtest page: the Sharpe matrix (first axis × second axis, e.g. models × optimizers), the
 * same under each cost-stress level, annual turnover, and equity and drawdown of the five
 * best cells against the baselines — monthly (or weekly) points, never the daily series.
 */
import * as Plot from "@observablehq/plot";
import type { CatalogCell } from "../catalog.ts";
import { periodFor } from "../aggregate.ts";
import { figure } from "../figure.ts";
import { formatPercent } from "../format.ts";
import { html, type SafeHtml } from "../html.ts";
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
  const dd = `select series, date, equity, equity / max(equity) over (partition by series order by date rows unbounded preceding) - 1 as drawdown from (${daily})`;
  const bucket = period === "D" ? "date" : `date_trunc('${period === "W" ? "week" : "month"}', date)`;
  return (
    await queryRows(
      ctx.conn,
      `select series, max(date)::VARCHAR as date, round(arg_max(equity, date), 8) as equity, round(min(drawdown), 8) as drawdown
      from (${dd}) group by series, ${bucket} order by series, date`,
    )
  ).map((r) => ({ ...r, date: utcDate(r.date), equity: num(r.equity), drawdown: num(r.drawdown) }));
}

export const backtestPage: PageBuilder = {
  file: "backtest.html",
  label: "Backtests",
  title: "Backtest matrix",
  needs: [["returns", "stress", "weights"]],
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const { catalog, conn } = ctx;
    const cells = readableCells(catalog, ["returns", "stress", "weights"]);
    const baseCells = readableCells(catalog, ["returns", "stress"]).filter((c) => !declared(c, "weights"));
    const sources = stagesOf([...cellsWith(catalog, ["returns", "stress", "weights"]), ...baseCells]);
    const head = html`<h1>Backtest matrix</h1><p class="lead">Net-of-cost performance of every backtest cell, its sensitivity to costs, and the best cells against the baselines.</p>${sourceStatus(catalog, sources)}`;
    if (!cells.length) return head;
    const byId = new Map(cells.map((c) => [c.id, c]));
    const stress = (
      await queryRows(
        conn,
        `select cell, stress_bps, sharpe, cagr, max_drawdown, total_costs from (${fanIn(cells, "stress")}) order by cell, stress_bps`,
      )
    ).map((r) => {
      const c = byId.get(String(r.cell))!;
      const g = gridOf(c);
      return {
        cell: markStale(c, c.id),
        y: markStale(c, g.y),
        x: g.x,
        stress_bps: num(r.stress_bps),
        sharpe: num(r.sharpe),
        cagr: num(r.cagr),
        max_drawdown: num(r.max_drawdown),
        total_costs: num(r.total_costs),
      };
    });
    const levels = [...new Set(stress.map((r) => r.stress_bps))].sort((a, b) => a - b);
    const base = stress.filter((r) => r.stress_bps === levels[0]);
    const axes = Object.keys(cells[0].axes);
    const yLabel = axes[0] ?? "cell",
      xLabel = axes.slice(1).join(" / ") || axes[0] || "";
    const xDomain = [...new Set(cells.map((c) => gridOf(c).x))];
    const yDomain = [...new Set(cells.map((c) => markStale(c, gridOf(c).y)))];
    const sharpes = stress.map((r) => r.sharpe).filter(Number.isFinite);
    const lim = Math.max(0.5, ...sharpes.map(Math.abs));
    const parts: SafeHtml[] = [];
    parts.push(
      heatmap({
        title: "Sharpe ratio matrix",
        subtitle: `Annualized Sharpe ratio of daily net returns (√${PERIODS_PER_YEAR} × mean / sd) at the base costs${levels[0] ? ` plus ${levels[0]} bps` : ""}, each ${yLabel} × ${xLabel}.`,
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
      }),
    );
    if (levels.length > 1) {
      parts.push(
        heatmap({
          title: "Sharpe ratio under cost stress",
          subtitle: `The matrix again with ${levels.join(", ")} bps per side added to every trade's costs (one panel per level).`,
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
        }),
      );
    }
    const turn = (
      await queryRows(
        conn,
        `select cell, round(sum(turnover) / count(*) * ${PERIODS_PER_YEAR}, 10) as turnover_annual, round(avg(n_names), 8) as mean_names from (${fanIn(cells, "returns")}) group by cell order by cell`,
      )
    ).map((r) => {
      const c = byId.get(String(r.cell))!;
      const g = gridOf(c);
      return {
        cell: markStale(c, c.id),
        y: markStale(c, g.y),
        x: g.x,
        turnover_annual: num(r.turnover_annual),
        mean_names: num(r.mean_names),
      };
    });
    parts.push(
      heatmap({
        title: "Annual turnover",
        subtitle: `Traded notional per year as a multiple of the book, buys and sells counted (Σ|Δw| per day × ${PERIODS_PER_YEAR} / days); the one-sided convention of the selection stage is half of it.`,
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
      }),
    );

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
    let baseLines: Record<string, unknown>[] = [];
    for (const b of baseCells) {
      const cols = (await columnsOf(conn, parquet(b, "returns"))).map((c) => c.name);
      const name = cols.includes("strategy")
        ? `'baseline: ' || strategy`
        : `'baseline: ' || ${JSON.stringify(b.id).replaceAll('"', "'")}`;
      baseLines = baseLines.concat(
        await curves(ctx, `select ${name} as s, * from ${parquet(b, "returns")}`, "s", cols.includes("equity"), period),
      );
    }
    const all = [...lines, ...baseLines];
    const names = [...new Set(all.map((r) => String(r.series)))];
    const isBase = (d: Record<string, unknown>) => String(d.series).startsWith("baseline: ");
    const color = { legend: true, domain: names, range: names.map((_, i) => PALETTE[i % PALETTE.length]) };
    const per = period === "M" ? "monthly" : period === "W" ? "weekly" : "daily";
    parts.push(html`<h2>Top ${topCells.length} cells against the baselines</h2>`);
    parts.push(
      figure({
        title: "Equity",
        subtitle: `Growth of 1 after costs (log scale), ${per} points (the last value of each period); baselines dashed.`,
        data: all,
        table: { columns: ["series", "date", "equity", "drawdown"], maxRows: 400 },
        plot: {
          height: 340,
          y: { type: "log", label: "Equity (growth of 1, log scale)", grid: true },
          x: { type: "utc", label: "Date" },
          color,
          marks: [
            Plot.lineY(
              all.filter((d) => !isBase(d)),
              { x: "date", y: "equity", stroke: "series", strokeWidth: 1.6 },
            ),
            Plot.lineY(all.filter(isBase), {
              x: "date",
              y: "equity",
              stroke: "series",
              strokeWidth: 1.2,
              strokeDasharray: "4,3",
            }),
            Plot.ruleY([1]),
          ],
        },
      }),
    );
    parts.push(
      figure({
        title: "Drawdown",
        subtitle: `Decline from the running peak of equity, ${per} (the deepest point of each period), in percent.`,
        data: all,
        table: { columns: ["series", "date", "drawdown"], maxRows: 400 },
        plot: {
          height: 260,
          y: { label: "Drawdown (%)", percent: true, grid: true },
          x: { type: "utc", label: "Date" },
          color,
          marks: [
            Plot.lineY(
              all.filter((d) => !isBase(d)),
              { x: "date", y: "drawdown", stroke: "series", strokeWidth: 1.3 },
            ),
            Plot.lineY(all.filter(isBase), {
              x: "date",
              y: "drawdown",
              stroke: "series",
              strokeWidth: 1.1,
              strokeDasharray: "4,3",
            }),
            Plot.ruleY([0]),
          ],
        },
      }),
    );
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
    parts.push(
      html`<h2>Every cell</h2>${dataTable(table, { maxRows: 1000, format: { cagr: (v) => formatPercent(v as number), max_drawdown: (v) => formatPercent(v as number) } })}`,
    );
    return html`${head}${parts}`;
  },
};
