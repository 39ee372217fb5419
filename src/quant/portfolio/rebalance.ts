/**
 * Trading rules between the current and the target weights.
 *
 * 1. No-trade band (hysteresis): a name whose target differs from its current weight by less
 *    than `band` (absolute, decimal) is not traded — it keeps its current weight. This stops
 *    small oscillations around a target from churning the book. The untraded differences can
 *    leave Σw off the target by at most their sum; that drift is reported.
 * 2. Turnover limit: when the remaining trades' turnover Σ|Δw_i| (buys plus sells) exceeds
 *    `maxTurnover`, every trade is scaled by maxTurnover / turnover, i.e. the book moves the
 *    same fraction of the way to the target in every name. Each new weight is then a convex
 *    combination of current and target, so per-name caps, long-only and sector caps that
 *    both satisfy still hold.
 */
import { StrataError } from "../../core/errors.ts";

export interface RebalanceOptions {
  /** No-trade band, absolute weight difference (default 0: trade everything). */
  band?: number;
  /** Cap on Σ|w_new − w_current| (default Infinity). */
  maxTurnover?: number;
}

export interface RebalanceResult {
  weights: Float64Array;
  /** Σ|w_new − w_current|. */
  turnover: number;
  /** Assets left untouched by the band. */
  held: number[];
  /** Σ w_new − Σ target. */
  netDrift: number;
  /** Fraction of each remaining trade executed (1 unless the turnover cap bound). */
  tradeFraction: number;
}

export function rebalance(
  target: ArrayLike<number>,
  current: ArrayLike<number>,
  opts: RebalanceOptions = {},
): RebalanceResult {
  const n = target.length;
  if (current.length !== n) {
    throw new StrataError("ARGUMENT", `rebalance: target has ${n} weights but current has ${current.length}`, {
      hint: "align both on the same assets (0 for names not held)",
    });
  }
  const band = opts.band ?? 0;
  const maxTurnover = opts.maxTurnover ?? Infinity;
  if (!(band >= 0)) throw new StrataError("ARGUMENT", `rebalance: band must be ≥ 0, got ${band}`);
  if (!(maxTurnover >= 0)) throw new StrataError("ARGUMENT", `rebalance: maxTurnover must be ≥ 0, got ${maxTurnover}`);
  const held: number[] = [];
  const trade = new Float64Array(n);
  let turnover = 0;
  for (let i = 0; i < n; i++) {
    const d = target[i] - current[i];
    if (Math.abs(d) < band) {
      held.push(i);
      continue;
    }
    trade[i] = d;
    turnover += Math.abs(d);
  }
  const tradeFraction = turnover > maxTurnover ? maxTurnover / turnover : 1;
  const weights = new Float64Array(n);
  let drift = 0;
  for (let i = 0; i < n; i++) {
    weights[i] = current[i] + tradeFraction * trade[i];
    drift += weights[i] - target[i];
  }
  return { weights, turnover: turnover * tradeFraction, held, netDrift: drift, tradeFraction };
}
