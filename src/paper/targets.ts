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
  /** A blend's expected net exposure (Σ share × each long-only part's scale); single models derive it from params. */
  expectedNet?: number;
}

export function targetWeights(
  market: DecisionMarket,
  scores: Scores,
  params: ChampionParams,
  current: Float64Array,
): TargetResult {
  const raw = rawTargets(market, scores, params);
  if (!raw.decision) return raw;
  return withTradingRules(raw.decision, raw.decision.weights, params, current);
}

/** One model of a blend: its scores at P, its params, and its share of the book. */
export interface BlendPart {
  scores: Scores;
  params: ChampionParams;
  share: number;
}

/**
 * A rollout's targets (src/paper/rollout.ts): each model's own decision at P, its weights scaled
 * by its share of the book and summed, then the first part's trading rules (no-trade band,
 * turnover cap) against the book held. A part without a decision (no eligible name) keeps its
 * share in cash rather than handing it to the other model. The blend's `scale` is the
 * share-weighted scale of the parts, its notes and fallbacks theirs, prefixed by the share.
 */
export function blendTargets(market: DecisionMarket, parts: readonly BlendPart[], current: Float64Array): TargetResult {
  const N = market.panel.nAssets;
  const weights = new Float64Array(N);
  const skipped: string[] = [];
  let blended = null as Decision | null;
  let net = 0;
  for (const part of parts) {
    const r = rawTargets(market, part.scores, part.params);
    const tag = `${Math.round(part.share * 100)} % share`;
    if (!r.decision) {
      skipped.push(`${tag}: ${r.skipped}`);
      continue;
    }
    const d = r.decision;
    for (let i = 0; i < N; i++) weights[i] += part.share * d.weights[i];
    if (part.params.selection.side === "long") net += part.share * d.scale;
    const prev: Decision | null = blended;
    blended = {
      ...(prev ?? d),
      weights,
      scale: (prev?.scale ?? 0) + part.share * d.scale,
      fallbacks: [...(prev?.fallbacks ?? []), ...d.fallbacks.map((f) => `${tag}: ${f}`)],
      notes: [...(prev?.notes ?? []), ...d.notes],
    };
  }
  if (!blended) return { weights: new Float64Array(N).fill(NaN), decision: null, skipped: skipped.join("; ") };
  const out = withTradingRules(blended, weights, parts[0].params, current);
  return { ...out, skipped: skipped.length ? skipped.join("; ") : null, expectedNet: net };
}

/** The optimizer's decision at the panel's last row, before the trading rules. */
function rawTargets(market: DecisionMarket, scores: Scores, params: ChampionParams): TargetResult {
  const { panel } = market;
  const N = panel.nAssets,
    T = panel.nRows,
    t = T - 1;
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
  return { weights: decisions[0].weights, decision: decisions[0], skipped: null };
}

/** The no-trade band and turnover cap of `params` applied to `target` against the book held. */
function withTradingRules(
  d: Decision,
  target: Float64Array,
  params: ChampionParams,
  current: Float64Array,
): TargetResult {
  if (current.length !== target.length)
    throw new StrataError(
      "ARGUMENT",
      `targetWeights: current has ${current.length} weights for ${target.length} symbols`,
    );
  const band = params.trading.band,
    maxTurnover = params.trading.max_turnover ?? Infinity;
  if (band === 0 && maxTurnover === Infinity) return { weights: target, decision: d, skipped: null };
  const r = rebalance(target, current, { band, maxTurnover });
  for (const i of r.held) r.weights[i] = NaN;
  return { weights: r.weights, decision: d, skipped: null };
}
