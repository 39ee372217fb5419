/**
 * Growth of one tree on binned data: depth-wise (level by level, like XGBoost's default) or
 * leaf-wise (best-first by gain, Ke et al. 2017 §2 / LightGBM). Uses the histogram subtraction
 * trick (Ke et al. 2017; the parent histogram minus the smaller child's gives the larger
 * child's), so each level only scans the rows of the smaller children.
 *
 * Rows of a node occupy a contiguous segment of `rows` (kept in ascending row order by the
 * stable partition), gradients/hessians are fixed-point integers (quantize.ts), and every
 * decision is a deterministic function of exact sums, with ties broken by lowest feature
 * index, then lowest bin, then node creation order.
 */
import { StrataError } from "../../../core/errors.ts";
import type { BinnedMatrix } from "./binning.ts";
import { RESULT_STRIDE, type Kernels, gbdtKernels } from "./kernels.ts";
import type { Executor } from "./pool.ts";
import type { Tree } from "./tree.ts";

const K: Kernels = gbdtKernels();

export interface GrowConfig {
  /** Max depth (root = 0); Infinity = unlimited. */
  maxDepth: number;
  /** Max leaves (leaf-wise); Infinity = unlimited. */
  maxLeaves: number;
  leafwise: boolean;
  lambda: number;
  gamma: number;
  minChildWeight: number;
  /** Multiplies every node value (the learning rate η; 1 for forests). */
  leafScale: number;
  /** Features a node may split on (per-split sampling), drawn when the node is created; null = all active. */
  nodeFeatures?: (nodeId: number) => Uint8Array | null;
}

export interface GrownTree {
  tree: Tree;
  /** Split bin per node (−1 for leaves), for routing binned rows. */
  bin: number[];
  /** Leaves and their row segments in `rows`. */
  leaves: number[];
  leafStart: number[];
  leafEnd: number[];
  /**
   * Internal nodes whose children are leaves at maxDepth and were not partitioned (nothing
   * needs their rows apart): their rows are rows[start..end) in `routedStart`/`routedEnd`; a
   * row goes to left[k] or right[k] by its code of feature[k] (as in leafOfBinnedRow).
   */
  routed: number[];
  routedStart: number[];
  routedEnd: number[];
}

interface Node {
  id: number;
  depth: number;
  start: number;
  end: number;
  Gq: number;
  Hq: number;
  slot: number;
  mask: Uint8Array | null;
  /** A leaf at maxDepth whose rows were not separated from its sibling's (see GrownTree.routed). */
  routed?: boolean;
  best: { f: number; bin: number; dl: number; glq: number; hlq: number; gain: number } | null;
}

/** Histogram slots a tree can need at once (see docs/gbdt.md, "Memory"). */
export function slotsNeeded(cfg: Pick<GrowConfig, "maxDepth" | "maxLeaves" | "leafwise">, nRows: number): number {
  const byDepth = Number.isFinite(cfg.maxDepth) ? 2 ** Math.max(0, cfg.maxDepth - 1) : Infinity;
  const byLeaves = cfg.leafwise && Number.isFinite(cfg.maxLeaves) ? cfg.maxLeaves : Infinity;
  return Math.max(2, Math.min(byDepth, byLeaves, nRows) + 1);
}

export const MAX_HIST_BYTES = 2 ** 30;

export function checkHistMemory(nSlots: number, nFeatures: number, what: string): void {
  const bytes = nSlots * nFeatures * 512 * 8;
  if (bytes > MAX_HIST_BYTES) {
    throw new StrataError(
      "ARGUMENT",
      `${what}: histograms for ${nSlots} nodes × ${nFeatures} features need ${(bytes / 2 ** 30).toFixed(1)} GiB ` +
        `(limit 1 GiB)`,
      {
        hint: 'lower maxDepth (each extra level doubles the node count), or use growth: "leafwise" with maxLeaves',
      },
    );
  }
}

