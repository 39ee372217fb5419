/**
 * Monitoring page: the daily monitoring reports `pipeline paper run` writes
 * (reports/paper/<date>/monitoring.json, from src/monitor's `monitorDay`) read as a history,
 * and the alert log (data/paper/alerts/alerts.jsonl). Signal quality (rank IC, its rolling
 * mean against the drift threshold, the quantile spread), performance drift against the
 * backtest Sharpe ratio, data freshness, the book's correlation and diversification, and the
 * alerts raised. `pipeline report` only: no stage writes these files.
 */
import { existsSync, readFileSync } from "node:fs";
import * as Plot from "@observablehq/plot";
import { periodOf } from "../aggregate.ts";
import type { Catalog } from "../catalog.ts";
import { figure } from "../figure.ts";
import { formatNumber, formatPercent } from "../format.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { PALETTE } from "../theme.ts";
import { utcDate } from "./dates.ts";
import { ALERTS_FILE, PAPER_REPORTS_DIR, alertsPath, monitoringFiles, readJson, redactUrls } from "./live.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const n = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const s = (v: unknown): string => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
const pct = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? formatPercent(v, 2) : "");
const fix = (v: number | null, d = 3) => (v === null ? "—" : formatNumber(v, d));

/** Longer histories keep the last report of each week (≤ ~6 years) or month, like the other pages' series. */
const DAILY_SPAN_DAYS = 400;
const WEEKLY_SPAN_DAYS = 2100;

interface Report {
  date: string;
  json: Json;
}

function thinReports(reports: Report[]): { kept: Report[]; per: string } {
  if (reports.length < 2) return { kept: reports, per: "daily" };
  const span = (utcDate(reports[reports.length - 1].date).getTime() - utcDate(reports[0].date).getTime()) / 86_400_000;
  if (span <= DAILY_SPAN_DAYS) return { kept: reports, per: "daily" };
  const period = span <= WEEKLY_SPAN_DAYS ? "W" : "M";
  const last = new Map<string, Report>();
  for (const r of reports) last.set(periodOf(r.date, period), r);
  return {
    kept: [...last.values()],
    per: period === "W" ? "weekly (the last report of each week)" : "monthly (the last report of each month)",
  };
}

function statusBadge(status: string): SafeHtml {
  const cls =
    status === "ok" ? "ok" : status === "review" || status === "stale" || status === "missing" ? "bad" : "muted";
  return html`<span class="badge ${cls}">${status || "—"}</span>`;
}

function card(k: string, v: SafeHtml | string, note?: string): SafeHtml {
  return join([
    html`<div class="card"><div class="k">${k}</div><div class="v">${v}</div>`,
    html`${note ? html`<div class="k">${note}</div>` : null}</div>`,
  ]);
}

/** Alert events of alerts.jsonl: each alert with the last delivery state of its id, file order. */
function readAlerts(path: string): Array<Json> {
  if (!existsSync(path)) return [];
  const out: Json[] = [];
  const state = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    let e: Json;
    try {
      e = obj(JSON.parse(line));
    } catch {
      continue;
    }
    const id = s(e.id);
    if (e.event === "alert") {
      const a = obj(e.alert);
      out.push({
        id,
        date: s(a.date),
        severity: s(a.severity),
        key: redactUrls(s(a.key)),
        title: redactUrls(s(a.title)),
        message: redactUrls(s(a.message)),
      });
      state.set(id, s(e.webhook));
    } else if (typeof e.event === "string" && id) {
      state.set(id, e.event + (e.reason ? `: ${redactUrls(s(e.reason))}` : ""));
    }
  }
  return out.map(({ id, ...rest }) => ({ ...rest, webhook: state.get(s(id)) ?? "" }));
}

/** The rows with their dates as UTC Date values, for the marks of a plot. */
function dated<T extends { date: string }>(rows: readonly T[]): Array<Omit<T, "date"> & { date: Date }> {
  return rows.map((r) => ({ ...r, date: utcDate(r.date) }));
}

/** The daily monitoring reports, each kept only when the date it records is its folder's. */
function readReports(catalog: Catalog): Report[] {
  return monitoringFiles(catalog)
    .map((f) => ({ date: f.date, json: obj(readJson(f.path)) }))
    .filter((r) => s(r.json.date) === r.date);
}

