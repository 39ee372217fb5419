/** Hyper-parameter tuning: search spaces, random search, TPE, median pruning, studies. */
export {
  validateSpace,
  samplePrior,
  internalBounds,
  fromInternal,
  toInternal,
  type ParamSpec,
  type SearchSpace,
  type ParamValues,
  type Categorical,
} from "./space.ts";
export { sampleRandom } from "./random-search.ts";
export { sampleTpe, splitObservations, DEFAULT_TPE_OPTIONS, type TpeOptions, type TpeObservation } from "./tpe.ts";
export {
  shouldPrune,
  runningMean,
  median,
  DEFAULT_PRUNER_OPTIONS,
  type MedianPrunerOptions,
  type PruneInput,
} from "./pruning.ts";
export {
  runStudy,
  type StudyOptions,
  type StudyResult,
  type Trial,
  type TrialStatus,
  type StudyObjective,
} from "./study.ts";
