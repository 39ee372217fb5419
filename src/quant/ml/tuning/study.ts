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
  for (let t = 0; t < opts.nTrials; t++) {
    if (opts.signal?.aborted) throw new StrataError("ABORTED", `runStudy: aborted after ${t} trials`);
    const rng = opts.rng.fork(`trial-${t}`);
    const params =
      t === 0 && opts.initialParams
        ? { ...opts.initialParams }
        : opts.sampler === "random"
          ? sampleRandom(opts.space, rng)
          : sampleTpe(opts.space, observations, rng, opts.tpe);
    const values: number[] = [];
    let status: TrialStatus = "complete";
    const completed = trials.filter((x) => x.status === "complete").map((x) => x.values);
    for (let k = 0; k < opts.nFolds; k++) {
      const v = await objective(params, k, t);
      values.push(typeof v === "number" ? v : NaN);
      if (
        opts.pruner !== false &&
        shouldPrune({ trial: t, values, completed, nFolds: opts.nFolds, direction: dir }, opts.pruner ?? {})
      ) {
        status = "pruned";
        break;
      }
    }
    const trial: Trial = { index: t, params, values, value: mean(values), status };
    trials.push(trial);
    observations.push({ params, value: sign * trial.value, pruned: status === "pruned", folds: values.length });
    opts.onTrial?.(trial);
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
