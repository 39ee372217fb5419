/**
 * Ensembles of ridge, GBDT and random-forest members.
 *
 * Two combiners:
 *  - "mean": the plain average of the members' predictions (weights 1/K, intercept 0).
 *  - "stacking": a non-negative linear combination ŷ = b + Σₖ wₖ·ŷₖ, wₖ ≥ 0 (Breiman,
 *    "Stacked Regressions", Machine Learning 24, 1996 — he found the non-negativity
 *    constraint essential). The weights are fit by non-negative least squares of y on the
 *    members' OUT-OF-FOLD predictions; b is unpenalized and unconstrained, so it is profiled
 *    out by centering y and every prediction column before NNLS (b = ȳ − Σ wₖ·mean(ŷₖ)).
 *    If every weight comes out 0 (no member has a positive relation with y out of fold) the
 *    ensemble falls back to the mean combiner and says so (`fallback: true`).
 *
 * How the out-of-fold predictions are produced without leakage. Fitting the combiner on
 * in-sample predictions would reward the member that overfits most. Each OOF prediction of a
 * row must come from a member fit on data that excludes it AND every row whose label window
 * overlaps it (forward-return labels overlap for `labelHorizon` bars). `fitEnsemble` accepts:
 *  - `folds`: purged folds over the rows of X (from src/quant/ml/cv.ts: purgedKFold,
 *    purgedWalkForward …, which drop overlapping and embargoed training dates). Each member is
 *    fit on fold.train and predicts fold.test; rows tested by several folds (CPCV) get the
 *    average; rows tested by none are left out of the NNLS.
 *  - `oof`: precomputed OOF predictions per member (NaN where unknown), e.g. the stitched
 *    walk-forward test predictions the train stage already has (stages/train.ts).
 * Then every member is refit on all rows, and the combiner applies to those refits.
 *
 * Importance: Σₖ (wₖ / Σw) · shareₖ(feature), where shareₖ is member k's importance
 * normalized to sum 1 — the weight-averaged share of each feature.
 */
import { StrataError } from "../../core/errors.ts";
import { nnls } from "../linalg/nnls.ts";
import type { Fold } from "./cv.ts";
import type { GbdtParams, RandomForestParams } from "./gbdt/index.ts";
import { learnerOf, type LearnerKind, type LearnerModel } from "./learners.ts";
import type { RidgeParams } from "./ridge.ts";
import { takeRows, type FeatureMatrix, type FitOptions, type ModelEnvelope } from "./types.ts";

export type MemberKind = LearnerKind;
export type MemberModel = LearnerModel;

export type MemberSpec =
  | { kind: "ridge"; params?: Partial<RidgeParams> }
  | { kind: "gbdt"; params?: Partial<GbdtParams> }
  | { kind: "random_forest"; params?: Partial<RandomForestParams> };

export interface EnsembleParams {
  members: MemberSpec[];
  /** "mean" or "stacking" (default "stacking"). */
  method: "mean" | "stacking";
}

export interface EnsembleModel extends ModelEnvelope {
  kind: "ensemble";
  features: string[];
  method: "mean" | "stacking";
  members: MemberModel[];
  /** One weight per member (≥ 0). */
  weights: number[];
  intercept: number;
  /** True when stacking found no positive weight and fell back to the mean. */
  fallback: boolean;
  importance: number[];
}

export interface EnsembleFitOptions extends FitOptions {
  /** Purged folds over the rows of X, used to produce the OOF predictions for stacking. */
  folds?: Fold[];
  /** Precomputed OOF predictions, one array per member (length X.nRows, NaN = none). */
  oof?: Float64Array[];
}

/**
 * Fit one member (any learner of learners.ts). Each member gets its own rng stream, forked from opts.rng by `label`.
 */
export async function fitMember(
  spec: MemberSpec,
  X: FeatureMatrix,
  y: Float64Array,
  opts: FitOptions = {},
): Promise<MemberModel> {
  return learnerOf(spec.kind, "ensemble member", "use a learner of src/quant/ml/learners.ts").fit(
    X,
    y,
    spec.params as Record<string, unknown> | undefined,
    opts,
  );
}

export function predictMember(model: MemberModel, X: FeatureMatrix): Float64Array {
  return learnerOf(model.kind, "ensemble member").predict(model, X);
}

export interface StackingWeights {
  weights: number[];
  intercept: number;
  fallback: boolean;
  /** Rows used (every member's OOF prediction and y finite). */
  rows: number;
}

