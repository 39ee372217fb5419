/**
 * Baseline strategies every backtest matrix is compared with. Each is point in time: the
 * weights decided at row t use closes and returns of rows ≤ t only.
 *
 * - buy and hold: equal weights in every name trading on the first row, never rebalanced
 *   (weights drift; names listed later are never bought, delisted ones are held at their last
 *   value);
 * - 1/N rebalanced: equal weights in every name trading at each rebalance row (DeMiguel,
 *   Garlappi & Uppal 2009, "Optimal versus naive diversification", RFS 22(5));
 * - 12-1 momentum: score = close[t − skip] / close[t − lookback] − 1 with lookback 252 and
 *   skip 21 rows, the past year's return without the last month (Jegadeesh & Titman 1993,
 *   J. Finance 48(1); the skip avoids the one-month reversal);
 * - short-term reversal: score = −(close[t] / close[t − lookback] − 1), lookback 21 rows, the
 *   last month's losers first (Jegadeesh 1990, J. Finance 45(3); Lehmann 1990, QJE 105(1)).
 * Momentum and reversal then hold the top decile by score, equal-weighted (the stage feeds the
 * scores to signalPortfolio with equal_weight).
 */
import { StrataError } from "../../core/errors.ts";
import type { TargetRow } from "./types.ts";

function shape(close: Float64Array, N: number, where: string): number {
  const T = close.length / N;
  if (!Number.isInteger(T))
    throw new StrataError("ARGUMENT", `${where}: ${close.length} values are not T × N with N = ${N}`);
  return T;
}

/** T × N: close[t − skip] / close[t − lookback] − 1 (NaN when either close is missing or out of range). */
export function momentumScores(close: Float64Array, N: number, lookback = 252, skip = 21): Float64Array {
  const T = shape(close, N, "momentumScores");
  if (!Number.isInteger(lookback) || !Number.isInteger(skip) || skip < 0 || lookback <= skip) {
    throw new StrataError(
      "ARGUMENT",
      `momentumScores: need integers 0 ≤ skip < lookback, got lookback ${lookback}, skip ${skip}`,
      { hint: "12-1 momentum is lookback 252, skip 21" },
    );
  }
  const out = new Float64Array(T * N).fill(NaN);
  for (let t = lookback; t < T; t++) {
    for (let i = 0; i < N; i++) {
      // Only names trading at t get a score (a delisted name's old closes say nothing about now).
      if (close[t * N + i] !== close[t * N + i]) continue;
      out[t * N + i] = close[(t - skip) * N + i] / close[(t - lookback) * N + i] - 1;
    }
  }
  return out;
}

/** T × N: −(close[t] / close[t − lookback] − 1). */
export function reversalScores(close: Float64Array, N: number, lookback = 21): Float64Array {
  const T = shape(close, N, "reversalScores");
  if (!Number.isInteger(lookback) || lookback < 1)
    throw new StrataError("ARGUMENT", `reversalScores: lookback must be an integer ≥ 1, got ${lookback}`);
  const out = new Float64Array(T * N).fill(NaN);
  for (let t = lookback; t < T; t++) {
    for (let i = 0; i < N; i++) out[t * N + i] = -(close[t * N + i] / close[(t - lookback) * N + i] - 1);
  }
  return out;
}

/** Names with a finite return at row t (trading that day, with a previous close). */
function trading(returns: Float64Array, N: number, t: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < N; i++) if (returns[t * N + i] === returns[t * N + i]) out.push(i);
  return out;
}

/** 1/N over the names trading at each of `rows` (rows with none are skipped). */
export function equalWeightTargets(returns: Float64Array, N: number, rows: ArrayLike<number>): TargetRow[] {
  shape(returns, N, "equalWeightTargets");
  const out: TargetRow[] = [];
  for (let k = 0; k < rows.length; k++) {
    const t = rows[k];
    const names = trading(returns, N, t);
    if (names.length === 0) continue;
    const weights = new Float64Array(N);
    for (const i of names) weights[i] = 1 / names.length;
    out.push({ t, weights });
  }
  return out;
}

/** Buy and hold: one decision at `start`, equal weights in the names trading then. */
export function buyAndHoldTargets(returns: Float64Array, N: number, start: number): TargetRow[] {
  return equalWeightTargets(returns, N, [start]);
}
