/**
 * Tree-structured Parzen Estimator sampler (Bergstra, Bardenet, Bengio & Kégl, "Algorithms for
 * Hyper-Parameter Optimization", NeurIPS 2011, §4).
 *
 * Instead of modelling p(y | x), TPE models p(x | y) with two densities: l(x) from the
 * observations whose objective is among the best γ-quantile ("good") and g(x) from the rest
 * ("bad"). Expected improvement is monotone in l(x)/g(x) (eq. 2–4), so the sampler draws
 * `nCandidates` points from l and keeps the one maximizing l/g.
 *
 * Like hyperopt's and Optuna's default TPE this is univariate: each parameter has its own
 * pair of estimators and is chosen independently.
 *  - Numeric parameters (in the internal coordinate of space.ts): a mixture of truncated
 *    normals, one per observation plus one prior component N((lo+hi)/2, hi−lo) of weight
 *    `priorWeight`; each observation's bandwidth is the larger distance to its sorted
 *    neighbours (the bounds at the ends), clipped to [(hi−lo)/min(100, 1+n), hi−lo]
 *    (hyperopt's adaptive Parzen estimator, `adaptive_parzen_normal`).
 *  - Categorical parameters: category counts plus `priorWeight` / #choices, normalized.
 *
 * Trial ranking: completed trials by objective (best first), then pruned trials — a pruned
 * trial was below the median, so it always counts as "bad" (ordered by folds survived, then
 * running mean, which only matters for the bad set's composition).
 * nGood = ⌈γ·n⌉ (at least 1). Until `nStartupTrials` observations exist, it samples the prior.
 */
import type { Rng } from "../../../core/rng.ts";
import {
  fromInternal,
  internalBounds,
  samplePrior,
  toInternal,
  type Categorical,
  type ParamSpec,
  type ParamValues,
  type SearchSpace,
} from "./space.ts";
import { exp, log } from "../../../core/math/index.ts";

export interface TpeOptions {
  /** Fraction of observations forming the "good" density l(x) (default 0.25, as hyperopt). */
  gamma: number;
  /** Candidates drawn from l(x) per parameter (default 24, as hyperopt and Optuna). */
  nCandidates: number;
  /** Trials sampled from the prior before TPE starts (default 10, as Optuna). */
  nStartupTrials: number;
  /** Weight of the prior component in each estimator (default 1). */
  priorWeight: number;
}

export const DEFAULT_TPE_OPTIONS: TpeOptions = { gamma: 0.25, nCandidates: 24, nStartupTrials: 10, priorWeight: 1 };

/** What the sampler needs to know about a finished trial. */
export interface TpeObservation {
  params: ParamValues;
  /** Objective to maximize (the study flips the sign for minimize); NaN ranks last. */
  value: number;
  pruned: boolean;
  /** Folds evaluated (pruned trials: before pruning). */
  folds: number;
}

/** Good/bad split of observations (indices into `obs`), per the ranking in the file comment. */
export function splitObservations(obs: TpeObservation[], gamma: number): { good: number[]; bad: number[] } {
  const key = (o: TpeObservation) => (Number.isNaN(o.value) ? -Infinity : o.value);
  const order = obs
    .map((_, i) => i)
    .sort((a, b) => {
      const A = obs[a],
        B = obs[b];
      if (A.pruned !== B.pruned) return A.pruned ? 1 : -1;
      if (A.pruned && A.folds !== B.folds) return B.folds - A.folds;
      return key(B) - key(A) || a - b;
    });
  const nComplete = obs.filter((o) => !o.pruned).length;
  const nGood = Math.min(Math.max(1, Math.ceil(gamma * obs.length)), Math.max(1, nComplete));
  return { good: order.slice(0, nGood), bad: order.slice(nGood) };
}

// ---------------------------------------------------------------- Parzen estimator (numeric)

interface Mixture {
  mu: Float64Array;
  sigma: Float64Array;
  w: Float64Array;
  lo: number;
  hi: number;
  logZ: Float64Array;
}

/** Φ(x): standard normal CDF via erfc (Numerical Recipes in C, 2nd ed., §6.2, `erfcc`: fractional error < 1.2e-7). */
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

function parzen(points: number[], lo: number, hi: number, priorWeight: number): Mixture {
  const n = points.length;
  const range = hi - lo;
  const mus = [...points, (lo + hi) / 2];
  const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b] || a - b);
  const sorted = order.map((i) => mus[i]);
  const sigma = new Float64Array(n + 1);
  const minSigma = range / Math.min(100, 1 + n);
  order.forEach((orig, r) => {
    const left = r > 0 ? sorted[r] - sorted[r - 1] : sorted[r] - lo;
    const right = r < n ? sorted[r + 1] - sorted[r] : hi - sorted[r];
    sigma[orig] = Math.min(range, Math.max(minSigma, left, right));
  });
  sigma[n] = range; // the prior component
  const w = new Float64Array(n + 1).fill(1);
  w[n] = priorWeight;
  let sw = 0;
  for (const v of w) sw += v;
  for (let i = 0; i <= n; i++) w[i] /= sw;
  const mu = Float64Array.from(mus);
  const logZ = Float64Array.from(mu, (m, i) =>
    log(Math.max(1e-300, normCdf((hi - m) / sigma[i]) - normCdf((lo - m) / sigma[i]))),
  );
  return { mu, sigma, w, lo, hi, logZ };
}

