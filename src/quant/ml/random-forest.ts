/**
 * Random forest regression (Breiman 2001, "Random Forests", Machine Learning 45:5–32) on the
 * histogram tree engine of ./gbdt: each tree is grown on a bootstrap sample (drawn as integer
 * multiplicity weights), considers a fresh random subset of ⌈colsample·F⌉ features at EVERY
 * split (Breiman's mtry; per split, not per tree), and its leaves hold the (bootstrap-weighted)
 * mean of y. With g = −w·y, h = w and λ = γ = 0, the engine's gain ½[GL²/HL + GR²/HR − G²/H]
 * is half the reduction in squared error, i.e. CART's variance criterion.
 */
import { StrataError } from "../../core/errors.ts";
import type { Rng } from "../../core/rng.ts";
import type { FeatureMatrix, FitOptions } from "./types.ts";
import {
  checkAborted,
  checkFitInputs,
  createEngine,
  fixedPointScale,
  resolveThreads,
  yieldToEventLoop,
} from "./gbdt/engine.ts";
import { checkPredictInput, gainImportance } from "./gbdt/gbdt.ts";
import { checkHistMemory, growTree, slotsNeeded, type GrowConfig } from "./gbdt/grow.ts";
import { resolveForestParams, type RandomForestParams } from "./gbdt/params.ts";
import type { KernelState } from "./gbdt/kernels.ts";
import { addTreePredictions, compileTrees, type Tree } from "./gbdt/tree.ts";

export interface ForestModel {
  format: "strata-model";
  version: 1;
  kind: "random_forest";
  features: string[];
  params: RandomForestParams;
  trees: Tree[];
  /** Mean over trees of the total reduction in (bootstrap-weighted) squared error per feature. */
  importance: number[];
}

export async function fitRandomForest(
  X: FeatureMatrix,
  y: Float64Array,
  params: Partial<RandomForestParams> = {},
  opts: FitOptions = {},
): Promise<ForestModel> {
  const p = resolveForestParams(params);
  checkFitInputs("fitRandomForest", X, y, opts);
  const rng = opts.rng;
  if (!rng && (p.bootstrap || p.sampleFraction < 1 || p.colsample < 1)) {
    throw new StrataError("ARGUMENT", "fitRandomForest: bagging and feature sampling need opts.rng", {
      hint: "pass opts.rng (createRng(seed)); without randomness every tree would be the same",
    });
  }
  checkAborted(opts.signal, "fitRandomForest");
  const n = X.nRows,
    F = X.nFeatures;
  const w = opts.weights;
  const mtry = Math.max(1, Math.round(p.colsample * F));
  const rowRng = rng?.fork("forest-rows");
  const colRng = rng?.fork("forest-cols");
  const cfg: GrowConfig = {
    maxDepth: p.maxDepth,
    maxLeaves: Infinity,
    leafwise: false,
    lambda: 0,
    gamma: 0,
    minChildWeight: p.minChildWeight,
    leafScale: 1,
    nodeFeatures: mtry < F ? featureSampler(F, mtry, colRng!) : undefined,
  };
  const nSlots = slotsNeeded(cfg, n);
  checkHistMemory(nSlots, F, "fitRandomForest");
  const threads = resolveThreads(opts.threads, n, F, "fitRandomForest");
  const eng = await createEngine(X, p.maxBins, threads, nSlots);
  const { exec, binned } = eng;
  const S = exec.state;
  const draws = Math.max(1, Math.round(p.sampleFraction * n));
  const mult = new Float64Array(n);
  const allFeatures = Int32Array.from({ length: F }, (_, j) => j);
  let maxAbsWy = 0,
    maxW = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    maxAbsWy = Math.max(maxAbsWy, Math.abs(wi * y[i]));
    maxW = Math.max(maxW, wi);
  }
  const trees: Tree[] = [];
  try {
    for (let t = 0; t < p.nTrees; t++) {
      checkAborted(opts.signal, "fitRandomForest");
      drawSample(mult, p, draws, rowRng);
      const m = loadSample(S, mult, y, w, maxAbsWy, maxW);
      S.param[1] = p.minChildWeight;
      const grown = growTree(exec, binned, m, m === n, allFeatures, cfg);
      trees.push(grown.tree);
      opts.onProgress?.((t + 1) / p.nTrees, `tree ${t + 1}/${p.nTrees}`);
      await yieldToEventLoop();
    }
  } finally {
    exec.close();
  }
  return {
    format: "strata-model",
    version: 1,
    kind: "random_forest",
    features: [...X.names],
    params: p,
    trees,
    importance: gainImportance(trees, F, 2 / trees.length),
  };
}

/** A node's random feature subset: mtry distinct features of F (partial Fisher–Yates) as a 0/1 mask. */
function featureSampler(F: number, mtry: number, colRng: Rng): () => Uint8Array {
  return () => {
    const mask = new Uint8Array(F);
    const idx = Int32Array.from({ length: F }, (_, j) => j);
    for (let i = 0; i < mtry; i++) {
      const j = i + colRng.int(F - i);
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      mask[idx[i]] = 1;
    }
    return mask;
  };
}

/** Multiplicity of each row in a tree's sample: bootstrap draws, a Bernoulli subsample, or all rows once. */
function drawSample(mult: Float64Array, p: RandomForestParams, draws: number, rowRng: Rng | undefined): void {
  const n = mult.length;
  mult.fill(0);
  if (p.bootstrap) for (let d = 0; d < draws; d++) mult[rowRng!.int(n)] += 1;
  else if (p.sampleFraction < 1) for (let i = 0; i < n; i++) mult[i] = rowRng!.next() < p.sampleFraction ? 1 : 0;
  else mult.fill(1);
}

/**
 * The sampled rows into S.rows, and the tree's squared-error gradients −k·y and hessians k
 * (k = multiplicity × weight) in fixed point, with their scales in S.param (λ = 0: the leaf
 * value is the weighted mean). Returns the number of distinct rows.
 */
function loadSample(
  S: KernelState,
  mult: Float64Array,
  y: Float64Array,
  w: Float64Array | undefined,
  maxAbsWy: number,
  maxW: number,
): number {
  const n = mult.length;
  let m = 0,
    total = 0;
  for (let i = 0; i < n; i++)
    if (mult[i] > 0) {
      S.rows[m++] = i;
      total += mult[i];
    }
  const sg = fixedPointScale(maxAbsWy, total);
  const sh = fixedPointScale(maxW, total);
  for (let i = 0; i < n; i++) {
    const k = w ? mult[i] * w[i] : mult[i];
    S.grad[i] = Math.round(-k * y[i] * sg);
    S.hess[i] = Math.round(k * sh);
  }
  S.param[0] = 0;
  S.param[2] = sg;
  S.param[3] = sh;
  S.param[4] = 0;
  S.param[5] = 0;
  return m;
}

/** Mean of the trees' predictions (summed in tree order, then divided by the tree count). */
export function predictRandomForest(model: ForestModel, X: FeatureMatrix): Float64Array {
  checkPredictInput("predictRandomForest", model.features, X);
  const out = new Float64Array(X.nRows);
  if (model.trees.length === 0) return out;
  addTreePredictions(compileTrees(model.trees), X, out);
  const k = model.trees.length;
  for (let i = 0; i < out.length; i++) out[i] /= k;
  return out;
}
