/**
 * Median pruning across cross-validation folds (the rule of Google Vizier's "median stopping"
 * and Optuna's MedianPruner): after fold k, stop a trial whose running mean of the metric over
 * folds 0..k is worse than the median of the completed trials' running means over the same
 * folds. Folds are the "steps": every trial sees the folds in the same order, so the running
 * means are comparable.
 *
 * Never pruned: the first `nWarmupTrials` trials (they build the reference), any trial before
 * fold `nWarmupFolds`, and any trial at its last fold (it is complete; nothing is saved).
 * A running mean that is NaN (the metric was undefined) counts as worst.
 */
export interface MedianPrunerOptions {
  /** Trials (by index) never pruned (default 5). */
  nWarmupTrials: number;
  /** Folds evaluated before pruning may start: prune only after fold index ≥ this (default 0). */
  nWarmupFolds: number;
}

export const DEFAULT_PRUNER_OPTIONS: MedianPrunerOptions = { nWarmupTrials: 5, nWarmupFolds: 0 };

/** Mean of values[0..k]. */
export function runningMean(values: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let i = 0; i <= k; i++) s += values[i];
  return s / (k + 1);
}

/** Median of the finite values (NaN when none). */
export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export interface PruneInput {
  /** Index of the trial being decided. */
  trial: number;
  /** Its metric values for folds 0..k (k = values.length − 1). */
  values: ArrayLike<number>;
  /** Per-fold values of the completed trials (each with every fold). */
  completed: ArrayLike<number>[];
  nFolds: number;
  /** "maximize" (default): lower is worse. */
  direction?: "maximize" | "minimize";
}

/** Whether to prune now (see the file comment). */
export function shouldPrune(input: PruneInput, options: Partial<MedianPrunerOptions> = {}): boolean {
  const o = { ...DEFAULT_PRUNER_OPTIONS, ...options };
  const k = input.values.length - 1;
  if (input.trial < o.nWarmupTrials || k < o.nWarmupFolds || k >= input.nFolds - 1 || k < 0) return false;
  const ref = median(input.completed.filter((c) => c.length > k).map((c) => runningMean(c, k)));
  if (Number.isNaN(ref)) return false; // no completed reference yet
  const mine = runningMean(input.values, k);
  if (Number.isNaN(mine)) return true;
  return (input.direction ?? "maximize") === "maximize" ? mine < ref : mine > ref;
}
