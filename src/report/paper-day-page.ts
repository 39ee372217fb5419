/**
 * report.html of a paper-trading day (reports/paper/<date>/, written by `pipeline paper run`):
 * the day's summary, notes, safety violations, alerts, orders with their fills, the book at the
 * close and the top signals. Same day, same bytes.
 *
 * The input is the paper cycle's DayResult (src/paper/cycle.ts), described here by the fields
 * the page reads: this folder may not import src/paper (tests/layers.test.ts), and the CLI,
 * which imports both, passes a DayResult, so tsc checks at that call that the two agree.
 */
import { roundDecimals } from "../core/round.ts";
import { html, join } from "./html.ts";
import { page } from "./page.ts";
import { dataTable, keyValueTable } from "./table.ts";

/** What the page reads of a paper day (a structural subset of src/paper's DayResult). */
export interface PaperDayView {
  date: string;
  status: string;
  dryRun: boolean;
  message: string;
  decisionDate: string | null;
  rebalance: boolean;
  champion: { cell: string; fingerprint: string } | null;
  regime: string | null;
  scoreSource: string | null;
  signals: ReadonlyArray<{ symbol: string; score: number; rank: number }>;
  trades: ReadonlyArray<{
    key: string;
    symbol: string;
    side: string;
    shares: number;
    refPrice: number;
    notional: number;
    weightBefore: number;
    weightTarget: number;
    estCommission: number;
    estSlippage: number;
    advShare: number | null;
    liquidityFlag: boolean;
  }>;
  fills: ReadonlyArray<{ key: string; status: string; shares: number; price: number }>;
  safety: { violations: readonly string[] };
  killSwitch: { triggered: boolean; reason: string | null; rollingSharpe: number | null } | null;
  account: { cash: number; equity: number; daily_return: number | null; costs: number; turnover: number } | null;
  positions: ReadonlyArray<{ symbol: string; shares: number; price: number; value: number; weight: number }>;
  notes: readonly string[];
  alerts: ReadonlyArray<{ severity: string; title: string }>;
}

const pct = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? "—" : `${(v * 100).toFixed(2)}%`;
const money = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? "—"
    : v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The complete, self-contained page (inline CSS, no script). */
export function paperDayPage(r: PaperDayView): string {
  const fills = new Map(r.fills.map((f) => [f.key, f]));
  const summary = keyValueTable([
    ["trade date", r.date],
    ["decision close", r.decisionDate ?? "—"],
    ["status", r.status + (r.dryRun ? " (dry run: nothing executed or recorded)" : "")],
    ["champion", r.champion?.cell ?? "none"],
    ["champion fingerprint", r.champion?.fingerprint.slice(0, 16) ?? "—"],
    ["scores", r.scoreSource ?? "—"],
    ["regime", r.regime ?? "—"],
    ["rebalance day", r.rebalance ? "yes" : "no"],
    ["equity", money(r.account?.equity)],
    ["cash", money(r.account?.cash)],
    ["daily return", pct(r.account?.daily_return)],
    ["costs", money(r.account?.costs)],
    ["turnover", pct(r.account?.turnover)],
    [
      "kill switch",
      r.killSwitch
        ? r.killSwitch.triggered
          ? `TRIGGERED: ${r.killSwitch.reason}`
          : `ok (6-week Sharpe ${r.killSwitch.rollingSharpe === null ? "—" : r.killSwitch.rollingSharpe.toFixed(2)})`
        : "—",
    ],
  ]);
  const trades = r.trades.map((t) => {
    const f = fills.get(t.key);
    return {
      symbol: t.symbol,
      side: t.side,
      shares: t.shares,
      ref_price: t.refPrice,
      notional: Math.round(t.notional * 100) / 100,
      weight_before: pct(t.weightBefore),
      weight_target: pct(t.weightTarget),
      est_cost: Math.round((t.estCommission + t.estSlippage) * 100) / 100,
      adv_share: t.advShare === null ? "—" : pct(t.advShare),
      liquidity: t.liquidityFlag ? "flag" : "",
      status: r.dryRun ? "proposed" : (f?.status ?? "not submitted"),
      filled: f?.shares ?? "—",
      fill_price: f ? roundDecimals(f.price, 4) : "—",
    };
  });
  const positions = r.positions.map((p) => ({
    symbol: p.symbol,
    shares: p.shares,
    price: p.price,
    value: Math.round(p.value * 100) / 100,
    weight: pct(p.weight),
  }));
  const body = join([
    html`\n    <h1>Paper trading — ${r.date}</h1>\n    <p>${r.message}</p>`,
    html`\n    ${summary}\n    `,
    html`${r.notes.length ? html`<h2>Notes</h2><ul>${r.notes.map((n) => html`<li>${n}</li>`)}</ul>` : null}\n    `,
    r.safety.violations.length
      ? html`<h2>Safety violations</h2><ul>${r.safety.violations.map((v) => html`<li>${v}</li>`)}</ul>`
      : null,
    html`\n    `,
    r.alerts.length
      ? html`<h2>Alerts</h2><ul>${r.alerts.map((a) => html`<li><strong>${a.severity}</strong> ${a.title}</li>`)}</ul>`
      : null,
    html`\n    <h2>Orders (${r.trades.length})</h2>\n    `,
    html`${trades.length ? dataTable(trades, { maxRows: 1000 }) : html`<p>No orders.</p>`}\n    <h2>`,
    html`Positions at the close (${positions.length})</h2>\n    `,
    positions.length
      ? dataTable(positions, { maxRows: 1000 })
      : html`<p>No positions${r.dryRun ? " (dry run: the book is not valued)" : ""}.</p>`,
    html`\n    <h2>Top signals</h2>\n    `,
    r.signals.length
      ? dataTable(
          r.signals.slice(0, 25).map((s) => ({ rank: s.rank, symbol: s.symbol, score: s.score })),
          { digits: 4 },
        )
      : html`<p>No scores.</p>`,
  ]);
  return page({ title: `Paper trading ${r.date}`, body });
}
