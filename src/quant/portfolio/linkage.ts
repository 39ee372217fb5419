/**
 * Agglomerative hierarchical clustering of n items from a distance matrix, in the output
 * convention of SciPy's `scipy.cluster.hierarchy.linkage` (which HRP implementations use):
 * merge k creates cluster n + k; each row is [id_a, id_b, distance, size] with id_a < id_b,
 * rows in merge order (distances non-decreasing for these four reducible linkages).
 *
 * Naive O(n³) greedy merging with the Lance–Williams updates (Lance & Williams 1967; Müllner
 * 2011, "Modern hierarchical, agglomerative clustering algorithms", arXiv:1109.2378, Table 1):
 *   single   d(k, i∪j) = min(d_ki, d_kj)
 *   complete d(k, i∪j) = max(d_ki, d_kj)
 *   average  d(k, i∪j) = (n_i d_ki + n_j d_kj) / (n_i + n_j)
 *   ward     d(k, i∪j) = √(((n_k + n_i) d_ki² + (n_k + n_j) d_kj² − n_k d_ij²) / (n_i + n_j + n_k))
 * Ward's update treats the input as Euclidean distances, as SciPy does. Ties go to the pair
 * with the smallest (i, j) slot order, so the result is deterministic.
 */
import { StrataError } from "../../core/errors.ts";

export type LinkageMethod = "single" | "complete" | "average" | "ward";
export const LINKAGE_METHODS: readonly LinkageMethod[] = ["single", "complete", "average", "ward"];

export interface Merge {
  a: number;
  b: number;
  distance: number;
  size: number;
}

export function linkage(distance: ArrayLike<number>, n: number, method: LinkageMethod = "single"): Merge[] {
  if (!LINKAGE_METHODS.includes(method)) {
    throw new StrataError("ARGUMENT", `linkage: unknown method '${String(method)}'`, {
      hint: `use one of ${LINKAGE_METHODS.join(", ")}`,
    });
  }
  if (distance.length !== n * n)
    throw new StrataError("ARGUMENT", `linkage: distance matrix has ${distance.length} entries, expected ${n * n}`);
  const d = Float64Array.from(distance);
  const id = Array.from({ length: n }, (_, i) => i); // cluster id held in slot i
  const size = new Array<number>(n).fill(1);
  const alive = new Array<boolean>(n).fill(true);
  const merges: Merge[] = [];
  for (let k = 0; k < n - 1; k++) {
    let bi = -1,
      bj = -1,
      best = Infinity;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (!alive[j]) continue;
        const v = d[i * n + j];
        if (v < best || bi < 0) {
          best = v;
          bi = i;
          bj = j;
        }
      }
    }
    const ni = size[bi],
      nj = size[bj];
    for (let m = 0; m < n; m++) {
      if (!alive[m] || m === bi || m === bj) continue;
      const dki = d[m * n + bi],
        dkj = d[m * n + bj];
      let v: number;
      switch (method) {
        case "single":
          v = Math.min(dki, dkj);
          break;
        case "complete":
          v = Math.max(dki, dkj);
          break;
        case "average":
          v = (ni * dki + nj * dkj) / (ni + nj);
          break;
        case "ward": {
          const nk = size[m];
          v = Math.sqrt(
            Math.max(0, ((nk + ni) * dki * dki + (nk + nj) * dkj * dkj - nk * best * best) / (ni + nj + nk)),
          );
          break;
        }
      }
      d[m * n + bi] = d[bi * n + m] = v;
    }
    merges.push({ a: Math.min(id[bi], id[bj]), b: Math.max(id[bi], id[bj]), distance: best, size: ni + nj });
    id[bi] = n + k;
    size[bi] = ni + nj;
    alive[bj] = false;
  }
  return merges;
}

/**
 * Leaves in dendrogram order: pre-order from the root, left child (the smaller id) first —
 * SciPy's `to_tree(Z).pre_order()`, which is López de Prado's `getQuasiDiag`.
 */
export function leafOrder(merges: readonly Merge[], n: number): number[] {
  if (n === 0) return [];
  if (n === 1) return [0];
  const out: number[] = [];
  const stack = [2 * n - 2];
  while (stack.length) {
    const node = stack.pop()!;
    if (node < n) {
      out.push(node);
      continue;
    }
    const m = merges[node - n];
    stack.push(m.b, m.a);
  }
  return out;
}