/** The title, the lead and the sources: how many reports, over which dates, and the alert log. */
function pageHead(reports: Report[]): SafeHtml {
  return join([
    html`<h1>Monitoring</h1><p class="lead">Is the signal still predictive, does the paper book behave like its `,
    html`backtest, is the data fresh, is the book diversified — and what was raised.</p><p class="note">`,
    html`Sources: ${reports.length} daily monitoring report${reports.length === 1 ? "" : "s"} in <code>`,
    html`${PAPER_REPORTS_DIR}/</code>`,
    html`${reports.length ? ` (${reports[0].date} – ${reports[reports.length - 1].date})` : ""}, written by <code>`,
    html`pipeline paper run</code>; alerts from <code>${ALERTS_FILE}</code>`,
    html`. Thresholds as each report recorded them (docs/monitoring.md).</p>`,
  ]);
}

/** The latest report's checks as cards: model and performance drift, freshness, correlation, rank IC, alerts. */
function latestCards(latest: Report): SafeHtml {
  const L = latest.json;
  const md = obj(L.modelDrift),
    pd = obj(L.performanceDrift),
    df = obj(L.dataFreshness),
    co = obj(L.correlation),
    ic = obj(L.ic);
  return html`<h2>Latest: ${latest.date}</h2><div class="cards">${[
    card(
      "model drift",
      statusBadge(s(md.status)),
      `${s(md.weakDays)} of ${s(md.inspected)} rolling rank ICs below ${s(md.threshold)}`,
    ),
    card(
      "performance drift",
      statusBadge(s(pd.status)),
      `live Sharpe ${fix(n(pd.liveSharpe), 3)} vs backtest ${fix(n(pd.backtestSharpe), 3)}`,
    ),
    card(
      "data freshness",
      statusBadge(s(df.status)),
      `last prices ${s(df.lastDataDate) || "none"}, ${s(df.tradingDaysBehind)} trading days behind`,
    ),
    card(
      "correlation",
      statusBadge(s(co.status)),
      `ρ̄ ${fix(n(co.averageCorrelation), 3)} over ${s((co.symbols as unknown[] | undefined)?.length ?? 0)} names`,
    ),
    card("mean rank IC", fix(n(ic.meanRankIc), 3), `t = ${fix(n(ic.rankIcTStat), 3)} over ${s(ic.days)} score dates`),
    card("alerts that day", String(Array.isArray(L.alerts) ? L.alerts.length : 0)),
  ]}</div>`;
}

/** Signal quality: the daily ICs, each score date from the latest report that has it. */
function dailyIcs(reports: Report[]) {
  const byDate = new Map<string, Json>();
  for (const r of reports)
    for (const d of Array.isArray(obj(r.json.ic).daily) ? (obj(r.json.ic).daily as unknown[]) : [])
      byDate.set(s(obj(d).date), obj(d));
  return [...byDate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, d]) => ({
      date,
      n: n(d.n),
      ic: n(d.ic),
      rank_ic: n(d.rankIc),
      rolling_rank_ic: n(d.rollingRankIc),
      spread: n(d.spread),
    }));
}

/** One score date's ICs and quantile spread. */
type IcDay = ReturnType<typeof dailyIcs>[number];

/** The signal-quality section: rank IC, quantile spread and, when the latest report has them, quantile means. */
function signalSection(reports: Report[], L: Json): SafeHtml[] {
  const daily = dailyIcs(reports);
  const parts = [html`<h2>Signal quality</h2>`, rankIcFigure(daily, L), spreadFigure(daily, L)];
  const qm = quantileFigure(L);
  if (qm) parts.push(qm);
  return parts;
}

