import { StrataError } from "../../core/errors.ts";
import { mean } from "./mean.ts";
import { variance } from "./variance.ts";

export interface TrialSeries {
  /** Identity of the return series (e.g. the hash of its file): equal keys are one trial. */
  key: string;
  /** Its Sharpe ratio (any units, the same for every series). */
  sharpe: number;
  /**
   * Cluster of near-duplicate series (see clusterTrials), when its returns were at hand; series
   * with the same cluster count once. Undefined: a trial of its own.
   */
  cluster?: number;
}

export interface TrialCount {
  /** Distinct return series. */
  returnSeries: number;
  /** Trials without a return series (e.g. hyper-parameter trials scored by another metric). */
  other: number;
  /** returnSeries + other: every configuration tried. */
  raw: number;
  /** Independent units among the return series: clusters plus the series of no cluster. */
  units: number;
  /** units + other: the N the deflated Sharpe ratio uses. */
  effective: number;
  /** Mean and variance (ddof 1; 0 with one unit) of the units' Sharpe ratios — a cluster's is its members' mean. */
  sharpeMean: number;
  sharpeVariance: number;
}

/**
 * How many trials a selection was made from, raw and effective, and the variance of their
 * Sharpe ratios — the N and V[SR] of the deflated Sharpe ratio (Bailey & López de Prado 2014),
 * with López de Prado's (2019) correction: each cluster of correlated series is one trial whose
 * Sharpe ratio is its members' mean, so near-duplicates neither inflate N nor shrink V.
 * `other` trials (no return series, e.g. tuning trials) add to N but not to V.
 * One home for this count: the stats stage writes it, `pipeline trials` and the report read it.
 */
export function countTrials(series: readonly TrialSeries[], other = 0): TrialCount {
  if (!(Number.isInteger(other) && other >= 0))
    throw new StrataError("ARGUMENT", `countTrials: other must be an integer ≥ 0, got ${other}`);
  const byKey = new Map<string, TrialSeries>();
  for (const s of series) {
    if (!Number.isFinite(s.sharpe)) continue;
    const prev = byKey.get(s.key);
    // A key seen with and without a cluster keeps its cluster (the returns were at hand).
    if (!prev || (prev.cluster === undefined && s.cluster !== undefined)) byKey.set(s.key, s);
  }
  const sorted = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const clusters = new Map<number, number[]>();
  const units: number[] = [];
  for (const s of sorted) {
    if (s.cluster === undefined) units.push(s.sharpe);
    else {
      const g = clusters.get(s.cluster);
      if (g) g.push(s.sharpe);
      else clusters.set(s.cluster, [s.sharpe]);
    }
  }
  for (const c of [...clusters.keys()].sort((a, b) => a - b)) units.push(mean(Float64Array.from(clusters.get(c)!)));
  const u = Float64Array.from(units);
  return {
    returnSeries: sorted.length,
    other,
    raw: sorted.length + other,
    units: u.length,
    effective: u.length + other,
    sharpeMean: u.length ? mean(u) : NaN,
    sharpeVariance: u.length > 1 ? variance(u) : 0,
  };
}