function mixtureSample(m: Mixture, rng: Rng): number {
  let u = rng.next(),
    k = 0;
  while (k < m.w.length - 1 && u >= m.w[k]) {
    u -= m.w[k];
    k++;
  }
  // Truncated normal by rejection: the mean lies in [lo, hi] and σ ≤ hi − lo, so at least
  // ~34% of draws land inside; after 100 misses fall back to a uniform draw (never seen).
  for (let tries = 0; tries < 100; tries++) {
    const x = m.mu[k] + m.sigma[k] * rng.normal();
    if (x >= m.lo && x <= m.hi) return x;
  }
  return m.lo + (m.hi - m.lo) * rng.next();
}

function mixtureLogPdf(m: Mixture, x: number): number {
  let best = -Infinity;
  const terms = new Float64Array(m.w.length);
  for (let k = 0; k < m.w.length; k++) {
    const z = (x - m.mu[k]) / m.sigma[k];
    terms[k] = log(m.w[k]) - 0.5 * z * z - log(m.sigma[k]) - 0.5 * log(2 * Math.PI) - m.logZ[k];
    if (terms[k] > best) best = terms[k];
  }
  let s = 0;
  for (const t of terms) s += exp(t - best);
  return best + log(s);
}

function sampleNumeric(
  s: Exclude<ParamSpec, { type: "categorical" }>,
  good: number[],
  bad: number[],
  o: TpeOptions,
  rng: Rng,
): number {
  const [lo, hi] = internalBounds(s);
  if (!(hi > lo)) return s.low;
  const l = parzen(
    good.map((x) => toInternal(s, x)),
    lo,
    hi,
    o.priorWeight,
  );
  const g = parzen(
    bad.map((x) => toInternal(s, x)),
    lo,
    hi,
    o.priorWeight,
  );
  let bestX = NaN,
    bestScore = -Infinity;
  for (let c = 0; c < o.nCandidates; c++) {
    // Integers are scored at the rounded value they will take.
    const u = toInternal(s, fromInternal(s, mixtureSample(l, rng)));
    const score = mixtureLogPdf(l, u) - mixtureLogPdf(g, u);
    if (score > bestScore) {
      bestScore = score;
      bestX = u;
    }
  }
  return fromInternal(s, bestX);
}

function sampleCategorical(
  s: Extract<ParamSpec, { type: "categorical" }>,
  good: Categorical[],
  bad: Categorical[],
  o: TpeOptions,
  rng: Rng,
): Categorical {
  const K = s.choices.length;
  const weights = (vals: Categorical[]) => {
    const w = new Float64Array(K).fill(o.priorWeight / K);
    for (const v of vals) {
      const i = s.choices.indexOf(v);
      if (i >= 0) w[i] += 1;
    }
    let sum = 0;
    for (const v of w) sum += v;
    return w.map((v) => v / sum);
  };
  const l = weights(good),
    g = weights(bad);
  let best = 0,
    bestScore = -Infinity;
  for (let c = 0; c < o.nCandidates; c++) {
    let u = rng.next(),
      k = 0;
    while (k < K - 1 && u >= l[k]) {
      u -= l[k];
      k++;
    }
    const score = log(l[k]) - log(g[k]);
    if (score > bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return s.choices[best];
}

/** Next parameter set given the observations so far (prior samples during start-up). */
export function sampleTpe(
  space: SearchSpace,
  observations: TpeObservation[],
  rng: Rng,
  options: Partial<TpeOptions> = {},
): ParamValues {
  const o: TpeOptions = { ...DEFAULT_TPE_OPTIONS, ...options };
  const names = Object.keys(space).sort();
  const out: ParamValues = {};
  if (observations.length < Math.max(1, o.nStartupTrials)) {
    for (const name of names) out[name] = samplePrior(space[name], rng);
    return out;
  }
  const { good, bad } = splitObservations(observations, o.gamma);
  for (const name of names) {
    const s = space[name];
    // Parameters missing from an observation (a space changed mid-study) are skipped.
    const vals = (idx: number[]) => idx.map((i) => observations[i].params[name]).filter((v) => v !== undefined);
    if (s.type === "categorical") out[name] = sampleCategorical(s, vals(good), vals(bad), o, rng);
    else out[name] = sampleNumeric(s, vals(good) as number[], vals(bad) as number[], o, rng);
  }
  return out;
}
