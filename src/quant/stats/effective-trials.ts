import { StrataError } from "../../core/errors.ts";
import { linkage } from "../portfolio/linkage.ts";
import { pearson } from "./pearson.ts";

export interface TrialClusterOptions {
  /**
   * Two trials are one when the Pearson correlation of their return series is at least this
   * (for every pair inside a cluster: complete linkage). Default 0.9.
   */
  minCorrelation?: number;
}

export interface TrialClusters {
  /** Cluster of each series, 0…count−1, numbered by the first series each cluster holds. */
  labels: Int32Array;
  count: number;
  /** Mean pairwise correlation of the series (off-diagonal, NaN pairs left out); NaN with < 2 series. */
  meanCorrelation: number;
}

/**
 * The effective number of independent trials among return series observed on the same dates:
 * series clustered by correlation, each cluster counted once. The approach of López de Prado
 * (2019, "A Data Science Solution to the Multiple-Testing Crisis in Financial Research",
 * Journal of Financial Data Science 1(1)): near-duplicate configurations are one trial, not
 * many. His ONC algorithm chooses the number of clusters by silhouette scores; here the rule is
 * a fixed, explainable one instead — complete-linkage hierarchical clustering on the distance
 * 1 − ρ, cut at 1 − minCorrelation, so every pair of series inside a cluster correlates at
 * least `minCorrelation`. A constant series (undefined correlation) is its own cluster, except
 * that byte-equal series always share one. Deterministic: ties resolve by series order.
 */
export function clusterTrials(series: readonly ArrayLike<number>[], opts: TrialClusterOptions = {}): TrialClusters {
  const rho = opts.minCorrelation ?? 0.9;
  if (!(rho > -1 && rho <= 1)) {
    throw new StrataError("ARGUMENT", `clusterTrials: minCorrelation must be in (−1, 1], got ${rho}`, {
      hint: "0.9 counts series correlated at ≥ 0.9 as one trial",
    });
  }
  const n = series.length;
  const len = n ? series[0].length : 0;
  for (const [k, s] of series.entries()) {
    if (s.length !== len) {
      throw new StrataError("ARGUMENT", `clusterTrials: series ${k} has ${s.length} values, series 0 has ${len}`, {
        hint: "align every series on the same dates first",
      });
    }
  }
  const d = new Float64Array(n * n);
  // Constant series are found exactly (all values equal): a two-pass correlation of one whose
  // mean is inexact in binary (0.01 ten times) would be rounding noise, not NaN.
  const constant = series.map((s) => {
    for (let i = 1; i < s.length; i++) if (s[i] !== s[0]) return false;
    return true;
  });
  let sum = 0,
    pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let c = constant[i] || constant[j] ? NaN : pearson(series[i], series[j]);
      if (Number.isNaN(c)) c = sameValues(series[i], series[j]) ? 1 : NaN;
      else {
        sum += c;
        pairs++;
      }
      d[i * n + j] = d[j * n + i] = Number.isNaN(c) ? 2 : 1 - c;
    }
  }
  const labels = new Int32Array(n).fill(-1);
  // Union the merges made at or below the cut (merge distances are non-decreasing).
  const cut = 1 - rho + 1e-12;
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  if (n > 1) {
    for (const m of linkage(d, n, "complete")) {
      if (m.distance > cut) break;
      members.push([...members[m.a], ...members[m.b]]);
      members[m.a] = members[m.b] = [];
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] >= 0) continue;
    const group = members.find((g) => g.includes(i))!;
    for (const k of group) labels[k] = count;
    count++;
  }
  return { labels, count, meanCorrelation: pairs ? sum / pairs : NaN };
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
