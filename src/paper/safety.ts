/**
 * Safety checks before execution, and the kill switch after the close.
 *
 * Portfolio (on the target weights): Σw within `weights_sum_tolerance` of the decision's net
 * exposure (1 long-only × the vol-target scale, 0 long-short); every |w| ≤ the position cap;
 * each sector's Σ|w| ≤ the sector cap; gross Σ|w| ≤ the strategy cap.
 * Trades: turnover Σ|notional| / equity ≤ max_turnover; no single trade above max_trade of
 * equity (when large trades block instead of being clipped); total estimated cost ≤ max_cost
 * of equity; every trade priced. Any violation blocks the day's orders (nothing trades) and alerts.
 *
 * Kill switch (after the day's close, on the ledger's daily returns including today): a daily
 * return below −max_daily_loss, or the annualized Sharpe ratio (mean/std, ddof 1, × √252) of
 * the last `sharpe_window` returns below min_sharpe (only once that many returns exist).
 * Triggered: trading halts from the next day until `pipeline paper resume`.
 */
import type { PaperConfig } from "./config.ts";
import type { Trade } from "./trades.ts";

export interface PortfolioCheckInput {
  symbols: readonly string[];
  weights: ArrayLike<number>;
  sectors: readonly string[] | null;
  expectedNet: number;
  maxPosition: number;
  maxSector: number | null;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export function checkPortfolio(x: PortfolioCheckInput, cfg: PaperConfig["safety"]): string[] {
  const out: string[] = [];
  let sum = 0,
    gross = 0;
  const bySector = new Map<string, number>();
  for (let i = 0; i < x.weights.length; i++) {
    const w = x.weights[i];
    if (!(w === w)) continue;
    sum += w;
    gross += Math.abs(w);
    if (Math.abs(w) > x.maxPosition)
      out.push(`position ${x.symbols[i]} ${pct(w)} exceeds the position cap ${pct(x.maxPosition)}`);
    if (x.sectors) bySector.set(x.sectors[i], (bySector.get(x.sectors[i]) ?? 0) + Math.abs(w));
  }
  if (Math.abs(sum - x.expectedNet) > cfg.weights_sum_tolerance)
    out.push(`weights sum to ${pct(sum)}, expected ${pct(x.expectedNet)} ± ${pct(cfg.weights_sum_tolerance)}`);
  if (gross > cfg.max_gross) out.push(`gross exposure ${pct(gross)} exceeds the strategy cap ${pct(cfg.max_gross)}`);
  if (x.maxSector !== null) {
    for (const [s, v] of [...bySector.entries()].sort())
      if (v > x.maxSector) out.push(`sector ${s} ${pct(v)} exceeds the sector cap ${pct(x.maxSector)}`);
  }
  return out;
}

export function checkTrades(
  trades: readonly Trade[],
  equity: number,
  cfg: PaperConfig["safety"],
): { violations: string[]; turnover: number; cost: number } {
  const out: string[] = [];
  let notional = 0,
    cost = 0;
  for (const t of trades) {
    if (!(t.refPrice > 0) || !Number.isFinite(t.refPrice)) out.push(`trade ${t.side} ${t.symbol} has no valid price`);
    notional += t.notional;
    cost += t.estCommission + t.estSlippage;
    if (cfg.on_large_trade === "block" && t.notional > cfg.max_trade * equity)
      out.push(
        `trade ${t.side} ${t.shares} ${t.symbol} is ${pct(t.notional / equity)} of equity, above ` +
          `the ${pct(cfg.max_trade)} limit`,
      );
  }
  const turnover = equity > 0 ? notional / equity : Infinity;
  if (turnover > cfg.max_turnover) out.push(`turnover ${pct(turnover)} exceeds the cap ${pct(cfg.max_turnover)}`);
  if (cost > cfg.max_cost * equity)
    out.push(
      `estimated costs ${cost.toFixed(2)} (${pct(cost / equity)} of equity) exceed the cap ${pct(cfg.max_cost)}`,
    );
  return { violations: out, turnover, cost };
}

export interface KillSwitchResult {
  triggered: boolean;
  reason: string | null;
  dailyReturn: number | null;
  rollingSharpe: number | null;
}

/** `returns`: the ledger's daily returns up to and including today (nulls skipped). */
export function killSwitch(returns: readonly (number | null)[], cfg: PaperConfig["kill_switch"]): KillSwitchResult {
  const r = returns.filter((x): x is number => x !== null && Number.isFinite(x));
  const today = r.length ? r[r.length - 1] : null;
  let sharpe: number | null = null;
  if (r.length >= cfg.sharpe_window) {
    const w = r.slice(-cfg.sharpe_window);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / (w.length - 1));
    sharpe = sd > 0 ? (mean / sd) * Math.sqrt(252) : null;
  }
  if (!cfg.enabled) return { triggered: false, reason: null, dailyReturn: today, rollingSharpe: sharpe };
  if (today !== null && today < -cfg.max_daily_loss) {
    return {
      triggered: true,
      reason: `daily loss ${pct(today)} beyond −${pct(cfg.max_daily_loss)}`,
      dailyReturn: today,
      rollingSharpe: sharpe,
    };
  }
  if (cfg.min_sharpe !== null && sharpe !== null && sharpe < cfg.min_sharpe) {
    return {
      triggered: true,
      reason: `${cfg.sharpe_window}-day Sharpe ratio ${sharpe.toFixed(2)} below ${cfg.min_sharpe}`,
      dailyReturn: today,
      rollingSharpe: sharpe,
    };
  }
  return { triggered: false, reason: null, dailyReturn: today, rollingSharpe: sharpe };
}