/** The daily rank IC (dots) and its rolling mean (line) against the drift threshold (dashed). */
function rankIcFigure(daily: IcDay[], L: Json): SafeHtml {
  const th = obj(L.thresholds);
  const minIc = n(th.minRollingIc);
  const horizon = n(L.horizon);
  const pts = dated(daily);
  return figure({
    title: "Rank IC and its rolling mean",
    subtitle:
      `Spearman rank IC of each score date's scores against the realized ${horizon ?? "?"}-day forward ` +
      `return (dots), and its trailing mean over ${s(th.icRollingWindow)} IC dates (line). A rolling value ` +
      `below ${minIc ?? "?"} (dashed) is a weak day; model drift is flagged when at ` +
      `least ${formatPercent(n(th.driftShare) ?? NaN, 0)} of the last ${s(th.driftLookbackDays)} are weak.`,
    data: daily,
    table: { maxRows: 400 },
    plot: {
      height: 260,
      x: { type: "utc", label: "Score date" },
      y: { label: "Rank IC (Spearman correlation)", grid: true },
      color: { legend: true, domain: ["daily rank IC", "rolling mean"], range: ["#8c959f", PALETTE[0]] },
      marks: [
        Plot.ruleY([0]),
        ...(minIc === null ? [] : [Plot.ruleY([minIc], { stroke: "#c0392b", strokeDasharray: "4,3" })]),
        Plot.dot(
          pts.filter((d) => d.rank_ic !== null),
          { x: "date", y: "rank_ic", r: 2, fill: () => "daily rank IC" },
        ),
        Plot.lineY(
          pts.filter((d) => d.rolling_rank_ic !== null),
          { x: "date", y: "rolling_rank_ic", stroke: () => "rolling mean", strokeWidth: 1.8 },
        ),
      ],
    },
  });
}

/** The top-minus-bottom quantile spread of forward returns, one bar per score date. */
function spreadFigure(daily: IcDay[], L: Json): SafeHtml {
  const th = obj(L.thresholds);
  const horizon = n(L.horizon);
  const pts = dated(daily);
  return figure({
    title: "Top − bottom quantile spread",
    subtitle:
      `Mean ${horizon ?? "?"}-day forward return of the top ${s(th.quantiles)}-quantile of scores minus that ` +
      `of the bottom one, per score date, in percent (not annualized).`,
    data: daily.map((d) => ({ date: d.date, n: d.n, spread: d.spread })),
    table: { maxRows: 400, format: { spread: pct } },
    plot: {
      height: 220,
      x: { type: "utc", label: "Score date" },
      y: { label: "Spread of forward returns (%)", percent: true, grid: true },
      marks: [
        Plot.ruleY([0]),
        Plot.ruleX(
          pts.filter((d) => d.spread !== null),
          {
            x: "date",
            y1: 0,
            y2: "spread",
            stroke: (d: { spread: number }) => (d.spread >= 0 ? PALETTE[0] : PALETTE[2]),
            strokeWidth: 2,
          },
        ),
      ],
    },
  });
}

/** Each quantile's mean forward return in the latest report, or null when it records none. */
function quantileFigure(L: Json): SafeHtml | null {
  const ic = obj(L.ic);
  const horizon = n(L.horizon);
  const qm = (Array.isArray(ic.quantileMeans) ? (ic.quantileMeans as unknown[]) : []).map((v, i, all) => ({
    quantile: `Q${i + 1}${i === 0 ? " (bottom)" : i === all.length - 1 ? " (top)" : ""}`,
    mean_forward_return: n(v),
  }));
  if (!qm.length) return null;
  return figure({
    title: "Mean forward return by quantile",
    subtitle:
      `Each quantile's mean ${horizon ?? "?"}-day forward return over the score dates of the latest report ` +
      `(${s(ic.days)} dates to ${s(ic.lastRealizedDate) || "—"}); a working signal rises from bottom to top.`,
    data: qm,
    table: { format: { mean_forward_return: pct } },
    plot: {
      height: 220,
      x: { label: "Score quantile", domain: qm.map((q) => q.quantile) },
      y: { label: "Mean forward return (%)", percent: true, grid: true },
      marks: [
        Plot.barY(
          qm.filter((q) => q.mean_forward_return !== null),
          { x: "quantile", y: "mean_forward_return", fill: PALETTE[0] },
        ),
        Plot.ruleY([0]),
      ],
    },
  });
}

