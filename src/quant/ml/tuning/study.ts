/**
 * A tuning study: trials evaluated fold by fold, sampled by TPE or random search, stopped
 * early by median pruning. Sequential by design (TPE conditions each trial on all previous
 * ones), deterministic given the rng: trial i samples from `rng.fork("trial-" + i)`.
 *
 *   const { best, trials } = await runStudy(
 *     (params, fold) => foldIc(params, folds[fold]),
 *     { space, nTrials: 20, nFolds: folds.length, rng },
 *   );
 */
import { StrataError } from "../../../core/errors.ts";
import type { Rng } from "../../../core/rng.ts";
import { shouldPrune, type MedianPrunerOptions } from "./pruning.ts";
import { sampleRandom } from "./random-search.ts";
import { validateSpace, type ParamValues, type SearchSpace } from "./space.ts";
import { sampleTpe, type TpeObservation, type TpeOptions } from "./tpe.ts";

export type TrialStatus = "complete" | "pruned";

export interface Trial {
  index: number;
  params: ParamValues;
  /** Metric per evaluated fold (pruned trials: the folds before pruning). */
  values: number[];
  /** Mean of `values` (NaN if any is NaN). */
  value: number;
  status: TrialStatus;
}

export interface StudyOptions {
  space: SearchSpace;
  /** Number of trials (≥ 1). */
  nTrials: number;
  /** Folds per trial (≥ 1); the objective is called with fold = 0 … nFolds − 1 in order. */
  nFolds: number;
  rng: Rng;
  /** "tpe" (default) or "random". */
  sampler?: "tpe" | "random";
  tpe?: Partial<TpeOptions>;
  /** Median pruning options, or false to evaluate every trial on every fold (default: on). */
  pruner?: Partial<MedianPrunerOptions> | false;
  /** Default "maximize". */
  direction?: "maximize" | "minimize";
  /** Parameters of the first trial (e.g. the untuned defaults), instead of a sample. */
  initialParams?: ParamValues;
  onTrial?: (trial: Trial) => void;
  signal?: AbortSignal;
  /**
   * Trials per batch (default 1: each trial is sampled and pruned knowing every earlier one).
   * With k > 1 the k trials of a batch are sampled from, and pruned against, the batches before
   * it only: they can be evaluated in any order or on any machine with the same result, and a
   * study gives the same trials for the same k wherever its batches run.
   */
  batch?: number;
  /** Evaluates one batch (e.g. on other machines); default: one trial after the other, here. */
  evaluateBatch?: (tasks: TrialTask[]) => Promise<TrialOutcome[]>;
}

/** One trial to evaluate: its params and what pruning compares it with. */
export interface TrialTask {
  trial: number;
  params: ParamValues;
  /** Per-fold values of the completed trials of earlier batches. */
  completed: number[][];
}

/** A trial's per-fold values (null stands for NaN after a trip through JSON) and status. */
export interface TrialOutcome {
  values: Array<number | null>;
  status: TrialStatus;
}

export interface StudyResult {
  trials: Trial[];
  /** Best completed trial (first one on ties). */
  best: Trial;
}

export type StudyObjective = (params: ParamValues, fold: number, trial: number) => number | Promise<number>;

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

export async function runStudy(objective: StudyObjective, opts: StudyOptions): Promise<StudyResult> {
  validateSpace(opts.space);
  for (const [name, v] of [
    ["nTrials", opts.nTrials],
    ["nFolds", opts.nFolds],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new StrataError("ARGUMENT", `runStudy: ${name} is ${v}, expected an integer ≥ 1`);
  }
  const dir = opts.direction ?? "maximize";
  const sign = dir === "maximize" ? 1 : -1;
  const trials: Trial[] = [];
  const observations: TpeObservation[] = [];
  const batch = opts.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1)
    throw new StrataError("ARGUMENT", `runStudy: batch is ${batch}, expected an integer ≥ 1`);
  const evalOpts = { nFolds: opts.nFolds, direction: dir, pruner: opts.pruner };
  for (let start = 0; start < opts.nTrials; start += batch) {
    if (opts.signal?.aborted) throw new StrataError("ABORTED", `runStudy: aborted after ${start} trials`);
    // Sampled and pruned from the earlier batches only (with batch 1: every earlier trial).
    const seen = observations.slice();
    const completed = trials.filter((x) => x.status === "complete").map((x) => x.values);
    const tasks: TrialTask[] = [];
    for (let t = start; t < Math.min(start + batch, opts.nTrials); t++) {
      const rng = opts.rng.fork(`trial-${t}`);
      const params =
        t === 0 && opts.initialParams
          ? { ...opts.initialParams }
          : opts.sampler === "random"
            ? sampleRandom(opts.space, rng)
            : sampleTpe(opts.space, seen, rng, opts.tpe);
      tasks.push({ trial: t, params, completed });
    }
    const outcomes = opts.evaluateBatch
      ? await opts.evaluateBatch(tasks)
      : await sequential(tasks, (task) => evaluateTrial(objective, task, evalOpts));
    tasks.forEach((task, i) => {
      const values = outcomes[i].values.map((v) => (typeof v === "number" ? v : NaN));
      const status = outcomes[i].status;
      const trial: Trial = { index: task.trial, params: task.params, values, value: mean(values), status };
      trials.push(trial);
      observations.push({
        params: task.params,
        value: sign * trial.value,
        pruned: status === "pruned",
        folds: values.length,
      });
      opts.onTrial?.(trial);
    });
  }
  let best: Trial | undefined;
  for (const x of trials) {
    if (x.status !== "complete" || Number.isNaN(x.value)) continue;
    if (!best || sign * x.value > sign * best.value) best = x;
  }
  // Every trial NaN: fall back to the first completed one (trial 0 is never pruned by warm-up
  // unless nWarmupTrials is 0; then it may be the only candidate left).
  best ??= trials.find((x) => x.status === "complete") ?? trials[0];
  return { trials, best };
}

/**
 * One trial, fold after fold, stopped by the median pruner against `task.completed`: a pure
 * function of the objective and the task, so it gives the same outcome wherever it runs.
 */
export async function evaluateTrial(
  objective: StudyObjective,
  task: TrialTask,
  opts: { nFolds: number; direction?: "maximize" | "minimize"; pruner?: Partial<MedianPrunerOptions> | false },
): Promise<TrialOutcome> {
  const values: number[] = [];
  let status: TrialStatus = "complete";
  for (let k = 0; k < opts.nFolds; k++) {
    const v = await objective(task.params, k, task.trial);
    values.push(typeof v === "number" ? v : NaN);
    if (
      opts.pruner !== false &&
      shouldPrune(
        {
          trial: task.trial,
          values,
          completed: task.completed,
          nFolds: opts.nFolds,
          direction: opts.direction ?? "maximize",
        },
        opts.pruner ?? {},
      )
    ) {
      status = "pruned";
      break;
    }
  }
  return { values, status };
}

async function sequential<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await fn(item));
  return out;
}
