/**
 * Gradient-boosted regression trees on histograms (Chen & Guestrin 2016, "XGBoost: A Scalable
 * Tree Boosting System", KDD; Ke et al. 2017, "LightGBM", NeurIPS). Second-order boosting:
 * each tree fits the gradients g and hessians h of the loss at the current prediction; a leaf
 * weighs −G/(H+λ) (eq. 5) and a split gains ½[GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)] − γ (eq. 7).
 */
import { StrataError } from "../../../core/errors.ts";
import type { Rng } from "../../../core/rng.ts";
import type { FeatureMatrix, FitOptions } from "../types.ts";
import { exactMean, exactSum } from "./exact-sum.ts";
import {
  checkAborted,
  checkFitInputs,
  createEngine,
  fixedPointScale,
  leafOfBinnedRow,
  resolveThreads,
  sampleFeatures,
  yieldToEventLoop,
} from "./engine.ts";
import { checkHistMemory, growTree, slotsNeeded, type GrowConfig, type GrownTree } from "./grow.ts";
import { type GbdtParams, resolveGbdtParams } from "./params.ts";
import { gbdtKernels, type KernelState } from "./kernels.ts";
import { addTreePredictions, compileTrees, type Tree } from "./tree.ts";

const K = gbdtKernels();

export interface GbdtModel {
  format: "strata-model";
  version: 1;
  kind: "gbdt";
  features: string[];
  /** Initial prediction: the (weighted) mean of y. */
  baseScore: number;
  params: GbdtParams;
  trees: Tree[];
  /** 0-based index of the last tree kept (best validation round when early stopping). */
  bestIteration: number;
  /** Total split gain (eq. 7) per feature, summed over the kept trees. */
  importance: number[];
}

/**
 * Gradient and hessian of the objective at the current prediction, per row. Squared error
 * ½w(y − p)² gives g = w(p − y), h = w. Training computes these in the kernels' OP_GRAD job
 * (parallel, same formula); another objective needs its own job there.
 */
export interface Objective {
  name: string;
  gradients(y: Float64Array, pred: Float64Array, w: Float64Array | undefined, g: Float64Array, h: Float64Array): void;
  /** True when h does not depend on the prediction (lets the kernels skip loading it). */
  constantHessian: boolean;
}

export const squaredError: Objective = {
  name: "squared_error",
  constantHessian: true,
  gradients(y, pred, w, g, h) {
    if (w)
      for (let i = 0; i < y.length; i++) {
        g[i] = w[i] * (pred[i] - y[i]);
        h[i] = w[i];
      }
    else
      for (let i = 0; i < y.length; i++) {
        g[i] = pred[i] - y[i];
        h[i] = 1;
      }
  },
};

/**
 * Fit a GBDT regressor (squared error). Deterministic: see docs/gbdt.md, "Determinism".
 *
 * Long on purpose (~110 lines): a boosting round is one sequence of operations on the
 * executor's shared state (gradients → fixed-point scale → quantization → row sample → grow →
 * prediction update → next gradients), and that order is what makes the fit the same on any
 * thread count; the parts that stand alone (checks, hessians, leaf records, validation) are
 * the helpers below.
 */
