/**
 * A regression tree as plain JSON-ready data, and fast prediction over column-major float32
 * features. Node 0 is the root; children always have larger indices than their parent.
 * An internal node sends x to `left` iff x ≤ threshold (a float32 value), NaN to the learned
 * default side; this reproduces the bin routing used at fit time exactly (see binning.ts).
 */
import type { FeatureMatrix } from "../types.ts";

export interface Tree {
  /** Split feature per node; −1 marks a leaf. */
  feature: number[];
  /** Float32 split threshold (left iff x ≤ threshold); 0 for leaves. */
  threshold: number[];
  /** Side taken by NaN at each internal node. */
  defaultLeft: boolean[];
  /** Child node indices; −1 for leaves. */
  left: number[];
  right: number[];
  /** Leaf output (learning rate already applied); for internal nodes the weight the node would have had. */
  value: number[];
  /** Split gain (Chen & Guestrin 2016 eq. 7, γ included); 0 for leaves. */
  gain: number[];
  /** Sum of hessians (rows × weight for squared error) reaching the node in training. */
  cover: number[];
}

/** Trees flattened into typed arrays for prediction. */
export interface CompiledTrees {
  nTrees: number;
  /** First node of tree t in the flat arrays. */
  offset: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  /** Absolute child indices; for a leaf, left = −1. */
  left: Int32Array;
  right: Int32Array;
  defaultLeft: Uint8Array;
  /** 1 − defaultLeft at internal nodes. */
  nanRight: Int32Array;
  value: Float64Array;
  /** Every internal node has right = left + 1 (true for trees grown here). */
  adjacent: boolean;
}

export function compileTrees(trees: readonly Tree[]): CompiledTrees {
  let total = 0;
  for (const t of trees) total += t.feature.length;
  const c: CompiledTrees = {
    nTrees: trees.length,
    offset: new Int32Array(trees.length + 1),
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    defaultLeft: new Uint8Array(total),
    nanRight: new Int32Array(total),
    value: new Float64Array(total),
    adjacent: true,
  };
  let o = 0;
  trees.forEach((t, ti) => {
    c.offset[ti] = o;
    for (let k = 0; k < t.feature.length; k++) {
      const leaf = t.feature[k] < 0;
      c.feature[o + k] = leaf ? -1 : t.feature[k];
      c.threshold[o + k] = t.threshold[k];
      c.left[o + k] = leaf ? -1 : o + t.left[k];
      c.right[o + k] = leaf ? -1 : o + t.right[k];
      c.defaultLeft[o + k] = t.defaultLeft[k] ? 1 : 0;
      c.nanRight[o + k] = leaf || t.defaultLeft[k] ? 0 : 1;
      if (!leaf && t.right[k] !== t.left[k] + 1) c.adjacent = false;
      c.value[o + k] = t.value[k];
    }
    o += t.feature.length;
  });
  c.offset[trees.length] = o;
  return c;
}

/**
 * out[i] += Σ_{t ∈ [from, to)} leaf_t(x_i), trees added one at a time in order (so the result is
 * the same whether trees are added in one call or one per call). Rows go in blocks copied to a
 * row-major scratch (one typed-array load per visited node instead of two).
 */
export function addTreePredictions(
  c: CompiledTrees,
  X: FeatureMatrix,
  out: Float64Array,
  from = 0,
  to = c.nTrees,
): void {
  const cols = X.columns;
  const F = X.nFeatures;
  const { feature, threshold, left, right, defaultLeft, value, offset } = c;
  const nanRight = c.nanRight;
  const n = X.nRows;
  const BLOCK = 512;
  const blk = new Float32Array(BLOCK * Math.max(1, F));
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const len = Math.min(BLOCK, n - r0);
    for (let f = 0; f < F; f++) {
      const col = cols[f];
      for (let i = 0; i < len; i++) blk[i * F + f] = col[r0 + i];
    }
    for (let t = from; t < to; t++) {
      const root = offset[t];
      for (let i = 0; i < len; i++) {
        const base = i * F;
        let k = root;
        let f = feature[k];
        if (c.adjacent) {
          // right = left + 1: pick the child arithmetically (no data-dependent branch to mispredict).
          while (f >= 0) {
            const x = blk[base + f];
            k = left[k] + (+(x > threshold[k]) | (+(x !== x) & nanRight[k]));
            f = feature[k];
          }
        } else {
          while (f >= 0) {
            const x = blk[base + f];
            k = x <= threshold[k] ? left[k] : x !== x && defaultLeft[k] ? left[k] : right[k];
            f = feature[k];
          }
        }
        out[r0 + i] += value[k];
      }
    }
  }
}
