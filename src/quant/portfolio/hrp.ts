/**
 * Hierarchical Risk Parity (López de Prado 2016, "Building diversified portfolios that
 * outperform out of sample", J. Portfolio Management 42(4), 59–69; snippets 16.1–16.4 of
 * Advances in Financial Machine Learning, 2018):
 * 1. tree clustering on the correlation distance d_ij = √((1 − ρ_ij)/2) (clipped to [0, 1]),
 *    with the chosen linkage (single in the paper and PyPortfolioOpt's default);
 * 2. quasi-diagonalization: order the assets as the dendrogram's leaves;
 * 3. recursive bisection: split each ordered list into halves L, R; the cluster variance V of a
 *    half is that of its inverse-variance portfolio; α = 1 − V_L/(V_L + V_R) goes to L, 1 − α
 *    to R.
 * As in the paper and PyPortfolioOpt, the linkage is fed the condensed distances (not the
 * Euclidean distances between rows of the distance matrix, a known slip in some ports).
 * Weights are long-only and sum to 1 before scaling to the net target and projecting onto caps.
 */
import { leafOrder, linkage, type LinkageMethod } from "./linkage.ts";
import { covToCorr } from "./covariance.ts";
import type { ResolvedConstraints } from "./constraints.ts";
import type { Matrix } from "./dense.ts";
import { projectOntoConstraints } from "./project.ts";
import type { Attempt } from "./types.ts";

export interface HrpOptions {
  linkage?: LinkageMethod;
  /** Correlation matrix for the clustering (default: implied by the covariance). */
  correlation?: ArrayLike<number>;
}

/** Variance of the inverse-variance portfolio of `items` (PyPortfolioOpt `_get_cluster_var`). */
export function clusterVariance(cov: ArrayLike<number>, n: number, items: readonly number[]): number {
  let s = 0;
  const w = items.map((i) => {
    const v = 1 / cov[i * n + i];
    s += v;
    return v;
  });
  let out = 0;
  for (let a = 0; a < items.length; a++)
    for (let b = 0; b < items.length; b++) out += (w[a] / s) * (w[b] / s) * cov[items[a] * n + items[b]];
  return out;
}

export interface HrpWeights {
  weights: Float64Array;
  /** Quasi-diagonal order of the assets. */
  order: number[];
}

export function hrpWeights(cov: Matrix, n: number, opts: HrpOptions = {}): HrpWeights | string {
  for (let i = 0; i < n; i++) {
    const v = cov[i * n + i];
    if (!(Number.isFinite(v) && v > 0)) return `asset ${i} has variance ${v}; HRP needs every variance finite and > 0`;
  }
  const corr = opts.correlation ?? covToCorr(cov, n);
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const rho = corr[i * n + j];
      if (i !== j && !Number.isFinite(rho)) return `correlation of assets ${i} and ${j} is ${rho}`;
      dist[i * n + j] = i === j ? 0 : Math.sqrt(Math.min(1, Math.max(0, (1 - rho) / 2)));
    }
  }
  const order = leafOrder(linkage(dist, n, opts.linkage ?? "single"), n);
  const w = new Float64Array(n).fill(1);
  let clusters: number[][] = [order];
  while (clusters.length) {
    const next: number[][] = [];
    for (const c of clusters) if (c.length > 1) next.push(c.slice(0, c.length >> 1), c.slice(c.length >> 1));
    for (let k = 0; k < next.length; k += 2) {
      const vl = clusterVariance(cov, n, next[k]),
        vr = clusterVariance(cov, n, next[k + 1]);
      const alpha = vl + vr > 0 ? 1 - vl / (vl + vr) : 0.5;
      for (const i of next[k]) w[i] *= alpha;
      for (const i of next[k + 1]) w[i] *= 1 - alpha;
    }
    clusters = next;
  }
  return { weights: w, order };
}

export function hrpAttempt(cov: Matrix, r: ResolvedConstraints, opts: HrpOptions = {}): Attempt {
  const res = hrpWeights(cov, r.n, opts);
  if (typeof res === "string") return { ok: false, reason: res };
  return projectOntoConstraints(
    res.weights.map((v) => v * r.net),
    r,
  );
}