/** NNLS stacking weights from OOF predictions (see the file comment). */
export function stackingWeights(oof: ArrayLike<number>[], y: ArrayLike<number>): StackingWeights {
  const K = oof.length;
  if (K === 0)
    throw new StrataError("ARGUMENT", "stackingWeights: no members", {
      hint: "pass one OOF prediction array per member",
    });
  for (let k = 0; k < K; k++) {
    if (oof[k].length !== y.length)
      throw new StrataError(
        "ARGUMENT",
        `stackingWeights: OOF predictions of member ${k} have ${oof[k].length} rows, y has ${y.length}`,
      );
  }
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) {
    let ok = Number.isFinite(y[i]);
    for (let k = 0; ok && k < K; k++) ok = Number.isFinite(oof[k][i]);
    if (ok) rows.push(i);
  }
  const mean = (a: ArrayLike<number>) => {
    let s = 0;
    for (const i of rows) s += a[i];
    return s / rows.length;
  };
  const equal = { weights: new Array<number>(K).fill(1 / K), intercept: 0, fallback: true, rows: rows.length };
  if (rows.length < 2) return equal;
  const yb = mean(y);
  const means = oof.map(mean);
  const cols = oof.map((p, k) => Float64Array.from(rows, (i) => p[i] - means[k]));
  const b = Float64Array.from(rows, (i) => y[i] - yb);
  const { x } = nnls(cols, b);
  const weights = Array.from(x);
  if (!weights.some((w) => w > 0)) return equal;
  let intercept = yb;
  for (let k = 0; k < K; k++) intercept -= weights[k] * means[k];
  return { weights, intercept, fallback: false, rows: rows.length };
}

/** OOF predictions of each member over purged folds (NaN for rows no fold tests). */
export async function outOfFoldPredictions(
  specs: MemberSpec[],
  X: FeatureMatrix,
  y: Float64Array,
  folds: Fold[],
  opts: FitOptions = {},
): Promise<Float64Array[]> {
  const n = X.nRows;
  const sums = specs.map(() => new Float64Array(n));
  const counts = new Uint16Array(n);
  for (const f of folds) {
    for (let i = 0; i < f.test.length; i++) counts[f.test[i]]++;
  }
  for (const [fi, f] of folds.entries()) {
    const Xtr = takeRows(X, f.train),
      ytr = Float64Array.from(f.train, (r) => y[r]);
    const Xte = takeRows(X, f.test);
    for (const [k, spec] of specs.entries()) {
      const m = await fitMember(spec, Xtr, ytr, {
        ...opts,
        rng: opts.rng?.fork(`oof-${fi}-${k}`),
        weights: opts.weights && Float64Array.from(f.train, (r) => opts.weights![r]),
      });
      const p = predictMember(m, Xte);
      for (let i = 0; i < f.test.length; i++) sums[k][f.test[i]] += p[i];
    }
  }
  return sums.map((s) => s.map((v, i) => (counts[i] ? v / counts[i] : NaN)));
}

function ensembleImportance(members: MemberModel[], weights: number[], k: number): number[] {
  const out = new Array<number>(k).fill(0);
  const sw = weights.reduce((a, b) => a + b, 0);
  members.forEach((m, j) => {
    const tot = m.importance.reduce((a, b) => a + b, 0);
    if (!(tot > 0) || !(sw > 0)) return;
    for (let f = 0; f < k; f++) out[f] += (weights[j] / sw) * (m.importance[f] / tot);
  });
  return out;
}

/** Assemble an ensemble from fitted members and combiner weights. */
export function combineEnsemble(
  members: MemberModel[],
  method: "mean" | "stacking",
  stack?: Pick<StackingWeights, "weights" | "intercept" | "fallback">,
): EnsembleModel {
  if (members.length === 0)
    throw new StrataError("ARGUMENT", "combineEnsemble: no members", { hint: "pass at least one fitted member" });
  const features = members[0].features;
  for (const m of members) {
    if (m.features.length !== features.length || m.features.some((f, j) => f !== features[j])) {
      throw new StrataError(
        "ARGUMENT",
        `combineEnsemble: member ${m.kind} has features [${m.features.join(", ")}], the first member ` +
          `[${features.join(", ")}]`,
        {
          hint: "fit every member on the same feature matrix",
        },
      );
    }
  }
  const K = members.length;
  const useMean = method === "mean" || !stack || stack.fallback;
  const weights = useMean ? new Array<number>(K).fill(1 / K) : [...stack!.weights];
  if (weights.length !== K)
    throw new StrataError("ARGUMENT", `combineEnsemble: ${weights.length} weights for ${K} members`);
  return {
    format: "strata-model",
    version: 1,
    kind: "ensemble",
    features: [...features],
    method,
    members,
    weights,
    intercept: useMean ? 0 : stack!.intercept,
    fallback: method === "stacking" && useMean,
    importance: ensembleImportance(members, weights, features.length),
  };
}

