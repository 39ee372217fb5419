/**
 * reports/paper/<date>/: trades.csv, portfolio_weights.csv, signals.json (src/paper), the
 * report.html page and monitoring.json. Written into a temp folder and renamed into place, so
 * a killed run leaves either the previous folder or the complete new one. Same day, same bytes.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { stableJson } from "../core/json.ts";
import { signalsJson, tradesCsv, weightsCsv, type DayResult } from "../paper/index.ts";
import { page } from "../report/page.ts";
import { dataTable, keyValueTable } from "../report/table.ts";
import { html } from "../report/html.ts";

const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : `${(v * 100).toFixed(2)}%`);
const money = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

export function reportHtml(r: DayResult): string {
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
    ["kill switch", r.killSwitch ? (r.killSwitch.triggered ? `TRIGGERED: ${r.killSwitch.reason}` : `ok (6-week Sharpe ${r.killSwitch.rollingSharpe === null ? "—" : r.killSwitch.rollingSharpe.toFixed(2)})`) : "—"],
  ]);
  const trades = r.trades.map((t) => {
    const f = fills.get(t.key);
    return {
      symbol: t.symbol, side: t.side, shares: t.shares, ref_price: t.refPrice, notional: Math.round(t.notional * 100) / 100,
      weight_before: pct(t.weightBefore), weight_target: pct(t.weightTarget), est_cost: Math.round((t.estCommission + t.estSlippage) * 100) / 100,
      adv_share: t.advShare === null ? "—" : pct(t.advShare), liquidity: t.liquidityFlag ? "flag" : "", status: r.dryRun ? "proposed" : f?.status ?? "not submitted",
      filled: f?.shares ?? "—", fill_price: f ? Math.round(f.price * 1e4) / 1e4 : "—",
    };
  });
  const positions = r.positions.map((p) => ({ symbol: p.symbol, shares: p.shares, price: p.price, value: Math.round(p.value * 100) / 100, weight: pct(p.weight) }));
  const body = html`
    <h1>Paper trading — ${r.date}</h1>
    <p>${r.message}</p>
    ${summary}
    ${r.notes.length ? html`<h2>Notes</h2><ul>${r.notes.map((n) => html`<li>${n}</li>`)}</ul>` : null}
    ${r.safety.violations.length ? html`<h2>Safety violations</h2><ul>${r.safety.violations.map((v) => html`<li>${v}</li>`)}</ul>` : null}
    ${r.alerts.length ? html`<h2>Alerts</h2><ul>${r.alerts.map((a) => html`<li><strong>${a.severity}</strong> ${a.title}</li>`)}</ul>` : null}
    <h2>Orders (${r.trades.length})</h2>
    ${trades.length ? dataTable(trades, { maxRows: 1000 }) : html`<p>No orders.</p>`}
    <h2>Positions at the close (${positions.length})</h2>
    ${positions.length ? dataTable(positions, { maxRows: 1000 }) : html`<p>No positions${r.dryRun ? " (dry run: the book is not valued)" : ""}.</p>`}
    <h2>Top signals</h2>
    ${r.signals.length ? dataTable(r.signals.slice(0, 25).map((s) => ({ rank: s.rank, symbol: s.symbol, score: s.score })), { digits: 4 }) : html`<p>No scores.</p>`}`;
  return page({ title: `Paper trading ${r.date}`, body });
}

/** Writes reports/paper/<date>/ atomically (temp folder, then rename). */
export function writePaperReport(reportsDir: string, r: DayResult, monitoring: unknown): string {
  const dir = join(reportsDir, r.date);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, "trades.csv"), tradesCsv(r));
  writeFileSync(join(tmp, "portfolio_weights.csv"), weightsCsv(r));
  writeFileSync(join(tmp, "signals.json"), signalsJson(r));
  writeFileSync(join(tmp, "report.html"), reportHtml(r));
  writeFileSync(join(tmp, "monitoring.json"), stableJson(monitoring));
  mkdirSync(dirname(dir), { recursive: true });
  if (existsSync(dir)) {
    const old = `${dir}.old-${process.pid}`;
    renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, dir);
  }
  return dir;
}
