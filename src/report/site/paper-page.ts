/**
 * Paper-trading page: how the champion trades on paper, from two sources — the ledger of
 * `pipeline paper run` (data/paper/ledger.duckdb, attached read-only; `pipeline report` only)
 * and the outputs of `paper` stage cells (equity, fills, events, summary). For each: equity
 * against the champion's backtest over the same dates, drawdown, the daily-return
 * distribution, cash and invested shares, the book at the end, recent fills and the events
 * (kill switch, halts, bad data, safety).
 */
import * as Plot from "@observablehq/plot";
import type { Catalog, CatalogCell } from "../catalog.ts";
import { periodFor } from "../aggregate.ts";
import { figure, labelMargin } from "../figure.ts";
import { formatNumber, formatPercent } from "../format.ts";
import { html, join, slug, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { PALETTE } from "../theme.ts";
import { cellById } from "../catalog.ts";
import { cellsWith, declared, pathOf, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import { utcDate } from "./dates.ts";
import { LEDGER_ALIAS, LEDGER_FILE, attachLedger, detachLedger, ledgerPath, readJson } from "./live.ts";
import { shadowSection } from "./paper-shadow.ts";
import { rolloutSection } from "./paper-rollout.ts";
import { queryRows } from "../../store/index.ts";
import { roundDecimals } from "../../core/round.ts";
import { num, parquet } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";
import { existsSync } from "node:fs";
import { attributionSection } from "./attribution-page.ts";

const NEEDS = ["equity", "fills", "events", "summary"] as const;
const PERIODS_PER_YEAR = 252;
/** Width of a bin of the daily-return histogram (0.25 %). */
const RETURN_BIN = 0.0025;
/** Fill dates shown in the recent-fills table. */
const RECENT_FILL_DAYS = 10;
const MAX_EVENTS = 300;

/** One source of paper-trading numbers, as SQL over its tables. */
interface PaperSource {
  /** Prefix of figure ids (unique on the page). */
  key: string;
  heading: SafeHtml;
  /** date, cash, positions_value, equity, daily_return, costs, turnover. */
  equity: string;
  /** date, symbol, side, requested, shares, price, notional, commission, slippage, status, reason. */
  fills: string;
  /** seq, date, kind, severity, message[, recorded_at]; the ledger's daily "day" log excluded. */
  events: string;
  /** The book at the last day: symbol, shares, price, value, weight (ledger) — or null (derived from fills). */
  positions: string | null;
  /** date, status, orders, fills per recorded day, or null. */
  days: string | null;
  capital: number;
  champion: string | null;
  halt: { halted: boolean; date: string | null; reason: string | null } | null;
}

const money = (v: unknown) =>
  typeof v === "number" && Number.isFinite(v)
    ? v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    : "";
const pct = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? formatPercent(v, 2) : "");

function card(k: string, v: string, note?: string): SafeHtml {
  return join([
    html`<div class="card"><div class="k">${k}</div><div class="v">${v}</div>`,
    html`${note ? html`<div class="k">${note}</div>` : null}</div>`,
  ]);
}

/** The champion's backtest cell, when its returns are readable. */
function backtestOf(catalog: Catalog, champion: string | null): CatalogCell | null {
  if (!champion) return null;
  const c = cellById(catalog, champion);
  return c && declared(c, "returns")?.present ? c : null;
}

/** How many events of each kind a source recorded. */
type KindCount = { kind: string; n: number };

/** One point of the equity series: the last day of its period (drawdowns: the deepest). */
interface EquityPoint {
  date: string;
  equity: number;
  paper_growth: number;
  backtest_growth: number | null;
  paper_drawdown: number;
  backtest_drawdown: number | null;
  cash_share: number;
  invested_share: number;
}

/** Table formats of the equity and drawdown figures. */
const CURVE_FORMAT = { equity: money, paper_drawdown: pct, backtest_drawdown: pct };

/** One source's part of the page: summary cards, equity, drawdown, returns, exposure, the book, fills, events. */
async function section(ctx: SiteContext, src: PaperSource): Promise<SafeHtml> {
  const { catalog, conn } = ctx;
  const parts: SafeHtml[] = [src.heading];
  const [st] = await queryRows(
    conn,
    `select count(*)::INTEGER as days, min(date)::VARCHAR as first, max(date)::VARCHAR as last,
      round(arg_max(equity, date), 2) as final_equity, round(sum(costs), 2) as costs,
      round(avg(daily_return) / nullif(stddev_samp(daily_return), 0) * sqrt(${PERIODS_PER_YEAR}), 6) as sharpe
    from (${src.equity})`,
  );
  if (!num(st.days)) {
    parts.push(html`<p class="note">No day recorded yet.</p>`);
    return html`${parts}`;
  }
  const [fc] = await queryRows(
    conn,
    `select count(*) filter (where shares > 0)::INTEGER as filled, count(*)::INTEGER as orders from (${src.fills})`,
  );
  const kinds = await queryRows<KindCount>(
    conn,
    `select kind, count(*)::INTEGER as n from (${src.events}) group by kind order by kind`,
  );
  const bt = backtestOf(catalog, src.champion);
  const span = Math.round((utcDate(st.last).getTime() - utcDate(st.first).getTime()) / 86_400_000);
  const period = periodFor(span);
  const per = period === "M" ? "monthly" : period === "W" ? "weekly" : "daily";
  const series = await equitySeries(ctx, src, st, bt, period);
  parts.push(summaryCards(src, st, fc, kinds, series), ...championNotes(src, bt));
  const curves = curvesOf(series, bt, await killDates(ctx, src));
  parts.push(equityFigure(src, curves, per));
  parts.push(drawdownFigure(src, curves, per));
  parts.push(await returnsFigure(ctx, src));
  parts.push(exposureFigure(src, series, per));
  if (src.days) parts.push(await dayStatusFigure(ctx, src.key, src.days));
  parts.push(src.positions ? await positionsTable(ctx, src.positions, st.last) : await fillsBook(ctx, src.fills));
  parts.push(await recentFills(ctx, src.fills));
  parts.push(await eventsTable(ctx, src.events, kinds));
  return html`${parts}`;
}

/** The equity series of a source per period, with the champion's backtest compounded over the same dates. */
async function equitySeries(
  ctx: SiteContext,
  src: PaperSource,
  st: Record<string, unknown>,
  bt: CatalogCell | null,
  period: "D" | "W" | "M",
): Promise<EquityPoint[]> {
  // Daily wide series: paper equity and growth, the backtest's growth over the same dates, drawdowns.
  const btReturns = bt
    ? `select date, net from ${parquet(bt, "returns")} where date >= '${st.first}'::DATE and date <= '${st.last}'::DATE`
    : `select null::DATE as date, null::DOUBLE as net where false`;
  const daily = `with p as (select date, equity, cash, positions_value from (${src.equity})),
      b as (select date, exp(sum(ln(1 + net)) over (order by date rows unbounded preceding)) as g from (${btReturns})),
      j as (select p.date, p.equity, p.cash, p.positions_value, p.equity / ${src.capital} as pg, b.g as bg from p left
      join b using (date))
    select *, pg / greatest(1, max(pg) over (order by date rows unbounded preceding)) - 1 as pdd,
              bg / greatest(1, max(bg) over (order by date rows unbounded preceding)) - 1 as bdd from j`;
  const bucket = period === "D" ? "date" : `date_trunc('${period === "W" ? "week" : "month"}', date)`;
  return (
    await queryRows(
      ctx.conn,
      `select max(date)::VARCHAR as date, round(arg_max(equity, date), 2) as equity,
        round(arg_max(pg, date), 8) as paper_growth, round(arg_max(bg, date), 8) as backtest_growth,
        round(min(pdd), 8) as paper_drawdown, round(min(bdd), 8) as backtest_drawdown,
        round(arg_max(cash / equity, date), 8) as cash_share, round(arg_max(positions_value / equity, date), 8) as
        invested_share
      from (${daily}) group by ${bucket} order by date`,
    )
  ).map((r) => ({
    date: String(r.date),
    equity: num(r.equity),
    paper_growth: num(r.paper_growth),
    backtest_growth: r.backtest_growth === null ? null : num(r.backtest_growth),
    paper_drawdown: num(r.paper_drawdown),
    backtest_drawdown: r.backtest_drawdown === null ? null : num(r.backtest_drawdown),
    cash_share: num(r.cash_share),
    invested_share: num(r.invested_share),
  }));
}

/** The summary cards: days, equity, total return, Sharpe ratio, max drawdown, costs, the kill switch. */
function summaryCards(
  src: PaperSource,
  st: Record<string, unknown>,
  fc: Record<string, unknown>,
  kinds: KindCount[],
  series: EquityPoint[],
): SafeHtml {
  const days = num(st.days);
  const count = (k: string) => num(kinds.find((r) => r.kind === k)?.n ?? 0);
  const finalEquity = num(st.final_equity);
  const maxDd = Math.min(0, ...series.map((s) => s.paper_drawdown).filter(Number.isFinite));
  const halted = src.halt?.halted ?? false;
  return html`<div class="cards">${[
    card("days recorded", formatNumber(days), `${String(st.first)} – ${String(st.last)}`),
    card("equity", money(finalEquity), `capital ${money(src.capital)}`),
    card("total return", pct(finalEquity / src.capital - 1)),
    card(
      "Sharpe ratio",
      Number.isFinite(num(st.sharpe)) ? formatNumber(num(st.sharpe), 3) : "—",
      `annualized, ${days} daily returns`,
    ),
    card("max drawdown", pct(maxDd)),
    card(
      "costs",
      money(num(st.costs)),
      `${formatNumber(num(fc.filled))} fills of ${formatNumber(num(fc.orders))} orders`,
    ),
    card(
      "kill switch",
      halted ? "halted" : "active",
      halted
        ? `since ${src.halt?.date ?? "?"}`
        : `${count("kill_switch")} trigger${count("kill_switch") === 1 ? "" : "s"} recorded`,
    ),
  ]}</div>`;
}

/** The halt notice when trading is halted, then the champion traded and the backtest it is compared with. */
function championNotes(src: PaperSource, bt: CatalogCell | null): SafeHtml[] {
  const parts: SafeHtml[] = [];
  if (src.halt?.halted ?? false)
    parts.push(
      join([
        html`<div class="cell-error" role="status"><strong>Trading halted</strong>`,
        html` since ${src.halt?.date ?? "?"}: ${src.halt?.reason ?? ""}. Positions are held; no order until <code>`,
        html`pipeline paper resume</code>.</div>`,
      ]),
    );
  parts.push(
    join([
      html`<p class="note">Champion: ${src.champion ? html`<code>${src.champion}</code>` : "none recorded"}. `,
      bt
        ? join([
            html`Its backtest (<code>${bt.id}</code>, daily net returns) is compounded over the same dates for `,
            html`comparison.`,
          ])
        : src.champion
          ? "Its backtest returns are not among the outputs read here, so the figure shows the paper book alone."
          : null,
      html`</p>`,
    ]),
  );
  return parts;
}

/** The dates the kill switch triggered, in order. */
async function killDates(ctx: SiteContext, src: PaperSource): Promise<Array<{ date: Date }>> {
  return (
    await queryRows<{ date: string }>(
      ctx.conn,
      `select distinct date::VARCHAR as date from (${src.events}) where kind = 'kill_switch' and date is not null ` +
        `order by date`,
    )
  ).map((r) => ({ date: utcDate(r.date) }));
}

/** What the equity and drawdown figures share: one row per series and date, colors, kill-switch rules, table rows. */
function curvesOf(series: EquityPoint[], bt: CatalogCell | null, kills: Array<{ date: Date }>) {
  const long = series.flatMap((s) => [
    { date: utcDate(s.date), series: "paper", growth: s.paper_growth, drawdown: s.paper_drawdown },
    ...(s.backtest_growth === null
      ? []
      : [{ date: utcDate(s.date), series: "backtest", growth: s.backtest_growth, drawdown: s.backtest_drawdown }]),
  ]);
  const names = bt ? ["paper", "backtest"] : ["paper"];
  const color = { legend: true, domain: names, range: [PALETTE[0], PALETTE[1]] };
  const killMarks = kills.length ? [Plot.ruleX(kills, { x: "date", stroke: "#c0392b", strokeDasharray: "3,3" })] : [];
  const tableRows = series.map((s) => ({
    date: s.date,
    equity: s.equity,
    paper_growth: s.paper_growth,
    ...(bt ? { backtest_growth: s.backtest_growth } : {}),
    paper_drawdown: s.paper_drawdown,
    ...(bt ? { backtest_drawdown: s.backtest_drawdown } : {}),
  }));
  return { bt, kills, long, color, killMarks, tableRows };
}

/** The rows, scales and marks of the equity and drawdown figures. */
type Curves = ReturnType<typeof curvesOf>;

/** Growth of 1 from the starting capital against the backtest, the last value of each period. */
function equityFigure(
  src: PaperSource,
  { bt, kills, long, color, killMarks, tableRows }: Curves,
  per: string,
): SafeHtml {
  return figure({
    id: `${src.key}-equity`,
    title: "Equity against the backtest",
    subtitle:
      `Growth of 1 from the starting capital (${money(src.capital)}), ${per} points (the last value of each ` +
      `period)${bt ? "; the champion's backtest compounded over the same dates" : ""}${kills.length ? "; dashed red: kill switch" : ""}. The table gives the paper equity in currency.`,
    data: tableRows,
    table: { maxRows: 400, digits: 6, format: CURVE_FORMAT },
    plot: {
      height: 300,
      x: { type: "utc", label: "Date" },
      y: { label: "Equity (growth of 1)", grid: true },
      color,
      marks: [
        Plot.ruleY([1], { stroke: "#8c959f" }),
        ...killMarks,
        Plot.lineY(long, { x: "date", y: "growth", stroke: "series", strokeWidth: 1.6 }),
      ],
    },
  });
}

/** Decline from the running peak of equity, paper and backtest, the deepest point of each period. */
function drawdownFigure(src: PaperSource, { bt, long, color, killMarks, tableRows }: Curves, per: string): SafeHtml {
  return figure({
    id: `${src.key}-drawdown`,
    title: "Drawdown",
    subtitle:
      `Decline from the running peak of equity (the starting capital counts as a peak), ${per} (the deepest ` +
      `point of each period), in percent.`,
    data: tableRows,
    table: {
      columns: ["date", "paper_drawdown", ...(bt ? ["backtest_drawdown"] : [])],
      maxRows: 400,
      format: CURVE_FORMAT,
    },
    plot: {
      height: 220,
      x: { type: "utc", label: "Date" },
      y: { label: "Drawdown (%)", percent: true, grid: true },
      color,
      marks: [
        Plot.ruleY([0]),
        ...killMarks,
        Plot.lineY(long, { x: "date", y: "drawdown", stroke: "series", strokeWidth: 1.3 }),
      ],
    },
  });
}

/** The histogram of daily returns of equity after costs, in bins of `RETURN_BIN`. */
async function returnsFigure(ctx: SiteContext, src: PaperSource): Promise<SafeHtml> {
  const hist = (
    await queryRows(
      ctx.conn,
      `select round(floor(daily_return / ${RETURN_BIN}) * ${RETURN_BIN}, 6) as lo, count(*)::INTEGER as days
      from (${src.equity}) where daily_return is not null and isfinite(daily_return) group by 1 order by 1`,
    )
  ).map((r) => ({ from: num(r.lo), to: roundDecimals(num(r.lo) + RETURN_BIN, 6), days: num(r.days) }));
  return figure({
    id: `${src.key}-returns`,
    title: "Daily return distribution",
    subtitle:
      `Days per bin of ${formatPercent(RETURN_BIN, 2)} of the daily return of equity (after costs); the rule ` +
      `marks 0.`,
    data: hist,
    table: { columns: ["from", "to", "days"], format: { from: pct, to: pct } },
    plot: {
      height: 220,
      x: { label: "Daily return (%)", percent: true },
      y: { label: "Days (count)", grid: true },
      marks: [
        Plot.rectY(hist, { x1: "from", x2: "to", y: "days", fill: PALETTE[0], inset: 0.5 }),
        Plot.ruleX([0], { stroke: "#1d232b" }),
        Plot.ruleY([0]),
      ],
    },
  });
}

/** Positions value and cash as shares of equity at the close, the last day of each period. */
function exposureFigure(src: PaperSource, series: EquityPoint[], per: string): SafeHtml {
  const exposure = series.flatMap((s) => [
    { date: utcDate(s.date), share: "invested", value: s.invested_share },
    { date: utcDate(s.date), share: "cash", value: s.cash_share },
  ]);
  return figure({
    id: `${src.key}-exposure`,
    title: "Invested and cash",
    subtitle: `Positions value and cash as shares of equity at the close, ${per} (the last day of each period).`,
    data: series.map((s) => ({ date: s.date, invested_share: s.invested_share, cash_share: s.cash_share })),
    table: { maxRows: 400, format: { invested_share: pct, cash_share: pct } },
    plot: {
      height: 200,
      x: { type: "utc", label: "Date" },
      y: { label: "Share of equity (%)", percent: true, grid: true },
      color: { legend: true, domain: ["invested", "cash"], range: [PALETTE[4], PALETTE[9]] },
      marks: [Plot.ruleY([0]), Plot.lineY(exposure, { x: "date", y: "value", stroke: "share", strokeWidth: 1.4 })],
    },
  });
}

/** What the cycle did on each recorded trade day, one row of ticks per status. */
async function dayStatusFigure(ctx: SiteContext, key: string, days: string): Promise<SafeHtml> {
  const statuses = (
    await queryRows(
      ctx.conn,
      `select date::VARCHAR as date, status, orders::INTEGER as orders, fills::INTEGER as fills from (${days}) order ` +
        `by date`,
    )
  ).map((r) => ({ date: String(r.date), status: String(r.status), orders: num(r.orders), fills: num(r.fills) }));
  const kindsOf = [...new Set(statuses.map((s) => s.status))].sort();
  return figure({
    id: `${key}-days`,
    title: "Status of each day",
    subtitle:
      "What the cycle did on each trade day: executed (orders filled), no_trade (no rebalance, or nothing to trade), " +
      "halted (kill switch), no champion.",
    data: statuses,
    table: { maxRows: 400 },
    plot: {
      height: Math.max(90, 40 + kindsOf.length * 24),
      marginLeft: labelMargin(kindsOf),
      x: { type: "utc", label: "Date" },
      y: { label: null, domain: kindsOf },
      color: {
        domain: kindsOf,
        range: kindsOf.map((k) =>
          k === "executed" ? "#59a14f" : k === "halted" ? "#e15759" : k === "no_trade" ? "#8c959f" : "#f28e2b",
        ),
      },
      marks: [
        Plot.tickX(
          statuses.map((s) => ({ ...s, date: utcDate(s.date) })),
          { x: "date", y: "status", stroke: "status", strokeWidth: 2 },
        ),
      ],
    },
  });
}

/** The ledger's book at the close of the last day, largest weight first. */
async function positionsTable(ctx: SiteContext, positions: string, last: unknown): Promise<SafeHtml> {
  const book = (
    await queryRows(
      ctx.conn,
      `select symbol, shares, round(price, 4) as price, round(value, 2) as value, round(weight, 8) as weight from ` +
        `(${positions}) where shares <> 0 order by weight desc, symbol`,
    )
  ).map((r) => ({
    symbol: String(r.symbol),
    shares: num(r.shares),
    price: num(r.price),
    value: num(r.value),
    weight: num(r.weight),
  }));
  return join([
    html`<h3>Positions at the close of ${String(last)} (${book.length})</h3>`,
    book.length
      ? dataTable(book, { maxRows: 1000, format: { value: money, weight: pct } })
      : html`<p class="note">No position: the book is all cash.</p>`,
  ]);
}

/** The book at the end derived from the fills (net filled shares per symbol), for sources without positions. */
async function fillsBook(ctx: SiteContext, fills: string): Promise<SafeHtml> {
  const book = (
    await queryRows(
      ctx.conn,
      `select symbol, sum(case when side = 'buy' then shares else -shares end) as shares, round(arg_max(price, date), 4)
        as last_fill_price, max(date)::VARCHAR as last_fill
      from (${fills}) where shares > 0 group by symbol having sum(case when side = 'buy' then shares else -shares end)
      <> 0 order by symbol`,
    )
  ).map((r) => ({
    symbol: String(r.symbol),
    shares: num(r.shares),
    last_fill_price: num(r.last_fill_price),
    last_fill: String(r.last_fill),
  }));
  return join([
    html`<h3>Book at the end (${book.length})</h3><p class="note">`,
    html`Net filled shares per symbol (buys − sells) from the fills; the stage writes no positions table.</p>`,
    book.length ? dataTable(book, { maxRows: 1000 }) : html`<p class="note">No position: the book is all cash.</p>`,
  ]);
}

/** Every order of the last `RECENT_FILL_DAYS` days with orders, newest first. */
async function recentFills(ctx: SiteContext, fillsSql: string): Promise<SafeHtml> {
  const fills = await queryRows(
    ctx.conn,
    `with f as (select * from (${fillsSql})), d as (select distinct date from f order by date desc
      limit ${RECENT_FILL_DAYS})
      select date::VARCHAR as date, symbol, side, requested, shares, round(price, 4) as price, round(notional, 2) as
      notional, round(commission, 2) as commission, round(slippage, 2) as slippage, status, coalesce(reason, '') as
      reason
      from f where date in (select date from d) order by date desc, symbol, side`,
  );
  const fillDays = new Set(fills.map((f) => f.date)).size;
  return join([
    html`<h3>Recent orders and fills</h3><p class="note">Every order of the last ${fillDays} `,
    html`day${fillDays === 1 ? "" : "s"} with orders, newest first: requested and filled shares (partial fills are `,
    html`cancelled, not carried), fill price, costs in currency.</p>`,
    fills.length
      ? dataTable(fills, { maxRows: 1000, format: { notional: money, commission: money, slippage: money } })
      : html`<p class="note">No order yet.</p>`,
  ]);
}

/** The last `MAX_EVENTS` events, newest first, with the count of each kind. */
async function eventsTable(ctx: SiteContext, eventsSql: string, kinds: KindCount[]): Promise<SafeHtml> {
  const events = await queryRows(ctx.conn, `select * from (${eventsSql}) order by seq desc limit ${MAX_EVENTS}`);
  const total = kinds.reduce((a, k) => a + num(k.n), 0);
  return join([
    html`<h3>Events</h3><p class="note">Kill switch, halts, safety violations, bad data, gaps and no-champion days, `,
    html`newest first${total > MAX_EVENTS ? html` (the last ${MAX_EVENTS} of ${formatNumber(total)})` : null}. `,
    html`${kinds.length ? kinds.map((k) => `${k.kind} ${num(k.n)}`).join(", ") : "None recorded."}</p>`,
    events.length ? dataTable(events, { maxRows: MAX_EVENTS }) : null,
  ]);
}

/** The ledger of `pipeline paper run`, attached read-only for the duration of the section. */
async function ledgerSection(ctx: SiteContext): Promise<SafeHtml> {
  const path = ledgerPath(ctx.catalog);
  const heading = join([
    html`<h2>Ledger <code>${LEDGER_FILE}</code></h2><p class="note">Written by <code>pipeline paper run</code>`,
    html`, one transaction per trade day; read here without locking it.</p>`,
  ]);
  const a = await attachLedger(ctx.conn, path);
  if (!a.ok) {
    return join([
      html`${heading}<div class="cell-error" role="status"><strong>The ledger could not be read:</strong>`,
      html` `,
      a.locked
        ? join([
            html`it is locked by a running <code>pipeline paper run</code>`,
            html` (it holds the file while it writes). Build the report again when the run has finished.`,
          ])
        : a.reason,
      html`</div>`,
    ]);
  }
  try {
    const L = LEDGER_ALIAS;
    const [cap] = await queryRows<{ value: string }>(ctx.conn, `select value from ${L}.meta where key = 'capital'`);
    const [champ] = await queryRows<{ champion: string | null }>(
      ctx.conn,
      `select champion from ${L}.days where champion is not null order by date desc limit 1`,
    );
    const [halt] = await queryRows<{ kind: string; date: string | null; message: string }>(
      ctx.conn,
      `select kind, date::VARCHAR as date, message from ${L}.events where kind in ('kill_switch', 'resume') order by ` +
        `seq desc limit 1`,
    );
    const body = await section(ctx, {
      key: "ledger",
      heading,
      equity: `select date, cash, positions_value, equity, daily_return, costs, turnover from ${L}.equity`,
      fills:
        `select date, symbol, side, requested, shares, price, notional, commission, slippage, status, reason ` +
        `from ${L}.fills`,
      events:
        `select seq::INTEGER as seq, date::VARCHAR as date, kind, severity, message, recorded_at::VARCHAR as ` +
        `recorded_at from ${L}.events where kind <> 'day'`,
      positions:
        `select symbol, shares, price, value, weight from ${L}.positions where date = (select max(date) ` +
        `from ${L}.positions)`,
      days: `select date, status, orders, fills from ${L}.days`,
      capital: cap ? Number(cap.value) : 1_000_000,
      champion: champ?.champion ?? null,
      halt:
        halt && halt.kind === "kill_switch"
          ? { halted: true, date: halt.date, reason: halt.message }
          : { halted: false, date: null, reason: null },
    });
    return join([body, await ledgerAttribution(ctx, cap ? Number(cap.value) : NaN)]);
  } finally {
    await detachLedger(ctx.conn);
  }
}

/**
 * Where the paper book's return came from, read like a backtest cell's (src/paper/attribution.ts
 * from the attached ledger, the study's prices for the universe, regimes and factors); nothing
 * without a prices output or with fewer than two recorded days.
 */
async function ledgerAttribution(ctx: SiteContext, capital: number): Promise<SafeHtml | null> {
  const prices = readableCells(ctx.catalog, ["prices"])[0];
  if (!ctx.attributeBook || !prices || !Number.isFinite(capital)) return null;
  const L = LEDGER_ALIAS;
  const equity = await queryRows<{ date: string; equity: number; costs: number }>(
    ctx.conn,
    `select date::VARCHAR as date, equity, costs from ${L}.equity order by date`,
  );
  const positions = await queryRows<{ date: string; symbol: string; shares: number }>(
    ctx.conn,
    `select date::VARCHAR as date, symbol, shares from ${L}.positions order by date, symbol`,
  );
  const heading = html`<h2>Attribution of the paper book</h2>`;
  let doc: Record<string, unknown> | null;
  try {
    doc = await ctx.attributeBook({ capital, equity, positions }, pathOf(prices, "prices"));
  } catch (e) {
    // The ledger traded on other prices than the study's (a day or a symbol they lack): say so.
    return html`${heading}<p class="note">Not computed: ${(e as Error).message}</p>`;
  }
  if (!doc) return null;
  return attributionSection(
    join([
      heading,
      html`<p class="note">The ledger's compounded return split as a `,
      html`backtest cell's is (<code>pipeline attribution paper</code> prints it): the positions at each `,
      html`previous close, the study's prices from <code>${prices.id}</code>.</p>`,
    ]),
    "paper book",
    doc,
  );
}

type Json = Record<string, unknown>;

/** A `paper` stage cell's outputs. */
async function stageSection(ctx: SiteContext, cell: CatalogCell): Promise<SafeHtml> {
  const summary = (readJson(pathOf(cell, "summary")) ?? {}) as Json;
  const capital = typeof summary.capital === "number" ? summary.capital : 1_000_000;
  return section(ctx, {
    key: slug(cell.id),
    heading: join([
      html`<h2>Stage <code>${cell.id}</code></h2><p class="note">`,
      html`A backfill from ${String(summary.from ?? "?")} to ${String(summary.to ?? "?")} on the stage's private `,
      html`ledger: ${String(summary.executed_days ?? "?")} days executed, ${String(summary.halted_days ?? "?")} `,
      html`halted, ${String(summary.orders ?? "?")} orders.</p>`,
    ]),
    equity: `select date, cash, positions_value, equity, daily_return, costs, turnover from ${parquet(cell, "equity")}`,
    fills:
      `select date, symbol, side, requested, shares, price, notional, commission, slippage, status, ` +
      `null::VARCHAR as reason from ${parquet(cell, "fills")}`,
    events:
      `select seq::INTEGER as seq, nullif(date, DATE '1970-01-01')::VARCHAR as date, kind, severity, message ` +
      `from ${parquet(cell, "events")}`,
    positions: null,
    days: null,
    capital,
    champion: typeof summary.champion === "string" ? summary.champion : null,
    halt: null,
  });
}

export const paperPage: PageBuilder = {
  file: "paper.html",
  label: "Paper",
  title: "Paper trading",
  needs: [[...NEEDS]],
  live: { describe: `the paper ledger ${LEDGER_FILE}`, exists: (catalog) => existsSync(ledgerPath(catalog)) },
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const { catalog } = ctx;
    const sources = stagesOf(cellsWith(catalog, [...NEEDS]));
    const parts: SafeHtml[] = [];
    if (ctx.provenance === "lock" && existsSync(ledgerPath(catalog))) {
      parts.push(await ledgerSection(ctx));
      const shadows = await shadowSection(ctx);
      if (shadows) parts.push(shadows);
      const rollouts = await rolloutSection(ctx.conn, ledgerPath(catalog));
      if (rollouts) parts.push(rollouts);
    }
    for (const cell of readableCells(catalog, [...NEEDS])) parts.push(await stageSection(ctx, cell));
    return join([
      html`<h1>Paper trading</h1><p class="lead">The champion traded day by day on the simulated broker: equity `,
      html`against its backtest, drawdown, returns, exposure, the book, fills and events.</p>`,
      html`${sourceStatus(catalog, sources)}${parts}`,
    ]);
  },
};
