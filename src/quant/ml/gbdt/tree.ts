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
  value: Float64Array;
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
    value: new Float64Array(total),
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
      c.value[o + k] = t.value[k];
    }
    o += t.feature.length;
  });
  c.offset[trees.length] = o;
  return c;
}

/**
 * out[i] += scale · Σ_{t ∈ [from, to)} leaf_t(x_i), trees added one at a time in order (so the
 * result is the same whether trees are added in one call or one per call).
 */
export function addTreePredictions(c: CompiledTrees, X: FeatureMatrix, out: Float64Array, from = 0, to = c.nTrees): void {
  const cols = X.columns;
  const { feature, threshold, left, right, defaultLeft, value, offset } = c;
  const n = X.nRows;
  const BLOCK = 256;
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    for (let t = from; t < to; t++) {
      const root = offset[t];
      for (let i = r0; i < r1; i++) {
        let k = root;
        let f = feature[k];
        while (f >= 0) {
          const x = cols[f][i];
          k = x <= threshold[k] ? left[k] : x !== x && defaultLeft[k] ? left[k] : right[k];
          f = feature[k];
        }
        out[i] += value[k];
      }
    }
  }
}
