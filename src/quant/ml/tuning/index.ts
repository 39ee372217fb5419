/**
 * Hyper-parameter tuning: search spaces, random search, TPE, median pruning, studies; grid and
 * genetic search with batch objectives, and multi-objective (Pareto / NSGA-II) selection.
 */
export {
  validateSpace,
  samplePrior,
  internalBounds,
  fromInternal,
  toInternal,
  snapToStep,
  stepCount,
  latticeValue,
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
  evaluateTrial,
  type TrialTask,
  type TrialOutcome,
  type StudyOptions,
  type StudyResult,
  type Trial,
  type TrialStatus,
  type StudyObjective,
} from "./study.ts";
export {
  gridPoints,
  gridAxes,
  gridSearch,
  evaluateBatch,
  paramKey,
  type BatchObjective,
  type Evaluation,
  type GridAxis,
  type GridOptions,
  type GridSearchOptions,
  type GridSearchResult,
} from "./grid.ts";
export {
  geneticSearch,
  mutateGene,
  resolveGeneticOptions,
  type GeneticOptions,
  type GeneticEvaluation,
  type GeneticResult,
  type GenerationStats,
} from "./genetic.ts";
export {
  dominates,
  nonDominatedSort,
  paretoFront,
  crowdingDistance,
  rankAndCrowding,
  crowdedCompare,
  nsga2Select,
  pickFromFront,
  checkWeights,
  frontAndBest,
  type PickOptions,
} from "./pareto.ts";