/** Fit every member on all rows and combine them (stacking needs `folds` or `oof`). */
export async function fitEnsemble(
  X: FeatureMatrix,
  y: Float64Array,
  params: Partial<EnsembleParams> & { members: MemberSpec[] },
  opts: EnsembleFitOptions = {},
): Promise<EnsembleModel> {
  const method = params.method ?? "stacking";
  const specs = params.members;
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new StrataError("ARGUMENT", "fitEnsemble: params.members is empty", {
      hint: 'e.g. members: [{ kind: "ridge" }, { kind: "gbdt" }]',
    });
  }
  let stack: StackingWeights | undefined;
  if (method === "stacking") {
    let oof = opts.oof;
    if (!oof) {
      if (!opts.folds?.length) {
        throw new StrataError(
          "ARGUMENT",
          "fitEnsemble: stacking needs out-of-fold predictions: pass opts.folds (purged folds over X's rows) or " +
            "opts.oof",
          {
            hint: 'use purgedKFold(dates, …) from src/quant/ml/cv.ts, or method: "mean"',
          },
        );
      }
      oof = await outOfFoldPredictions(specs, X, y, opts.folds, opts);
    }
    if (oof.length !== specs.length)
      throw new StrataError("ARGUMENT", `fitEnsemble: ${oof.length} OOF arrays for ${specs.length} members`);
    stack = stackingWeights(oof, y);
  }
  const members: MemberModel[] = [];
  for (const [k, spec] of specs.entries()) {
    opts.onProgress?.(k / specs.length, `member ${spec.kind}`);
    members.push(await fitMember(spec, X, y, { ...opts, rng: opts.rng?.fork(`member-${k}`) }));
  }
  return combineEnsemble(members, method, stack);
}

/** intercept + Σ wₖ·predictₖ(X). */
export function predictEnsemble(model: EnsembleModel, X: FeatureMatrix): Float64Array {
  const out = new Float64Array(X.nRows).fill(model.intercept);
  model.members.forEach((m, k) => {
    const w = model.weights[k];
    if (w === 0) return;
    const p = predictMember(m, X);
    for (let i = 0; i < out.length; i++) out[i] += w * p[i];
  });
  return out;
}

/** Parse one member from JSON by its kind. */
export function memberFromJson(value: unknown): MemberModel {
  return learnerOf((value as { kind?: unknown } | null)?.kind, "ensemble member").fromJson(value);
}

/** Validate a parsed JSON value as an EnsembleModel, members included. */
export function ensembleFromJson(value: unknown): EnsembleModel {
  const m = value as Partial<EnsembleModel> | null;
  const bad = (field: string, want: string): never => {
    throw new StrataError(
      "ARGUMENT",
      `ensemble model: field '${field}' ` +
        `is ${JSON.stringify((m as Record<string, unknown> | null)?.[field])?.slice(0, 80)}, expected ${want}`,
      {
        hint: "the model file is corrupt or from another tool; refit the model",
      },
    );
  };
  if (!m || typeof m !== "object") bad("(root)", "an object");
  if (m!.format !== "strata-model") bad("format", '"strata-model"');
  if (m!.version !== 1) bad("version", "1");
  if (m!.kind !== "ensemble") bad("kind", '"ensemble"');
  if (m!.method !== "mean" && m!.method !== "stacking") bad("method", '"mean" or "stacking"');
  if (!Array.isArray(m!.members) || m!.members.length === 0) bad("members", "a non-empty array of models");
  const members = m!.members!.map(memberFromJson);
  const K = members.length;
  if (
    !Array.isArray(m!.weights) ||
    m!.weights.length !== K ||
    !m!.weights.every((w) => typeof w === "number" && w >= 0)
  )
    bad("weights", `${K} numbers ≥ 0`);
  if (typeof m!.intercept !== "number" || !Number.isFinite(m!.intercept)) bad("intercept", "a finite number");
  if (!Array.isArray(m!.features) || !m!.features.every((f) => typeof f === "string"))
    bad("features", "an array of names");
  if (!Array.isArray(m!.importance) || m!.importance.length !== m!.features!.length)
    bad("importance", `${m!.features!.length} numbers`);
  return { ...(m as EnsembleModel), members, fallback: m!.fallback === true };
}
