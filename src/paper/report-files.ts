/**
 * The day's report files that are plain data: trades.csv, portfolio_weights.csv and
 * signals.json. Deterministic text (fixed decimals, sorted rows, stable JSON) so the same day
 * gives the same bytes; no wall-clock time inside.
 */
import { stableJson } from "../core/json.ts";
import { EXACT_DECIMALS, roundDecimals } from "../core/round.ts";
import type { DayResult } from "./cycle.ts";

const fix = (v: number | null | undefined, d: number) =>
  v === null || v === undefined || !Number.isFinite(v) ? "" : v.toFixed(d);
const csvText = (s: string | null) => (s === null ? "" : /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One row per order: the proposal and, when executed, its fill. */
export function tradesCsv(r: DayResult): string {
  const fills = new Map(r.fills.map((f) => [f.key, f]));
  const head =
    "date,symbol,side,shares,ref_price,notional,weight_before,weight_target,est_commission,est_slippage,adv_share,liquidity_flag,status,filled_shares,fill_price,commission,slippage,note";
  const rows = r.trades.map((t) => {
    const f = fills.get(t.key);
    const status = r.dryRun ? "proposed" : f ? f.status : "not_submitted";
    const note = [t.note, f?.reason ?? null].filter(Boolean).join("; ") || null;
    return [
      r.date,
      csvText(t.symbol),
      t.side,
      String(t.shares),
      fix(t.refPrice, 4),
      fix(t.notional, 2),
      fix(t.weightBefore, 6),
      fix(t.weightTarget, 6),
      fix(t.estCommission, 2),
      fix(t.estSlippage, 2),
      fix(t.advShare, 6),
      t.liquidityFlag ? "true" : "false",
      status,
      f ? String(f.shares) : "",
      f ? fix(f.price, 4) : "",
      f ? fix(f.commission, 2) : "",
      f ? fix(f.slippage, 2) : "",
      csvText(note),
    ].join(",");
  });
  return [head, ...rows].join("\n") + "\n";
}

/** Target weights of the decision (when one was made) next to the book held at the decision close. */
export function weightsCsv(r: DayResult): string {
  const head = "date,symbol,sector,weight_before,weight_target";
  const rows = [...r.targets]
    .sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
    .map((t) =>
      [
        r.date,
        csvText(t.symbol),
        csvText(t.sector),
        fix(t.weight_before, 8),
        t.weight_target === null ? "held" : fix(t.weight_target, 8),
      ].join(","),
    );
  return [head, ...rows].join("\n") + "\n";
}

/** The raw scores behind the decision (audit trail), with the champion and regime. */
export function signalsJson(r: DayResult): string {
  return stableJson({
    date: r.date,
    decision_date: r.decisionDate,
    rebalance: r.rebalance,
    regime: r.regime,
    source: r.scoreSource,
    champion: r.champion
      ? {
          cell: r.champion.cell,
          model: r.champion.model,
          optimizer: r.champion.optimizer,
          fingerprint: r.champion.fingerprint,
        }
      : null,
    count: r.signals.length,
    scores: r.signals.map((s) => ({ symbol: s.symbol, score: roundDecimals(s.score, EXACT_DECIMALS), rank: s.rank })),
  });
}