/** One report as a row of the histories: the status and numbers of each check, and its alert count. */
function historyRow(r: Report) {
  const p = obj(r.json.performanceDrift),
    f = obj(r.json.dataFreshness),
    c = obj(r.json.correlation),
    m = obj(r.json.modelDrift);
  return {
    date: r.date,
    model_drift: s(m.status),
    weak_days: n(m.weakDays),
    live_sharpe: n(p.liveSharpe),
    backtest_sharpe: n(p.backtestSharpe),
    sharpe_change: n(p.sharpeChange),
    sharpe_limit: n(p.threshold),
    returns: n(p.observations),
    performance_drift: s(p.status),
    last_data_date: s(f.lastDataDate),
    days_behind: n(f.tradingDaysBehind),
    stale_after: n(f.threshold),
    freshness: s(f.status),
    held: Array.isArray(c.symbols) ? c.symbols.length : 0,
    observations: n(c.observations),
    avg_correlation: n(c.averageCorrelation),
    diversification: n(c.diversificationScore),
    effective_bets: n(c.effectiveBets),
    correlation_limit: n(c.threshold),
    correlation: s(c.status),
    alerts: Array.isArray(r.json.alerts) ? r.json.alerts.length : 0,
  };
}

/** One report's row of the histories. */
type History = ReturnType<typeof historyRow>;

/** The performance, data and book section: Sharpe ratio, freshness, correlation, diversification, every report. */
function historySection(reports: Report[], L: Json): SafeHtml[] {
  // Histories, one point per report.
  const { kept, per } = thinReports(reports);
  const hist = kept.map(historyRow);
  return [
    html`<h2>Performance, data and the book</h2><p class="note">One point per monitoring report, ${per}.</p>`,
    sharpeFigure(hist, L),
    freshnessFigure(hist, L),
    correlationFigure(hist, L),
    diversificationFigure(hist),
    join([
      html`<details><summary>Every monitoring report (${hist.length})</summary>`,
      html`${dataTable(hist, { maxRows: 1000, format: { sharpe_change: pct } })}</details>`,
    ]),
  ];
}

/** The live Sharpe ratio against the backtest's, with the band outside which performance drift is flagged. */
function sharpeFigure(hist: History[], L: Json): SafeHtml {
  const th = obj(L.thresholds),
    pd = obj(L.performanceDrift);
  const hp = dated(hist);
  const perf = hp.filter((h) => h.live_sharpe !== null);
  const band = hp
    .filter((h) => h.backtest_sharpe !== null && h.sharpe_limit !== null)
    .map((h) => ({
      date: h.date,
      lo: h.backtest_sharpe! - h.sharpe_limit! * Math.abs(h.backtest_sharpe!),
      hi: h.backtest_sharpe! + h.sharpe_limit! * Math.abs(h.backtest_sharpe!),
    }));
  return figure({
    title: "Live Sharpe ratio against the backtest",
    subtitle:
      `Annualized Sharpe ratio of the paper book's daily returns so far (line) against the champion's ` +
      `backtest Sharpe ratio (dashed); the band is the backtest ± ${formatPercent(n(pd.threshold) ?? NaN, 0)} of it ` +
      `— outside it, performance drift is flagged (after ${s(th.minSharpeObservations)} daily returns).`,
    data: hist.map((h) => ({
      date: h.date,
      returns: h.returns,
      live_sharpe: h.live_sharpe,
      backtest_sharpe: h.backtest_sharpe,
      sharpe_change: h.sharpe_change,
      status: h.performance_drift,
    })),
    table: { maxRows: 400, format: { sharpe_change: pct } },
    plot: {
      height: 260,
      x: { type: "utc", label: "Report date" },
      y: { label: "Sharpe ratio (annualized)", grid: true },
      marks: [
        Plot.areaY(band, { x: "date", y1: "lo", y2: "hi", fill: PALETTE[1], fillOpacity: 0.15 }),
        Plot.lineY(
          hp.filter((h) => h.backtest_sharpe !== null),
          { x: "date", y: "backtest_sharpe", stroke: PALETTE[1], strokeDasharray: "4,3" },
        ),
        Plot.lineY(perf, { x: "date", y: "live_sharpe", stroke: PALETTE[0], strokeWidth: 1.8 }),
        Plot.ruleY([0]),
      ],
    },
  });
}