/**
 * Grow one tree from rows[0..m) (ascending; `identity` when they are exactly 0..m−1), over
 * the sorted `active` features. Gradients/hessians and their scales must already be in the
 * executor's shared state.
 *
 * Long on purpose (~240 lines): the tree under construction — nodes, histogram slots and their
 * free list, the queued jobs — is this closure's state, and alloc, runHist, reduce and expand
 * all mutate it; apart, they would be a class of the same size passing the same state around.
 */
export function growTree(
  exec: Executor,
  binned: BinnedMatrix,
  m: number,
  identity: boolean,
  active: Int32Array,
  cfg: GrowConfig,
): GrownTree {
  const S = exec.state;
  const { task, result, param, nFeatures, nSlots } = S;
  const L = K.layout(nFeatures, nSlots);
  const sg = param[2],
    sh = param[3];
  const { lambda, gamma, minChildWeight: mcw } = cfg;

  const tree: Tree = {
    feature: [],
    threshold: [],
    defaultLeft: [],
    left: [],
    right: [],
    value: [],
    gain: [],
    cover: [],
  };
  const bin: number[] = [];
  const free: number[] = [];
  for (let s = nSlots - 1; s >= 0; s--) free.push(s);
  const alloc = (): number => {
    const s = free.pop();
    if (s === undefined) throw new StrataError("INTERNAL", "gbdt: out of histogram slots");
    return s;
  };

  const nodes: Node[] = [];
  const newNode = (depth: number, start: number, end: number, Gq: number, Hq: number): Node => {
    const id = nodes.length;
    const G = Gq / sg,
      H = Hq / sh;
    const w = H + lambda > 0 ? -G / (H + lambda) : 0;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.defaultLeft.push(false);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(w * cfg.leafScale);
    tree.gain.push(0);
    tree.cover.push(H);
    bin.push(-1);
    const node: Node = {
      id,
      depth,
      start,
      end,
      Gq,
      Hq,
      slot: -1,
      mask: cfg.nodeFeatures ? cfg.nodeFeatures(id) : null,
      best: null,
    };
    nodes.push(node);
    return node;
  };

  task[K.T_NACTIVE] = active.length;
  task.set(active, L.active);
  let nBuild = 0,
    nSub = 0,
    nSplit = 0;
  const splitNodes: Node[] = [];
  const tempSlots: number[] = [];
  const pushBuild = (slot: number, start: number, end: number, ident: boolean) => {
    const o = L.build + 4 * nBuild++;
    task[o] = slot;
    task[o + 1] = start;
    task[o + 2] = end;
    task[o + 3] = ident ? 1 : 0;
  };
  const pushSub = (dst: number, src: number) => {
    const o = L.sub + 2 * nSub++;
    task[o] = dst;
    task[o + 1] = src;
  };
  const pushSplit = (node: Node) => {
    const o = L.split + 2 * nSplit;
    task[o] = node.slot;
    task[o + 1] = nSplit++;
    splitNodes.push(node);
  };
  /** Run the queued hist/sub/split tasks and turn results into node.best. */
  const runHist = (): void => {
    task[K.T_NACTIVE] = active.length;
    task[K.T_NBUILD] = nBuild;
    if (exec.threads > 1) {
      // Dense builds first, split by rows (kernels.ts, OP_HISTROWS), if there are any.
      let any = false;
      for (let k = 0; k < nBuild && !any; k++) any = K.rowSplitIndex(S, k, L.build) >= 0;
      if (any) {
        task[K.T_OP] = K.OP_HISTROWS;
        exec.run();
      }
    }
    task[K.T_OP] = K.OP_HIST;
    task[K.T_NBUILD] = nBuild;
    task[K.T_NSUB] = nSub;
    task[K.T_NSPLIT] = nSplit;
    exec.run();
    for (let k = 0; k < splitNodes.length; k++) reduce(splitNodes[k], k);
    for (const s of tempSlots) free.push(s);
    nBuild = nSub = nSplit = 0;
    splitNodes.length = 0;
    tempSlots.length = 0;
  };
  const reduce = (node: Node, r: number): void => {
    // Node totals as summed by the kernel (exact, so equal for every feature and to the parent's split).
    const o0 = (r * nFeatures + active[0]) * RESULT_STRIDE;
    node.Gq = result[o0 + 5];
    node.Hq = result[o0 + 6];
    let bestScore = -Infinity,
      bf = -1;
    for (let a = 0; a < active.length; a++) {
      const f = active[a];
      if (node.mask && !node.mask[f]) continue;
      const o = (r * nFeatures + f) * RESULT_STRIDE;
      if (result[o + 7] && result[o] > bestScore) {
        bestScore = result[o];
        bf = f;
      }
    }
    node.best = null;
    if (bf >= 0) {
      const G = node.Gq / sg,
        H = node.Hq / sh;
      const parent = (G * G) / (H + lambda);
      const gain = 0.5 * (bestScore - parent) - gamma;
      // Splits whose improvement is within rounding of the parent score are noise.
      if (gain > 0 && bestScore - parent > 1e-12 * parent) {
        const o = (r * nFeatures + bf) * RESULT_STRIDE;
        node.best = { f: bf, bin: result[o + 1], dl: result[o + 2], glq: result[o + 3], hlq: result[o + 4], gain };
      }
    }
    if (!node.best) {
      free.push(node.slot);
      node.slot = -1;
    }
  };

  const setSplit = (p: Node, lc: Node, rc: Node): void => {
    const b = p.best!;
    tree.feature[p.id] = b.f;
    tree.threshold[p.id] = binned.cuts[b.f][b.bin];
    tree.defaultLeft[p.id] = b.dl === 1;
    tree.left[p.id] = lc.id;
    tree.right[p.id] = rc.id;
    tree.gain[p.id] = b.gain;
    bin[p.id] = b.bin;
  };

  const isCandidate = (c: Node, leavesAfter: number): boolean =>
    c.depth < cfg.maxDepth && c.end - c.start >= 2 && c.Hq / sh >= 2 * mcw && leavesAfter < cfg.maxLeaves;

  // Root.
  const root = newNode(0, 0, m, 0, 0);
  if (m >= 2 && cfg.maxDepth > 0 && active.length > 0) {
    root.slot = alloc();
    pushBuild(root.slot, 0, m, identity);
    pushSplit(root);
    runHist();
  } else {
    // Totals by direct summation (exact: integer-valued terms).
    let Gq = 0,
      Hq = 0;
    for (let i = 0; i < m; i++) {
      const r = identity ? i : S.rows[i];
      Gq += S.grad[r];
      Hq += S.hess[r];
    }
    root.Gq = Gq;
    root.Hq = Hq;
  }
  {
    const G = root.Gq / sg,
      H = root.Hq / sh;
    tree.value[0] = (H + lambda > 0 ? -G / (H + lambda) : 0) * cfg.leafScale;
    tree.cover[0] = H;
  }

  let leaves = 1;
  let frontier: Node[] = root.best ? [root] : [];

  const routed: Node[] = [];
  const expand = (batch: Node[]): void => {
    // Children at maxDepth are leaves whatever their rows: skip the partition, the caller routes
    // those rows by code (depth-wise batches share one depth; leaf-wise batches hold one node).
    if (batch.every((p) => p.depth + 1 >= cfg.maxDepth)) {
      for (const p of batch) {
        const b = p.best!;
        const lc = newNode(p.depth + 1, p.start, p.end, b.glq, b.hlq);
        const rc = newNode(p.depth + 1, p.start, p.end, p.Gq - b.glq, p.Hq - b.hlq);
        lc.routed = rc.routed = true;
        setSplit(p, lc, rc);
        leaves++;
        free.push(p.slot);
        p.slot = -1;
        routed.push(p);
      }
      return;
    }
    // 1. Partition each node's rows (every thread takes a piece of every node; two phases).
    task[K.T_OP] = K.OP_PARTITION;
    task[K.T_NPART] = batch.length;
    batch.forEach((p, k) => {
      const o = L.part + 6 * k;
      task[o] = p.start;
      task[o + 1] = p.end;
      task[o + 2] = p.best!.f;
      task[o + 3] = p.best!.bin;
      task[o + 4] = p.best!.dl;
    });
    exec.run();
    task[K.T_OP] = K.OP_PLACE;
    exec.run();
    // 2. Children, then the histogram plan for each.
    batch.forEach((p, k) => {
      const b = p.best!;
      const nl = task[L.part + 6 * k + 5];
      const lc = newNode(p.depth + 1, p.start, p.start + nl, b.glq, b.hlq);
      const rc = newNode(p.depth + 1, p.start + nl, p.end, p.Gq - b.glq, p.Hq - b.hlq);
      setSplit(p, lc, rc);
      leaves++;
      const leavesAfter = cfg.leafwise ? leaves : 0;
      const cl = isCandidate(lc, leavesAfter),
        cr = isCandidate(rc, leavesAfter);
      const nL = lc.end - lc.start,
        nR = rc.end - rc.start;
      const small = nL <= nR ? lc : rc,
        large = small === lc ? rc : lc;
      const cs = small === lc ? cl : cr,
        cg = small === lc ? cr : cl;
      if (cs && cg) {
        small.slot = alloc();
        pushBuild(small.slot, small.start, small.end, false);
        pushSub(p.slot, small.slot);
        large.slot = p.slot;
        pushSplit(small);
        pushSplit(large);
      } else if (cs) {
        small.slot = p.slot;
        pushBuild(small.slot, small.start, small.end, false);
        pushSplit(small);
      } else if (cg) {
        if (free.length > 0) {
          const t = alloc();
          tempSlots.push(t);
          pushBuild(t, small.start, small.end, false);
          pushSub(p.slot, t);
        } else {
          pushBuild(p.slot, large.start, large.end, false);
        }
        large.slot = p.slot;
        pushSplit(large);
      } else {
        free.push(p.slot);
      }
      p.slot = -1;
    });
    if (nSplit > 0 || nBuild > 0) runHist();
  };

  if (cfg.leafwise) {
    while (frontier.length > 0 && leaves < cfg.maxLeaves) {
      let bi = 0;
      for (let i = 1; i < frontier.length; i++) {
        const a = frontier[i].best!.gain,
          b = frontier[bi].best!.gain;
        if (a > b || (a === b && frontier[i].id < frontier[bi].id)) bi = i;
      }
      const p = frontier[bi];
      frontier.splice(bi, 1);
      const before = nodes.length;
      expand([p]);
      for (let id = before; id < nodes.length; id++) if (nodes[id].best) frontier.push(nodes[id]);
    }
  } else {
    while (frontier.length > 0) {
      const before = nodes.length;
      expand(frontier);
      frontier = [];
      for (let id = before; id < nodes.length; id++) if (nodes[id].best) frontier.push(nodes[id]);
    }
  }
  // Release slots still held by unexpanded candidates (leaf-wise stops at maxLeaves).
  for (const n of frontier)
    if (n.slot >= 0) {
      free.push(n.slot);
      n.slot = -1;
    }

  const leafIds: number[] = [],
    leafStart: number[] = [],
    leafEnd: number[] = [];
  for (const n of nodes) {
    if (tree.feature[n.id] < 0 && !n.routed) {
      leafIds.push(n.id);
      leafStart.push(n.start);
      leafEnd.push(n.end);
    }
  }
  return {
    tree,
    bin,
    leaves: leafIds,
    leafStart,
    leafEnd,
    routed: routed.map((p) => p.id),
    routedStart: routed.map((p) => p.start),
    routedEnd: routed.map((p) => p.end),
  };
}