export async function fitGbdt(
  X: FeatureMatrix,
  y: Float64Array,
  params: Partial<GbdtParams> = {},
  opts: FitOptions = {},
): Promise<GbdtModel> {
  const p = resolveGbdtParams(params);
  checkFitInputs("fitGbdt", X, y, opts);
  checkSamplingOptions(p, opts);
  checkAborted(opts.signal, "fitGbdt");
  const objective = squaredError;
  const n = X.nRows,
    F = X.nFeatures;
  const w = opts.weights;
  const baseScore = n > 0 ? exactMean(y, w) : 0;
  const cfg = growConfig(p);
  const nSlots = slotsNeeded(cfg, n);
  checkHistMemory(nSlots, F, "fitGbdt");
  const threads = resolveThreads(opts.threads, n, F, "fitGbdt");
  const eng = await createEngine(X, p.maxBins, threads, nSlots, { y, weights: w });
  const { exec, binned } = eng;
  const S = exec.state;
  const rowRng: Rng | undefined = opts.rng?.fork("gbdt-rows");
  const colRng: Rng | undefined = opts.rng?.fork("gbdt-cols");
  const trees: Tree[] = [];
  // Training predictions, gradients and their fixed-point form live in the executor's shared
  // state; the per-row passes (prediction update, gradients, quantization) run on every thread.
  const pred = S.pred;
  pred.fill(baseScore);
  const inSample = new Uint8Array(n);
  const nCols = Math.max(1, Math.round(p.colsample * F));
  const allFeatures = Int32Array.from({ length: F }, (_, j) => j);
  const validation = opts.valid ? validationTracker(opts.valid, baseScore) : null;
  const runOp = (op: number): void => {
    S.task[K.T_OP] = op;
    exec.run();
  };
  /** The last OP_PREDGRAD left this round's gradients in gradF and their maxima in result. */
  let gradReady = false;
  try {
    quantizeHessians(S, n, w, objective.constantHessian && !w);
    S.param[0] = p.lambda;
    S.param[1] = p.minChildWeight;
    for (let t = 0; t < p.nTrees; t++) {
      checkAborted(opts.signal, "fitGbdt");
      // Gradients g = w(pred − y) and their max (OP_GRAD), then the fixed-point gradients
      // (and rows = 0…n−1 without row sampling) (OP_QUANT).
      if (!gradReady) runOp(K.OP_GRAD);
      gradReady = false;
      let maxG = 0;
      for (let k = 0; k < exec.threads; k++) maxG = Math.max(maxG, S.result[k]);
      S.param[2] = fixedPointScale(maxG, n);
      const active = nCols < F ? sampleFeatures(colRng!, F, nCols) : allFeatures;
      // Without row sampling the root's row-wise build quantizes the gradients itself (kernels.ts,
      // quantRoot) when it reads every row by rows: on one thread, or split by rows (OP_HISTROWS).
      const fuseQuant =
        p.subsample >= 1 &&
        n >= 2 &&
        cfg.maxDepth > 0 &&
        active.length === F &&
        (exec.threads === 1 || (S.scratch.length > 0 && n >= 4096));
      S.param[7] = fuseQuant ? 1 : 0;
      if (!fuseQuant) {
        S.task[K.T_IDENT] = p.subsample < 1 ? 0 : 1;
        runOp(K.OP_QUANT);
      }
      let m = n;
      if (p.subsample < 1) {
        m = 0;
        for (let i = 0; i < n; i++) {
          const take = rowRng!.next() < p.subsample;
          inSample[i] = take ? 1 : 0;
          if (take) S.rows[m++] = i;
        }
      }
      const grown = growTree(exec, binned, m, m === n, active, cfg);
      S.param[7] = 0;
      trees.push(grown.tree);
      // Training predictions: leaf segments for sampled rows (OP_PRED), binned routing for the rest.
      const { value } = grown.tree;
      S.task[K.T_NLEAF] = writeLeafRecords(S, grown);
      if (m === n) {
        // Every row is in a record: leaf index per row, then prediction and next gradients in row order.
        runOp(K.OP_LEAFOF);
        runOp(K.OP_PREDGRAD);
        gradReady = true;
      } else runOp(K.OP_PRED);
      if (m < n) for (let i = 0; i < n; i++) if (!inSample[i]) pred[i] += value[leafOfBinnedRow(grown, binned, i)];
      if (validation) {
        const bestAt = validation.add(grown.tree, t);
        if (p.earlyStoppingRounds > 0 && t - bestAt >= p.earlyStoppingRounds) break;
      }
      opts.onProgress?.((t + 1) / p.nTrees, `tree ${t + 1}/${p.nTrees}`);
      await yieldToEventLoop();
    }
  } finally {
    exec.close();
  }
  const bestAt = validation?.bestAt() ?? -1;
  if (p.earlyStoppingRounds > 0 && bestAt >= 0) trees.length = bestAt + 1;
  const bestIteration = trees.length - 1;
  return {
    format: "strata-model",
    version: 1,
    kind: "gbdt",
    features: [...X.names],
    baseScore,
    params: p,
    trees,
    bestIteration,
    importance: gainImportance(trees, F),
  };
}

/** The tree-growing settings of the params (leaf-wise growth with maxDepth ≤ 0: no depth cap). */
function growConfig(p: GbdtParams): GrowConfig {
  return {
    maxDepth: p.growth === "leafwise" && p.maxDepth <= 0 ? Infinity : p.maxDepth,
    maxLeaves: p.growth === "leafwise" ? p.maxLeaves : Infinity,
    leafwise: p.growth === "leafwise",
    lambda: p.lambda,
    gamma: p.gamma,
    minChildWeight: p.minChildWeight,
    leafScale: p.learningRate,
  };
}

/**
 * The validation set's predictions, updated tree by tree, and the round of the lowest mean
 * squared error so far (the first such round on ties; the sum is exact, so the loss is the same
 * on every machine). `add` returns that round.
 */
function validationTracker(valid: { X: FeatureMatrix; y: Float64Array }, baseScore: number) {
  const pred = new Float64Array(valid.y.length).fill(baseScore);
  const sqErr = new Float64Array(valid.y.length);
  let bestLoss = Infinity,
    best = -1;
  return {
    add(tree: Tree, t: number): number {
      addTreePredictions(compileTrees([tree]), valid.X, pred);
      for (let i = 0; i < sqErr.length; i++) {
        const d = pred[i] - valid.y[i];
        sqErr[i] = d * d;
      }
      const loss = exactSum(sqErr) / Math.max(1, sqErr.length);
      if (loss < bestLoss) {
        bestLoss = loss;
        best = t;
      }
      return best;
    },
    bestAt: () => best,
  };
}

