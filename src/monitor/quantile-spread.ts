/**
 * Quantile buckets of one cross-section of scores and the top − bottom spread of their
 * forward returns (the long-short return of a quantile portfolio, equal-weighted).
 *
 * Bucket of a name with average rank r (1..n, ties share their average rank, so tied scores
 * always land in the same bucket): floor((r − 1) · q / n), clamped to q − 1. With n = 10 and
 * q = 5 the ranks 1..10 fall into buckets 0,0,1,1,2,2,3,3,4,4 — two names per quintile, as
 * pandas.qcut(rank, 5) would place them.
 */
import { rank } from "../quant/stats/rank.ts";

export interface QuantileSpread {
  /** Mean forward return per bucket, bottom (0) to top (q − 1); null for an empty bucket. */
  means: (number | null)[];
  /** means[q − 1] − means[0], or null when either bucket is empty. */
  spread: number | null;
}

export function quantileSpread(
  scores: ArrayLike<number>,
  forward: ArrayLike<number>,
  quantiles: number,
): QuantileSpread {
  const n = scores.length;
  const r = rank(scores);
  const sum = new Float64Array(quantiles),
    count = new Int32Array(quantiles);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(r[i]) || !Number.isFinite(forward[i])) continue;
    const b = Math.min(quantiles - 1, Math.floor(((r[i] - 1) * quantiles) / n));
    sum[b] += forward[i];
    count[b]++;
  }
  const means = Array.from(sum, (s, b) => (count[b] > 0 ? s / count[b] : null));
  const top = means[quantiles - 1],
    bottom = means[0];
  return { means, spread: top === null || bottom === null ? null : top - bottom };
}
