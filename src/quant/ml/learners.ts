/**
 * The base learners, one entry each: how to fit, predict and read back a model of that kind,
 * and (where the train stage tunes it) its hyper-parameter search space. Ensembles, model files
 * (model-io.ts), the train stage and paper scoring all dispatch through this table, so a new
 * learner is its own module plus one entry here (CONTRIBUTING.md shows the steps).
 */
import { StrataError } from "../../core/errors.ts";
import { didYouMean } from "../../core/suggest.ts";
import { fitGbdt, fitRandomForest, forestFromJson, gbdtFromJson, predictGbdt, predictRandomForest, type ForestModel, type GbdtModel } from "./gbdt/index.ts";
import { fitRidge, predictRidge, ridgeFromJson, type RidgeModel } from "./ridge.ts";
import type { SearchSpace } from "./tuning/index.ts";
import type { FeatureMatrix, FitOptions, ModelEnvelope } from "./types.ts";

export interface Learner<M extends ModelEnvelope = ModelEnvelope> {
  /** Fit on (X, y); params are the learner's own (partial: defaults fill the rest). */
  fit(X: FeatureMatrix, y: Float64Array, params: Record<string, unknown> | undefined, opts: FitOptions): M | Promise<M>;
  predict(model: M, X: FeatureMatrix): Float64Array;
  /** Validate parsed JSON as a model of this kind. */
  fromJson(value: unknown): M;
  /** Hyper-parameters the train stage searches when asked to tune this learner. */
  tuneSpace?: SearchSpace;
}

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

export const LEARNERS = {
  ridge: { fit: fitRidge, predict: predictRidge, fromJson: ridgeFromJson } as Learner<RidgeModel>,
  gbdt: { fit: fitGbdt, predict: predictGbdt, fromJson: gbdtFromJson, tuneSpace: GBDT_TUNE_SPACE } as Learner<GbdtModel>,
  random_forest: { fit: fitRandomForest, predict: predictRandomForest, fromJson: forestFromJson } as Learner<ForestModel>,
};

export type LearnerKind = keyof typeof LEARNERS;
export type LearnerModel = RidgeModel | GbdtModel | ForestModel;
export const LEARNER_KINDS = Object.keys(LEARNERS) as LearnerKind[];

/** The learner of `kind`, or an error naming `where`, the kinds there are, and the nearest. */
export function learnerOf(kind: unknown, where: string, hint = "the model file is corrupt or from another tool; refit the model"): Learner<LearnerModel> {
  if (typeof kind === "string" && Object.hasOwn(LEARNERS, kind)) return LEARNERS[kind as LearnerKind] as Learner<LearnerModel>;
  const dym = typeof kind === "string" ? didYouMean(kind, LEARNER_KINDS) : "";
  throw new StrataError("ARGUMENT", `${where}: kind ${JSON.stringify(kind)} is not supported; expected one of ${LEARNER_KINDS.join(", ")}`, {
    hint: dym ? `${dym} ${hint}` : hint,
  });
}
