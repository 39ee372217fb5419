/**
 * Target weights for trade day D: exactly the backtest's decision at the decision close P —
 * src/quant/backtest/signal-portfolio.ts on the trailing panel ending at P with the champion's
 * selection, optimizer, covariance, constraints and vol target — then its trading rules
 * (no-trade band, turnover cap) against the book held at P's close, as the backtest's
 * `decisionRule` applies them.
 *
 * Schedule: P decides when it is the last trading day of its period (week or month) for the
 * champion's `rebalance`, i.e. when the trade day D falls in the next period — the backtest's
 * rule (rebalanceRows, anchor "last") with D as the row after P.
 */
import { StrataError } from "../core/errors.ts";
import { parseIsoDate } from "../store/index.ts";
import { signalPortfolio, type Decision } from "../quant/backtest/signal-portfolio.ts";
import { signalPortfolioOptions } from "../quant/backtest/book-params.ts";
import { rebalanceRows } from "../quant/backtest/schedule.ts";
import { rebalance } from "../quant/portfolio/rebalance.ts";
import type { ChampionParams } from "./champion.ts";
import type { DecisionMarket } from "./market.ts";
import type { Scores } from "./signals.ts";

/** True when the close of `decisionDate` forms a rebalance that trades on `tradeDate`. */
export function isRebalanceDecision(
  decisionDate: string,
  tradeDate: string,
  frequency: "daily" | "weekly" | "monthly",
): boolean {
  const rows = rebalanceRows(Int32Array.of(parseIsoDate(decisionDate)!, parseIsoDate(tradeDate)!), frequency);
  return rows.length > 0 && rows[0] === 0;
}

export interface TargetResult {
  /** Target weight per panel symbol (0 = sell out; NaN = keep as is, held by the no-trade band). */
  weights: Float64Array;
  decision: Decision | null;
  /** Why there is no decision (no eligible name…), or null. */
  skipped: string | null;
}

export function targetWeights(
  market: DecisionMarket,
  scores: Scores,
  params: ChampionParams,
  current: Float64Array,
): TargetResult {
  const { panel } = market;
  const N = panel.nAssets,
    T = panel.nRows,
    t = T - 1;
  if (current.length !== N)
    throw new StrataError("ARGUMENT", `targetWeights: current has ${current.length} weights for ${N} symbols`);
  const matrix = new Float64Array(T * N).fill(NaN);
  panel.symbols.forEach((s, i) => {
    const v = scores.bySymbol.get(s);
    if (v !== undefined) matrix[t * N + i] = v;
  });
  const { decisions, skipped } = signalPortfolio(
    panel.returns,
    matrix,
    N,
    [t],
    signalPortfolioOptions(params, market.sectors, "paper trading (the champion's params)"),
  );
  if (!decisions.length)
    return { weights: new Float64Array(N).fill(NaN), decision: null, skipped: skipped[0]?.reason ?? "no decision" };
  const d = decisions[0];
  const band = params.trading.band,
    maxTurnover = params.trading.max_turnover ?? Infinity;
  if (band === 0 && maxTurnover === Infinity) return { weights: d.weights, decision: d, skipped: null };
  const r = rebalance(d.weights, current, { band, maxTurnover });
  for (const i of r.held) r.weights[i] = NaN;
  return { weights: r.weights, decision: d, skipped: null };
}
