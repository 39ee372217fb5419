/**
 * The base learners, one entry each: how to fit, predict and read back a model of that kind,
 * and (where the train stage tunes it) its hyper-parameter search space. Ensembles, model files
 * (model-io.ts), the train stage and paper scoring all dispatch through this table, so a new
 * learner is its own module plus one entry here — with its train-stage params and, if it has a
 * search space, its tuned variant `<kind>_tuned` (CONTRIBUTING.md shows the steps).
 */
import { z } from "zod";
import { StrataError } from "../../core/errors.ts";
import { didYouMean } from "../../core/suggest.ts";
import {
  fitGbdt,
  fitRandomForest,
  forestFromJson,
  gbdtFromJson,
  predictGbdt,
  predictRandomForest,
  type ForestModel,
  type GbdtModel,
} from "./gbdt/index.ts";
import { fitRidge, predictRidge, ridgeFromJson, type RidgeModel } from "./ridge.ts";
import type { SearchSpace } from "./tuning/index.ts";
import type { FeatureMatrix, FitOptions, ModelEnvelope } from "./types.ts";

export interface Learner<M extends ModelEnvelope = ModelEnvelope> {
  /** Fit on (X, y); params are the learner's own (partial: defaults fill the rest). */
  fit(X: FeatureMatrix, y: Float64Array, params: Record<string, unknown> | undefined, opts: FitOptions): M | Promise<M>;
  predict(model: M, X: FeatureMatrix): Float64Array;
  /** Validate parsed JSON as a model of this kind. */
  fromJson(value: unknown): M;
  /** Hyper-parameters the train stage searches when asked to tune this learner (model `<kind>_tuned`). */
  tuneSpace?: SearchSpace;
  /**
   * Its hyper-parameters in the train stage's params: the key they sit under in pipeline.yaml,
   * their schema with the stage's defaults (validated params carry every hyper-parameter, so
   * the lock records what was fitted and a change reads `params.gbdt.maxDepth: 4 → 5`), and
   * the fit params the validated value gives.
   */
  stage: { key: string; schema: z.ZodType; fitParams(value: unknown): Record<string, unknown> };
}

const int = (min: number) => z.number().int().min(min);
const asRecord = (v: unknown) => v as Record<string, unknown>;

/** GBDT's tuning space (gbdt_tuned): learning rate, depth, leaf weight, L2, row/column sampling, trees. */
export const GBDT_TUNE_SPACE: SearchSpace = {
  learningRate: { type: "float", low: 0.01, high: 0.3, log: true },
  maxDepth: { type: "int", low: 2, high: 7 },
  minChildWeight: { type: "float", low: 1, high: 2000, log: true },
  lambda: { type: "float", low: 0.01, high: 100, log: true },
  subsample: { type: "float", low: 0.4, high: 1 },
  colsample: { type: "float", low: 0.4, high: 1 },
  nTrees: { type: "int", low: 30, high: 200, log: true },
};

/** The train stage's defaults, sized for the default study (≈ 650k rows × ~20 features, 2 cores): docs/models.md. */
const GBDT_STAGE_DEFAULTS = {
  nTrees: 100,
  learningRate: 0.05,
  maxDepth: 4,
  minChildWeight: 200,
  lambda: 1,
  subsample: 0.7,
  colsample: 0.8,
  maxBins: 64,
};
const FOREST_STAGE_DEFAULTS = {
  nTrees: 40,
  maxDepth: 6,
  minChildWeight: 200,
  colsample: 0.5,
  sampleFraction: 0.25,
  bootstrap: false,
  maxBins: 64,
};

export const LEARNERS = {
  ridge: {
    fit: fitRidge,
    predict: predictRidge,
    fromJson: ridgeFromJson,
    // Penalty on standardized coefficients (sum-of-squares units, see ridge.ts).
    stage: { key: "alpha", schema: z.number().min(0).default(10), fitParams: (alpha) => ({ alpha }) },
  } as Learner<RidgeModel>,
  gbdt: {
    fit: fitGbdt,
    predict: predictGbdt,
    fromJson: gbdtFromJson,
    tuneSpace: GBDT_TUNE_SPACE,
    stage: {
      key: "gbdt",
      schema: z
        .object({
          nTrees: int(1),
          learningRate: z.number().positive(),
          maxDepth: z.number().int(),
          growth: z.enum(["depthwise", "leafwise"]),
          maxLeaves: int(2),
          minChildWeight: z.number().min(0),
          lambda: z.number().min(0),
          gamma: z.number().min(0),
          subsample: z.number().gt(0).max(1),
          colsample: z.number().gt(0).max(1),
          maxBins: int(2),
          earlyStoppingRounds: int(0),
        })
        .partial()
        .strict()
        .default({})
        .transform((g) => ({ ...GBDT_STAGE_DEFAULTS, ...g })),
      fitParams: asRecord,
    },
  } as Learner<GbdtModel>,
  random_forest: {
    fit: fitRandomForest,
    predict: predictRandomForest,
    fromJson: forestFromJson,
    stage: {
      key: "forest",
      schema: z
        .object({
          nTrees: int(1),
          maxDepth: int(1),
          minChildWeight: z.number().min(0),
          colsample: z.number().gt(0).max(1),
          bootstrap: z.boolean(),
          sampleFraction: z.number().gt(0).max(1),
          maxBins: int(2),
        })
        .partial()
        .strict()
        .default({})
        .transform((f) => ({ ...FOREST_STAGE_DEFAULTS, ...f })),
      fitParams: asRecord,
    },
  } as Learner<ForestModel>,
};

export type LearnerKind = keyof typeof LEARNERS;
export type LearnerModel = RidgeModel | GbdtModel | ForestModel;
export const LEARNER_KINDS = Object.keys(LEARNERS) as LearnerKind[];

/** The learner of `kind`, or an error naming `where`, the kinds there are, and the nearest. */
export function learnerOf(
  kind: unknown,
  where: string,
  hint = "the model file is corrupt or from another tool; refit the model",
): Learner<LearnerModel> {
  if (typeof kind === "string" && Object.hasOwn(LEARNERS, kind))
    return LEARNERS[kind as LearnerKind] as Learner<LearnerModel>;
  const dym = typeof kind === "string" ? didYouMean(kind, LEARNER_KINDS) : "";
  throw new StrataError(
    "ARGUMENT",
    `${where}: kind ${JSON.stringify(kind)} is not supported; expected one of ${LEARNER_KINDS.join(", ")}`,
    {
      hint: dym ? `${dym} ${hint}` : hint,
    },
  );
}

/** The train stage's params of every learner, under their keys, in table order. */
export function learnerStageParams(): Record<string, z.ZodType> {
  return Object.fromEntries(LEARNER_KINDS.map((k) => [LEARNERS[k].stage.key, LEARNERS[k].stage.schema]));
}

/** Fit params of `kind` from the train stage's validated params. */
export function learnerFitParams(kind: LearnerKind, stageParams: Record<string, unknown>): Record<string, unknown> {
  const s = LEARNERS[kind].stage;
  return s.fitParams(stageParams[s.key]);
}

/** Learners the train stage can tune (`<kind>_tuned`): those with a search space. */
export const TUNABLE_KINDS = LEARNER_KINDS.filter((k) => LEARNERS[k].tuneSpace !== undefined);