/** Trading days between the last price date and each report's date, against the staleness limit (dashed). */
function freshnessFigure(hist: History[], L: Json): SafeHtml {
  const df = obj(L.dataFreshness);
  const hp = dated(hist);
  return figure({
    title: "Data freshness",
    subtitle:
      `Trading days (Mon–Fri) between the last price date and each report's date; above ${s(df.threshold)} ` +
      `(dashed) the data is stale and a critical alert is raised.`,
    data: hist.map((h) => ({
      date: h.date,
      last_data_date: h.last_data_date,
      days_behind: h.days_behind,
      status: h.freshness,
    })),
    table: { maxRows: 400 },
    plot: {
      height: 180,
      x: { type: "utc", label: "Report date" },
      y: {
        label: "Trading days behind (days)",
        grid: true,
        domain: [0, Math.max(2, (n(df.threshold) ?? 1) + 1, ...hist.map((h) => h.days_behind ?? 0))],
      },
      marks: [
        Plot.ruleX(
          hp.filter((h) => h.days_behind !== null),
          {
            x: "date",
            y1: 0,
            y2: "days_behind",
            stroke: (h: { freshness: string }) => (h.freshness === "ok" ? PALETTE[4] : PALETTE[2]),
            strokeWidth: 2,
          },
        ),
        Plot.dot(
          hp.filter((h) => h.days_behind !== null),
          {
            x: "date",
            y: "days_behind",
            r: 1.5,
            fill: (h: { freshness: string }) => (h.freshness === "ok" ? PALETTE[4] : PALETTE[2]),
          },
        ),
        Plot.ruleY([n(df.threshold) ?? 1], { stroke: "#c0392b", strokeDasharray: "4,3" }),
      ],
    },
  });
}

/** The average pairwise correlation of the names held, against the concentration limit (dashed). */
function correlationFigure(hist: History[], L: Json): SafeHtml {
  const th = obj(L.thresholds),
    co = obj(L.correlation);
  const hp = dated(hist);
  return figure({
    title: "Average pairwise correlation of the book",
    subtitle:
      `Mean Pearson correlation ρ̄ between the daily returns of the names held, over the ` +
      `last ${s(th.correlationWindow)} price dates; above ${s(co.threshold)} (dashed) the book is flagged as ` +
      `concentrated.`,
    data: hist.map((h) => ({
      date: h.date,
      held: h.held,
      observations: h.observations,
      avg_correlation: h.avg_correlation,
      status: h.correlation,
    })),
    table: { maxRows: 400 },
    plot: {
      height: 220,
      x: { type: "utc", label: "Report date" },
      y: {
        label: "Average pairwise correlation (ρ̄)",
        grid: true,
        domain: [Math.min(0, ...hist.map((h) => h.avg_correlation ?? 0)), 1],
      },
      marks: [
        Plot.ruleY([0]),
        Plot.ruleY([n(co.threshold) ?? 0.7], { stroke: "#c0392b", strokeDasharray: "4,3" }),
        Plot.lineY(
          hp.filter((h) => h.avg_correlation !== null),
          { x: "date", y: "avg_correlation", stroke: PALETTE[3], strokeWidth: 1.8 },
        ),
      ],
    },
  });
}

/** The names held and the effective bets they amount to. */
function diversificationFigure(hist: History[]): SafeHtml {
  const bets = dated(hist).flatMap((h) => [
    { date: h.date, measure: "names held", value: h.held },
    ...(h.effective_bets === null ? [] : [{ date: h.date, measure: "effective bets", value: h.effective_bets }]),
  ]);
  return figure({
    title: "Diversification",
    subtitle:
      "Names held and effective bets N / (1 + (N − 1)·ρ̄): how many independent names of equal volatility the book " +
      "behaves like. The diversification score in the table is effective bets per name.",
    data: hist.map((h) => ({
      date: h.date,
      held: h.held,
      effective_bets: h.effective_bets,
      diversification: h.diversification,
    })),
    table: { maxRows: 400 },
    plot: {
      height: 220,
      x: { type: "utc", label: "Report date" },
      y: { label: "Names (count)", grid: true },
      color: { legend: true, domain: ["names held", "effective bets"], range: ["#8c959f", PALETTE[4]] },
      marks: [Plot.ruleY([0]), Plot.lineY(bets, { x: "date", y: "value", stroke: "measure", strokeWidth: 1.6 })],
    },
  });
}

/** The alerts the monitoring reports raised, each dated by its report when it has no date of its own. */
function reportedAlerts(reports: Report[]): Json[] {
  return reports.flatMap((r) =>
    (Array.isArray(r.json.alerts) ? r.json.alerts : []).map((a) => {
      const x = obj(a);
      return {
        date: s(x.date) || r.date,
        severity: s(x.severity),
        key: redactUrls(s(x.key)),
        title: redactUrls(s(x.title)),
        message: redactUrls(s(x.message)),
      };
    }),
  );
}