/** The option pairs fitGbdt needs together: sampling needs an rng, early stopping a validation set. */
function checkSamplingOptions(p: GbdtParams, opts: FitOptions): void {
  if ((p.subsample < 1 || p.colsample < 1) && !opts.rng) {
    throw new StrataError("ARGUMENT", `fitGbdt: subsample = ${p.subsample}, colsample = ${p.colsample} need opts.rng`, {
      hint: "pass opts.rng (createRng(seed)) so sampling is reproducible, or set both to 1",
    });
  }
  if (p.earlyStoppingRounds > 0 && !opts.valid) {
    throw new StrataError("ARGUMENT", `fitGbdt: earlyStoppingRounds = ${p.earlyStoppingRounds} needs opts.valid`, {
      hint: "pass opts.valid = { X, y } (a later, disjoint period), or set earlyStoppingRounds: 0",
    });
  }
}

/**
 * Hessians of squared error are the weights (objective.constantHessian): quantized once, with
 * the scale from all rows, into S.hess, and the scale into S.param[3..5]. Without weights
 * (`unit`) every hessian is 1 and the hessian sums are row counts (scale 1, exact).
 */
function quantizeHessians(S: KernelState, n: number, w: Float64Array | undefined, unit: boolean): void {
  let maxH = 0;
  for (let i = 0; i < n; i++) {
    const hi = w ? w[i] : 1;
    if (hi > maxH) maxH = hi;
  }
  const sh = unit ? 1 : fixedPointScale(maxH, n);
  for (let i = 0; i < n; i++) S.hess[i] = Math.round((w ? w[i] : 1) * sh);
  S.param[3] = sh;
  S.param[4] = unit ? 1 : 0;
  S.param[5] = unit ? 1 : Math.round(sh);
}

/**
 * The records OP_PRED / OP_LEAFOF read, 8 values each in S.leaf: a leaf's row segment and its
 * value (kind 0), or a routed node's segment with its split (feature, bin, default direction)
 * and its children's values (kind 1). Returns the number of records.
 */
function writeLeafRecords(S: KernelState, grown: GrownTree): number {
  const { leaves, leafStart, leafEnd, routed, routedStart, routedEnd } = grown;
  const { value, left, right, feature, defaultLeft } = grown.tree;
  let nRec = 0;
  for (let k = 0; k < leaves.length; k++, nRec++) {
    const o = 8 * nRec;
    S.leaf[o] = 0;
    S.leaf[o + 1] = leafStart[k];
    S.leaf[o + 2] = leafEnd[k];
    S.leaf[o + 3] = value[leaves[k]];
    S.leaf[o + 6] = S.leaf[o + 7] = value[leaves[k]];
  }
  for (let k = 0; k < routed.length; k++, nRec++) {
    const o = 8 * nRec,
      id = routed[k];
    S.leaf[o] = 1;
    S.leaf[o + 1] = routedStart[k];
    S.leaf[o + 2] = routedEnd[k];
    S.leaf[o + 3] = feature[id];
    S.leaf[o + 4] = grown.bin[id];
    S.leaf[o + 5] = defaultLeft[id] ? 1 : 0;
    S.leaf[o + 6] = value[left[id]];
    S.leaf[o + 7] = value[right[id]];
  }
  return nRec;
}

export function gainImportance(trees: readonly Tree[], nFeatures: number, scale = 1): number[] {
  const imp = new Array<number>(nFeatures).fill(0);
  for (const t of trees)
    for (let k = 0; k < t.feature.length; k++) if (t.feature[k] >= 0) imp[t.feature[k]] += t.gain[k] * scale;
  return imp;
}

/** Check that X has the model's features, in order. */
export function checkPredictInput(where: string, features: readonly string[], X: FeatureMatrix): void {
  if (X.nFeatures !== features.length || X.names.some((nm, j) => nm !== features[j])) {
    throw new StrataError(
      "ARGUMENT",
      `${where}: X has features [${X.names.join(", ")}], the model was fit on [${features.join(", ")}]`,
      {
        hint: "build X with the model's feature names, in the same order (model.features)",
      },
    );
  }
}

/** Predictions of the first opts.nTrees trees (default: all kept trees). */
export function predictGbdt(model: GbdtModel, X: FeatureMatrix, opts: { nTrees?: number } = {}): Float64Array {
  checkPredictInput("predictGbdt", model.features, X);
  const nTrees = opts.nTrees ?? model.trees.length;
  if (!Number.isInteger(nTrees) || nTrees < 0 || nTrees > model.trees.length) {
    throw new StrataError(
      "ARGUMENT",
      `predictGbdt: opts.nTrees = ${nTrees}: expected an integer in 0…${model.trees.length}`,
    );
  }
  const out = new Float64Array(X.nRows).fill(model.baseScore);
  addTreePredictions(compileTrees(model.trees.slice(0, nTrees)), X, out);
  return out;
}
