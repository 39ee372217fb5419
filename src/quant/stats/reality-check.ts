import { forEachBootstrapMeans, differentialMatrix, type MultipleComparisonOptions } from "./multiple-comparison.ts";

export interface RealityCheckResult {
  /** V = max_k √T·d̄_k. */
  statistic: number;
  /** Bootstrap p-value of H0: no strategy beats the benchmark (max_k E[d_k] ≤ 0). */
  pValue: number;
  /** Column with the largest mean differential. */
  best: number;
  blockLength: number;
  resamples: number;
}

/**
 * White's Reality Check for data snooping (White 2000, "A Reality Check for Data Snooping",
 * Econometrica 68(5)): is the best of K strategies better than the benchmark once the search
 * over all K is accounted for? Input: one column per strategy of performance differentials
 * d_{t,k} (e.g. `performanceDifferentials(returns, benchmark)`; larger is better), T rows.
 *   V = max_k √T·d̄_k,   V*_b = max_k √T·(d̄*_{k,b} − d̄_k),   p = #{b : V*_b ≥ V} / B,
 * d̄*_{k,b} the column means of the b-th stationary-bootstrap resample of the rows (Politis &
 * Romano 1994; the same rows for every column). The null is imposed at its least favourable
 * point (every E[d_k] = 0), so poor strategies make the test conservative — see `spaTest`.
 */
export function realityCheck(
  differentials: ReadonlyArray<ArrayLike<number>>,
  opts: MultipleComparisonOptions,
): RealityCheckResult {
  const m = differentialMatrix(differentials, opts, "realityCheck");
  const { means, cols: K, rows: T } = m;
  const rootT = Math.sqrt(T);
  let best = 0;
  for (let k = 1; k < K; k++) if (means[k] > means[best]) best = k;
  const statistic = rootT * means[best];
  let exceed = 0;
  forEachBootstrapMeans(m, opts.rng, (star) => {
    let v = -Infinity;
    for (let k = 0; k < K; k++) {
      const z = rootT * (star[k] - means[k]);
      if (z > v) v = z;
    }
    if (v >= statistic) exceed++;
  });
  return { statistic, pValue: exceed / m.resamples, best, blockLength: m.blockLength, resamples: m.resamples };
}