/** Alerts counted per date and severity. */
type DayAlerts = { date: string; severity: string; alerts: number };

/** The number of alerts of each severity on each valid date, by date then severity. */
function alertsPerDay(raised: Json[]): DayAlerts[] {
  const counts = new Map<string, DayAlerts>();
  for (const a of raised) {
    const k = `${s(a.date)}\t${s(a.severity)}`;
    const c = counts.get(k) ?? { date: s(a.date), severity: s(a.severity), alerts: 0 };
    c.alerts++;
    counts.set(k, c);
  }
  return [...counts.values()]
    .filter((c) => /^\d{4}-\d{2}-\d{2}$/.test(c.date))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.severity < b.severity ? -1 : 1));
}

/** The alerts per day stacked by severity, over the dates of the reports when there are any. */
function alertFigure(perDay: DayAlerts[], reports: Report[]): SafeHtml {
  const sev = ["critical", "warning", "info"];
  const total = new Map<string, number>();
  for (const d of perDay) total.set(d.date, (total.get(d.date) ?? 0) + d.alerts);
  const most = Math.max(1, ...total.values());
  return figure({
    title: "Alerts by day and severity",
    subtitle: "Alerts raised per trading date (the date each alert concerns), stacked by severity.",
    data: perDay,
    table: { maxRows: 400 },
    plot: {
      height: 180,
      x: {
        type: "utc",
        label: "Date",
        ...(reports.length
          ? {
              domain: [
                utcDate(reports[0].date),
                new Date(utcDate(reports[reports.length - 1].date).getTime() + 86_400_000),
              ],
            }
          : {}),
      },
      y: { label: "Alerts (count)", grid: true, domain: [0, most], ticks: Math.min(5, most), tickFormat: "d" },
      color: { legend: true, domain: sev, range: ["#c0392b", "#edc948", "#4e79a7"] },
      marks: [
        Plot.rectY(dated(perDay), { x: "date", interval: "day", y: "alerts", fill: "severity", order: sev }),
        Plot.ruleY([0]),
      ],
    },
  });
}

/** The alerts section: where they come from, then the figure by day and every alert, newest first. */
function alertSection(reports: Report[], logged: Json[]): SafeHtml[] {
  // Alerts: the log when present, else what the monitoring reports raised.
  const raised = logged.length ? logged : reportedAlerts(reports);
  const parts = [
    join([
      html`<h2>Alerts</h2><p class="note">`,
      logged.length
        ? join([
            html`Every alert accepted by the alert channels (<code>${ALERTS_FILE}</code>`,
            join([
              html`: paper-trading and monitoring alerts, after the cooldown), with its webhook delivery state. Links `,
              html`are `,
            ]),
            html`not shown.`,
          ])
        : html`No alert log; the alerts of the monitoring reports.`,
      html`</p>`,
    ]),
  ];
  if (!raised.length) return [...parts, html`<p class="note">No alert raised.</p>`];
  const perDay = alertsPerDay(raised);
  if (perDay.length) parts.push(alertFigure(perDay, reports));
  parts.push(dataTable([...raised].reverse(), { maxRows: 500 }));
  return parts;
}

export const monitoringPage: PageBuilder = {
  file: "monitoring.html",
  label: "Monitoring",
  title: "Monitoring",
  needs: [],
  live: {
    describe:
      `the daily monitoring reports ${PAPER_REPORTS_DIR}/<date>/monitoring.json ` + `and the alert log ${ALERTS_FILE}`,
    exists: (catalog) => monitoringFiles(catalog).length > 0 || existsSync(alertsPath(catalog)),
  },
  async build({ catalog }: SiteContext): Promise<SafeHtml> {
    const reports = readReports(catalog);
    const parts: SafeHtml[] = [];
    const latest = reports[reports.length - 1];
    if (latest) {
      parts.push(latestCards(latest));
      parts.push(...signalSection(reports, latest.json));
      parts.push(...historySection(reports, latest.json));
    }
    parts.push(...alertSection(reports, readAlerts(alertsPath(catalog))));
    return html`${pageHead(reports)}${parts}`;
  },
};
