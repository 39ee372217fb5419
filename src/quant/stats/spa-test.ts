import { stationaryBootstrapVariance } from "./block-bootstrap.ts";
import {
  differentialMatrix,
  forEachBootstrapMeans,
  studentize,
  type MultipleComparisonOptions,
} from "./multiple-comparison.ts";
import { log } from "../../core/math/index.ts";

export interface SpaTestResult {
  /** T_SPA = max(0, max_k √T·d̄_k / ω̂_k). */
  statistic: number;
  /**
   * Bootstrap p-values of H0: max_k E[d_k] ≤ 0 under Hansen's three recentrings: lower ≤
   * consistent ≤ upper. "consistent" is the test; "upper" is the Reality Check's
   * least-favourable null, studentized; "lower" is liberal.
   */
  pValues: { lower: number; consistent: number; upper: number };
  /** Column with the largest studentized mean. */
  best: number;
  /** ω̂_k: the standard deviations of √T·d̄_k used to studentize. */
  scales: Float64Array;
  blockLength: number;
  resamples: number;
}

/**
 * Hansen's test for Superior Predictive Ability (Hansen 2005, "A Test for Superior Predictive
 * Ability", Journal of Business & Economic Statistics 23(4)). Input as `realityCheck`: one column
 * of performance differentials d_{t,k} per strategy, larger is better. With ω̂²_k the
 * stationary-bootstrap variance of √T·d̄_k (`stationaryBootstrapVariance`, Hansen's eq. for the
 * kernel with p = 1/blockLength):
 *   T_SPA = max(0, max_k √T·d̄_k/ω̂_k),
 *   T*_b  = max(0, max_k √T·(d̄*_{k,b} − g(d̄_k))/ω̂_k),   p = #{b : T*_b ≥ T_SPA} / B,
 *   g_l(x) = max(x, 0),  g_c(x) = x·1{x ≥ −√(ω̂²_k/T · 2·log log T)},  g_u(x) = x.
 * Studentizing and leaving clearly poor strategies un-recentred (g_c) keep irrelevant
 * alternatives from diluting the power, as they do in the Reality Check. A constant column
 * (ω̂ = 0) counts as certain: +∞ if its mean is positive.
 */
export function spaTest(
  differentials: ReadonlyArray<ArrayLike<number>>,
  opts: MultipleComparisonOptions,
): SpaTestResult {
  const m = differentialMatrix(differentials, opts, "spaTest");
  const { means, cols: K, rows: T } = m;
  const rootT = Math.sqrt(T);
  const scales = new Float64Array(K);
  const column = new Float64Array(T);
  for (let k = 0; k < K; k++) {
    for (let t = 0; t < T; t++) column[t] = m.x[t * K + k];
    scales[k] = Math.sqrt(Math.max(0, stationaryBootstrapVariance(column, m.blockLength)));
  }
  let best = 0,
    top = -Infinity;
  for (let k = 0; k < K; k++) {
    const z = studentize(rootT * means[k], scales[k]);
    if (z > top) {
      top = z;
      best = k;
    }
  }
  const statistic = Math.max(0, top);
  const loglog = 2 * log(log(T));
  const gl = new Float64Array(K),
    gc = new Float64Array(K),
    gu = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const x = means[k];
    const threshold = -Math.sqrt(((scales[k] * scales[k]) / T) * loglog);
    gl[k] = Math.max(x, 0);
    gc[k] = x >= threshold ? x : 0;
    gu[k] = x;
  }
  let nl = 0,
    nc = 0,
    nu = 0;
  forEachBootstrapMeans(m, opts.rng, (star) => {
    let tl = 0,
      tc = 0,
      tu = 0;
    for (let k = 0; k < K; k++) {
      const w = scales[k],
        s = star[k];
      const zl = studentize(rootT * (s - gl[k]), w);
      const zc = studentize(rootT * (s - gc[k]), w);
      const zu = studentize(rootT * (s - gu[k]), w);
      if (zl > tl) tl = zl;
      if (zc > tc) tc = zc;
      if (zu > tu) tu = zu;
    }
    if (tl >= statistic) nl++;
    if (tc >= statistic) nc++;
    if (tu >= statistic) nu++;
  });
  const B = m.resamples;
  return {
    statistic,
    pValues: { lower: nl / B, consistent: nc / B, upper: nu / B },
    best,
    scales,
    blockLength: m.blockLength,
    resamples: B,
  };
}
