/**
 * Correlation monitor: how much the held names move together.
 *
 * Returns are close-to-close over the last `correlationWindow` price dates ≤ asOf; only dates
 * on which every held name has a return enter (complete cases, so every pair is measured on
 * the same days). ρ̄ is the mean Pearson correlation over the N(N−1)/2 pairs.
 *
 * Diversification: an equal-weighted book of N names with equal volatility σ and average
 * pairwise correlation ρ̄ has variance σ²(1/N + (1 − 1/N)ρ̄), i.e. that of
 *   N_eff = N / (1 + (N − 1)ρ̄)
 * independent names ("effective number of bets"). The score is N_eff / N = 1 / (1 + (N − 1)ρ̄):
 * 1 for uncorrelated names, 1/N when they all move as one.
 */
import { pearson } from "../quant/stats/pearson.ts";
import type { CorrelationMonitor, MonitorThresholds, PriceRow, WeightRow } from "./types.ts";

/** The latest weights date ≤ asOf and its names with a non-zero weight, sorted. */
export function heldNames(weights: readonly WeightRow[], asOf: string): { date: string | null; symbols: string[] } {
  let date: string | null = null;
  for (const w of weights) if (w.date <= asOf && (date === null || w.date > date)) date = w.date;
  if (date === null) return { date: null, symbols: [] };
  const symbols = new Set<string>();
  for (const w of weights)
    if (w.date === date && Number.isFinite(w.weight) && Math.abs(w.weight) > 1e-12) symbols.add(w.symbol);
  return { date, symbols: [...symbols].sort() };
}

export function correlationMonitor(
  prices: readonly PriceRow[],
  weights: readonly WeightRow[],
  asOf: string,
  t: Pick<MonitorThresholds, "correlationWindow" | "maxAverageCorrelation" | "minCorrelationObservations">,
): CorrelationMonitor {
  const held = heldNames(weights, asOf);
  const symbols = held.symbols;
  const empty: CorrelationMonitor = {
    status: "insufficient-data",
    symbols,
    weightsDate: held.date,
    observations: 0,
    averageCorrelation: null,
    diversificationScore: null,
    effectiveBets: null,
    threshold: t.maxAverageCorrelation,
  };
  if (symbols.length < 2) return empty;
  const index = new Map(symbols.map((s, i) => [s, i]));
  const closes = new Map<string, Float64Array>();
  for (const p of prices) {
    if (p.date > asOf) continue;
    const i = index.get(p.symbol);
    if (i === undefined) continue;
    let row = closes.get(p.date);
    if (!row) closes.set(p.date, (row = new Float64Array(symbols.length).fill(NaN)));
    row[i] = p.close;
  }
  // The window is counted on the dates the held names trade (all price dates ≤ asOf of them).
  const dates = [...closes.keys()].sort().slice(-(t.correlationWindow + 1));
  const series: number[][] = symbols.map(() => []);
  for (let d = 1; d < dates.length; d++) {
    const prev = closes.get(dates[d - 1])!,
      cur = closes.get(dates[d])!;
    const r = symbols.map((_, i) => (prev[i] > 0 && cur[i] > 0 ? cur[i] / prev[i] - 1 : NaN));
    if (!r.every(Number.isFinite)) continue;
    r.forEach((v, i) => series[i].push(v));
  }
  const observations = series[0].length;
  let sum = 0,
    pairs = 0;
  for (let i = 0; i < symbols.length; i++) {
    for (let j = i + 1; j < symbols.length; j++) {
      const c = pearson(series[i], series[j]);
      if (Number.isFinite(c)) {
        sum += c;
        pairs++;
      }
    }
  }
  if (pairs === 0) return { ...empty, observations };
  const avg = sum / pairs,
    n = symbols.length;
  const score = 1 / (1 + (n - 1) * avg);
  const status =
    observations < t.minCorrelationObservations ? "insufficient-data" : avg > t.maxAverageCorrelation ? "review" : "ok";
  return {
    status,
    symbols,
    weightsDate: held.date,
    observations,
    averageCorrelation: avg,
    diversificationScore: Number.isFinite(score) ? score : null,
    effectiveBets: Number.isFinite(score) ? n * score : null,
    threshold: t.maxAverageCorrelation,
  };
}
